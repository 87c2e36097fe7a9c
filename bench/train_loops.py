"""Training-loop speed on seed 002's MLP GAN: gankit's trainer vs the fastest hand-written loop.

Side by side in one run, at batch 64 and 256, same models (fresh copies, same seed), same data
pipeline, same algorithm, timings interleaved (``benchkit.measure``: rounds in alternating order,
median per loop):

* ``ref_xla``: the fastest reasonable hand-written loop: one ``tf.function(jit_compile=True)``
  running ``k`` (50) fused D+G steps per call in an in-graph loop over ``k`` batches from the
  pipeline, stateless noise, no metrics (``benchkit.reference_loop``); ``ref``: the same
  without XLA (``--refs`` adds ``ref_xla_step``: XLA per step, as Keras compiles it). The
  fastest of them in this run is the reference of the ``ratio`` column;
* ``gankit_xla_loop``: ``gk.train.CombinedGAN`` as notebook 01 trains it (``gan.train``,
  ``steps_per_execution=k``, ``jit_compile=True, xla_loop=True``: the ``k`` steps of a call in one
  XLA program, :mod:`gankit.train.fused`); ``gankit_xla``: XLA per step in Keras' loop;
  ``gankit``: the same without XLA;
* ``seed``: seed 002's loop as written (``generator.predict`` + three ``train_on_batch``), with
  the Keras 3 fix (``discriminator.trainable = True`` around D's updates); ``--no-seed`` skips it.

Prints a table (loop, batch, steps/s, images/s, ratio to the fastest reference, the median of
per-round ratios with a 95 % bootstrap interval and their range, the ratio of steps per CPU second
of this process: steadier than wall-clock time when other jobs share the machine); the last line
is one JSON object with the same numbers. ``--control`` adds a second copy of the first reference:
the same program timed twice, whose ratio shows how far this run's noise alone moves a ratio.

Each timed round is one ``gan.train`` call of about ``--seconds`` (6; see ``dcgan_step.py``).
Run: ``python bench/train_loops.py`` (about 5 minutes on 2 CPU cores); ``--quick`` for a smoke
run; ``--help`` for rounds, seconds and ``k``. Only ratios from one run mean anything here: the
same loop's speed varies 2x between days on these shared machines.
"""

from __future__ import annotations

import sys
from pathlib import Path

import gankit as gk
from gankit import reference

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit as bk  # noqa: E402


def main() -> None:
    p = bk.parser(__doc__.split("\n")[0], k=50, seconds=6, rounds=3, refs=["ref_xla", "ref"])
    p.add_argument("--no-seed", dest="seed", action="store_false", help="skip the seed's literal loop")
    args = bk.apply_quick(p.parse_args())
    result = bk.header()
    x = bk.real_data()
    for batch in args.batches:
        loops = bk.reference_loops(args.refs, bk.seed002_pair, x, batch, k=args.k, control=args.control)
        variants = (("gankit_xla_loop", True, True), ("gankit_xla", True, False), ("gankit", False, False))
        for name, jit, xla_loop in [v for v in variants if bk.wanted(v[0], args)]:
            gan = gk.train.CombinedGAN(*bk.fresh(reference.seed002_models))
            loops[name] = bk.gankit_loop(gan, x, batch, steps_per_execution=args.k, jit_compile=jit, xla_loop=xla_loop,
                                         api=args.api, log_every=args.log_every)
        if args.seed:
            loops["seed"] = bk.seed_loop(x, batch)
        samples = bk.measure(loops, args.rounds, args.seconds)
        print(bk.TABLE_HEADER)
        result[f"b{batch}"] = bk.report(batch, samples, references=args.refs)
    bk.finish(result)


if __name__ == "__main__":
    main()
