"""What every course trainer shares: a ``keras.Model`` holding a generator and a discriminator.

:class:`TrainerBase` is the keras-io pattern (a ``keras.Model`` whose ``train_step`` updates both
networks, trained with ``fit``) plus what the course adds to it: a step count read from the
trainer's own step counters, running means of the logged quantities, a history, the training
seconds, checkpoints and :meth:`train` (a ``fit`` with budgets, checks and resume).

The trainer counts its steps itself rather than reading the optimizers' ``iterations``: under
``mixed_float16`` Keras's ``LossScaleOptimizer`` skips the updates whose gradients overflow (dynamic
loss scaling does so by design) and does not advance ``iterations`` then, so a count read from it
would fall behind the steps made, the data and the noise used, and the checkpoints' names.
:class:`gankit.train.GANTrainer` says *how* a step updates the two networks.
"""

from __future__ import annotations

import secrets
from typing import Iterable

import keras
import numpy as np

from gankit import checks
from gankit.train.fused import can_fuse, fused_train_function
from gankit.train.inputs import output_range


def step_counter(name: str) -> keras.Variable:
    """A non-trainable int64 step counter, advanced once per step on the first replica only."""
    return keras.Variable(initializer="zeros", shape=(), dtype="int64", trainable=False,
                          aggregation="only_first_replica", name=name)


def check_pair(generator: keras.Model, discriminator: keras.Model) -> None:
    """Raises a clear ``ValueError`` unless D takes images of the shape G makes (``None``: any size)."""
    made = tuple(generator.outputs[0].shape[1:]) if getattr(generator, "outputs", None) else None
    taken = tuple(discriminator.inputs[0].shape[1:]) if getattr(discriminator, "inputs", None) else None
    if made is None or taken is None:
        return
    if len(made) != len(taken) or any(a is not None and b is not None and a != b for a, b in zip(made, taken)):
        raise ValueError(f"the discriminator takes images of shape {taken} but the generator makes {made}: build D "
                         f"for G's images (e.g. keras.Input({made}) as its first layer).")


