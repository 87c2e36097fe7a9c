"""bench/benchkit.py's statistics: the paired ratio, its interval, and the A/A control row."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SPEC = importlib.util.spec_from_file_location("benchkit", Path(__file__).resolve().parents[1] / "bench" / "benchkit.py")
bk = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bk)


def test_the_interval_of_identical_ratios_has_no_width():
    assert bk.paired_interval([1.02] * 7) == pytest.approx((1.02, 1.02))


def test_the_interval_holds_the_median_and_narrows_with_more_rounds():
    rng = np.random.default_rng(1)
    few, many = 1 + 0.05 * rng.standard_normal(5), 1 + 0.05 * rng.standard_normal(80)
    for ratios in (few, many):
        low, high = bk.paired_interval(list(ratios))
        assert min(ratios) <= low <= np.median(ratios) <= high <= max(ratios)
    assert np.subtract(*bk.paired_interval(list(many))[::-1]) < np.subtract(*bk.paired_interval(list(few))[::-1])


def test_report_pairs_rounds_and_never_takes_the_control_as_the_reference(capsys):
    # Round 2 is a slow spell for everyone: the paired ratios cancel it, the loops' own medians do not.
    samples = {
        "ref_xla": [(100.0, 50.0), (50.0, 25.0), (100.0, 50.0)],
        "control": [(110.0, 55.0), (55.0, 27.5), (110.0, 55.0)],  # faster, but a copy of a reference
        "gankit": [(95.0, 47.5), (47.5, 23.75), (95.0, 47.5)],
    }
    rows = bk.report(64, samples, references=["ref_xla"])
    assert rows["fastest_reference"] == "ref_xla"
    assert rows["gankit"]["paired"] == pytest.approx(0.95) and rows["gankit"]["paired_ci95"] == [0.95, 0.95]
    assert rows["control"]["ratio"] == pytest.approx(1.1) and rows["control"]["cpu_ratio"] == pytest.approx(1.1)
    assert "<- fastest reference" in capsys.readouterr().out.splitlines()[0]
