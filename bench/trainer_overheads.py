"""Where gankit's trainer loses time against the fastest hand-written loop (diagnostic bench).

Times, interleaved in one run, variants of ``gk.train.CombinedGAN`` (subclasses that override one
method each; gankit itself is not changed) against the hand-written references of
``benchkit.reference_loop``, on seed 002's MLP GAN (``--model mlp``) or the DCGAN (``--model dcgan``):

* ``ref_xla``: the reference, XLA over the whole ``k``-step loop (the fastest for the MLP);
* ``ref_xla_step``: the same step, but XLA per step inside a non-XLA in-graph loop over
  the same stacked batches, as Keras' ``steps_per_execution`` runs a ``jit_compile`` step;
* ``gankit``: ``gan.train`` (``fit``) as notebooks call it; ``gankit_autotune``: the same on a
  pipeline with tf.data autotuning on (see ``benchkit.AUTOTUNE_DATA``: each ``train`` call may
  wait at its end); ``gankit_fn``: its compiled train function on a persistent iterator (no
  ``fit``: a new iterator and callbacks per call);
* ``no_trackers``: the step's values are the logs, without the ``keras.metrics.Mean`` updates
  (``track``); ``lean``: also without D's mean outputs and accuracies (``d_report``), losses
  only;
* ``fused`` (``fused_fit``: through ``gan.train``): ``compile(xla_loop=True)`` (gankit.train.fused): one XLA
  program runs all ``steps_per_execution`` steps over the batches taken from the iterator at
  once (like ``ref_xla``), trackers and all; ``fused_lean``: both. (The step no longer checks its batch: ``gk.train.train``
  checks the images in the input pipeline, ``gankit.train.inputs.checked_dataset``.)

Run: ``python bench/trainer_overheads.py --model mlp --batches 64`` (``--help`` for the loops).
This script overrides the trainer's methods (``track``, ``d_report``, ``compile``), so it follows ``CombinedGAN``'s code as of this writing; ``make bench``
does not run it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import gankit as gk
from gankit import reference

import tensorflow as tf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit as bk  # noqa: E402

CombinedGAN = gk.train.CombinedGAN


class NoTrackers(CombinedGAN):
    """No ``keras.metrics.Mean`` updates: the step's raw values are the logs."""

    def track(self, values):
        return values


class Lean(NoTrackers):
    """Also no probabilities, accuracies or mean outputs of D (``d_report``): the losses only."""

    def d_report(self, outputs):
        return {}


class Fused(CombinedGAN):
    """With ``jit_compile=True``: all ``steps_per_execution`` steps of a call in one XLA program
    over ``k`` batches read from the iterator first, instead of Keras' non-XLA ``tf.while_loop``
    that launches an XLA-compiled step (and reads one batch) per iteration."""

    def compile(self, **kwargs):
        super().compile(**{**kwargs, "xla_loop": kwargs.get("jit_compile", False)})  # gankit.train.fused


class FusedLean(Fused, Lean):
    """``fused`` and ``lean`` together."""


VARIANTS = {"gankit": CombinedGAN, "gankit_autotune": CombinedGAN, "gankit_fn": CombinedGAN, "no_trackers": NoTrackers,
            "lean": Lean, "fused": Fused, "fused_fit": Fused,
            "fused_lean": FusedLean}


def main() -> None:
    p = bk.parser(__doc__.split("\n")[0], k=50, seconds=4.0, rounds=5, refs=["ref_xla", "ref"])
    p.add_argument("--model", choices=("mlp", "dcgan"), default="mlp")
    p.add_argument("--loops", nargs="+", default=["ref_xla", "ref_xla_step", "gankit", "gankit_fn", "no_trackers",
                                                   "lean", "fused"],
                   help="from: ref_xla ref ref_xla_step " + " ".join(VARIANTS))
    p.add_argument("--no-xla", dest="xla", action="store_false", help="trainer variants without XLA")
    args = bk.apply_quick(p.parse_args())
    result = bk.header()
    x = bk.real_data()
    mlp = args.model == "mlp"
    pair = bk.seed002_pair if mlp else bk.dcgan_pair
    models = reference.seed002_models if mlp else reference.dcgan_models
    for batch in args.batches:
        loops = {}
        for name in args.loops:
            if name in bk.REFERENCES:
                loops.update(bk.reference_loops([name], pair, x, batch, k=args.k, from_logits=not mlp))
            else:
                api = "train" if name in ("gankit", "gankit_autotune", "fused_fit") else "function"
                loops[name] = bk.gankit_loop(VARIANTS[name](*bk.fresh(models)), x, batch, steps_per_execution=args.k,
                                             jit_compile=args.xla, api=api,
                                             autotune=True if name == "gankit_autotune" else None)
        samples = bk.measure(loops, args.rounds, args.seconds)
        print(bk.TABLE_HEADER)
        result[f"b{batch}"] = bk.report(batch, samples, references=[n for n in bk.REFERENCES if n in loops])
    bk.finish(result)


if __name__ == "__main__":
    main()
