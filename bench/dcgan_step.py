"""DCGAN training-step speed: gankit's trainer vs a hand-written fused GradientTape step.

Same models (``gankit.reference.dcgan_models``: seed 001's DCGAN rules, batch norm in G and D), same
data pipeline, same algorithm: D updated on a real and a fake batch normalised separately, then G
through D frozen (D's batch norm in inference mode). Timings are interleaved (``train_loops.rates``).

* ``gankit``: ``CombinedGAN``'s compiled step, ``steps_per_execution=10``, no XLA (``gankit_xla``: with XLA);
* ``fused``: one ``tf.function`` step per batch, called from Python (the TF DCGAN tutorial's loop).

Prints steps/s and the ratio gankit/fused per batch size; the last line is one JSON object.
Run: ``python bench/dcgan_step.py`` (about 4 minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import gankit as gk
from gankit import reference

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_loops  # noqa: E402
from train_loops import dataset, rates, real_data  # noqa: E402


def gankit_loop(x, batch: int, spe: int = 10, jit_compile: bool = False):
    """gankit's compiled training function (what ``fit`` runs, ``spe`` steps per call) on a persistent
    iterator. Calling ``gan.train`` per timing chunk instead would add a new ``fit()`` per chunk
    (iterator rebuilt through the shuffle buffer, callbacks): a cost a notebook pays once per run.
    That made an earlier version of this bench read 0.53x."""
    gan = gk.train.CombinedGAN(*reference.dcgan_models())
    gan.compile(steps_per_execution=spe, jit_compile=jit_compile)
    gan.make_train_function()
    iterator = iter(dataset(x, batch))

    def run():
        gan.train_function(iterator)
        return spe

    return run


def fused_loop(x, batch: int):
    models = (reference.dcgan_generator(), reference.dcgan_discriminator())
    return train_loops.fused_loop(x, batch, models=models, from_logits=True, chunk=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="timing per loop and batch size")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--xla", action="store_true", help="also time gankit with XLA")
    args = parser.parse_args()
    info = gk.device.describe()
    print(f"device: {info.summary()}; TensorFlow {info.tensorflow}, Keras {info.keras}, Python {platform.python_version()}")
    x = real_data()
    result: dict[str, object] = {"device": info.summary()}
    for batch in args.batches:
        gk.config.seed_everything(0)
        loops = {"fused": fused_loop(x, batch), "gankit": gankit_loop(x, batch)}
        if args.xla:
            loops["gankit_xla"] = gankit_loop(x, batch, jit_compile=True)
        speed = rates(loops, args.seconds, args.rounds)
        for name, value in speed.items():
            print(f"batch {batch:4d}  {name:10s} {value:7.2f} steps/s ({value * batch:6.0f} images/s)")
        ratio = speed["gankit"] / speed["fused"]
        print(f"batch {batch:4d}  gankit/fused = {ratio:.2f}x")
        result[f"b{batch}"] = {**{f"{k}_steps_per_s": round(v, 2) for k, v in speed.items()}, "gankit_vs_fused": round(ratio, 3)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
