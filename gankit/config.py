"""Run configuration: quick vs full mode, and one call that makes a run repeatable.

The course runs every notebook in one of two modes, chosen by the ``GANKIT_MODE`` environment
variable:

* ``full`` (default): what a learner runs and what the stored notebooks show.
* ``quick``: the same code path with fewer steps and less data, used by CI (``GANKIT_MODE=quick``).

Full mode has two sets of budgets, chosen by one switch, ``GANKIT_BUDGET``:

* ``cpu``: the stored run's budgets, sized for a 2-core laptop CPU; the claims of the text are
  checked against these;
* ``gpu``: more steps, more seeds, all the data, for a GPU, where the same steps take a fraction of
  the time;
* ``auto`` (default): ``gpu`` where TensorFlow sees a GPU, else ``cpu``.
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np

from gankit import checks

T = TypeVar("T")

MODES = ("quick", "full")
BUDGETS = ("auto", "cpu", "gpu")


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

    ``python -m tools.run``, ``make test`` and CI set ``GANKIT_MODE`` for the kernel; a learner's
    session does not. Cells that only make sense with a person watching (a live TensorBoard) check
    this first.
    """
    return "GANKIT_MODE" not in os.environ


def budget_kind() -> str:
    """``"cpu"`` or ``"gpu"``: which full-mode budgets the notebooks use, from ``GANKIT_BUDGET``.

    ``auto`` (the default) imports TensorFlow and picks ``"gpu"`` where it sees a GPU.

    Raises:
        ValueError: if ``GANKIT_BUDGET`` is not ``auto``, ``cpu`` or ``gpu``.
    """
    value = os.environ.get("GANKIT_BUDGET", "auto").strip().lower() or "auto"
    if value not in BUDGETS:
        raise ValueError(f"GANKIT_BUDGET={value!r} is not a budget; use auto (the default: gpu where TensorFlow sees a "
                         "GPU), cpu (the stored runs' budgets) or gpu.")
    if value == "auto":
        import tensorflow as tf  # here, not at the top: `import gankit` stays free of TensorFlow

        value = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
    return value


def pick(quick: T, full: T, gpu: T | None = None) -> T:
    """Returns ``quick`` in quick mode, else ``gpu`` under the GPU budget (when given), else ``full``.

    Example:
        >>> steps = pick(quick=200, full=15_000, gpu=60_000)
    """
    if is_quick():
        return quick
    return gpu if gpu is not None and budget_kind() == "gpu" else full


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


def budget(quick: float, full: float, gpu: float | None = None) -> float:
    """A training budget (seconds or steps): :func:`pick` of the three, in full mode times
    ``GANKIT_BUDGET_SCALE`` (default 1).

    A scaled run (e.g. a full-mode run shortened to fit a time slot) records the budget used in its
    RESULT card, and its claims only warn (:mod:`gankit.claims`). A notebook that needs whole steps rounds
    the result itself (e.g. to a multiple of its logging interval).

    Raises:
        ValueError: if ``GANKIT_BUDGET_SCALE`` is not a positive number.
    """
    if is_quick():
        return quick
    return pick(quick, full, gpu) * budget_scale()


def checks_claims() -> bool:
    """Whether this run is the stored run's configuration: full mode at the CPU budgets, unscaled.

    Only such a run can be held to the numbers of the text (:mod:`gankit.claims`): quick mode and
    scaled budgets train too little, the GPU budgets train more.

    Raises:
        ValueError: if ``GANKIT_BUDGET_SCALE`` or ``GANKIT_BUDGET`` is not valid.
    """
    return not is_quick() and budget_scale() == 1 and budget_kind() == "cpu"


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
