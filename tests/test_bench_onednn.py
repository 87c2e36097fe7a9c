"""bench/onednn.py: each setting runs in a fresh process, and TensorFlow honours it there."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "onednn.py"


@pytest.mark.slow
@pytest.mark.bench
def test_onednn_bench_measures_both_settings_in_fresh_processes():
    out = subprocess.run([sys.executable, str(BENCH), "--quick", "--models", "mlp", "--settings", "off", "on"],
                         capture_output=True, text=True, check=True, timeout=600)  # "default": a third process
    result = json.loads(out.stdout.strip().splitlines()[-1])["mlp"]
    assert result["onednn"]["on"] is True and result["onednn"]["off"] is False, result
    assert set(result["steps_per_s"]) == {"off", "on"}, result
    assert all(speed > 0 for speed in result["steps_per_s"].values()), result
    assert result["on_over_off"] > 0, result
