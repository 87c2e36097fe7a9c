"""oneDNN on or off: the course's trainer on this CPU with ``TF_ENABLE_ONEDNN_OPTS=0`` and ``=1``.

TensorFlow decides at start-up whether its CPU kernels use oneDNN: by default on CPUs with some
newer instruction sets (most recent Intel ones), *off* elsewhere (many AMD CPUs). The setting is
read once, when TensorFlow is imported, so each measurement is a fresh process (``--child``), and
the two settings alternate round by round (this machine's speed drifts; only the ratio taken in
one run means anything). Each child trains ``gk.train.CombinedGAN`` the notebooks' way (no XLA,
as notebook 3 trains its DCGAN), warms up, then times ``--steps`` steps of ``gan.train``.

Models: ``dcgan`` (``gk.reference.dcgan_models``: convolutions, batch norm) and ``mlp`` (seed 002's
MLP GAN), batch 64. Prints steps/s per setting (median over rounds), the ratio on/off, and whether
TensorFlow reported oneDNN on (``default`` is the process without the variable). The last line is
one JSON object. Run: ``python bench/onednn.py`` (7 minutes on 2 CPU cores on 12-01); ``--quick``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SETTINGS = {"default": None, "off": "0", "on": "1"}


def child(model: str, steps: int, batch: int) -> None:
    """Times ``steps`` training steps of ``model`` in this process; prints one JSON line."""
    import gankit as gk
    from gankit import reference
    from tensorflow.python.util import _pywrap_util_port

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import benchkit as bk

    models = reference.dcgan_models if model == "dcgan" else reference.seed002_models
    gan = gk.train.CombinedGAN(*bk.fresh(models))
    gan.compile(steps_per_execution=3)
    data = bk.dataset(bk.real_data(2_000), batch)
    gan.train(data, 6, log_every=3, progress=False)  # trace and warm up
    start = time.perf_counter()
    gan.train(data, 6 + steps, log_every=3, progress=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"steps_per_s": steps / seconds, "onednn": bool(_pywrap_util_port.IsMklEnabled())}))


def run_child(model: str, setting: str, steps: int, batch: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if SETTINGS[setting] is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = SETTINGS[setting]
    out = subprocess.run([sys.executable, __file__, "--child", model, "--steps", str(steps), "--batch", str(batch)],
                         env=env, capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--child", choices=["dcgan", "mlp"], help=argparse.SUPPRESS)
    p.add_argument("--models", nargs="+", default=["dcgan", "mlp"], choices=["dcgan", "mlp"])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--steps", type=int, default=0, help="timed steps per child (default: dcgan 60, mlp 600)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS),
                   help="which settings to time (default: all; on / off needs both)")
    p.add_argument("--quick", action="store_true", help="a smoke run: 1 round, few steps")
    args = p.parse_args()
    if args.child:
        return child(args.child, args.steps, args.batch)
    rounds = 1 if args.quick else args.rounds
    result = {"bench": "onednn", "cpu_cores": os.cpu_count(), "batch": args.batch}
    for model in args.models:
        steps = args.steps or (6 if args.quick else {"dcgan": 60, "mlp": 600}[model])
        settings = list(dict.fromkeys(args.settings))
        samples = {name: [] for name in settings}
        for r in range(rounds):
            for name in (settings if r % 2 == 0 else settings[::-1]):
                samples[name].append(run_child(model, name, steps, args.batch))
        speed = {name: statistics.median(s["steps_per_s"] for s in runs) for name, runs in samples.items()}
        onednn = {name: runs[0]["onednn"] for name, runs in samples.items()}
        for name in settings:
            print(f"{model:6s} {name:8s} oneDNN {'on ' if onednn[name] else 'off'} {speed[name]:8.2f} steps/s")
        result[model] = {"steps_per_s": {k: round(v, 2) for k, v in speed.items()}, "onednn": onednn}
        for other in ("off", "default"):
            if "on" in speed and other in speed:
                print(f"{model:6s} on / {other}: {speed['on'] / speed[other]:.2f}x")
                result[model][f"on_over_{other}"] = round(speed["on"] / speed[other], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
