"""The prepared GPU check: one call on a GPU machine, one JSON summary (docs/gpu.md).

Usage::

    bash tools/gpu_check.sh          # on a GPU machine: under 9 minutes on one GPU
    bash tools/gpu_check.sh --dry    # on any CPU: every step at its smallest size (CI runs this)

Steps, each timed and reported even when it fails:

1. ``device``: what TensorFlow sees, the GPU's compute capability, the precision and XLA choices of
   :mod:`gankit.precision`, and :func:`gankit.device.placement` of one D and one G step;
2. ``notebooks_quick``: all six notebooks in quick mode under strict nbval, as ``make test`` runs
   them (``--dry``: only collected);
3. ``notebook_03``: notebook 3 in full mode on a copy (the stored notebook is never touched), its
   wall-clock budgets scaled by ``GANKIT_BUDGET_SCALE`` (default 0.25 here: the two 330 s races
   would not fit the 9 minutes) and its RESULT card (``--dry``: the command is checked with
   ``--help`` and the stored card read; CI executes the notebook in quick mode anyway);
4. ``bench``: ``bench/train_loops.py`` and ``bench/dcgan_step.py``, each in float32 and in the
   device's mixed-precision policy, gankit's loops with and without XLA beside the fastest
   hand-written loop (``--dry``: ``--quick`` without XLA, the MLP in ``mixed_bfloat16`` and the
   DCGAN in float32: bfloat16 convolutions are emulated on a CPU and take seconds a step).

Steps 2 and 3 run side by side (the machine has many cores); the benches run alone after them.
The share of the device's peak is not stated: these small models are bound by kernel launches,
not by arithmetic, so a FLOP share would say little.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (python tools/gpu_check.py): import tools.run from the root
    sys.path.insert(0, str(ROOT))
NBVAL = ["--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider"]


def device_step(dry: bool) -> dict:
    """Devices, precision and XLA choices, and where one D and one G step ran."""
    import tensorflow as tf

    import gankit as gk
    from gankit import reference

    info = gk.device.describe()
    strategy = gk.device.strategy(info)
    with strategy.scope():
        gan = gk.train.CombinedGAN(*reference.dcgan_models(), frozen_d_batchnorm="batch")
        gan.compile()
    real = tf.random.uniform((8 if dry else 64, 28, 28, 1), -1, 1)
    return {"summary": info.summary(), "tensorflow": info.tensorflow, "keras": info.keras,
            "compute_capability": gk.precision.compute_capability(info),
            "policy": gk.precision.recommended_policy(info),
            "jit": {kind: gk.precision.recommended_jit(kind, info) for kind in ("dense", "conv")},
            "placement": gk.device.placement(gan, real, strategy)}


def start_notebooks(dry: bool) -> subprocess.Popen:
    """All six notebooks, quick mode, strict nbval (``--dry``: collected only)."""
    command = [sys.executable, "-m", "pytest", "-q", "notebooks", *NBVAL]
    command += ["--collect-only"] if dry else ["-n", "4", "--dist", "loadfile"]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "GANKIT_MODE": "quick"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def notebooks_result(process: subprocess.Popen, timeout: float) -> dict:
    out, _ = process.communicate(timeout=timeout)
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|errors?|skipped|tests? collected)", out)}
    return {"returncode": process.returncode, **counts, "tail": out.strip().splitlines()[-3:]}


def start_notebook_03(dry: bool, copy: Path) -> subprocess.Popen:
    """Notebook 3 on a copy, full mode with scaled budgets (``--dry``: not executed, ``tools.run
    --help`` checks the command; the stored card is read through the same code)."""
    shutil.copy(ROOT / "notebooks" / "03_dcgan.ipynb", copy)
    env = {**os.environ, "GANKIT_BUDGET_SCALE": os.environ.get("GANKIT_BUDGET_SCALE", "0.25")}
    env.pop("GANKIT_MODE", None)  # tools.run sets it from --full
    command = [sys.executable, "-m", "tools.run", str(copy), "--full"]
    return subprocess.Popen(command + (["--help"] if dry else []), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def notebook_03_result(process: subprocess.Popen, copy: Path, timeout: float) -> dict:
    from tools.run import read_result

    out, _ = process.communicate(timeout=timeout)
    card = read_result(copy) if process.returncode == 0 else None  # --dry: the stored run's card
    keep = ("mode", "steps", "train_seconds", "budget_s", "fd_dcgan", "fd_mlp", "fd_mlp_at_dcgan_steps",
            "fd_real_vs_real", "fd_ratio_to_real", "mlp_steps", "device")
    return {"returncode": process.returncode, "budget_scale": os.environ.get("GANKIT_BUDGET_SCALE", "0.25"),
            "result": {k: card[k] for k in keep if card and k in card}, "tail": out.strip().splitlines()[-3:]}


def bench_step(dry: bool, policy: str, timeout: float) -> dict:
    """Both benches under one precision policy; their last line is a JSON summary."""
    args = ["--quick", "--refs", "ref", "--only", "gankit"] if dry else ["--batches", "64", "512", "--rounds", "2", "--seconds", "2"]
    results = {}
    for script in ("train_loops.py", "dcgan_step.py"):
        extra = ["--no-seed"] if script == "train_loops.py" else []
        precision = "float32" if dry and script == "dcgan_step.py" else policy
        out = subprocess.run([sys.executable, f"bench/{script}", *args, *extra, "--precision", precision], cwd=ROOT,
                             capture_output=True, text=True, timeout=timeout)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        results[script] = json.loads(lines[-1]) if out.returncode == 0 and lines else {
            "returncode": out.returncode, "tail": (out.stdout + out.stderr).strip().splitlines()[-3:]}
    return results


def failures(summary: dict, path: str = "") -> list[str]:
    """Where the summary reports an error or a non-zero return code, as ``step/part`` paths."""
    found = []
    for key, value in summary.items():
        if isinstance(value, dict):
            if "error" in value or value.get("returncode"):
                found.append(f"{path}{key}")
            else:
                found += failures(value, f"{path}{key}/")
    return found


def timed(summary: dict, name: str, run) -> None:
    start = time.time()
    try:
        summary[name] = run()
    except Exception as error:  # a failed step is reported, the others still run
        summary[name] = {"error": f"{type(error).__name__}: {error}"}
    summary.setdefault("seconds", {})[name] = round(time.time() - start, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry", action="store_true", help="every step at its smallest size, on any CPU (CI)")
    parser.add_argument("--deadline", type=float, default=510, help="seconds for the whole check (default 510)")
    args = parser.parse_args(argv)
    start = time.time()
    left = lambda: max(10.0, args.deadline - (time.time() - start))
    summary: dict = {"date": datetime.date.today().isoformat(), "dry": args.dry}
    timed(summary, "device", lambda: device_step(args.dry))
    copy = ROOT / "notebooks" / "03_dcgan.gpu_check.ipynb"
    processes: list[subprocess.Popen] = []
    try:
        processes += [start_notebooks(args.dry), start_notebook_03(args.dry, copy)]
        timed(summary, "notebooks_quick", lambda: notebooks_result(processes[0], left()))
        timed(summary, "notebook_03", lambda: notebook_03_result(processes[1], copy, left()))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        copy.unlink(missing_ok=True)
    policy = summary.get("device", {}).get("policy", "float32")
    for name in ["mixed_bfloat16"] if args.dry else dict.fromkeys(("float32", policy)):
        timed(summary, f"bench_{name}", lambda: bench_step(args.dry, name, left()))
    summary["total_seconds"] = round(time.time() - start, 1)
    summary["failed"] = failures(summary)
    summary["ok"] = not summary["failed"]
    print(json.dumps(summary, default=str))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
