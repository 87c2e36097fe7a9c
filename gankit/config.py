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

from gankit import checks

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


def is_interactive() -> bool:
    """True in a learner's own Jupyter or Colab session; False when a tool runs the notebook.

    ``python -m gankit.run``, ``make test`` and CI set ``GANKIT_MODE`` for the kernel; a learner's
    session does not. Cells that only make sense with a person watching (a live TensorBoard) check
    this first.
    """
    return "GANKIT_MODE" not in os.environ


def pick(quick: T, full: T) -> T:
    """Returns ``quick`` in quick mode and ``full`` in full mode.

    Example:
        >>> steps = pick(quick=200, full=15_000)
    """
    return quick if is_quick() else full


def budget_scale() -> float:
    """``GANKIT_BUDGET_SCALE`` as a number: the factor on every full-mode budget (default 1).

    Raises:
        ValueError: if ``GANKIT_BUDGET_SCALE`` is not a positive number.
    """
    raw = os.environ.get("GANKIT_BUDGET_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        scale = -1.0
    if not scale > 0:
        raise ValueError(f"GANKIT_BUDGET_SCALE={raw!r} must be a positive number (1 = the notebook's own budgets).")
    return scale


def budget(quick: float, full: float) -> float:
    """A training budget (seconds or steps): :func:`pick` of the two, in full mode times
    ``GANKIT_BUDGET_SCALE`` (default 1).

    ``tools/gpu_check.sh`` runs notebook 3 in full mode with its budgets scaled down to fit its
    time slot; the RESULT card records the budget used. A notebook that needs whole steps rounds
    the result itself (e.g. to a multiple of its logging interval).

    Raises:
        ValueError: if ``GANKIT_BUDGET_SCALE`` is not a positive number.
    """
    if is_quick():
        return quick
    return full * budget_scale()


def checks_claims() -> bool:
    """Whether a notebook asserts the claims of its prose: in full mode at its own budgets only.

    Quick mode and scaled budgets (``GANKIT_BUDGET_SCALE`` other than 1) train too little for the
    stored run's comparisons to hold, so their notebooks print the numbers without asserting them.

    Raises:
        ValueError: if ``GANKIT_BUDGET_SCALE`` is not a positive number.
    """
    return not is_quick() and budget_scale() == 1


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
    seed = checks.integer(seed, "seed", minimum=0)
    import keras  # imported here, not at the top: `import gankit` (which imports config) stays free of TensorFlow

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    return seed
