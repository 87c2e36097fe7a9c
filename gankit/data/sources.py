"""What every dataset source shares: where files live, the splits, and trying sources in order.

A loader (:func:`gankit.data.load_mnist`, :func:`gankit.data.load_fashion_mnist`) lists its
sources, each a name and a function; :func:`first_that_works` calls them in order, prints why each
one that fails was skipped, and returns the first answer. A source that exists but cannot be used
raises :class:`SourceError` with a one-line reason; one that is not there raises :class:`Absent`
(not printed, only listed in the final error).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import numpy as np

from gankit import checks, download

T = TypeVar("T")

SPLITS = ("train", "test", "all")

REPO_ROOT = Path(__file__).resolve().parents[2]


class SourceError(Exception):
    """A source exists but cannot be used; the message is a one-line reason."""


class Absent(SourceError):
    """A source is not there (no file, offline mode); the message says what is missing."""


def check_split(split: str) -> str:
    """Returns ``split`` if it is one of :data:`SPLITS`, else raises ``ValueError``."""
    return checks.choice(split, "split", SPLITS)


def split_word(split: str) -> str:
    """``"train+test"`` for ``"all"``, else the split's name (for source tags)."""
    return "train+test" if split == "all" else split


def keras_home() -> Path:
    """Keras's folder, ``$KERAS_HOME`` (default ``~/.keras``), as in Keras."""
    home = os.environ.get("KERAS_HOME", "").strip()
    return Path(home).expanduser() if home else Path.home() / ".keras"


def data_dir() -> Path:
    """Returns the folder where the offline copy is written (and looked for first).

    ``GANKIT_DATA_DIR`` if set; else the repository's ``data/`` folder if it exists and is
    writable; else ``~/.cache/gankit``. The folder may not exist yet.
    """
    env = os.environ.get("GANKIT_DATA_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    repo_data = REPO_ROOT / "data"
    if repo_data.is_dir() and os.access(repo_data, os.W_OK):
        return repo_data
    return Path.home() / ".cache" / "gankit"


def show(path: Path) -> str:
    """A short path for messages: relative to the repo or the working folder, or ``~/...``, else absolute."""
    path = Path(path)
    for base, prefix in ((REPO_ROOT, ""), (Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def validate_xy(x: np.ndarray, y: np.ndarray, what: str) -> None:
    """Raises :class:`SourceError` unless ``x`` is uint8 ``(N, 28, 28)`` and ``y`` ``(N,)`` in 0..9."""
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        raise SourceError(f"{what}: images are {x.dtype} {x.shape}, expected uint8 (N, 28, 28)")
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise SourceError(f"{what}: labels have shape {y.shape}, expected ({x.shape[0]},)")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise SourceError(f"{what}: labels outside 0..9")


def online(offline: bool, fetch: Callable[[], T]) -> T:
    """Runs ``fetch`` (which downloads, then reads) unless ``offline``; a failed download is a :class:`SourceError`."""
    if offline:
        raise SourceError("off (offline mode)")  # said, so that a learner sees why nothing was downloaded
    try:
        return fetch()
    except download.DownloadError as error:
        raise SourceError(str(error)) from error


Source = Callable[[], "tuple[np.ndarray, np.ndarray, str]"]
"""A source: returns ``(images, labels, tag)``, or raises :class:`Absent` or :class:`SourceError`."""


def first_that_works(
    dataset: str, sources: Sequence[tuple[str, Source]], *, verbose: bool, fix: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """Calls ``sources`` in order and returns the first answer, printing its tag.

    Args:
        dataset: the name in messages, e.g. ``"MNIST"``.
        sources: ``(name, source)`` pairs, tried in order.
        verbose: print the tag of the source used (``"<dataset> source: <tag>"``) and a reason for
            each source that is there but unusable (``"<dataset> source skipped: <name>: <reason>"``).
        fix: what to do when none works, for the error message.

    Raises:
        RuntimeError: when no source works: ``"No <dataset> source available (<reasons>). To fix: <fix>."``
    """
    reasons: list[str] = []
    for name, source in sources:
        try:
            images, labels, tag = source()
        except SourceError as error:
            reasons.append(f"{name}: {error}")
            if verbose and not isinstance(error, Absent):
                print(f"{dataset} source skipped: {name}: {error}")
            continue
        if verbose:
            print(f"{dataset} source: {tag}")
        return images, labels, tag
    raise RuntimeError(f"No {dataset} source available ({'; '.join(reasons)}). To fix: {fix}.")
