"""gankit.perceptual: VGG19 weights load from the cache or fail fast and clearly."""

import time

import pytest

from gankit import perceptual


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_weights_path_follows_keras_home(empty_cache):
    assert perceptual.weights_path() == empty_cache / "models" / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


def test_offline_without_cached_weights_is_a_fast_clear_error(empty_cache, monkeypatch):
    monkeypatch.setenv("GANKIT_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="not cached.*GANKIT_OFFLINE"):
        perceptual.vgg_features()
    assert time.monotonic() - start < 5


def test_unreachable_server_is_a_fast_clear_error_and_leaves_no_file(empty_cache, monkeypatch):
    monkeypatch.setenv("GANKIT_OFFLINE", "0")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="not cached.*unreachable"):
        perceptual._fetch_weights(1.0, url="http://127.0.0.1:9/vgg19.h5")  # nothing listens on port 9
    assert time.monotonic() - start < 5
    assert not perceptual.weights_path().exists()
    assert not list(empty_cache.rglob("*.part"))  # no partial download left behind


def test_the_download_is_bounded_and_checked_by_md5(empty_cache, monkeypatch):
    from gankit import download

    calls = []

    def fake_download(url, dest, **kwargs):
        calls.append(kwargs)
        raise download.ChecksumError("download rejected: md5 0123456789ab... of 15 bytes does not match")

    monkeypatch.setenv("GANKIT_OFFLINE", "0")
    monkeypatch.setattr(download, "download", fake_download)
    with pytest.raises(RuntimeError, match="MD5"):
        perceptual._fetch_weights(1.0)
    assert calls[0]["md5"] == perceptual.VGG19_MD5 and calls[0]["max_bytes"] > perceptual.VGG19_BYTES
    assert not perceptual.weights_path().exists()
