"""Argument checks shared by every gankit module: one place, one wording.

Library functions check a learner's arguments up front and raise ``ValueError`` in plain words
(never ``assert``, which ``python -O`` removes, and never a ``TypeError`` from deep inside
TensorFlow). Each helper returns the value converted to a plain Python type.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def is_integer(value: Any) -> bool:
    """True for Python and NumPy integers, False for ``bool`` (which Python counts as an int)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(value: Any, name: str, *, minimum: int | None = None, optional: bool = False) -> int | None:
    """Checks that ``value`` is a whole number, at least ``minimum``.

    Args:
        value: the argument.
        name: its name, as the learner wrote it.
        minimum: the smallest allowed value, or ``None``.
        optional: ``None`` is allowed (and returned).

    Returns:
        ``int(value)`` (or ``None``).

    Raises:
        ValueError: if it is not an integer (``True``/``False`` and ``2.0`` included) or too small.
    """
    if value is None and optional:
        return None
    if not is_integer(value) or (minimum is not None and value < minimum):
        what = {None: "an integer", 0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
        _fail(name, what, optional, value)
    return int(value)


def _fail(name: str, what: str, optional: bool, value: Any) -> None:
    raise ValueError(f"{name} must be {what}{' or None' if optional else ''}, got {value!r}.")


def number(
    value: Any, name: str, *, positive: bool = False, minimum: float | None = None, optional: bool = False
) -> float | None:
    """Checks that ``value`` is a finite real number (``positive``: > 0; ``minimum``: >= it).

    Returns:
        ``float(value)`` (or ``None`` when ``optional``).

    Raises:
        ValueError: if it is not a finite number, or out of range.
    """
    if value is None and optional:
        return None
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    ok = ok and bool(np.isfinite(value))
    if ok and positive:
        ok = value > 0
    if ok and minimum is not None:
        ok = value >= minimum
    if not ok:
        what = "a positive number" if positive else "a finite number" if minimum is None else f"a number >= {minimum}"
        _fail(name, what, optional, value)
    return float(value)


def choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Checks that ``value`` is one of ``choices``.

    Raises:
        ValueError: naming the allowed values.
    """
    choices = tuple(choices)
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}.")
    return value
