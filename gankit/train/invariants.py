"""Checking a GAN step: D learns in its step, stays fixed in G's step, and G learns in its step.

Works for any implementation of the two steps (the trainer's, the classic example's literal Keras loop, a
hand-written ``GradientTape`` step), which is how notebook 1 shows the classic example's Keras 3 trap.
"""

from __future__ import annotations

from typing import Callable, Mapping

import keras
import numpy as np


def _snapshot(model: keras.Model) -> list[np.ndarray]:
    return [np.array(keras.ops.convert_to_numpy(w)) for w in model.weights]


def _changed(before: list[np.ndarray], after: list[np.ndarray]) -> float:
    """Largest absolute change over all weights."""
    return max((float(np.max(np.abs(a - b))) if a.size else 0.0) for a, b in zip(before, after))


def step_invariants(
    generator: keras.Model,
    discriminator: keras.Model,
    d_step: Callable[[], object],
    g_step: Callable[[], object],
) -> dict[str, float]:
    """Measures what one D step and one G step change, for any implementation of the two steps.

    A correct GAN step must change D (trainable weights) in D's step, leave every D weight
    (moving statistics included) unchanged in G's step, and change G in G's step.

    Args:
        generator: the generator.
        discriminator: the discriminator.
        d_step: runs one discriminator step (e.g. ``lambda: gan.d_step(real)`` or the example's two
            ``discriminator.train_on_batch`` calls).
        g_step: runs one generator step (e.g. ``lambda: combined.train_on_batch(z, ones)``).

    Returns:
        ``{"d_change_in_d_step", "d_change_in_g_step", "g_change_in_g_step"}``: the largest
        absolute change of any weight of that network during that step.
    """
    d0 = _snapshot(discriminator)
    d_step()
    d1, g1 = _snapshot(discriminator), _snapshot(generator)
    g_step()
    d2, g2 = _snapshot(discriminator), _snapshot(generator)
    return {
        "d_change_in_d_step": _changed(d0, d1),
        "d_change_in_g_step": _changed(d1, d2),
        "g_change_in_g_step": _changed(g1, g2),
    }


def check_step_invariants(changes: Mapping[str, float]) -> None:
    """Raises if :func:`step_invariants` shows a broken GAN step.

    Raises:
        RuntimeError: D did not learn in its step, D changed in G's step, or G did not learn.
    """
    problems = []
    if changes["d_change_in_d_step"] == 0.0:
        problems.append("the discriminator did not change in its own step (is it frozen, trainable=False?)")
    if changes["d_change_in_g_step"] != 0.0:
        problems.append("the discriminator changed in the generator's step (it must be frozen there)")
    if changes["g_change_in_g_step"] == 0.0:
        problems.append("the generator did not change in its step")
    if problems:
        raise RuntimeError("Broken GAN step: " + "; ".join(problems) + f". Measured: {dict(changes)}")
