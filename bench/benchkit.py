"""Shared parts of the speed benches: data, the hand-written reference loop, gankit's loop, timing, table.

The project's rule for speed goals: compare, side by side in one run, with the fastest reasonable
reference, and trust only ratios taken in that run (the same loop varies 2x between days on these
shared machines). This module provides the pieces ``train_loops.py`` (seed 002's MLP GAN) and
``dcgan_step.py`` (a DCGAN) share:

* :func:`reference_loop`: the fastest reasonable hand-written loop for the *same algorithm* as
  ``gk.train.CombinedGAN``: one traced ``tf.function`` (with or without XLA) that runs ``k`` fused
  D+G steps per call in an in-graph ``tf.range`` loop over ``k`` real batches taken from the same
  ``tf.data`` pipeline in one piece (``dataset.batch(k)``), stateless noise, no metrics;
* :func:`gankit_loop`: ``gk.train.CombinedGAN`` as the notebooks run it (``gan.train`` ->
  ``fit``, ``steps_per_execution``), or its compiled train function on a persistent iterator;
* :func:`measure`: interleaved timing rounds (order reversed every other round), wall-clock and
  CPU time per round;
* :func:`report`: the table (loop, batch, median steps/s, ratio to the fastest reference, range
  of the per-round ratios, ratio of steps per CPU second).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from typing import Callable

import numpy as np

import gankit as gk
from gankit import reference

import keras
import tensorflow as tf

Loop = Callable[[int], int]
"""A loop under test: ``run(calls)`` runs ``calls`` chunks of training steps (for the compiled
loops, ``calls`` compiled calls of ``k`` steps) and returns how many steps it ran."""

REFERENCES = {
    "ref_xla": dict(jit_compile=True, xla_scope="loop"),
    "ref_xla_step": dict(jit_compile=True, xla_scope="step"),
    "ref": dict(jit_compile=False),
}
"""The hand-written reference loops (:func:`reference_loop`): XLA over the whole ``k``-step loop,
XLA per step inside a non-XLA ``k``-step loop, no XLA. Which is fastest depends on the model and
the machine (on 2 CPU cores: ``ref_xla`` for the MLP; ``ref_xla_step`` for the DCGAN, whose
``ref_xla`` is about 14x slower)."""


# --- data ---------------------------------------------------------------------------------------
def real_data(n: int = 10_000) -> np.ndarray:
    """Real MNIST digits in [-1, 1] (any source gk.data finds), float32 ``(n, 28, 28, 1)``."""
    x, _, _ = gk.data.load_mnist(verbose=False)
    return gk.data.scale_images(x[:n])[..., None].astype("float32")


AUTOTUNE_DATA = False
"""Whether :func:`dataset` leaves tf.data's autotuning on (the benches' ``--autotune``).

