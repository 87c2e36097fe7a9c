"""DCGAN training speed: gankit's trainer vs the fastest hand-written loop.

Same models (``gankit.reference.dcgan_models``: seed 001's DCGAN rules, batch norm in G and D,
logit D; fresh copies, same seed), same data pipeline, same algorithm: D updated on a real and a
fake batch normalised separately, then G through D frozen (D's batch norm in inference mode).
Timings interleaved (``benchkit.measure``: rounds in alternating order, median per loop):

* ``ref_xla_step``: the fastest reasonable hand-written loop here: one ``tf.function`` running
  ``k`` fused D+G steps per call in an in-graph loop over ``k`` batches from the pipeline, each
  step compiled with XLA, stateless noise, no metrics (``benchkit.reference_loop``); ``ref``:
  the same without XLA. ``--refs`` can add ``ref_xla`` (XLA over the whole loop, the fastest for
  the MLP of ``train_loops.py``), left out by default: on 2 CPU cores it runs this DCGAN about
  14x slower than ``ref_xla_step`` (measured at batch 64), and its steps would take the whole
  time budget. The fastest reference in this run is the one of the ``ratio`` column;
* ``gankit_xla``: ``gk.train.CombinedGAN`` (``gan.train``, ``steps_per_execution=k``,
  ``jit_compile=True``); ``gankit``: the same without XLA. (``xla_loop=True``, the MLP's best,
  is left out for the reason ``ref_xla`` is.)

``k`` defaults to 3, not 50: a step takes about half a second at batch 64 and two at batch 256 on
2 CPU cores, so the per-call overhead that many steps per call saves (well under a millisecond a
call) is nothing here, and 50 steps per call would not fit a few-minute bench (``--k 50`` works).

Prints a table (loop, batch, steps/s, images/s, ratio to the fastest reference, the median of
per-round ratios with a 95 % bootstrap interval and their range, the ratio of steps per CPU
second); the last line is one JSON object. ``--control``: as in ``train_loops.py``.
Each timed round is one ``gan.train`` call of about ``--seconds`` (10): long enough that ``fit``'s
start-up (a new iterator over the shuffled pipeline, callbacks: a few tenths of a second) weighs
about as much as in a notebook's run of minutes; 2.5 s rounds charged it 5-15 %.
Run: ``python bench/dcgan_step.py`` (about 6 minutes on 2 CPU cores); ``--quick`` for a smoke run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import gankit as gk
from gankit import reference

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit as bk  # noqa: E402


def main() -> None:
    p = bk.parser(__doc__.split("\n")[0], k=3, seconds=10, rounds=3, refs=["ref_xla_step", "ref"])
    args = bk.apply_quick(p.parse_args())
    result = bk.header()
    x = bk.real_data()
    for batch in args.batches:
        loops = bk.reference_loops(args.refs, bk.dcgan_pair, x, batch, k=args.k, from_logits=True, control=args.control)
        for name, jit in [v for v in (("gankit_xla", True), ("gankit", False)) if bk.wanted(v[0], args)]:
            gan = gk.train.CombinedGAN(*bk.fresh(reference.dcgan_models))
            loops[name] = bk.gankit_loop(gan, x, batch, steps_per_execution=args.k, jit_compile=jit, api=args.api,
                                         log_every=args.log_every)
        samples = bk.measure(loops, args.rounds, args.seconds)
        print(bk.TABLE_HEADER)
        result[f"b{batch}"] = bk.report(batch, samples, references=args.refs)
    bk.finish(result)


if __name__ == "__main__":
    main()
