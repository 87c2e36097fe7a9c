"""tools/gpu_check.sh --dry: the prepared GPU check runs every step on a CPU, so it cannot rot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_gpu_check_dry_runs_every_step_and_prints_one_json_summary():
    out = subprocess.run(["bash", "tools/gpu_check.sh", "--dry"], cwd=ROOT, capture_output=True, text=True,
                         timeout=400, env={**os.environ, "PY": sys.executable})
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert out.returncode == 0 and summary["ok"], out.stdout[-3000:] + out.stderr[-3000:]
    expected = "GPU:0" if summary["device"]["compute_capability"] else "CPU:0"
    assert summary["device"]["placement"]["g_step"]["loss"] == [expected]
    assert summary["notebooks_quick"]["tests collected"] >= 6 or summary["notebooks_quick"].get("test collected")
    assert summary["notebook_03"]["result"]["fd_dcgan"] > 0  # the stored card, read through the check's code
    for script, precision in (("train_loops.py", "mixed_bfloat16"), ("dcgan_step.py", "float32")):
        run = summary["bench_mixed_bfloat16"][script]
        assert run["precision"] == precision and run["b16"]["fastest_reference"] == "ref"
        assert all(row["steps_per_s"] > 0 for name, row in run["b16"].items() if name != "fastest_reference")
    assert not (ROOT / "notebooks" / "03_dcgan.gpu_check.ipynb").exists()  # its copy is cleaned up
