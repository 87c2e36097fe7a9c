"""gk.data.load_tfds_images: tfds datasets online, bounded; tested offline with tfds's mock data."""

from __future__ import annotations

import time

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from gankit import download  # noqa: E402
from gankit.data import tfds_images  # noqa: E402


@pytest.fixture
def answering(monkeypatch):
    """The download server 'answers' (no network is touched); tfds's preparation is mocked."""
    monkeypatch.setattr(download, "probe", lambda url, timeout=3.0: None)


def test_div2k_photos_come_back_as_uint8_rgb_arrays(answering, tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        photos = tfds_images.load_tfds_images("div2k/bicubic_x4", "validation", key="hr", data_dir=tmp_path)
    assert len(photos) == 3
    assert all(p.dtype == np.uint8 and p.ndim == 3 and p.shape[2] == 3 for p in photos)


def test_limit_and_cycle_gan_splits(answering, tmp_path):
    with tfds.testing.mock_data(num_examples=5):
        apples = tfds_images.load_tfds_images("cycle_gan/apple2orange", "trainA", limit=2, data_dir=tmp_path)
    assert len(apples) == 2 and apples[0].shape[2] == 3


def test_a_key_the_dataset_lacks_is_named(tmp_path):
    with pytest.raises(ValueError, match="no feature 'image'.*'hr'"):
        tfds_images.load_tfds_images("div2k/bicubic_x4", "validation", data_dir=tmp_path)


def test_offline_mode_fails_within_seconds_without_downloading(monkeypatch, tmp_path):
    monkeypatch.setenv("GANKIT_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(download.DownloadError, match="not downloaded here and cannot be.*offline mode"):
        tfds_images.load_tfds_images("div2k/bicubic_x4", "validation", key="hr", data_dir=tmp_path)
    assert time.perf_counter() - start < 10
    assert not any(tmp_path.rglob("*.zip"))


def test_the_broken_cycle_gan_source_says_what_to_use_instead(monkeypatch, tmp_path):
    monkeypatch.setattr(download, "probe", lambda url, timeout=3.0: "HTTP 404 Not Found")
    with pytest.raises(download.DownloadError, match="efrosgans.*tensorflow/datasets#5134.*MNIST-M"):
        tfds_images.load_tfds_images("cycle_gan/horse2zebra", "trainA", data_dir=tmp_path)


def test_probe_of_a_silent_server_returns_within_its_bound(monkeypatch):
    monkeypatch.delenv("GANKIT_OFFLINE", raising=False)

    def hanging_urlopen(request, timeout):  # a DNS lookup that hangs: no socket timeout helps
        time.sleep(30)

    monkeypatch.setattr(download.urllib.request, "urlopen", hanging_urlopen)
    start = time.perf_counter()
    reason = download.probe("http://example.invalid/never-answers.zip", timeout=0.5)
    assert reason == "unreachable (no answer within 1.0 s)"
    assert time.perf_counter() - start < 3


def test_probe_reports_an_http_error(monkeypatch):
    monkeypatch.delenv("GANKIT_OFFLINE", raising=False)

    def not_found(request, timeout):
        raise download.urllib.error.HTTPError(request.full_url, 404, "Not Found", {}, None)

    monkeypatch.setattr(download.urllib.request, "urlopen", not_found)
    assert download.probe("http://example.invalid/x.zip") == "HTTP 404 Not Found"
