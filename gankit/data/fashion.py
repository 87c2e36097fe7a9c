"""Fashion-MNIST from a folder of IDX files (yours, Keras's cache, Debian's package) or the network.

Fashion-MNIST (Xiao et al., 2017) has MNIST's format (28x28 grey, 10 classes, 60,000 train and
10,000 test images) with clothing instead of digits (:data:`FASHION_CLASSES`). Its four files are
gzipped IDX files, read by :func:`read_idx` without TensorFlow. :func:`load_fashion_mnist` uses
the first source that works: ``GANKIT_FASHION_DIR`` if set; Keras's cache
(:func:`fashion_cache_dir`, what ``keras.datasets.fashion_mnist.load_data()`` downloads);
Debian's ``dataset-fashion-mnist`` package (:data:`FASHION_DEBIAN_DIR`); online, the same four
files into Keras's cache, with :func:`gankit.download.download`'s never-hang rules.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from gankit import checks, download
from gankit.data import sources
from gankit.data.sources import Absent, SourceError

FASHION_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
FASHION_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Where Keras downloads Fashion-MNIST's four files from; override with ``GANKIT_FASHION_URL``."""
FASHION_MAX_BYTES = 64 * 2**20
"""The largest file (train images) has 26 MB; a server sending more than this is stopped."""
FASHION_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's ``dataset-fashion-mnist`` package puts the four files."""
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FASHION_HINT = (
    "install Debian/Ubuntu's package (`apt-get install dataset-fashion-mnist`), connect to the "
    "internet, or set GANKIT_FASHION_DIR to a folder holding the four *-ubyte.gz files"
)


def fashion_cache_dir() -> Path:
    """Keras's Fashion-MNIST folder, ``$KERAS_HOME/datasets/fashion-mnist``."""
    return sources.keras_home() / "datasets" / "fashion-mnist"


def load_fashion_mnist(
    split: str = "train", *, offline: bool | None = None, timeout: float = 3.0, verbose: bool = True
) -> tuple[np.ndarray, np.ndarray, str]:
    """Loads Fashion-MNIST (60,000 train and 10,000 test images of 10 kinds of clothing).

    Sources, first that works: see the module docstring.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"``.
        offline, timeout, verbose: as in :func:`gankit.data.load_mnist`.

    Returns:
        ``(images, labels, source)``: uint8 ``(N, 28, 28)``, uint8 ``(N,)`` in 0..9
        (:data:`FASHION_CLASSES`), and a one-line description of the source.

    Raises:
        ValueError: on a bad ``split`` or ``timeout``.
        RuntimeError: if no source is available; the message says how to provide one.
    """
    sources.check_split(split)
    timeout = checks.number(timeout, "timeout", positive=True)
    if offline is None:
        offline = download.offline_mode()
    folders = [("keras cache", fashion_cache_dir()), ("debian", FASHION_DEBIAN_DIR)]
    if os.environ.get("GANKIT_FASHION_DIR", "").strip():
        folders.insert(0, ("GANKIT_FASHION_DIR", Path(os.environ["GANKIT_FASHION_DIR"].strip()).expanduser()))
    candidates = [
        (label, lambda label=label, folder=folder: _from_folder(label, folder, split)) for label, folder in folders
    ]
    candidates.append(("online", lambda: sources.online(offline, lambda: _from_download(split, timeout))))
    return sources.first_that_works("Fashion-MNIST", candidates, verbose=verbose, fix=FASHION_HINT)


def read_idx(path: Path, kind: int) -> np.ndarray:
    """Reads a gzipped IDX file: ``kind`` 3 for images ``(N, 28, 28)``, 1 for labels ``(N,)``.

    Raises:
        SourceError: if the file cannot be read or is not such an IDX file.
    """
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except Exception as e:
        raise SourceError(f"cannot read {sources.show(path)} ({type(e).__name__}: {e})") from e
    header = 4 + 4 * kind
    if len(raw) < header or int.from_bytes(raw[:4], "big") != 2048 + kind:
        raise SourceError(f"{sources.show(path)} is not an IDX{kind} file")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(kind)]
    if kind == 3 and dims[1:] != [28, 28] or len(raw) != header + int(np.prod(dims)):
        raise SourceError(f"{sources.show(path)} has dimensions {dims} and {len(raw)} bytes; not 28x28 Fashion-MNIST")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def _load_folder(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    parts = ["train", "test"] if split == "all" else [split]
    xs, ys = [], []
    for part in parts:
        images, labels = FASHION_FILES[part]
        missing = [n for n in (images, labels) if not (folder / n).is_file()]
        if missing:
            raise SourceError(f"{sources.show(folder)} lacks {', '.join(missing)}")
        x, y = read_idx(folder / images, 3), read_idx(folder / labels, 1)
        sources.validate_xy(x, y, sources.show(folder / images))
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def _from_folder(label: str, folder: Path, split: str) -> tuple[np.ndarray, np.ndarray, str]:
    if not folder.is_dir():
        raise Absent(f"no {sources.show(folder)}")
    x, y = _load_folder(folder, split)
    return x, y, f"{label}: {len(x)} {sources.split_word(split)} images ({sources.show(folder)})"


def _from_download(split: str, timeout: float) -> tuple[np.ndarray, np.ndarray, str]:
    """Downloads the missing files into Keras's cache (each checked by parsing), then reads them."""
    base = os.environ.get("GANKIT_FASHION_URL", "").strip() or FASHION_URL
    folder = fashion_cache_dir()
    for images, labels in FASHION_FILES.values():
        for name, kind in ((images, 3), (labels, 1)):
            dest = folder / name
            if dest.is_file():
                continue
            download.download(base + name, dest, timeout=timeout, max_bytes=FASHION_MAX_BYTES)
            try:
                read_idx(dest, kind)
            except SourceError:
                dest.unlink()  # our own download, not a user's file
                raise
    x, y = _load_folder(folder, split)
    return x, y, f"online: {len(x)} {sources.split_word(split)} images, downloaded to {sources.show(folder)}"
