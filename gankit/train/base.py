"""What every course trainer shares: a ``keras.Model`` holding networks, each with its optimizer.

:class:`Trainer` is the keras-io pattern (a ``keras.Model`` whose ``train_step`` updates its
networks, trained with ``fit``) plus what the course adds to it: a step count kept by the trainer
itself, running means of the logged quantities, a history, the training seconds, checkpoints and
:meth:`Trainer.train` (a ``fit`` with budgets, checks and resume). A lesson subclasses it and writes
only ``train_step`` (notebook 5's SRGAN: a generator from LR photos and a discriminator; notebook
6's CycleGAN: two generators and two discriminators). :class:`TrainerBase` narrows it to the
noise-to-image GAN, a generator ``G(z)`` and a discriminator, that :class:`gankit.train.GANTrainer`
trains with any objective.

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
import tensorflow as tf

from gankit import checks
from gankit.train.fused import can_fuse, fused_train_function
from gankit.train.inputs import check_spec, output_range


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


RESERVED = frozenset(dir(keras.Model)) | {  # the trainer's own attributes
    "networks", "network_names", "network_optimizers", "seed", "step", "log", "log_keys", "trackers", "steps_done",
    "d_steps_done", "run_id", "batch_size", "train_seconds", "xla_loop", "latent_dim", "image_range",
    "optimizer", "loss", "d_steps", "train_function", "stop_training"}


class Trainer(keras.Model):
    """A ``keras.Model`` that trains its ``networks``, each with its own optimizer, through ``train``.

    A subclass writes ``train_step(data)``: it updates the networks and returns
    ``self.track({...})`` of the step's values (which also counts the step)::

        class SRGAN(gk.train.Trainer):
            def __init__(self, generator, discriminator):
                super().__init__({"generator": generator, "discriminator": discriminator},
                                 log_keys=("d_loss", "g_loss"))

            def train_step(self, data): ...  # self.minimize("generator", loss, tape), ..., self.track({...})

        gan = SRGAN(g, d)
        gan.compile({"generator": keras.optimizers.Adam(1e-4), "discriminator": keras.optimizers.Adam(1e-4)})
        gan.train(dataset, steps=2_000, checkpoint_dir="ckpt")

    Args:
        networks: the networks by name, each a built ``keras.Model``; each becomes an attribute
            (``self.generator``) and is saved in checkpoints under its name.
        log_keys: the quantities ``train_step`` returns, logged as means over each interval.
        seed: the run's seed, a non-negative integer (checkpoints check it on resume).
        name: model name.
    """

    def __init__(self, networks: dict[str, keras.Model], *, log_keys: Iterable[str] = (), seed: int = 0,
                 name: str = "trainer") -> None:
        super().__init__(name=name)
        if not isinstance(networks, dict) or not networks:
            raise ValueError("networks must be a dict of the trainer's networks by name, e.g. "
                             "{'generator': generator, 'discriminator': discriminator}.")
        for key, model in networks.items():
            if not isinstance(key, str) or not key.isidentifier() or key in RESERVED:
                raise ValueError(f"{key!r} cannot name a network: use a Python name that is not a keras.Model "
                                 "attribute, e.g. 'generator' or 'D_X'.")
            check_model(model, key)
            setattr(self, key, model)
        self.network_names = tuple(networks)
        self.network_optimizers: dict[str, keras.optimizers.Optimizer] = {}
        self.seed = checks.integer(seed, "seed", minimum=0)
        self.train_seconds = 0.0  # wall-clock seconds spent in training intervals (see train)
        self.steps_done = step_counter("steps_done")  # training steps (GANTrainer: G's steps)
        self.d_steps_done = step_counter("d_steps_done")  # GANTrainer: D's steps, d_steps per GAN step and by hand
        self.run_id = secrets.token_hex(8)  # names this run in its checkpoints (a resumed run takes theirs)
        self.batch_size = None  # the training data's batch size, once train() has seen it
        self.set_log_keys(log_keys)
        self.built = True

    @property
    def networks(self) -> dict[str, keras.Model]:
        """The networks by name."""
        return {key: getattr(self, key) for key in self.network_names}

    def set_optimizers(self, optimizers: dict[str, keras.optimizers.Optimizer]) -> None:
        """One distinct Keras optimizer per network, by the network's name."""
        if not isinstance(optimizers, dict) or set(optimizers) != set(self.network_names):
            raise ValueError(f"give one optimizer per network, a dict with the keys {list(self.network_names)}, "
                             f"e.g. {{'{self.network_names[0]}': keras.optimizers.Adam(2e-4, beta_1=0.5), ...}}.")
        for key, optimizer in optimizers.items():
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise ValueError(f"the optimizer of {key} must be a keras optimizer, got {optimizer!r}.")
        if len({id(optimizer) for optimizer in optimizers.values()}) < len(optimizers):
            raise ValueError("two networks share one optimizer instance; Keras 3 binds an optimizer to the variables it "
                             "first updates. Give each network its own, e.g. keras.optimizers.Adam(2e-4, beta_1=0.5).")
        self.network_optimizers = {key: optimizers[key] for key in self.network_names}

    def set_log_keys(self, keys: Iterable[str]) -> None:
        """Declares the quantities logged (interval means) and kept in ``self.log``."""
        self.log_keys = tuple(keys)
        self.trackers = {key: keras.metrics.Mean(name=key) for key in self.log_keys}
        self.log: dict[str, list[float]] = {"step": [], **{key: [] for key in self.log_keys}}

    def compile(self, optimizers: dict[str, keras.optimizers.Optimizer] | None = None, *, steps_per_execution: int = 1,
                jit_compile: bool = False, xla_loop: bool = False, run_eagerly: bool = False):
        """Sets the optimizers (when given) and prepares the step for ``fit``/``train``.

        Args:
            optimizers: one optimizer per network, by name (:meth:`set_optimizers`).
            steps_per_execution: training steps per compiled call; larger values cut Python
                overhead (the progress bar and callbacks update once per call).
            jit_compile: compile the step with XLA (measure first, with ``bench/``: on a 2-core
                CPU it speeds up the MLP GAN and the course's DCGAN step).
            xla_loop: with ``jit_compile``, compile all ``steps_per_execution`` steps of a call
                into one XLA program (:mod:`gankit.train.fused`): the fastest for small dense
                models (the MLP GAN), but on a CPU many times slower for convolutional ones.
            run_eagerly: run the step eagerly (for debugging; much slower).
        """
        if optimizers is not None:
            self.set_optimizers(optimizers)
        if not self.network_optimizers:
            raise ValueError(f"compile needs the optimizers: one per network, a dict with the keys {list(self.network_names)}.")
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

    def variables_of(self, key: str) -> list:
        """The variables that network ``key``'s optimizer updates: its trainable variables."""
        return getattr(self, key).trainable_variables

    def build_optimizers(self) -> None:
        """Creates the optimizers' slots before the step is traced (not possible inside it)."""
        for key, optimizer in self.network_optimizers.items():
            if not optimizer.built:
                optimizer.build(self.variables_of(key))

    def minimize(self, key: str, loss: tf.Tensor, tape: tf.GradientTape) -> None:
        """Updates network ``key`` with the gradient of ``loss``, recorded on ``tape``, for its variables.

        What ``tape.gradient`` + ``optimizer.apply_gradients`` do, plus the two things a
        hand-written step forgets: the loss per replica under a ``tf.distribute`` strategy, and
        scaled by a ``LossScaleOptimizer`` (``mixed_float16``, :mod:`gankit.precision`).
        """
        optimizer, variables = self.network_optimizers[key], self.variables_of(key)
        with tape:  # the scaling is recorded too (a tape records again when re-entered)
            scaled = optimizer.scale_loss(loss / tf.distribute.get_strategy().num_replicas_in_sync)
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    @property
    def step(self) -> int:
        """Training steps done so far, counted by the trainer (GANTrainer: G's updates; a lone
        ``d_step`` is not one). Steps that a ``LossScaleOptimizer`` skipped (an overflow under
        ``mixed_float16``) count too."""
        return int(keras.ops.convert_to_numpy(self.steps_done))

    def track(self, values: dict, count: bool = True) -> dict:
        """Counts one step (unless ``count=False``) and adds its ``values`` to the running means of
        ``log_keys``; returns the means (``fit``'s logs)."""
        missing = [key for key in self.log_keys if key not in values]
        if missing:
            raise ValueError(f"train_step returned no {missing}: return every one of log_keys {list(self.log_keys)}.")
        if count:
            self.steps_done.assign_add(1)
        for key, tracker in self.trackers.items():
            tracker.update_state(values[key])
        return {key: tracker.result() for key, tracker in self.trackers.items()}

    def call(self, inputs, training=False):
        """``generator(inputs)``: use the trainer like its generator (a trainer with one)."""
        if "generator" not in self.network_names:
            raise ValueError(f"{self.name} has no network named 'generator': call one of {list(self.network_names)}.")
        return self.generator(inputs, training=training)

    def checkpoint_state(self) -> dict[str, list]:
        """Every variable a checkpoint must hold, by group: each network's, each optimizer's."""
        self.build_optimizers()
        return {**{key: model.weights for key, model in self.networks.items()},
                **{self.optimizer_name(key): optimizer.variables for key, optimizer in self.network_optimizers.items()}}

    def optimizer_name(self, key: str) -> str:
        """The name of network ``key``'s optimizer in checkpoints and settings: ``<key>_optimizer``."""
        return f"{key}_optimizer"

    def settings(self) -> dict:
        """The settings a resumed run must share with its checkpoint's (``run_config``)."""
        return {"seed": self.seed, "batch": self.batch_size}

    def check_data(self, element_spec) -> None:
        """Raises a clear ``ValueError`` where the dataset's batches do not fit (before any step)."""

    def train(self, dataset, steps: int, **options) -> dict[str, np.ndarray]:
        """Trains until ``steps`` steps are done in total: see :func:`gankit.train.loop.train`."""
        from gankit.train.loop import train

        return train(self, dataset, steps, **options)

    def logs(self) -> dict[str, np.ndarray]:
        """The logged history as arrays, one entry per logging interval."""
        return {key: np.asarray(values) for key, values in self.log.items()}


