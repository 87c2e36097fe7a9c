"""Tests of gankit.config: modes and seeding."""

import numpy as np
import pytest

import gankit as gk


def test_mode_defaults_to_full_and_reads_the_environment(monkeypatch):
    monkeypatch.delenv("GANKIT_MODE", raising=False)
    assert gk.config.mode() == "full" and not gk.config.is_quick()
    assert gk.config.pick(quick=1, full=2) == 2
    monkeypatch.setenv("GANKIT_MODE", " Quick ")
    assert gk.config.mode() == "quick" and gk.config.pick(quick=1, full=2) == 1


def test_unknown_mode_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GANKIT_MODE", "fast")
    with pytest.raises(ValueError, match="GANKIT_MODE=quick"):
        gk.config.mode()


def test_seed_everything_makes_numpy_and_keras_repeatable():
    import keras

    def draw():
        gk.config.seed_everything(7)
        return np.random.rand(3), keras.ops.convert_to_numpy(keras.random.normal((3,)))

    (a1, b1), (a2, b2) = draw(), draw()
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_seed_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        gk.config.seed_everything(bad)


def test_interactive_means_no_tool_set_the_mode(monkeypatch):
    monkeypatch.delenv("GANKIT_MODE", raising=False)
    assert gk.config.is_interactive()
    monkeypatch.setenv("GANKIT_MODE", "quick")  # make test, CI
    assert not gk.config.is_interactive()
    monkeypatch.setenv("GANKIT_MODE", "full")  # python -m tools.run
    assert not gk.config.is_interactive()


def test_budget_scales_only_full_mode_budgets(monkeypatch):
    monkeypatch.setenv("GANKIT_MODE", "full")
    monkeypatch.delenv("GANKIT_BUDGET_SCALE", raising=False)
    assert gk.config.budget(quick=8, full=330) == 330
    monkeypatch.setenv("GANKIT_BUDGET_SCALE", "0.25")
    assert gk.config.budget(quick=8, full=330) == 82.5
    monkeypatch.setenv("GANKIT_MODE", "quick")
    assert gk.config.budget(quick=8, full=330) == 8
    monkeypatch.setenv("GANKIT_MODE", "full")
    for bad in ("0", "-1", "fast"):
        monkeypatch.setenv("GANKIT_BUDGET_SCALE", bad)
        with pytest.raises(ValueError, match="GANKIT_BUDGET_SCALE"):
            gk.config.budget(quick=8, full=330)


def test_the_gpu_budget_is_one_switch(monkeypatch):
    monkeypatch.setenv("GANKIT_MODE", "full")
    monkeypatch.delenv("GANKIT_BUDGET_SCALE", raising=False)
    monkeypatch.setenv("GANKIT_BUDGET", "gpu")
    assert gk.config.pick(quick=1, full=2, gpu=3) == 3 and gk.config.budget(quick=1, full=2, gpu=30) == 30
    assert gk.config.pick(quick=1, full=2) == 2  # no GPU budget given: the CPU one
    assert not gk.config.checks_claims()  # the text's numbers are the CPU budget's
    monkeypatch.setenv("GANKIT_BUDGET", "cpu")
    assert gk.config.pick(quick=1, full=2, gpu=3) == 2 and gk.config.checks_claims()
    monkeypatch.setenv("GANKIT_MODE", "quick")
    monkeypatch.setenv("GANKIT_BUDGET", "gpu")
    assert gk.config.pick(quick=1, full=2, gpu=3) == 1
    monkeypatch.setenv("GANKIT_MODE", "full")
    monkeypatch.setenv("GANKIT_BUDGET", "tpu")
    with pytest.raises(ValueError, match="GANKIT_BUDGET='tpu' is not a budget; use auto"):
        gk.config.pick(quick=1, full=2, gpu=3)


@pytest.mark.slow
def test_the_automatic_budget_follows_the_devices_tensorflow_sees(monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv("GANKIT_MODE", "full")
    monkeypatch.delenv("GANKIT_BUDGET", raising=False)
    assert gk.config.budget_kind() == ("gpu" if tf.config.list_physical_devices("GPU") else "cpu")


def test_checks_claims_only_in_full_mode_at_full_budget(monkeypatch):
    monkeypatch.delenv("GANKIT_BUDGET_SCALE", raising=False)
    monkeypatch.setenv("GANKIT_BUDGET", "cpu")
    monkeypatch.setenv("GANKIT_MODE", "full")
    assert gk.config.checks_claims() and gk.config.budget_scale() == 1
    monkeypatch.setenv("GANKIT_BUDGET_SCALE", "0.25")
    assert not gk.config.checks_claims() and gk.config.budget_scale() == 0.25
    monkeypatch.setenv("GANKIT_MODE", "quick")
    monkeypatch.delenv("GANKIT_BUDGET_SCALE")
    assert not gk.config.checks_claims()
    monkeypatch.setenv("GANKIT_BUDGET_SCALE", "none")
    with pytest.raises(ValueError, match="GANKIT_BUDGET_SCALE"):
        gk.config.budget_scale()
