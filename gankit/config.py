"""Run configuration: quick vs full mode, and one call that makes a run repeatable.

The course runs every notebook in one of two modes, chosen by the ``GANKIT_MODE`` environment
variable:

* ``full`` (default): what a learner runs and what the stored notebooks show.
* ``quick``: the same code path with fewer steps and less data, used by CI (``GANKIT_MODE=quick``).
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np

T = TypeVar("T")

MODES = ("quick", "full")


def mode() -> str:
    """Returns the run mode, ``"quick"`` or ``"full"``, read from ``GANKIT_MODE``.

    Raises:
        ValueError: if ``GANKIT_MODE`` is set to something else.
    """
    value = os.environ.get("GANKIT_MODE", "full").strip().lower() or "full"
    if value not in MODES:
        raise ValueError(
            f"GANKIT_MODE={value!r} is not a mode; use GANKIT_MODE=quick (CI) or GANKIT_MODE=full."
        )
    return value


def is_quick() -> bool:
    """True when running in quick mode."""
    return mode() == "quick"


def pick(quick: T, full: T) -> T:
    """Returns ``quick`` in quick mode and ``full`` in full mode.

    Example:
        >>> steps = pick(quick=200, full=15_000)
    """
    return quick if is_quick() else full


def seed_everything(seed: int) -> int:
    """Seeds Python, NumPy, TensorFlow and Keras so a run is repeatable.

    Wraps ``keras.utils.set_random_seed`` (which seeds ``random``, ``numpy`` and the backend) and
    also sets ``PYTHONHASHSEED`` for subprocesses.

    Args:
        seed: a non-negative integer.

    Returns:
        The seed, for logging.

    Raises:
        ValueError: if ``seed`` is not a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    import keras  # imported lazily: gankit.config stays importable without TensorFlow loaded

    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    return seed
