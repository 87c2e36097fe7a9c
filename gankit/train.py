"""The combined-model GAN trainer: seed 002's algorithm, correct on Keras 3, and fast.

The seed (a Keras 2 example) trains a GAN with three compiled models::

    discriminator.compile(loss="binary_crossentropy", optimizer=Adam(2e-4, 0.5))
    discriminator.trainable = False
    combined = Model(z, discriminator(generator(z)))        # D frozen inside
    combined.compile(loss="binary_crossentropy", optimizer=Adam(2e-4, 0.5))
    # each iteration:
    fakes = generator.predict(noise)
    discriminator.train_on_batch(real, ones); discriminator.train_on_batch(fakes, zeros)
    combined.train_on_batch(noise, ones)

On Keras 3 this silently trains nothing in D: the trainable set is read when a train function is
first traced, not at ``compile()``, so D (set ``trainable=False`` before its first step) has no
trainable weights. :class:`CombinedGAN` keeps the seed's three models and its algorithm, and makes
both mistakes impossible:

* **D's step** runs with ``discriminator.trainable = True``: D is updated by D's own compiled loss
  and optimizer on a real batch (label 1) and a fake batch (label 0), each normalised separately;
* **G's step** runs with ``discriminator.trainable = False``: the *combined* model's compiled loss
  and optimizer update G only, and a BatchNorm inside the frozen D runs in inference mode, so D's
  weights (moving statistics included) stay fixed.

Both steps are fused into one ``train_step`` that Keras' ``fit`` compiles with ``tf.function``
(and runs ``steps_per_execution`` times per call), under whatever ``tf.distribute`` strategy the
models were built in. No ``generator.predict()`` per step: fakes are made inside the graph.

Noise is drawn with *stateless* seeds derived from ``(seed, step, replica)``, so a run is
repeatable and a resumed run continues with exactly the noise an uninterrupted one would use.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from gankit import _env  # noqa: F401

import keras
import tensorflow as tf

from gankit import losses as _losses

LOG_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real", "d_fake")
"""Quantities logged by :class:`CombinedGAN`, averaged over each logging interval:

* ``d_loss``: D's loss, the mean of its loss on the real and on the fake batch;
* ``g_loss``: the combined model's loss (G's loss);
* ``d_acc_real`` / ``d_acc_fake``: share of real / fake images D classifies correctly (at 0.5);
* ``d_real`` / ``d_fake``: mean D(x) and mean D(G(z)) in D's step, as probabilities when D outputs
  probabilities or logits (``sigmoid`` applied), as raw scores for least-squares or hinge D losses.
