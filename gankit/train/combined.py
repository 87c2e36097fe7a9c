"""The combined-model GAN trainer: seed 002's algorithm, correct on Keras 3, in one fused step.

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
first traced, not at ``compile()``. :class:`CombinedGAN` keeps the three models and the algorithm:

* **D's step** runs with ``discriminator.trainable = True``: D's compiled loss and optimizer
  update D on a real batch (label 1) and a fake batch (label 0), each normalised separately;
* **G's step** runs with ``discriminator.trainable = False``: the *combined* model's compiled
  loss and optimizer update G only, and D's weights (moving statistics included) stay fixed.

Both steps are one ``train_step`` that ``fit`` traces with ``tf.function`` (``steps_per_execution``
steps per call), under whatever ``tf.distribute`` strategy the models were built in; fakes are
made inside the graph (no ``generator.predict()``), from the stateless noise of
:mod:`gankit.train.noise`.
"""

from __future__ import annotations

from typing import Callable

import keras
import tensorflow as tf

from gankit import checks
from gankit import losses as _losses
from gankit.train import seed_models
from gankit.train.base import GANTrainer
from gankit.train.noise import NoiseStream

LOG_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real", "d_fake")
"""Quantities logged by :class:`CombinedGAN`, averaged over each logging interval:

* ``d_loss``: D's loss, the mean of its loss on the real and on the fake batch;
* ``g_loss``: the combined model's loss (G's loss);
* ``d_acc_real`` / ``d_acc_fake``: share of real / fake images D classifies correctly;
* ``d_real`` / ``d_fake``: mean D(x) and mean D(G(z)) in D's step, as probabilities when D outputs
  probabilities or logits (``sigmoid`` applied), as raw scores otherwise.
"""

# Decision threshold on D's output (after ``sigmoid`` for logits) for each output kind.
THRESHOLD = {"probability": 0.5, "logits": 0.5, "least_squares": 0.5, "hinge": 0.0, "critic": 0.0, None: 0.5}


def scale(optimizer: keras.optimizers.Optimizer, loss: tf.Tensor) -> tf.Tensor:
    """The loss to differentiate: per replica (gradients sum over replicas), and multiplied by the
    loss scale when ``optimizer`` is a ``LossScaleOptimizer`` (``mixed_float16``, :mod:`gankit.precision`)."""
    return optimizer.scale_loss(loss / tf.distribute.get_strategy().num_replicas_in_sync)