class TrainerBase(Trainer):
    """A noise-to-image GAN trainer: a generator ``G(z)``, a discriminator and their optimizers.

    Subclasses (:class:`gankit.train.GANTrainer`) set the optimizers with :meth:`set_optimizers`,
    call :meth:`set_log_keys`, and implement ``train_step`` (returning :meth:`track` of the step's values).

    Args:
        generator: maps noise ``(batch, latent_dim)`` (conditional: and labels) to images.
        discriminator: maps images (conditional: and labels) to scores ``(batch, 1)``.
        seed: seed of the noise stream, a non-negative integer.
        name: model name.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, seed: int = 0, name: str = "gan") -> None:
        check_model(generator, "generator")
        check_model(discriminator, "discriminator")
        check_pair(generator, discriminator)
        latent_shape = generator.inputs[0].shape if generator.inputs else None
        if latent_shape is None or len(latent_shape) != 2:
            raise ValueError("generator must take a flat noise vector: Input(shape=(latent_dim,)).")
        super().__init__({"generator": generator, "discriminator": discriminator}, seed=seed, name=name)
        self.latent_dim = int(latent_shape[1])
        self.image_range = output_range(generator)  # (low, high) of G's images, None if unbounded

    @property
    def d_optimizer(self) -> keras.optimizers.Optimizer:
        """D's optimizer."""
        return self.network_optimizers["discriminator"]

    @property
    def g_optimizer(self) -> keras.optimizers.Optimizer:
        """G's optimizer."""
        return self.network_optimizers["generator"]

    def variables_of(self, key: str) -> list:
        return self.d_variables() if key == "discriminator" else self.g_variables()

    def d_variables(self) -> list:
        """D's trainable variables."""
        return self.discriminator.trainable_variables

    def g_variables(self) -> list:
        """G's trainable variables."""
        return self.generator.trainable_variables

    def compile(self, *, steps_per_execution: int = 1, jit_compile: bool = False, xla_loop: bool = False,
                run_eagerly: bool = False):
        """Prepares the fused step for ``fit``/``train`` (the optimizers are the constructor's): see
        :meth:`Trainer.compile`."""
        super().compile(steps_per_execution=steps_per_execution, jit_compile=jit_compile, xla_loop=xla_loop,
                        run_eagerly=run_eagerly)

    def optimizer_name(self, key: str) -> str:
        return {"discriminator": "d_optimizer", "generator": "g_optimizer"}[key]

    def settings(self) -> dict:
        return {**super().settings(), "loss": repr(getattr(self, "loss", None)), "d_steps": getattr(self, "d_steps", None)}

    def check_data(self, element_spec) -> None:
        """Real images of G's shape and a float dtype (:func:`gankit.train.inputs.check_spec`)."""
        check_spec(element_spec, self.generator)