Off by default: with it on, deleting an iterator of the pipeline (``fit`` does, at the end of
every ``gan.train`` call) blocks until tf.data's autotuning thread next wakes up, at 10 ms x 2^n
- 10 ms after the iterator was made (measured with TensorFlow 2.21: an iterator used for 4.3 s
is deleted at 5.1 s, one used for 7 s at 10.2 s, one used for 11 s at 20.5 s). That is a cost
per ``train`` call, not per step, and a bench made of few-second ``train`` calls would mostly
measure where its chunks end. The hand-written loops keep their iterators, so they never pay it.
For in-memory MNIST the pipeline's speed does not depend on autotuning (a batch takes well under
a millisecond, a training step tens of milliseconds)."""


def dataset(x: np.ndarray, batch: int, autotune: bool | None = None) -> tf.data.Dataset:
    """The pipeline every loop reads: shuffled, repeated, full batches, prefetched; tf.data's
    autotuning on if ``autotune`` (default: :data:`AUTOTUNE_DATA`)."""
    ds = (
        tf.data.Dataset.from_tensor_slices(x)
        .shuffle(len(x), seed=0)
        .repeat()
        .batch(batch, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    if not (AUTOTUNE_DATA if autotune is None else autotune):
        options = tf.data.Options()
        options.autotune.enabled = False
        ds = ds.with_options(options)
    return ds


# --- the hand-written reference --------------------------------------------------------------
def reference_loop(
    generator: keras.Model,
    discriminator: keras.Model,
    x: np.ndarray,
    batch: int,
    *,
    k: int = 50,
    jit_compile: bool = True,
    from_logits: bool = False,
    seed: int = 0,
    xla_scope: str = "loop",
) -> Loop:
    """The fastest reasonable hand-written loop: ``k`` fused GAN steps per call of one ``tf.function``.

    The algorithm is ``CombinedGAN``'s (default settings): D's step on a real batch (label 1) and a
    fake batch (label 0), normalised separately if D has batch norm, else in one concatenated pass;
    then G's step through D in inference mode, gradients for G only. Adam(2e-4, 0.5) for each.
    Noise is stateless (seeded by a step counter). Each call gets ``k`` batches as one tensor
    ``(k, batch, ...)`` from ``dataset(x, batch).batch(k)`` (so XLA can compile the whole loop)
    and returns the last losses; nothing else is computed.

    ``xla_scope="step"`` (with ``jit_compile``): XLA compiles one step, called ``k`` times from a
    non-XLA in-graph loop, as Keras' ``steps_per_execution`` does with ``jit_compile=True``.
    """
    g, d = generator, discriminator
    latent = int(g.inputs[0].shape[1])
    d_opt, g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt.build(d.trainable_variables)
    g_opt.build(g.trainable_variables)
    bce = keras.losses.BinaryCrossentropy(from_logits=from_logits)
    d_has_bn = any(isinstance(layer, keras.layers.BatchNormalization) for layer in d._flatten_layers())
    counter = tf.Variable(0, dtype=tf.int32, trainable=False)

    def one_step(real):
        n = tf.shape(real)[0]
        step = counter.assign_add(1)
        fake = g(tf.random.stateless_normal((n, latent), seed=tf.stack([seed, 2 * step])), training=True)
        fake = tf.cast(fake, real.dtype)  # mixed precision: G computes in 16 bits, the data is float32
        with tf.GradientTape() as tape:
            if d_has_bn:
                p_real, p_fake = d(real, training=True), d(fake, training=True)
            else:
                both = d(tf.concat([real, fake], 0), training=True)
                p_real, p_fake = both[:n], both[n:]
            d_loss = 0.5 * (bce(tf.ones_like(p_real), p_real) + bce(tf.zeros_like(p_fake), p_fake))
        d_opt.apply_gradients(zip(tape.gradient(d_loss, d.trainable_variables), d.trainable_variables))
        z = tf.random.stateless_normal((n, latent), seed=tf.stack([seed, 2 * step + 1]))
        with tf.GradientTape() as tape:
            p_fake = d(g(z, training=True), training=False)
            g_loss = bce(tf.ones_like(p_fake), p_fake)
        g_opt.apply_gradients(zip(tape.gradient(g_loss, g.trainable_variables), g.trainable_variables))
        return d_loss, g_loss

    if xla_scope not in ("loop", "step"):
        raise ValueError(f"xla_scope must be 'loop' or 'step', got {xla_scope!r}.")
    step_fn = tf.function(one_step, jit_compile=True) if jit_compile and xla_scope == "step" else one_step

    @tf.function(jit_compile=jit_compile and xla_scope == "loop")
    def k_steps(stacked):
        losses = (tf.constant(0.0), tf.constant(0.0))
        for i in tf.range(tf.shape(stacked)[0]):
            losses = step_fn(stacked[i])
        return losses

    iterator = iter(dataset(x, batch).batch(k))

    def run(calls: int = 1) -> int:
        for _ in range(calls):
            k_steps(next(iterator))
        return calls * k

    return run


def reference_loops(names, pair: Callable[[], tuple], x: np.ndarray, batch: int, *, k: int,
                    from_logits: bool = False, control: bool = False) -> dict[str, Loop]:
    """The :data:`REFERENCES` named in ``names``, each on fresh models from ``pair()`` (same seed);
    with ``control``, also ``"control"``: a second, identical copy of the first of them (an A/A
    comparison: the ratio of one program to itself, which only the machine's noise moves)."""
    loops = {name: reference_loop(*fresh(pair), x, batch, k=k, from_logits=from_logits, **REFERENCES[name])
             for name in names}
    if control:
        loops["control"] = reference_loop(*fresh(pair), x, batch, k=k, from_logits=from_logits, **REFERENCES[names[0]])
    return loops


# --- gankit's trainer ----------------------------------------------------------------------------
def gankit_loop(
    gan: "gk.train.CombinedGAN",
    x: np.ndarray,
    batch: int,
    *,
    steps_per_execution: int = 50,
    jit_compile: bool = True,
    xla_loop: bool = False,
    api: str = "train",
    autotune: bool | None = None,
    log_every: int | None = None,
) -> Loop:
    """``gan`` compiled with ``steps_per_execution`` and ``jit_compile``; ``run(calls)`` trains
    ``calls * steps_per_execution`` steps.

    ``api="train"``: one ``gan.train`` call (``fit`` with gankit's callbacks, one logging interval
    per compiled call), as the notebooks run it. It pays ``fit``'s start-up (a new iterator,
    callbacks) once per chunk, as a notebook does once per run. The step counters
    (``gan.step``) are set back to 0 first, so that ``train`` does not ``dataset.skip`` the ever
    more batches done in earlier chunks (a resume cost, not a per-step one; the noise stream
    restarts, the speed does not change).
    ``api="function"``: the compiled train function (what ``fit`` calls) on one persistent
    iterator: the trainer's steady state, without ``fit``.
    ``log_every``: ``gan.train``'s logging interval, a multiple of ``steps_per_execution``
    (default: one interval per compiled call, the most logging); a round then trains whole intervals.
    """
    spe = steps_per_execution
    log_every = log_every or spe
    if log_every % spe:
        raise ValueError(f"log_every ({log_every}) must be a multiple of steps_per_execution ({spe}).")
    per_interval = log_every // spe
    gan.compile(steps_per_execution=spe, jit_compile=jit_compile, xla_loop=xla_loop)
    ds = dataset(x, batch, autotune)
    if api == "function":
        gan.make_train_function()
        iterator = iter(ds)

        def run(calls: int = 1) -> int:
            for _ in range(calls):
                gan.train_function(iterator)
            return calls * spe

    elif api == "train":

        def run(calls: int = 1) -> int:
            calls = -(-calls // per_interval) * per_interval  # whole logging intervals
            _reset_step(gan)
            gan.train(ds, calls * spe, log_every=log_every, progress=False)
            return calls * spe

    else:
        raise ValueError(f"api must be 'train' or 'function', got {api!r}.")
    return run


def _reset_step(gan) -> None:
    """Sets the trainer's step counts (its own counters and its optimizers' ``iterations``) back to 0."""
    for name in ("steps_done", "d_steps_done"):
        counter = getattr(gan, name, None)
        if counter is not None:
            counter.assign(0)
    for name in ("d_optimizer", "g_optimizer"):
        optimizer = getattr(gan, name, None)
        if optimizer is not None:
            optimizer.iterations.assign(0)
    for model in (gan.discriminator, getattr(gan, "combined", None)):
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            optimizer.iterations.assign(0)


def seed_loop(x: np.ndarray, batch: int, iterations: int = 10) -> Loop:
    """Seed 002's loop as written (``predict`` + three ``train_on_batch``), with the Keras 3 fix."""
    g, d, c = fresh(reference.seed002_models)

    def run(calls: int = 1) -> int:
        for _ in range(calls * iterations):
            reference.seed_literal_iteration(g, d, c, x, batch)
        return calls * iterations

    return run


# --- timing ----------------------------------------------------------------------------------------
def measure(loops: dict[str, Loop], rounds: int, seconds: float, log: Callable[[str], None] = print) -> dict[str, list[tuple[float, float]]]:
    """Speed of each loop in each of ``rounds`` interleaved rounds.

    Every loop first runs one call untimed (tracing, XLA compilation, first steps). Then each
    round times every loop once, for about ``seconds`` (as many whole calls as fit, at least
    one, judged from the loop's previous timing, all in one ``run``: one ``gan.train`` for the
    trainer), in the given order in even rounds and in reverse order in odd ones, so that a slow
    spell of the shared machine and any order effect hit all loops alike.

    Returns:
        ``{name: [(steps per wall-clock second, steps per CPU second of this process), ...]}``,
        one pair per round. CPU time is less disturbed by other processes on the machine than
        wall-clock time (not immune: they share caches and memory bandwidth), so the two ratios
        together tell a real difference from noise.
    """
    per_call: dict[str, float] = {}
    for name, run in loops.items():
        start = time.perf_counter()
        run(1)
        per_call[name] = time.perf_counter() - start
        log(f"  warm-up {name:16s} {per_call[name]:6.1f} s")
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in loops}
    names = list(loops)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            calls = max(1, round(seconds / per_call[name]))
            start, cpu = time.perf_counter(), time.process_time()
            done = loops[name](calls)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            per_call[name] = elapsed / calls
            samples[name].append((done / elapsed, done / max(cpu, 1e-9)))
    return samples


def paired_interval(ratios: list[float], level: float = 0.95, resamples: int = 4000, seed: int = 0) -> tuple[float, float]:
    """A bootstrap interval (percentile, ``level``) of the median of per-round ratios.

    Each round times every loop once, back to back, so a round's ratio cancels most of the
    machine's slow and fast spells; resampling the rounds shows how far the median of those
    ratios could move in another run of as many rounds. With few rounds (3) the interval is
    crude; ``--rounds 9`` or more gives a useful one.
    """
    values = np.asarray(ratios, dtype=float)
    picks = np.random.default_rng(seed).integers(0, len(values), size=(resamples, len(values)))
    medians = np.median(values[picks], axis=1)
    return float(np.quantile(medians, (1 - level) / 2)), float(np.quantile(medians, (1 + level) / 2))


def report(batch: int, samples: dict[str, list[tuple[float, float]]], references=REFERENCES) -> dict[str, dict[str, float]]:
    """Prints one table row per loop: median steps/s, images/s, ratio to the fastest reference.

    The fastest reference is the one with the highest median steps/s in this run. ``ratio`` is
    the ratio of median steps/s; ``paired`` the median of the loop's ratios to that reference
    within each round, with a 95 % bootstrap interval (:func:`paired_interval`) and the range
    (min..max) of those per-round ratios, which shows how much the machine disturbed the run;
    ``cpu ratio`` the ratio of median steps per CPU second of this process. A ``control`` row
    (``--control``: a second copy of a reference) is the same program timed twice: its ratio
    and interval show how far this run's noise alone moves a ratio.
    """
    wall = {name: statistics.median(v for v, _ in values) for name, values in samples.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in samples.items()}
    fastest = max((name for name in references if name in wall), key=wall.get)
    rows = {}
    for name, values in samples.items():
        per_round = [v / f for (v, _), (f, _) in zip(values, samples[fastest])]
        ratio, cpu_ratio = wall[name] / wall[fastest], cpu[name] / cpu[fastest]
        paired, (low, high) = statistics.median(per_round), paired_interval(per_round)
        rows[name] = {"steps_per_s": round(wall[name], 2), "ratio": round(ratio, 3),
                      "paired": round(paired, 3), "paired_ci95": [round(low, 3), round(high, 3)],
                      "round_ratio_min": round(min(per_round), 3), "round_ratio_max": round(max(per_round), 3),
                      "cpu_ratio": round(cpu_ratio, 3)}
        mark = "  <- fastest reference" if name == fastest else ""
        print(f"{name:16s} {batch:5d} {wall[name]:9.2f} {wall[name] * batch:9.0f} {ratio:7.2f}x"
              f" {paired:7.3f}x [{low:5.3f}, {high:5.3f}]   {min(per_round):5.2f}..{max(per_round):<5.2f}"
              f" {cpu_ratio:8.2f}x{mark}")
    return {"fastest_reference": fastest, **rows}


TABLE_HEADER = (f"{'loop':16s} {'batch':>5s} {'steps/s':>9s} {'images/s':>9s} {'ratio':>8s} {'paired [95% CI]':>25s}"
                f"   {'round ratios':12s} {'cpu ratio':>9s}")


# --- command line ------------------------------------------------------------------------------------
def parser(description: str, *, k: int, seconds: float, rounds: int, refs: list[str]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    p.add_argument("--refs", nargs="+", choices=list(REFERENCES), default=refs,
                   help=f"hand-written reference loops to time; the fastest is the reference (default {' '.join(refs)})")
    p.add_argument("--k", type=int, default=k,
                   help=f"steps per compiled call: the reference's loop and gankit's steps_per_execution (default {k})")
    p.add_argument("--rounds", type=int, default=rounds, help=f"interleaved timing rounds, median taken (default {rounds})")
    p.add_argument("--seconds", type=float, default=seconds,
                   help=f"time per loop and round, in whole calls, at least one (default {seconds:g})")
    p.add_argument("--api", choices=("train", "function"), default="train",
                   help="how gankit's loops run: one gan.train call per round (default, as notebooks do: fit's "
                        "start-up included) or its compiled train function on one iterator (the steady state)")
    p.add_argument("--log-every", type=int, default=None,
                   help="gan.train's logging interval in steps, a multiple of --k (default: one per compiled call; "
                        "the notebooks log every 250 steps)")
    p.add_argument("--control", action="store_true",
                   help="also time a second copy of the first of --refs ('control'): its ratio shows this run's noise")
    p.add_argument("--autotune", action="store_true",
                   help="leave tf.data autotuning on (each gan.train call may then wait for it at its end; see benchkit.AUTOTUNE_DATA)")
    p.add_argument("--quick", action="store_true", help="a short smoke run (batch 16, k 2, one round): numbers mean nothing")
    p.add_argument("--only", nargs="+", metavar="LOOP", help="time only these of gankit's loops (default: all)")
    p.add_argument("--precision", default="float32", choices=("auto", *gk.precision.POLICIES),
                   help="Keras dtype policy every model is built in (gk.precision; default float32)")
    return p


def apply_quick(args: argparse.Namespace) -> argparse.Namespace:
    """Applies ``--quick``, ``--autotune`` and ``--precision``."""
    global AUTOTUNE_DATA
    AUTOTUNE_DATA = args.autotune
    args.precision = gk.precision.use(args.precision)
    if args.quick:
        args.batches, args.rounds, args.seconds, args.k = [16], 1, 0.0, 2
    return args


def wanted(name: str, args: argparse.Namespace) -> bool:
    """Whether ``--only`` (if given) names gankit's loop ``name``."""
    return not args.only or name in args.only


def header() -> dict[str, object]:
    info = gk.device.describe()
    try:
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        load = "n/a"
    print(f"device: {info.summary()}; TensorFlow {info.tensorflow}, Keras {info.keras}, "
          f"Python {platform.python_version()}; load average {load}")
    return {"device": info.summary(), "precision": keras.mixed_precision.global_policy().name, "load_before": load}


def finish(result: dict[str, object]) -> None:
    try:
        with open("/proc/loadavg") as f:
            result["load_after"] = " ".join(f.read().split()[:3])
    except OSError:
        pass
    print(json.dumps(result))


def fresh(build: Callable[[], object], seed: int = 0):
    """``build()`` with Keras' random seed set first: the same initial weights for every loop."""
    keras.utils.set_random_seed(seed)
    return build()


def seed002_pair():
    return reference.seed002_generator(), reference.seed002_discriminator()


def dcgan_pair():
    return reference.dcgan_generator(), reference.dcgan_discriminator()
