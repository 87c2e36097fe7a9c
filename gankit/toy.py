"""Toy 2-D data for GAN experiments: a ring of Gaussians, and how many of its modes a model covers.

The ring (Metz et al. 2017, "Unrolled GANs") is the standard test of mode collapse: eight small
Gaussians on a circle. A generator that covers all eight has not collapsed; one that puts its
samples between the modes makes blurry, "averaged" samples. Both are measured by
:func:`mode_coverage`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from gankit import checks


def _check_ring(modes: int, radius: float, std: float) -> None:
    checks.integer(modes, "modes", minimum=1)
    checks.number(radius, "radius", positive=True)
    checks.number(std, "std", positive=True)


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The centres of the ring's modes, ``(modes, 2)`` float32, the first at angle 0."""
    _check_ring(modes, radius, 1.0)
    angles = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")


def sample_ring(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02, seed: int = 0) -> np.ndarray:
    """``n`` points ``(n, 2)`` float32 from the ring: a uniformly chosen mode plus ``N(0, std^2)``."""
    _check_ring(modes, radius, std)
    rng = np.random.default_rng(seed)
    centres = ring_centres(modes, radius)
    return (centres[rng.integers(0, modes, n)] + std * rng.standard_normal((n, 2))).astype("float32")


def ring_dataset(
    batch_size: int, modes: int = 8, radius: float = 2.0, std: float = 0.02, seed: int = 0
) -> tf.data.Dataset:
    """An infinite, deterministic ``tf.data.Dataset`` of ring batches ``(batch_size, 2)`` float32.

    Batch ``i`` is drawn from a stateless seed ``(seed, i)``: the same seed gives the same
    batches, and ``dataset.skip(k)`` continues exactly (as a resumed trainer needs).
    """
    _check_ring(modes, radius, std)
    checks.integer(batch_size, "batch_size", minimum=1)
    centres = tf.constant(ring_centres(modes, radius))

    def batch(i):
        key = tf.stack([tf.constant(seed, tf.int64), i])
        keys = tf.random.experimental.stateless_split(key, 2)
        idx = tf.random.stateless_uniform((batch_size,), keys[0], 0, modes, dtype=tf.int32)
        noise = tf.random.stateless_normal((batch_size, 2), keys[1], stddev=std)
        return tf.gather(centres, idx) + noise

    return tf.data.Dataset.counter().map(batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(2)


def mode_coverage(
    samples,
    modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
    within: float = 3.0,
    min_share: float = 0.01,
) -> dict:
    """How well ``samples`` cover the ring.

    Each sample is assigned to its nearest mode; it is *high quality* if it lies within
    ``within * std`` of that mode's centre. A mode is *covered* if at least ``min_share`` of all
    samples are high-quality samples of that mode (with the defaults, 1% of the samples where a
    perfect model puts 12.5%).

    Args:
        samples: generated points, ``(n, 2)``.
        modes, radius, std: the ring the samples should match.
        within: radius of a mode's neighbourhood, in units of ``std``.
        min_share: share of samples a mode needs to count as covered.

    Returns:
        ``{"modes_covered": int, "high_quality": float (share of samples near some mode),
        "counts": list of high-quality samples per mode}``.

    Raises:
        ValueError: if ``samples`` is not ``(n, 2)`` or contains NaN/inf.
    """
    _check_ring(modes, radius, std)
    x = np.asarray(samples, dtype="float64")
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"samples must have shape (n, 2) with n > 0, got {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or infinite values: the generator diverged.")
    centres = ring_centres(modes, radius).astype("float64")
    distances = np.linalg.norm(x[:, None, :] - centres[None], axis=2)  # (n, modes)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(x)), nearest] <= within * std
    counts = np.bincount(nearest[good], minlength=modes)
    return {
        "modes_covered": int(np.sum(counts >= min_share * len(x))),
        "high_quality": float(good.mean()),
        "counts": counts.tolist(),
    }