class CombinedGAN(GANTrainer):
    """Trains seed 002's generator, discriminator and combined model in one fused step.

    Build the three models as the seed does, then hand them over::

        gan = CombinedGAN(generator, discriminator, combined)
        gan.compile(steps_per_execution=50)
        history = gan.train(dataset, steps=10_000)

    **Conditional GANs** (notebook 4): G takes ``[z, labels]``, D ``[images, labels]``,
    ``combined = Model([z, c], discriminator([generator([z, c]), c]))``; pass ``num_classes`` and
    train on ``(images, labels)`` batches. Fakes get uniformly drawn labels. With
    ``mismatched_pairs=True`` D also learns to reject real images with a wrong label (Reed et al.,
    2016, seed 004's algorithm): D's loss becomes ``0.5 * (L(real, c) + 0.5 * (L(fake, c') +
    L(real, wrong c)))``.

    Args:
        generator: noise ``(batch, latent_dim)`` (and int labels ``(batch,)``) -> images.
        discriminator: images (and labels) -> ``(batch, 1)`` probability that they are real (or
            a logit), compiled with its own loss and optimizer.
        combined: ``Model(z, discriminator(generator(z)))`` compiled with its own loss and
            optimizer (a *different* optimizer instance from D's: Keras 3 rejects a shared one).
        generator_cost: ``None`` (the combined model's loss with label 1, as in the seed), a
            name from :data:`gankit.losses.GENERATOR_COSTS` matching D's output, or a function
            ``cost(d_outputs (batch, 1)) -> scalar``.
        frozen_d_batchnorm: how batch norm in the frozen D normalises fakes in G's step:
            ``"inference"`` (Keras's behaviour for a frozen model: moving statistics) or
            ``"batch"`` (the fake batch's own statistics, as a PyTorch or TF-tutorial DCGAN
            does; D's moving statistics are restored after the step).
        seed: seed of the noise stream.
        num_classes: a conditional GAN's number of classes; ``None`` for an unconditional one.
        mismatched_pairs: conditional only: add D's third term (logged as ``d_wrong``).
        name: model name.

    Raises:
        ValueError: if the models, their compilation or the arguments do not fit together.
    """

    def __init__(self, generator, discriminator, combined, *, generator_cost: str | Callable | None = None,
                 frozen_d_batchnorm: str = "inference", seed: int = 0, num_classes: int | None = None,
                 mismatched_pairs: bool = False, name: str = "combined_gan") -> None:
        conditional = seed_models.check_seed_models(generator, discriminator, combined)
        super().__init__(generator, discriminator, seed=seed, name=name)
        self.num_classes = seed_models.check_conditional(conditional, num_classes, mismatched_pairs)
        self.conditional, self.mismatched_pairs, self.combined = conditional, bool(mismatched_pairs), combined
        self._g_cost = seed_models.generator_cost_fn(generator_cost, discriminator, combined)
        self.generator_cost = generator_cost if generator_cost is None or isinstance(generator_cost, str) else getattr(
            generator_cost, "__name__", "custom")
        self.d_output = _losses.output_kind(discriminator.loss)
        self.frozen_d_batchnorm = checks.choice(frozen_d_batchnorm, "frozen_d_batchnorm", ("inference", "batch"))
        self.d_optimizer, self.g_optimizer = discriminator.optimizer, combined.optimizer
        self._d_loss, self._g_loss = seed_models.compiled_loss(discriminator), seed_models.compiled_loss(combined)
        self._d_bn_statistics = [v for layer in discriminator._flatten_layers()
                                 if isinstance(layer, keras.layers.BatchNormalization)
                                 for v in (layer.moving_mean, layer.moving_variance)]
        self.noise = NoiseStream(self.seed, self.latent_dim, self.d_optimizer.iterations, self.num_classes)
        self.discriminator.trainable = False  # the resting state, as in the seed
        self.set_log_keys(LOG_KEYS + (("d_wrong",) if self.mismatched_pairs else ()))

    def d_variables(self) -> list:
        self.discriminator.trainable = True
        variables = self.discriminator.trainable_variables
        self.discriminator.trainable = False
        return variables

    def g_variables(self) -> list:
        return self.combined.trainable_variables  # only G's: D is frozen in the combined model

    # --- D's step ---------------------------------------------------------------------------
    def d_batches(self, real: tf.Tensor, labels: tf.Tensor | None = None) -> list[tuple]:
        """D's batches as ``(images, labels or None)``: real, fake, and (mismatched) real + wrong label."""
        batch_size = tf.shape(real)[0]
        if not self.conditional:
            return [(real, None), (tf.cast(self.generator(self.noise.noise(batch_size, 0), training=True), real.dtype), None)]
        if labels is None:
            raise ValueError("a conditional GAN's d_step needs the real images' labels.")
        labels, fake_labels = tf.cast(labels, "int32"), self.noise.labels(batch_size, 0)
        fakes = self.generator([self.noise.noise(batch_size, 0), fake_labels], training=True)
        batches = [(real, labels), (tf.cast(fakes, real.dtype), fake_labels)]
        if self.mismatched_pairs:
            batches.append((real, self.noise.wrong_labels(labels)))
        return batches

    def discriminate(self, batches: list[tuple]) -> list[tf.Tensor]:
        """D's outputs on each batch; separately when D has batch norm (the DCGAN rule)."""
        def d(images, labels):
            return self.discriminator(images if labels is None else [images, labels], training=True)

        if self._d_bn_statistics:
            return [tf.cast(d(images, labels), "float32") for images, labels in batches]
        # No batch statistics: one pass over all batches gives the same outputs, faster.
        size = tf.shape(batches[0][0])[0]
        both = d(tf.concat([b[0] for b in batches], 0), None if batches[0][1] is None else tf.concat([b[1] for b in batches], 0))
        both = tf.cast(both, "float32")  # float32 losses and logs under a mixed precision policy
        return [both[i * size:(i + 1) * size] for i in range(len(batches))]

    def d_loss(self, outputs: list[tf.Tensor], batches: list[tuple]) -> tf.Tensor:
        """D's loss: real -> 1, fake (and mismatched) -> 0, with D's compiled loss."""
        negatives = self._d_loss(tf.zeros_like(outputs[1]), outputs[1])
        if self.mismatched_pairs:
            negatives = 0.5 * (negatives + self._d_loss(tf.zeros_like(outputs[2]), outputs[2]))
        return 0.5 * (self._d_loss(tf.ones_like(outputs[0]), outputs[0]) + negatives)

    def d_step(self, real: tf.Tensor, labels: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """One update of D on a real batch ``(batch, *image_shape)`` (and its labels ``(batch,)``)."""
        batches = self.d_batches(real, labels)
        self.discriminator.trainable = True  # read while tracing: D's variables are trainable here
        with tf.GradientTape() as tape:
            outputs = self.discriminate(batches)
            loss = self.d_loss(outputs, batches)
            scaled = scale(self.d_optimizer, loss)
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        self.discriminator.trainable = False
        return {"d_loss": loss, **self.d_report(outputs)}

    def d_report(self, outputs: list[tf.Tensor]) -> dict[str, tf.Tensor]:
        """Mean D outputs and accuracies on the real, fake (and mismatched) batches."""
        outputs = [tf.cast(p, "float32") for p in outputs]
        if self.d_output == "logits":
            outputs = [tf.sigmoid(p) for p in outputs]
        threshold = THRESHOLD[self.d_output]
        wrong = {"d_wrong": tf.reduce_mean(outputs[2])} if self.mismatched_pairs else {}
        return {**wrong, "d_acc_real": tf.reduce_mean(tf.cast(outputs[0] > threshold, "float32")),
                "d_acc_fake": tf.reduce_mean(tf.cast(outputs[1] < threshold, "float32")),
                "d_real": tf.reduce_mean(outputs[0]), "d_fake": tf.reduce_mean(outputs[1])}

    # --- G's step ---------------------------------------------------------------------------
    def g_loss(self, d_on_fakes: tf.Tensor) -> tf.Tensor:
        """G's cost of D's outputs on its fakes ``(batch, 1)``."""
        if self._g_cost is None:  # the seed's way: the combined model's loss, label "real"
            return self._g_loss(tf.ones_like(d_on_fakes), d_on_fakes)
        return self._g_cost(d_on_fakes)

    def g_step(self, batch_size: tf.Tensor) -> dict[str, tf.Tensor]:
        """The combined model, with D frozen, trained to make D call ``batch_size`` fakes real."""
        z = self.noise.noise(batch_size, 1)
        z = [z, self.noise.labels(batch_size, 1)] if self.conditional else z
        batch_statistics = self.frozen_d_batchnorm == "batch" and bool(self._d_bn_statistics)
        if batch_statistics:  # BN on the fake batch's statistics; moving statistics restored below
            saved = [tf.identity(v.value) for v in self._d_bn_statistics]
        self.discriminator.trainable = batch_statistics  # frozen: its BatchNorm in inference mode
        with tf.GradientTape() as tape:
            d_on_fakes = tf.cast(self.combined(z, training=True), "float32")
            self.discriminator.trainable = False
            loss = self.g_loss(d_on_fakes)
            scaled = scale(self.g_optimizer, loss)
        variables = self.combined.trainable_variables  # only G's: D is frozen
        self.g_optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        for variable, value in zip(self._d_bn_statistics, saved if batch_statistics else ()):
            variable.assign(value)
        return {"g_loss": loss}

    # --- one iteration ----------------------------------------------------------------------
    def split_batch(self, data) -> tuple[tf.Tensor, tf.Tensor | None]:
        """``(images, labels or None)`` of a dataset batch."""
        if not self.conditional:
            return (data[0] if isinstance(data, (tuple, list)) else data), None
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("a conditional GAN trains on (images, labels) batches: use "
                             "gk.data.mnist_dataset(..., labels=True).")
        return data[0], data[1]

    def train_step(self, data) -> dict[str, tf.Tensor]:
        """One GAN iteration: :meth:`d_step` on the real batch, then :meth:`g_step` on as many z."""
        real, labels = self.split_batch(data)
        values = self.d_step(real, labels)
        values.update(self.g_step(tf.shape(real)[0]))
        return self.track(values)
