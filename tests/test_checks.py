"""gankit.checks: the argument checks every module shares."""

import math

import numpy as np
import pytest

from gankit import checks


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_integer_accepts_python_and_numpy_integers(value):
    out = checks.integer(value, "steps", minimum=1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 2.0, np.float32(2.0), "2", None, [2]])
def test_integer_rejects_bools_floats_and_other_types(value):
    with pytest.raises(ValueError, match=r"^steps must be an integer"):
        checks.integer(value, "steps")


@pytest.mark.parametrize(
    "minimum, value, words",
    [(1, 0, "a positive integer"), (0, -1, "a non-negative integer"), (2, 1, "an integer >= 2")],
)
def test_integer_minimum_is_named_in_the_message(minimum, value, words):
    with pytest.raises(ValueError, match=f"^batch_size must be {words}, got {value}"):
        checks.integer(value, "batch_size", minimum=minimum)
    assert checks.integer(minimum, "batch_size", minimum=minimum) == minimum  # the minimum itself is allowed


def test_integer_optional_allows_none_only_when_asked():
    assert checks.integer(None, "limit", minimum=1, optional=True) is None
    with pytest.raises(ValueError, match="limit must be a positive integer or None, got 0"):
        checks.integer(0, "limit", minimum=1, optional=True)
    with pytest.raises(ValueError, match="^limit must be a positive integer, got None"):
        checks.integer(None, "limit", minimum=1)


@pytest.mark.parametrize("value", [0.5, 2, np.float32(0.5), np.int64(2), 1e-12])
def test_number_accepts_finite_reals_and_returns_a_float(value):
    out = checks.number(value, "lr", positive=True)
    assert out == pytest.approx(float(value)) and type(out) is float


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan"), True, "0.1", None, 1j])
def test_number_rejects_nan_inf_bools_and_other_types(value):
    with pytest.raises(ValueError, match=r"^lr must be a finite number"):
        checks.number(value, "lr")


def test_number_range_and_optional():
    with pytest.raises(ValueError, match="^lr must be a positive number, got 0"):
        checks.number(0, "lr", positive=True)
    with pytest.raises(ValueError, match="^weight must be a number >= 0, got -0.5"):
        checks.number(-0.5, "weight", minimum=0)
    assert checks.number(0, "weight", minimum=0) == 0.0
    assert checks.number(None, "budget", positive=True, optional=True) is None
    with pytest.raises(ValueError, match="^budget must be a positive number or None"):
        checks.number(-1, "budget", positive=True, optional=True)


def test_choice_returns_the_value_or_names_every_allowed_one():
    assert checks.choice("quick", "mode", ("quick", "full")) == "quick"
    assert checks.choice("b", "key", {"a": 1, "b": 2}) == "b"  # any iterable: a dict's keys
    with pytest.raises(ValueError, match="^mode must be one of 'quick', 'full'; got 'fast'"):
        checks.choice("fast", "mode", ["quick", "full"])


def test_is_integer():
    assert checks.is_integer(np.int16(1)) and checks.is_integer(-5)
    assert not checks.is_integer(True) and not checks.is_integer(1.0) and not checks.is_integer(np.bool_(False))
