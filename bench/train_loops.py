"""Training-loop speed on seed 002's MLP GAN: the seed's literal loop vs gankit vs a fused step.

Side by side in one run, at batch 64 and 256 (same models, same data pipeline):

* ``seed``: seed 002's loop as written (``generator.predict`` + three ``train_on_batch`` calls),
  with the Keras 3 fix (``discriminator.trainable = True`` around D's updates);
* ``gankit``: ``gk.train.CombinedGAN`` as notebook 01 uses it (``fit`` with a fused ``train_step``,
  ``steps_per_execution=50``, XLA); ``gankit_noxla``: the same without XLA;
* ``fused``: a hand-written ``tf.function`` GradientTape step doing the same algorithm, called
  once per batch from Python (the TensorFlow DCGAN tutorial's loop).

Prints steps/s and ratios; the last line is one JSON object:
``{"b64": {"gankit_vs_fused": ..., "gankit_vs_seed": ...}, "b256": {...}, ...}``.

Run: ``python bench/train_loops.py`` (about 2 minutes on 2 CPU cores; ``--seconds`` per timing).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

import gankit as gk
from gankit import reference

import keras
import tensorflow as tf


def real_data(n: int = 10_000) -> np.ndarray:
    """Real MNIST digits in [-1, 1] (any source gk.data finds), ``(n, 28, 28, 1)``."""
    x, _, _ = gk.data.load_mnist(verbose=False)
    return gk.data.scale_images(x[:n])[..., None]


def dataset(x: np.ndarray, batch: int) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=0).repeat().batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def rates(loops: dict, seconds: float, rounds: int) -> dict[str, float]:
    """Steps/s of each loop: best of ``rounds`` interleaved timings of about ``seconds/rounds`` each.

    Each loop is a callable that runs a chunk of steps and returns how many. Timings alternate
    between the loops so that a slow spell of the machine (seen here: the same loop swinging
    between about 24 and 38 steps/s from one chunk to the next on 2 shared cores) hits all of
    them alike; the best round is the loop's speed when the machine lets it run.
    """
    for run in loops.values():
        run()  # warm-up: traces and first steps
    best = {name: 0.0 for name in loops}
    for _ in range(rounds):
        for name, run in loops.items():
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / rounds:
                done += run()
            best[name] = max(best[name], done / (time.perf_counter() - start))
    return best


def seed_loop(x: np.ndarray, batch: int):
    g, d, c = reference.seed002_models()

    def run():
        for _ in range(10):
            reference.seed_literal_iteration(g, d, c, x, batch)
        return 10

    return run


def gankit_loop(x: np.ndarray, batch: int, spe: int = 50, jit_compile: bool = True):
    g, d, c = reference.seed002_models()
    gan = gk.train.CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=spe, jit_compile=jit_compile)  # as notebook 01 trains it
    ds = dataset(x, batch)
    target = [0]

    def run():
        target[0] += 2 * spe
        gan.train(ds, target[0], log_every=spe, progress=False)
        return 2 * spe

    return run


def fused_loop(x: np.ndarray, batch: int, models=None, from_logits: bool = False, chunk: int = 100):
    """A hand-written fused step: D on a real and a fake batch (normalised separately), then G
    through D in inference mode, as ``CombinedGAN`` does. ``models``: ``(generator, discriminator)``,
    by default seed 002's; ``from_logits``: D outputs logits; ``chunk``: steps per call of ``run``."""
    g, d = models or (reference.seed002_generator(), reference.seed002_discriminator())
    d_opt, g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=from_logits)

    @tf.function
    def step(real):
        n = tf.shape(real)[0]
        fake = g(tf.random.normal((n, 100)), training=True)
        with tf.GradientTape() as tape:
            p_real, p_fake = d(real, training=True), d(fake, training=True)
            d_loss = 0.5 * (bce(tf.ones_like(p_real), p_real) + bce(tf.zeros_like(p_fake), p_fake))
        d_opt.apply_gradients(zip(tape.gradient(d_loss, d.trainable_variables), d.trainable_variables))
        with tf.GradientTape() as tape:
            p_fake = d(g(tf.random.normal((n, 100)), training=True), training=False)
            g_loss = bce(tf.ones_like(p_fake), p_fake)
        g_opt.apply_gradients(zip(tape.gradient(g_loss, g.trainable_variables), g.trainable_variables))
        return d_loss, g_loss

    iterator = iter(dataset(x, batch))

    def run():
        for _ in range(chunk):
            step(next(iterator))
        return chunk

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=24.0, help="timing per loop and batch size")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved timing rounds")
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    args = parser.parse_args()
    info = gk.device.describe()
    print(f"device: {info.summary()}; TensorFlow {info.tensorflow}, Keras {info.keras}, Python {platform.python_version()}")
    x = real_data()
    result: dict[str, object] = {"device": info.summary()}
    for batch in args.batches:
        gk.config.seed_everything(0)
        loops = {
            "seed": seed_loop(x, batch),
            "fused": fused_loop(x, batch),
            "gankit": gankit_loop(x, batch),
            "gankit_noxla": gankit_loop(x, batch, jit_compile=False),
        }
        speed = rates(loops, args.seconds, args.rounds)
        for name, value in speed.items():
            print(f"batch {batch:4d}  {name:7s} {value:8.1f} steps/s")
        ratios = {
            "gankit_vs_fused": speed["gankit"] / speed["fused"],
            "gankit_vs_seed": speed["gankit"] / speed["seed"],
            "gankit_noxla_vs_fused": speed["gankit_noxla"] / speed["fused"],
        }
        print(f"batch {batch:4d}  gankit/fused = {ratios['gankit_vs_fused']:.2f}x, gankit/seed = {ratios['gankit_vs_seed']:.2f}x")
        result[f"b{batch}"] = {**{f"{k}_steps_per_s": round(v, 2) for k, v in speed.items()},
                               **{k: round(v, 3) for k, v in ratios.items()}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
