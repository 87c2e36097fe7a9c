"""Learning curves of any ``keras.Model``: a score recorded by training step and training seconds.

:class:`Curve` records ``fn(model)`` every few epochs of ``fit``; :class:`TimeBudget` counts (and
may limit) the training seconds it records. Both work with any model (the course's trainers,
notebook 5's SRGAN, notebook 6's CycleGAN, a plain generator) and import nothing of
:mod:`gankit.train`, so that scoring samples (:mod:`gankit.metrics`, :mod:`gankit.image_quality`)
does not load the trainer. A model's training *step* is read from its optimizers' ``iterations``
(:func:`training_step`), never counted from callback calls: Keras calls ``on_train_batch_end``
once per ``steps_per_execution`` steps, so counting calls undercounts.

Fixed generator inputs (a curve's noise, a snapshot's, a sample grid's) are checked here too:
:func:`generator_inputs` their shapes, :func:`check_fits_generator` their width against the
generator's, before training starts.
"""

from __future__ import annotations

import math
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


class Curve(keras.callbacks.Callback):
    """Records a score of the model every ``every`` epochs of ``fit``, with its step and time.

    ``fn(model)`` returns a number (kept in ``values``) or a dict of numbers, each kept in
    ``series[key]`` and readable as ``curve[key]`` and, for a key that is a name, as an attribute
    (``curve.psnr``). A key that would hide one of the curve's own attributes (``steps``,
    ``values``, ``name``, ...) is refused with a ValueError at the first measurement. Subclasses
    override :meth:`measure` instead of passing ``fn``.

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
        series: ``{key: [value at each measurement]}``, when ``fn`` returns a dict.
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
        self.series: dict[str, list[float]] = {}

    def __getattr__(self, name: str):
        series = self.__dict__.get("series")  # absent while an object is being copied or unpickled
        if series is not None and name in series:
            return series[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.series:
            raise KeyError(f"{key!r}: this curve records {sorted(self.series) or 'no named series'}.")
        return self.series[key]

    def measure(self, model: keras.Model) -> float | dict[str, float]:
        """The score(s) to record now."""
        return self.fn(model)

    @property
    def seen(self) -> int:
        """The latest measurement's step (kept for older notebooks; use ``steps``)."""
        return self.steps[-1] if self.steps else 0

    def _check_keys(self, scores: Mapping) -> None:
        """Refuses dict keys that are not strings, or that would hide one of the curve's attributes."""
        for key in scores:
            if not isinstance(key, str):
                raise ValueError(f"{type(self).__name__}: the keys of a measurement must be strings, got {key!r}.")
            if key not in self.series and (key in self.__dict__ or hasattr(type(self), key)):
                raise ValueError(
                    f"{type(self).__name__}: the score {key!r} has the name of one of the curve's own attributes, "
                    f"so curve.{key} could not show it; return it under another name (e.g. 'my_{key}')."
                )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        step = training_step(self.model)
        seconds = self.clock.seconds_spent if self.clock is not None else getattr(self.model, "train_seconds", math.nan)
        value = self.measure(self.model)
        if isinstance(value, Mapping):
            self._check_keys(value)
        self.steps.append(step)
        self.seconds.append(float(seconds))
        for key, number in (value.items() if isinstance(value, Mapping) else [(None, value)]):
            (self.values if key is None else self.series.setdefault(key, [])).append(float(number))
            if logs is not None:  # for the callbacks after this one (History, TensorBoard)
                logs[self.name if key is None else key] = float(number)


MetricCurve = Curve  # the name notebook 6 uses


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


def _input_shapes(generator) -> list[tuple] | None:
    """The shapes of a Keras generator's inputs, or ``None`` when they are unknown (a function, an unbuilt model)."""
    try:
        inputs = generator.inputs
    except (AttributeError, ValueError):
        return None
    return [tuple(spec.shape) for spec in inputs] if inputs else None


def check_fits_generator(inputs, model, owner: str) -> None:
    """Checks fixed inputs from :func:`generator_inputs` against ``model.generator`` before training.

    Args:
        inputs: noise ``(n, d)``, or ``[noise, labels]`` for a conditional generator.
        model: the model being trained; its ``generator`` is checked when it is a Keras model
            with known inputs (a plain function is not checked).
        owner: the callback, named in the message.

    Raises:
        ValueError: if the model has no generator, or the inputs do not fit it: noise of the wrong
            width, labels for a generator that takes none, or none for one that does.
    """
    if not hasattr(model, "generator"):
        raise ValueError(f"{owner} draws with model.generator, but {type(model).__name__} has no generator.")
    shapes = _input_shapes(model.generator)
    if shapes is None:
        return
    conditional = isinstance(inputs, list)
    if conditional and len(shapes) == 1:
        raise ValueError(f"{owner} got (z, labels), but the generator takes noise only: pass z alone.")
    if not conditional and len(shapes) == 2:
        raise ValueError(f"{owner} got z alone, but the generator takes (z, labels): pass the pair (z, labels).")
    width, columns = shapes[0][-1], (inputs[0] if conditional else inputs).shape[1]
    if len(shapes) <= 2 and width is not None and columns != width:
        raise ValueError(
            f"{owner}: z has {columns} columns but the generator takes noise of size {width}; "
            f"draw it with shape (n, {width})."
        )
