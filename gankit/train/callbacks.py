"""Keras callbacks for GAN training: time budgets, learning curves, progress, snapshots, guards.

All of them work with any ``keras.Model`` trained by ``fit`` (the course's trainers, notebook 5's
SRGAN, notebook 6's CycleGAN, a plain generator). A model's training *step* is read from its
optimizers' ``iterations`` (:func:`training_step`), never counted from callback calls: Keras calls
``on_train_batch_end`` once per ``steps_per_execution`` steps, so counting calls undercounts.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from typing import Callable

import keras
import numpy as np

from gankit import checks


def _optimizers(model: keras.Model) -> list:
    """The optimizers a model trains with: ``model.optimizer`` and any held in its attributes."""
    found = []
    for value in [getattr(model, "optimizer", None), *vars(model).values()]:
        values = value.values() if isinstance(value, Mapping) else [value]
        found.extend(v for v in values if isinstance(v, keras.optimizers.Optimizer) and v not in found)
    return found


def training_step(model: keras.Model) -> int:
    """The number of training steps ``model`` has made.

    A model with a ``step`` (the course's trainers) says it; otherwise the largest
    ``iterations`` of its optimizers (``model.optimizer``, or optimizers kept as attributes such
    as SRGAN's ``g_optimizer`` or CycleGAN's ``optimizers`` dict).

    Raises:
        ValueError: if the model has no optimizer to count steps with.
    """
    step = getattr(model, "step", None)
    if step is not None and not callable(step):
        return int(step)
    counts = [int(keras.ops.convert_to_numpy(opt.iterations)) for opt in _optimizers(model)]
    if not counts:
        name = getattr(model, "name", type(model).__name__)
        raise ValueError(f"{name} has no optimizer: compile it (or keep its optimizers as attributes) first.")
    return max(counts)


class TimeBudget(keras.callbacks.Callback):
    """Stops ``model.fit`` at the first epoch end once ``seconds`` of training have passed.

    Only the time between an epoch's start and end is counted (the training steps), not what
    the other callbacks do at epoch ends (put this one first in the list). Use short epochs
    (``steps_per_epoch``) and a large ``epochs`` so that the budget, not the epoch count, stops.

    Args:
        seconds: the training-time budget; ``None`` never stops.

    Attributes:
        seconds_spent: training seconds so far.
        epochs: epochs run so far.
    """

    def __init__(self, seconds: float | None) -> None:
        super().__init__()
        self.budget = checks.number(seconds, "seconds", positive=True, optional=True)
        self.seconds_spent = 0.0
        self.epochs = 0
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds_spent += time.perf_counter() - self._start
        self.epochs += 1
        if self.budget is not None and self.seconds_spent >= self.budget:
            self.model.stop_training = True


class TrainerClock(TimeBudget):
    """The trainer's :class:`TimeBudget`: also adds each interval's training time to
    ``model.train_seconds`` and stops when that total (resumed runs included) reaches the budget."""

    def on_epoch_end(self, epoch, logs=None):
        before = self.seconds_spent
        super().on_epoch_end(epoch, logs)
        self.model.train_seconds += self.seconds_spent - before
        if self.budget is not None and self.model.train_seconds >= self.budget:
            self.model.stop_training = True


class Curve(keras.callbacks.Callback):
    """Records a score of the model every ``every`` epochs of ``fit``, with its step and time.

    ``fn(model)`` returns a number (kept in ``values``) or a dict of numbers (each kept in a list
    attribute of that name, e.g. ``curve.psnr``). Subclasses override :meth:`measure` instead.

    Args:
        fn: ``model -> float`` or ``model -> {name: float}``.
        every: measure every ``every`` epochs (logging intervals of the course's trainers).
        clock: a :class:`TimeBudget` of the same ``fit`` (listed before this callback) whose
            training seconds are recorded; without one, the model's ``train_seconds`` if it has it.
        name: the key of a number-valued ``fn`` in the epoch logs that later callbacks see (a
            dict's keys are used as they are), e.g. for :class:`gankit.train.TensorBoardLogger`.

    Attributes:
        steps: the model's training step at each measurement (:func:`training_step`).
        seconds: training seconds at each measurement (``nan`` when unknown).
        values: ``fn``'s value at each measurement, when ``fn`` returns a number.
    """

    def __init__(self, fn: Callable[[keras.Model], object] | None = None, every: int = 1, clock: TimeBudget | None = None,
                 name: str = "metric") -> None:
        super().__init__()
        self.name = name
        if fn is not None and not callable(fn):
            raise ValueError(f"fn must be callable (model -> float), got {fn!r}.")
        if clock is not None and not isinstance(clock, TimeBudget):
            raise ValueError(f"clock must be a gk.train.TimeBudget or None, got {clock!r}.")
        self.fn, self.every, self.clock = fn, checks.integer(every, "every", minimum=1), clock
        self.steps: list[int] = []
        self.seconds: list[float] = []
        self.values: list[float] = []

    def measure(self, model: keras.Model) -> float | dict[str, float]:
        """The score(s) to record now."""
        return self.fn(model)

    @property
    def seen(self) -> int:
        """The latest measurement's step (kept for older notebooks; use ``steps``)."""
        return self.steps[-1] if self.steps else 0

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.steps.append(training_step(self.model))
        seconds = self.clock.seconds_spent if self.clock is not None else getattr(self.model, "train_seconds", math.nan)
        self.seconds.append(float(seconds))
        value = self.measure(self.model)
        for name, number in (value.items() if isinstance(value, Mapping) else [("values", value)]):
            self.__dict__.setdefault(name, []).append(float(number))
            if logs is not None:  # for the callbacks after this one (History, TensorBoard)
                logs[self.name if name == "values" else name] = float(number)


MetricCurve = Curve  # the name notebook 6 uses


class LogCallback(keras.callbacks.Callback):
    """Appends the interval means of the trainer's ``log_keys`` to ``model.log``."""

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.model.log["step"].append(self.model.step)
        for key in self.model.log_keys:
            self.model.log[key].append(float(logs.get(key, math.nan)))


class NaNGuard(keras.callbacks.Callback):
    """Stops training with a clear error as soon as a loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
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
    """

    def __init__(self, z: np.ndarray, every: int = 1) -> None:
        super().__init__()
        self.z = generator_inputs(z)
        self.every = checks.integer(every, "every", minimum=1)
        self.steps: list[int] = []
        self.images: list[np.ndarray] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.steps.append(training_step(self.model))
            self.images.append(keras.ops.convert_to_numpy(self.model.generator(self.z, training=False)))


def generator_inputs(z) -> np.ndarray | list[np.ndarray]:
    """Checks fixed generator inputs: noise ``(n, latent_dim)``, or ``(z, labels)`` with labels ``(n,)``.

    Returns:
        float32 noise, or ``[noise, int32 labels]`` for a conditional generator.

    Raises:
        ValueError: on other shapes, or labels that are not whole numbers.
    """
    if isinstance(z, (tuple, list)):
        if len(z) != 2:
            raise ValueError(f"conditional inputs must be a pair (z, labels), got {len(z)} items.")
        noise, labels = generator_inputs(z[0]), np.asarray(z[1])
        if labels.shape != (len(noise),) or not np.all(np.mod(labels, 1) == 0):
            raise ValueError(f"labels must be {len(noise)} integers, shape ({len(noise)},); got shape {labels.shape}.")
        return [noise, labels.astype("int32")]
    z = np.asarray(z, dtype="float32")
    if z.ndim != 2:
        raise ValueError(f"z must be (n, latent_dim), got shape {z.shape}.")
    return z