def check_model(model: object, name: str) -> None:
    """Raises a clear ``ValueError`` unless ``model`` is a built ``keras.Model``."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"{name} must be a keras.Model, got {type(model).__name__}.")
    if not model.built:
        raise ValueError(f"{name} is not built: give it an Input (functional model) or call it once.")


class TrainerBase(keras.Model):
    """Base of the course's trainers: G, D, their optimizers, logging, history and ``train``.

    Subclasses set ``self.d_optimizer`` and ``self.g_optimizer``, call :meth:`set_log_keys`, and
    implement ``train_step`` (returning :meth:`track` of the step's values).

    Args:
        generator: maps noise ``(batch, latent_dim)`` (conditional: and labels) to images.
        discriminator: maps images (conditional: and labels) to scores ``(batch, 1)``.
        seed: seed of the noise stream, a non-negative integer.
        name: model name.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, seed: int = 0, name: str = "gan") -> None:
        super().__init__(name=name)
        check_model(generator, "generator")
        check_model(discriminator, "discriminator")
        check_pair(generator, discriminator)
        latent_shape = generator.inputs[0].shape if generator.inputs else None
        if latent_shape is None or len(latent_shape) != 2:
            raise ValueError("generator must take a flat noise vector: Input(shape=(latent_dim,)).")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = int(latent_shape[1])
        self.image_range = output_range(generator)  # (low, high) of G's images, None if unbounded
        self.seed = checks.integer(seed, "seed", minimum=0)
        self.train_seconds = 0.0  # wall-clock seconds spent in training intervals (see train)
        self.steps_done = step_counter("steps_done")  # G's steps: one per GAN step (see step)
        self.d_steps_done = step_counter("d_steps_done")  # D's steps: d_steps per GAN step, and any made by hand
        self.run_id = secrets.token_hex(8)  # names this run in its checkpoints (a resumed run takes theirs)
        self.batch_size = None  # the training data's batch size, once train() has seen it
        self.set_log_keys(())
        self.built = True

    def set_log_keys(self, keys: Iterable[str]) -> None:
        """Declares the quantities logged (interval means) and kept in ``self.log``."""
        self.log_keys = tuple(keys)
        self.trackers = {key: keras.metrics.Mean(name=key) for key in self.log_keys}
        self.log: dict[str, list[float]] = {"step": [], **{key: [] for key in self.log_keys}}

    def compile(self, *, steps_per_execution: int = 1, jit_compile: bool = False, xla_loop: bool = False,
                run_eagerly: bool = False):
        """Prepares the fused step for ``fit``/``train``.

        Args:
            steps_per_execution: training steps per compiled call; larger values cut Python
                overhead (the progress bar and callbacks update once per call).
            jit_compile: compile the step with XLA (measure first, with ``bench/``: on a 2-core
                CPU it speeds up the MLP GAN and the course's DCGAN step).
            xla_loop: with ``jit_compile``, compile all ``steps_per_execution`` steps of a call
                into one XLA program (:mod:`gankit.train.fused`): the fastest for small dense
                models (the MLP GAN), but on a CPU many times slower for convolutional ones.
            run_eagerly: run the step eagerly (for debugging; much slower).
        """
        checks.integer(steps_per_execution, "steps_per_execution", minimum=1)
        if xla_loop and not jit_compile:
            raise ValueError("xla_loop=True compiles the steps with XLA: pass jit_compile=True too.")
        super().compile(optimizer=None, steps_per_execution=steps_per_execution, jit_compile=jit_compile, run_eagerly=run_eagerly)
        self.xla_loop = bool(xla_loop)
        self.build_optimizers()

    def make_train_function(self, force: bool = False):
        """Keras's train function, or with ``xla_loop=True`` (and ``steps_per_execution > 1``, one
        device) all steps of a call in one XLA program (:mod:`gankit.train.fused`)."""
        if (self.train_function is not None and not force) or not (getattr(self, "xla_loop", False) and can_fuse(self)):
            return super().make_train_function(force)
        self.train_function = fused_train_function(self)
        return self.train_function

    def build_optimizers(self) -> None:
        """Creates the optimizers' slots before the step is traced (not possible inside it)."""
        for optimizer, variables in ((self.d_optimizer, self.d_variables()), (self.g_optimizer, self.g_variables())):
            if not optimizer.built:
                optimizer.build(variables)

    def d_variables(self) -> list:
        """D's trainable variables."""
        return self.discriminator.trainable_variables

    def g_variables(self) -> list:
        """G's trainable variables."""
        return self.generator.trainable_variables

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    @property
    def step(self) -> int:
        """GAN steps done so far: G's updates, counted by the trainer (a lone ``d_step`` is not one).

        Steps that a ``LossScaleOptimizer`` skipped (an overflow under ``mixed_float16``) count too."""
        return int(keras.ops.convert_to_numpy(self.steps_done))

    def track(self, values: dict) -> dict:
        """Adds one step's ``values`` to the running means; returns the means (``fit``'s logs)."""
        for key, tracker in self.trackers.items():
            tracker.update_state(values[key])
        return {key: tracker.result() for key, tracker in self.trackers.items()}

    def call(self, z, training=False):
        """``generator(z)`` (conditional: ``generator([z, labels])``): use the trainer like G."""
        return self.generator(z, training=training)

    def checkpoint_state(self) -> dict[str, list]:
        """Every variable a checkpoint must hold, by group."""
        self.build_optimizers()
        return {
            "generator": self.generator.weights,
            "discriminator": self.discriminator.weights,
            "d_optimizer": self.d_optimizer.variables,
            "g_optimizer": self.g_optimizer.variables,
        }

    def train(self, dataset, steps: int, **options) -> dict[str, np.ndarray]:
        """Trains until ``steps`` steps are done in total: see :func:`gankit.train.loop.train`."""
        from gankit.train.loop import train

        return train(self, dataset, steps, **options)

    def logs(self) -> dict[str, np.ndarray]:
        """The logged history as arrays, one entry per logging interval."""
        return {key: np.asarray(values) for key, values in self.log.items()}
