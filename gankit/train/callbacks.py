"""Keras callbacks for GAN training: time budgets, learning curves, progress, snapshots, guards.

All of them work with any ``keras.Model`` trained by ``fit`` (the course's trainers, notebook 5's
SRGAN, notebook 6's CycleGAN, a plain generator). A model's training *step* is read from its
trainer (``model.step``, which the course's trainers count themselves) or else its optimizers'
``iterations`` (:func:`training_step`), never counted from callback calls: Keras calls
``on_train_batch_end`` once per ``steps_per_execution`` steps, so counting calls undercounts.

:class:`Curve`, :class:`MetricCurve`, :class:`TimeBudget`, :func:`training_step` and
:func:`generator_inputs` live in :mod:`gankit.curves` (which the sample scores use without
loading the trainer) and are imported here under their old names.
"""

from __future__ import annotations

import math
import sys

import keras
import numpy as np

from gankit import checks
from gankit.curves import (  # noqa: F401  (re-exported: gankit.train.callbacks.Curve etc. keep working)
    Curve,
    MetricCurve,
    TimeBudget,
    check_fits_generator,
    generator_inputs,
    training_step,
)


class TrainerClock(TimeBudget):
    """The trainer's :class:`TimeBudget`: also adds each interval's training time to
    ``model.train_seconds`` and stops when that total (resumed runs included) reaches the budget."""

    def on_epoch_end(self, epoch, logs=None):
        before = self.seconds_spent
        super().on_epoch_end(epoch, logs)
        self.model.train_seconds += self.seconds_spent - before
        if self.budget is not None and self.model.train_seconds >= self.budget:
            self.model.stop_training = True


class LogCallback(keras.callbacks.Callback):
    """Appends the interval means of the trainer's ``log_keys`` to ``model.log``."""

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.model.log["step"].append(self.model.step)
        for key in self.model.log_keys:
            self.model.log[key].append(float(logs.get(key, math.nan)))


class NaNGuard(keras.callbacks.TerminateOnNaN):
    """Stops training with a clear error as soon as a loss is NaN or infinite.

    Keras's ``TerminateOnNaN`` with ``raise_error=True``, for a GAN: it watches every logged value
    whose name ends in ``loss`` (``d_loss``, ``g_loss``; Keras's watches ``loss`` only), and its
    error gives the training step and the usual causes.
    """

    def __init__(self) -> None:
        super().__init__(raise_error=True)

    def on_batch_end(self, batch, logs=None):
        """Raises ``RuntimeError`` if a loss in ``logs`` is not finite (Keras calls this after each training call)."""
        logs = logs or {}
        bad = {k: float(v) for k, v in logs.items() if k.endswith("loss") and not np.isfinite(float(v))}
        if bad:
            self.model.stop_training = True
            raise RuntimeError(
                f"Training stopped at step {training_step(self.model)}: {bad} is not finite. Usual causes: a "
                "learning rate too high, input images not scaled to the generator's output range "
                "([-1, 1] for tanh), or NaNs in the data. Lower the learning rate or check the data."
            )


class ProgressBar(keras.callbacks.Callback):
    """A ``tqdm`` progress bar over training steps, showing the running losses and D outputs.

    Args:
        total: the step the bar ends at.
    """

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total
        self.bar = None

    def on_train_begin(self, logs=None):
        from tqdm.std import tqdm  # text bar: live in Jupyter and terminals, readable when stored

        self.bar = tqdm(
            total=self.total, initial=training_step(self.model), unit="step", mininterval=5.0, file=sys.stdout, ascii=True
        )

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(training_step(self.model) - self.bar.n)
        if logs:
            self.bar.set_postfix(
                {k: f"{float(logs[k]):.3f}" for k in ("d_loss", "g_loss", "d_real", "d_fake") if k in logs},
                refresh=False,
            )

    def on_train_end(self, logs=None):
        self.close()

    def close(self) -> None:
        """Closes the bar (again: harmless); :func:`gankit.train.train` also calls it when training fails."""
        if self.bar is not None:
            self.bar.close()


class FixedNoiseSnapshots(keras.callbacks.Callback):
    """Keeps ``generator(z)`` for one fixed ``z`` at the end of every logging interval.

    Watching the same ``z`` over training shows how the generator's mapping evolves (and makes
    the GIF of :func:`gankit.viz.save_gif`).

    Args:
        z: fixed noise ``(n, latent_dim)``; for a conditional generator a pair ``(z, labels)``
            with int labels ``(n,)``.
        every: keep a snapshot every ``every`` intervals.

    Attributes:
        steps: the step of each snapshot.
        images: snapshots, each ``(n, *image_shape)`` as NumPy arrays.

    Raises:
        ValueError: on a bad ``z``; when ``fit`` starts, if ``z`` does not fit the model's
            generator (:func:`gankit.curves.check_fits_generator`).
    """

    def __init__(self, z: np.ndarray, every: int = 1) -> None:
        super().__init__()
        self.z = generator_inputs(z)
        self.every = checks.integer(every, "every", minimum=1)
        self.steps: list[int] = []
        self.images: list[np.ndarray] = []

    def set_model(self, model):
        check_fits_generator(self.z, model, "FixedNoiseSnapshots")  # at the start of fit, before any step
        super().set_model(model)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.steps.append(training_step(self.model))
            self.images.append(keras.ops.convert_to_numpy(self.model.generator(self.z, training=False)))