"""

# Decision threshold on D's output (after ``sigmoid`` for logits) for each output kind.
_THRESHOLD = {"probability": 0.5, "logits": 0.5, "least_squares": 0.5, "hinge": 0.0, None: 0.5}


def _compiled_loss(model: keras.Model) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """The loss ``model`` was compiled with, as ``fn(y_true, y_pred) -> scalar`` (batch mean).

    Used instead of ``model.compute_loss``, whose general machinery (output mapping, loss
    weights, metric bookkeeping) made the fused step about 30% slower inside ``fit``'s
    ``steps_per_execution`` loop (measured with bench/train_loops.py).
    """
    loss = model.loss
    if isinstance(loss, (list, tuple, dict)):
        raise ValueError(f"{model.name} must be compiled with a single loss, got {loss!r}.")
    fn = keras.losses.get(loss)
    if fn is None:
        raise ValueError(f"{model.name} has no usable loss: compile it with loss='binary_crossentropy'.")

    def mean_loss(y_true, y_pred):
        value = keras.ops.mean(fn(y_true, y_pred))
        for extra in model.losses:  # regularisation terms, if the model has any
            value = value + extra
        return value

    return mean_loss


def _check_model(model: object, name: str) -> None:
    if not isinstance(model, keras.Model):
        raise ValueError(f"{name} must be a keras.Model, got {type(model).__name__}.")
    if not model.built:
        raise ValueError(f"{name} is not built: give it an Input (functional model) or call it once.")


class CombinedGAN(keras.Model):
    """Trains seed 002's generator, discriminator and combined model in one fused step.

    Build the three models as the seed does, then hand them over::

        discriminator.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(2e-4, 0.5))
        discriminator.trainable = False
        combined = keras.Model(z, discriminator(generator(z)))
        combined.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(2e-4, 0.5))
        gan = CombinedGAN(generator, discriminator, combined)
        gan.compile(steps_per_execution=50)
        history = gan.train(dataset, steps=10_000)

    **Conditional GANs** (notebook 4): give G two inputs ``[z, labels]`` and D two inputs
    ``[images, labels]``, build ``combined = Model([z, c], discriminator([generator([z, c]), c]))``,
    pass ``num_classes`` and train on ``(images, labels)`` batches
    (``gk.data.mnist_dataset(..., labels=True)``). Fakes are made for labels drawn uniformly at
    random. With ``mismatched_pairs=True`` D also learns to reject real images paired with a wrong
    label (Reed et al., 2016, the algorithm of seed 004): its loss becomes
    ``0.5 * (L(real, c) + 0.5 * (L(fake, c') + L(real, wrong c)))`` instead of
    ``0.5 * (L(real, c) + L(fake, c'))``.

    Args:
        generator: maps noise ``(batch, latent_dim)`` (and, if conditional, int labels
            ``(batch,)``) to images ``(batch, *image_shape)``.
        discriminator: maps images (and, if conditional, labels) to a probability ``(batch, 1)``
            that they are real (or a logit); compiled with its own loss and optimizer.
        combined: ``Model(z, discriminator(generator(z)))`` (conditional: with the labels, see
            above) compiled with its own loss and optimizer (a *different* optimizer instance from
            D's; Keras 3 rejects a shared one).
        generator_cost: G's cost. ``None`` (default): the combined model's compiled loss with
            label 1, as in the seed. Or a name from :data:`gankit.losses.GENERATOR_COSTS`
            (``"minimax"``, ``"non_saturating"``, ``"maximum_likelihood"`` need a discriminator
            that outputs logits, compiled with ``BinaryCrossentropy(from_logits=True)``;
            ``"least_squares"`` one compiled with ``"mse"``; ``"hinge"`` one compiled with
            ``"hinge"``), or a function ``cost(d_outputs) -> scalar`` of the combined model's
            outputs ``(batch, 1)``.
        frozen_d_batchnorm: how batch norm inside the frozen D normalises G's fakes in G's step.
            ``"inference"`` (default; Keras 3's behaviour for a frozen model, the seed pattern):
            with D's moving statistics. ``"batch"``: with the fake batch's own statistics, as D
            normalised fakes in its own step (what a PyTorch or TF-tutorial DCGAN does); D's moving
            statistics are restored after the step, so D stays unchanged. Only matters if D has
            batch norm.
        seed: seed of the noise stream.
        num_classes: number of classes of a conditional GAN (labels ``0 .. num_classes - 1``);
            ``None`` for an unconditional one.
        mismatched_pairs: conditional only: add D's third term, real images with wrong labels
            (labelled fake); logged as ``d_wrong``, D's mean output on those pairs.
        name: model name.

    Raises:
        ValueError: if a model is missing, unbuilt, uncompiled, the optimizers are shared, the
            combined model does not contain both networks, ``generator_cost`` does not match
            what the discriminator outputs, or the conditional arguments do not match the models.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        combined: keras.Model,
        *,
        generator_cost: str | Callable | None = None,
        frozen_d_batchnorm: str = "inference",
        seed: int = 0,
        num_classes: int | None = None,
        mismatched_pairs: bool = False,
        name: str = "combined_gan",
    ) -> None:
        super().__init__(name=name)
        _check_model(generator, "generator")
        _check_model(discriminator, "discriminator")
        _check_model(combined, "combined")
        for model, label in ((discriminator, "discriminator"), (combined, "combined")):
            if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
                raise ValueError(
                    f"{label} is not compiled: call {label}.compile(loss=..., optimizer=...) first."
                )
        if discriminator.optimizer is combined.optimizer:
            raise ValueError(
                "discriminator and combined share one optimizer instance; Keras 3 binds an optimizer "
                "to the variables it first updates. Give each compile() its own optimizer, e.g. "
                "keras.optimizers.Adam(2e-4, 0.5) twice."
            )
        conditional = len(generator.inputs or ()) == 2
        if len(generator.inputs or ()) > 2 or len(discriminator.inputs or ()) != 1 + conditional or len(
            combined.inputs or ()
        ) != 1 + conditional:
            raise ValueError(
                "expected an unconditional GAN (G(z), D(images), combined(z)) or a conditional one "
                "(G([z, labels]), D([images, labels]), combined([z, labels])); got inputs "
                f"G {len(generator.inputs or ())}, D {len(discriminator.inputs or ())}, "
                f"combined {len(combined.inputs or ())}."
            )
        if conditional and (isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2):
            raise ValueError(
                f"a conditional GAN needs num_classes, an integer >= 2 (e.g. 10 for MNIST), got {num_classes!r}."
            )
        if not conditional and (num_classes is not None or mismatched_pairs):
            raise ValueError(
                "num_classes and mismatched_pairs are for a conditional GAN, whose generator takes "
                "[z, labels] and whose discriminator takes [images, labels]."
            )
        inner = {id(layer) for layer in combined._flatten_layers()}
        if id(generator) not in inner or id(discriminator) not in inner:
            raise ValueError(
                "combined must be built as keras.Model(z, discriminator(generator(z))) (conditional: "
                "keras.Model([z, c], discriminator([generator([z, c]), c])))."
            )
        latent_shape = generator.inputs[0].shape if generator.inputs else None
        if latent_shape is None or len(latent_shape) != 2:
            raise ValueError("generator must take a flat noise vector: Input(shape=(latent_dim,)).")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")

        self.d_output = _losses.output_kind(discriminator.loss)
        if generator_cost is None:
            self._g_cost = None
            if _losses.output_kind(combined.loss) != self.d_output:
                raise ValueError(
                    f"combined is compiled with {combined.loss!r} but the discriminator with "
                    f"{discriminator.loss!r}: compile both with the same loss (e.g. both "
                    "BinaryCrossentropy(from_logits=True) for a discriminator without a sigmoid)."
                )
        elif isinstance(generator_cost, str):
            self._g_cost = _losses.generator_cost(generator_cost)
            needs = _losses.OUTPUT_KIND[generator_cost]
            if needs != self.d_output:
                raise ValueError(
                    f"generator_cost={generator_cost!r} needs a discriminator that outputs {needs}, "
                    f"but it is compiled with {discriminator.loss!r} ({self.d_output}). For the "
                    "cross-entropy costs, drop D's final sigmoid and compile D (and combined) with "
                    "keras.losses.BinaryCrossentropy(from_logits=True); for 'least_squares' use "
                    "loss='mse', for 'hinge' loss='hinge'."
                )
        elif callable(generator_cost):
            self._g_cost = generator_cost
        else:
            raise ValueError(f"generator_cost must be None, a name or a function, got {generator_cost!r}.")
        self.generator_cost = generator_cost if isinstance(generator_cost, str) or generator_cost is None else getattr(
            generator_cost, "__name__", "custom"
        )
        self.generator = generator
        self.discriminator = discriminator
        self.combined = combined
        self.latent_dim = int(latent_shape[1])
        self.seed = int(seed)
        self.conditional = conditional
        self.num_classes = int(num_classes) if conditional else None
        self.mismatched_pairs = bool(mismatched_pairs)
        self.discriminator.trainable = False  # the resting state, as in the seed
        if frozen_d_batchnorm not in ("inference", "batch"):
            raise ValueError(f"frozen_d_batchnorm must be 'inference' or 'batch', got {frozen_d_batchnorm!r}.")
        self.frozen_d_batchnorm = frozen_d_batchnorm
        self._d_bn_statistics = [
            variable
            for layer in discriminator._flatten_layers()
            if isinstance(layer, keras.layers.BatchNormalization)
            for variable in (layer.moving_mean, layer.moving_variance)
        ]
        self._d_has_batchnorm = bool(self._d_bn_statistics)
        self._d_loss = _compiled_loss(discriminator)
        self._g_loss = _compiled_loss(combined)
        self.log_keys = LOG_KEYS + (("d_wrong",) if self.mismatched_pairs else ())
        self.trackers = {key: keras.metrics.Mean(name=key) for key in self.log_keys}
        self.log: dict[str, list[float]] = {"step": [], **{key: [] for key in self.log_keys}}
        self.train_seconds = 0.0  # wall-clock seconds spent in training intervals (see train)
        self.built = True

    # --- Keras plumbing -------------------------------------------------------------------
    def compile(self, *, steps_per_execution: int = 1, jit_compile: bool = False, run_eagerly: bool = False):
        """Prepares the fused step for ``fit``/``train``.

        Args:
            steps_per_execution: training steps per compiled call; larger values cut Python
                overhead (the progress bar and callbacks update once per call).
            jit_compile: compile the step with XLA. Off by default: measured slower on CPU.
            run_eagerly: run the step eagerly (for debugging; much slower).
        """
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be a positive integer, got {steps_per_execution!r}.")
        super().compile(
            optimizer=None,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
        )
        self._build_optimizers()

    def _build_optimizers(self) -> None:
        # Optimizer slots must exist before the step is traced (variables cannot be created inside).
        self.discriminator.trainable = True
        d_vars = self.discriminator.trainable_variables
        self.discriminator.trainable = False
        g_vars = self.combined.trainable_variables
        if not self.discriminator.optimizer.built:
            self.discriminator.optimizer.build(d_vars)
        if not self.combined.optimizer.built:
            self.combined.optimizer.build(g_vars)

    @property
    def metrics(self) -> list[keras.metrics.Metric]:
        return list(self.trackers.values())

    @property
    def step(self) -> int:
        """Training steps done so far (D's optimizer iterations)."""
        return int(self.discriminator.optimizer.iterations.numpy())

    # --- the algorithm ----------------------------------------------------------------------
    def _stream_seed(self, stream: int) -> tf.Tensor:
        step = tf.cast(self.discriminator.optimizer.iterations, "int32")
        seed = tf.stack([tf.constant(self.seed, "int32"), step * 2 + stream])
        replica = tf.distribute.get_replica_context()
        if replica is not None:
            seed = tf.random.experimental.stateless_fold_in(seed, replica.replica_id_in_sync_group)
        return seed

    def _noise(self, batch_size: tf.Tensor, stream: int) -> tf.Tensor:
        """Noise ``(batch_size, latent_dim)`` from a stateless seed of (seed, step, stream, replica)."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=self._stream_seed(stream))

    def _labels(self, batch_size: tf.Tensor, stream: int, salt: int = 1) -> tf.Tensor:
        """Uniform int32 labels ``(batch_size,)`` in ``[0, num_classes)`` (``salt`` separates draws)."""
        seed = tf.random.experimental.stateless_fold_in(self._stream_seed(stream), salt)
        return tf.random.stateless_uniform((batch_size,), seed=seed, minval=0, maxval=self.num_classes, dtype="int32")

    def _wrong_labels(self, labels: tf.Tensor) -> tf.Tensor:
        """A label different from each of ``labels``, uniform over the other classes."""
        shift = tf.random.stateless_uniform(
            tf.shape(labels), seed=tf.random.experimental.stateless_fold_in(self._stream_seed(0), 2),
            minval=1, maxval=self.num_classes, dtype="int32",
        )
        return (tf.cast(labels, "int32") + shift) % self.num_classes

    def d_step(self, real: tf.Tensor, labels: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """D's step: one update of D on a real batch (label 1) and a fake batch (label 0).

        Args:
            real: real images ``(batch, *image_shape)``.
            labels: conditional GANs only: the real images' int labels ``(batch,)``.

        Returns:
            ``d_loss``, ``d_acc_real``, ``d_acc_fake``, ``d_real``, ``d_fake`` (and ``d_wrong``
            with ``mismatched_pairs``) for this batch.
        """
        batch_size = tf.shape(real)[0]
        if self.conditional:
            if labels is None:
                raise ValueError("a conditional GAN's d_step needs the real images' labels.")
            labels = tf.cast(labels, "int32")
            fake_labels = self._labels(batch_size, 0)
            fakes = self.generator([self._noise(batch_size, 0), fake_labels], training=True)
            pairs = [(real, labels), (tf.cast(fakes, real.dtype), fake_labels)]
            if self.mismatched_pairs:
                pairs.append((real, self._wrong_labels(labels)))
        else:
            fakes = self.generator(self._noise(batch_size, 0), training=True)
            pairs = [(real, None), (tf.cast(fakes, real.dtype), None)]

        def discriminate(images, conditions):
            return self.discriminator(images if conditions is None else [images, conditions], training=True)

        self.discriminator.trainable = True  # read while tracing: D's variables are trainable here
        with tf.GradientTape() as tape:
            if self._d_has_batchnorm:  # DCGAN rule: real and fake batches normalised separately
                outputs = [discriminate(images, conditions) for images, conditions in pairs]
            else:  # no batch statistics: one pass over all batches gives the same outputs, faster
                both = discriminate(
                    tf.concat([images for images, _ in pairs], 0),
                    None if pairs[0][1] is None else tf.concat([c for _, c in pairs], 0),
                )
                outputs = [both[i * batch_size : (i + 1) * batch_size] for i in range(len(pairs))]
            p_real, p_fake = outputs[0], outputs[1]
            negatives = self._d_loss(tf.zeros_like(p_fake), p_fake)
            if self.mismatched_pairs:
                negatives = 0.5 * (negatives + self._d_loss(tf.zeros_like(outputs[2]), outputs[2]))
            loss = 0.5 * (self._d_loss(tf.ones_like(p_real), p_real) + negatives)
            # Under a multi-replica strategy gradients are summed over replicas: scale per replica.
            scaled = loss / tf.distribute.get_strategy().num_replicas_in_sync
        d_vars = self.discriminator.trainable_variables
        grads = tape.gradient(scaled, d_vars)
        self.discriminator.optimizer.apply_gradients(zip(grads, d_vars))
        self.discriminator.trainable = False
        outputs = [tf.cast(p, "float32") for p in outputs]
        if self.d_output == "logits":
            outputs = [tf.sigmoid(p) for p in outputs]
        p_real, p_fake = outputs[0], outputs[1]
        threshold = _THRESHOLD[self.d_output]
        wrong = {"d_wrong": tf.reduce_mean(outputs[2])} if self.mismatched_pairs else {}
        return {
            **wrong,
            "d_loss": loss,
            "d_acc_real": tf.reduce_mean(tf.cast(p_real > threshold, "float32")),
            "d_acc_fake": tf.reduce_mean(tf.cast(p_fake < threshold, "float32")),
            "d_real": tf.reduce_mean(p_real),
            "d_fake": tf.reduce_mean(p_fake),
        }

    def g_step(self, batch_size: tf.Tensor) -> dict[str, tf.Tensor]:
        """G's step: the combined model, with D frozen, trained to label fakes as real.

        Args:
            batch_size: number of noise vectors.

        Returns:
            ``g_loss`` for this batch.
        """
        self.discriminator.trainable = False  # frozen: not updated, its BatchNorm in inference mode
        z = self._noise(batch_size, 1)
        if self.conditional:
            z = [z, self._labels(batch_size, 1)]
        batch_statistics = self.frozen_d_batchnorm == "batch" and self._d_has_batchnorm
        if batch_statistics:  # BN on the fake batch's statistics; moving statistics restored below
            saved = [tf.identity(v.value) for v in self._d_bn_statistics]
            self.discriminator.trainable = True
        with tf.GradientTape() as tape:
            p_fake = self.combined(z, training=True)
            self.discriminator.trainable = False
            if self._g_cost is None:  # the seed's way: the combined model's loss, label "real"
                loss = self._g_loss(tf.ones_like(p_fake), p_fake)
            else:
                loss = self._g_cost(p_fake)
            scaled = loss / tf.distribute.get_strategy().num_replicas_in_sync
        g_vars = self.combined.trainable_variables  # only G's: D is frozen
        grads = tape.gradient(scaled, g_vars)
        self.combined.optimizer.apply_gradients(zip(grads, g_vars))
        if batch_statistics:
            for variable, value in zip(self._d_bn_statistics, saved):
                variable.assign(value)
        return {"g_loss": loss}

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """One GAN iteration: :meth:`d_step` on ``data``, then :meth:`g_step` on as many z."""
        if self.conditional:
            if not isinstance(data, (tuple, list)) or len(data) < 2:
                raise ValueError(
                    "a conditional GAN trains on (images, labels) batches: use "
                    "gk.data.mnist_dataset(..., labels=True)."
                )
            real = data[0]
            values = self.d_step(real, data[1])
        else:
            real = data[0] if isinstance(data, (tuple, list)) else data
            values = self.d_step(real)
        values.update(self.g_step(tf.shape(real)[0]))
        for key, tracker in self.trackers.items():
            tracker.update_state(values[key])
        return {key: tracker.result() for key, tracker in self.trackers.items()}

    def call(self, z, training=False):
        """``generator(z)`` (conditional: ``generator([z, labels])``): use the trainer like G."""
        return self.generator(z, training=training)

    # --- the training loop --------------------------------------------------------------------
    def train(
        self,
        dataset: tf.data.Dataset,
        steps: int,
        *,
        log_every: int = 100,
        callbacks: Iterable[keras.callbacks.Callback] = (),
        checkpoint_dir: str | os.PathLike | None = None,
        checkpoint_every: int | None = None,
        resume: bool = False,
        progress: bool = True,
        time_budget: float | None = None,
    ) -> dict[str, np.ndarray]:
        """Trains until ``steps`` steps are done in total, with logging, checks and checkpoints.

        Args:
            dataset: an infinite, deterministic ``tf.data.Dataset`` of real batches (e.g.
                ``gk.data.mnist_dataset``; conditional GANs: ``(images, labels)`` batches). A
                resumed run skips the batches already used, so it sees the same data an
                uninterrupted run would.
            steps: total number of steps (including those done before a resume).
            log_every: steps per logging interval (one history point and one callback epoch).
            callbacks: extra Keras callbacks (e.g. :class:`FixedNoiseSnapshots`).
            checkpoint_dir: where to keep checkpoints; ``None`` for none.
            checkpoint_every: steps between checkpoints (a multiple of ``log_every``); defaults
                to the end of training only.
            resume: restore the latest checkpoint in ``checkpoint_dir`` first.
            progress: show a progress bar.
            time_budget: stop at the end of the first logging interval at which
                ``gan.train_seconds`` reaches this many seconds (``steps`` is then a maximum).
                ``train_seconds`` adds up the wall-clock time of the training intervals only,
                not the time ``callbacks`` spend at an interval's end (e.g. measuring FD), so two
                models given the same budget get the same training time.

        Returns:
            The history: ``{"step": ..., "d_loss": ..., ...}`` arrays, one entry per interval.

        Raises:
            ValueError: on bad arguments, or a ``dataset`` that is not a ``tf.data.Dataset``.
            RuntimeError: if a loss becomes NaN or infinite (training stops at once), or if the
                trainer was not compiled.
        """
        if not isinstance(dataset, tf.data.Dataset):
            raise ValueError(f"dataset must be a tf.data.Dataset, got {type(dataset).__name__}.")
        for value, label in ((steps, "steps"), (log_every, "log_every")):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{label} must be a positive integer, got {value!r}.")
        if steps % log_every:
            raise ValueError(f"steps ({steps}) must be a multiple of log_every ({log_every}).")
        if not self.compiled:
            raise RuntimeError("Call gan.compile() before gan.train().")
        if log_every % self.steps_per_execution:
            raise ValueError(
                f"log_every ({log_every}) must be a multiple of steps_per_execution ({self.steps_per_execution})."
            )
        if time_budget is not None and (
            isinstance(time_budget, bool) or not isinstance(time_budget, (int, float)) or not time_budget > 0
        ):
            raise ValueError(f"time_budget must be a positive number of seconds or None, got {time_budget!r}.")
        if (resume or checkpoint_every) and checkpoint_dir is None:
            raise ValueError("resume and checkpoint_every need a checkpoint_dir.")
        if checkpoint_every is not None and (checkpoint_every < 1 or checkpoint_every % log_every):
            raise ValueError(f"checkpoint_every must be a positive multiple of log_every ({log_every}).")
        if resume:
            restore_checkpoint(self, checkpoint_dir)
        done = self.step
        if done % log_every:
            raise ValueError(f"a resumed run is at step {done}, not a multiple of log_every ({log_every}).")
        if done >= steps:
            return self.logs()

        if time_budget is not None and self.train_seconds >= time_budget:
            return self.logs()
        # The clock comes first, so that its interval ends before any other callback runs.
        all_callbacks: list[keras.callbacks.Callback] = [_Clock(time_budget), _LogCallback(), _NaNGuard()]
        if progress:
            all_callbacks.append(ProgressBar(total=steps))
        if checkpoint_dir is not None:
            all_callbacks.append(_CheckpointCallback(checkpoint_dir, checkpoint_every or steps, steps))
        all_callbacks.extend(callbacks)
        self.fit(
            dataset.skip(done),
            epochs=steps // log_every,
            initial_epoch=done // log_every,
            steps_per_epoch=log_every,
            callbacks=all_callbacks,
            verbose=0,
            shuffle=False,
        )
        if checkpoint_dir is not None and self.step < steps:  # stopped early by the time budget
            latest = latest_checkpoint(checkpoint_dir)
            if latest is None or int(latest.stem.split("-")[1]) != self.step:
                save_checkpoint(self, checkpoint_dir)
        return self.logs()

    def logs(self) -> dict[str, np.ndarray]:
        """The logged history as arrays, one entry per logging interval."""
        return {key: np.asarray(values) for key, values in self.log.items()}


# --- callbacks ---------------------------------------------------------------------------------
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
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0):
            raise ValueError(f"seconds must be a positive number or None, got {seconds!r}.")
        self.budget = seconds
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


class _Clock(TimeBudget):
    """The trainer's :class:`TimeBudget`: also adds each interval's training time to
    ``model.train_seconds`` and stops when that total (resumed runs included) reaches the budget."""

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        self.seconds_spent += elapsed
        self.epochs += 1
        self.model.train_seconds += elapsed
        if self.budget is not None and self.model.train_seconds >= self.budget:
            self.model.stop_training = True


class MetricCurve(keras.callbacks.Callback):
    """Records ``fn(model)`` every ``every`` epochs of ``fit``, with the step count, for a curve.

    Args:
        fn: ``model -> float``, e.g. the accuracy of a classifier on translated test images.
        every: measure every ``every`` epochs.
        clock: a :class:`TimeBudget` of the same ``fit`` (listed before this callback), to
            record the training seconds of each measurement too.

    Attributes:
        steps: training steps (batches) seen at each measurement.
        values: ``fn``'s value at each measurement.
        seconds: the clock's training seconds at each measurement (empty without a clock).
    """

    def __init__(self, fn: Callable[[keras.Model], float], every: int = 1, clock: "TimeBudget | None" = None) -> None:
        super().__init__()
        if not callable(fn):
            raise ValueError(f"fn must be callable (model -> float), got {fn!r}.")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}.")
        if clock is not None and not isinstance(clock, TimeBudget):
            raise ValueError(f"clock must be a gk.train.TimeBudget or None, got {clock!r}.")
        self.fn, self.every, self.clock = fn, every, clock
        self.seen = 0
        self.steps: list[int] = []
        self.values: list[float] = []
        self.seconds: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.steps.append(self.seen)
            if self.clock is not None:
                self.seconds.append(self.clock.seconds_spent)
            self.values.append(float(self.fn(self.model)))


class _LogCallback(keras.callbacks.Callback):
    """Appends the interval means of the trainer's ``log_keys`` to ``model.log``."""

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.model.log["step"].append(self.model.step)
        for key in self.model.log_keys:
            self.model.log[key].append(float(logs.get(key, math.nan)))


class _NaNGuard(keras.callbacks.Callback):
    """Stops training with a clear error as soon as a loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = {k: logs[k] for k in ("d_loss", "g_loss") if k in logs and not np.isfinite(float(logs[k]))}
        if bad:
            self.model.stop_training = True
            raise RuntimeError(
                f"Training stopped at step {self.model.step}: {bad} is not finite. Usual causes: a "
                "learning rate too high, input images not scaled to the generator's output range "
                "([-1, 1] for tanh), or NaNs in the data. Lower the learning rate or check the data."
            )


class ProgressBar(keras.callbacks.Callback):
    """A ``tqdm`` progress bar over training steps, showing the running D and G losses.

    Args:
        total: the step the bar ends at.
    """

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total
        self.bar = None

    def on_train_begin(self, logs=None):
        import sys

        from tqdm.std import tqdm  # text bar: live in Jupyter and terminals, readable when stored

        self.bar = tqdm(
            total=self.total, initial=self.model.step, unit="step", mininterval=5.0, file=sys.stdout, ascii=True
        )

    def on_train_batch_end(self, batch, logs=None):
        step = self.model.step
        self.bar.update(step - self.bar.n)
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
        self.every = every
        self.steps: list[int] = []
        self.images: list[np.ndarray] = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.steps.append(self.model.step)
            self.images.append(keras.ops.convert_to_numpy(self.model.generator(self.z, training=False)))


class _CheckpointCallback(keras.callbacks.Callback):
    def __init__(self, directory, every: int, last: int) -> None:
        super().__init__()
        self.directory, self.every, self.last = directory, every, last

    def on_epoch_end(self, epoch, logs=None):
        step = self.model.step
        if step % self.every == 0 or step == self.last:
            save_checkpoint(self.model, self.directory)


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


# --- checkpoints ---------------------------------------------------------------------------------
def _state(gan: CombinedGAN) -> dict[str, list]:
    gan._build_optimizers()
    return {
        "generator": gan.generator.weights,
        "discriminator": gan.discriminator.weights,
        "d_optimizer": gan.discriminator.optimizer.variables,
        "g_optimizer": gan.combined.optimizer.variables,
    }


def save_checkpoint(gan: CombinedGAN, directory: str | os.PathLike) -> Path:
    """Saves everything a run needs to resume exactly: weights, BN statistics, optimizer states,
    the step (which also fixes the noise stream) and the history so far.

    Files are written to a temporary name and renamed, so an interrupted save never leaves a
    half-written checkpoint; each step gets its own file (``ckpt-<step>.npz``), nothing is
    overwritten.

    Args:
        gan: the trainer.
        directory: the checkpoint folder (created if missing).

    Returns:
        The checkpoint's path.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for group, variables in _state(gan).items():
        for i, v in enumerate(variables):
            arrays[f"{group}/{i}"] = keras.ops.convert_to_numpy(v)
    meta = {"step": gan.step, "seed": gan.seed, "log": gan.log, "train_seconds": gan.train_seconds}
    arrays["meta"] = np.asarray(json.dumps(meta))
    path = directory / f"ckpt-{gan.step}.npz"
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as handle:
        np.savez(handle, **arrays)
    os.replace(handle.name, path)
    return path


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The checkpoint with the highest step in ``directory``, or ``None``."""
    paths = sorted(Path(directory).glob("ckpt-*.npz"), key=lambda p: int(p.stem.split("-")[1]))
    return paths[-1] if paths else None


def restore_checkpoint(gan: CombinedGAN, directory_or_file: str | os.PathLike) -> int:
    """Restores a checkpoint made by :func:`save_checkpoint` into ``gan``.

    Args:
        gan: a trainer built with the same architectures and compiled.
        directory_or_file: a checkpoint folder (its latest checkpoint is used) or file.

    Returns:
        The restored step.

    Raises:
        RuntimeError: if no checkpoint is found.
        ValueError: if the checkpoint does not match the models (different architecture).
    """
    path = Path(directory_or_file)
    if path.is_dir():
        path = latest_checkpoint(path)
    if path is None or not path.exists():
        raise RuntimeError(f"No checkpoint found in {directory_or_file}; train without resume=True first.")
    with np.load(path) as stored:
        for group, variables in _state(gan).items():
            saved = sorted((k for k in stored.files if k.startswith(group + "/")), key=lambda k: int(k.split("/")[1]))
            if len(saved) != len(variables):
                raise ValueError(
                    f"{path} has {len(saved)} {group} variables, the model has {len(variables)}: "
                    "rebuild the same architecture before restoring."
                )
            for key, variable in zip(saved, variables):
                if tuple(stored[key].shape) != tuple(variable.shape):
                    raise ValueError(f"{path}: {key} has shape {stored[key].shape}, the model expects {variable.shape}.")
                variable.assign(stored[key])
        meta = json.loads(str(stored["meta"]))
    if meta["seed"] != gan.seed:
        raise ValueError(f"{path} was trained with seed {meta['seed']}, this trainer has seed {gan.seed}.")
    gan.log = meta["log"]
    gan.train_seconds = float(meta.get("train_seconds", 0.0))
    return gan.step


# --- checking the algorithm ----------------------------------------------------------------------
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
        d_step: runs one discriminator step (e.g. ``lambda: gan.d_step(real)`` or the seed's two
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
