"""The course's GAN trainer: a generator, a discriminator, an objective and two optimizers.

One :class:`GANTrainer` trains every noise-to-image GAN of the course, unconditional or
conditional, with any objective of :mod:`gankit.losses` (TF-GAN's idea: a variant is a loss choice
plus a step ratio)::

    gan = GANTrainer(generator, discriminator, gk.losses.NonSaturating(),
                     keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.compile(steps_per_execution=50)
    gan.train(dataset, steps=10_000)

    wgan = GANTrainer(generator, critic, gk.losses.Wasserstein(penalty_weight=10.0), d_opt, g_opt, d_steps=5)

Each iteration is ``d_steps`` updates of D on the real batch (and fresh fakes), then one of G.
**G's step keeps D fixed by differentiating only G's variables**: nothing is frozen, no
``trainable`` flag is touched, the learner's models are never modified. D runs in training mode in
both steps (dropout on, batch norm on the batch's own statistics, real and fake batches normalised
separately, as the DCGAN paper does); D's batch-norm moving statistics are put back after G's step,
so G's step changes nothing of D. Fakes are made inside the compiled step, from the stateless noise
of :mod:`gankit.train.noise`; the models' regularisation losses are added to each player's loss.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gankit import checks
from gankit import losses as _losses
from gankit.train.base import TrainerBase
from gankit.train.noise import NoiseStream

LOG_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real", "d_fake")
"""Quantities logged by :class:`GANTrainer`, averaged over each logging interval:

* ``d_loss`` / ``g_loss``: D's and G's losses (the objective's, plus any penalty for D);
* ``d_acc_real`` / ``d_acc_fake``: share of real / fake images D classifies correctly;
* ``d_real`` / ``d_fake``: mean D(x) and mean D(G(z)) in D's step, as probabilities for the
  cross-entropy objectives (``sigmoid`` applied to logits), as raw scores otherwise;
* ``d_wrong`` (``mismatched_pairs=True``): mean D on real images with a wrong label.
"""


def batchnorm_statistics(model: keras.Model) -> list:
    """The moving means and variances of every ``BatchNormalization`` layer in ``model``."""
    return [v for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)
            for v in (layer.moving_mean, layer.moving_variance)]


def check_optimizers(d_optimizer, g_optimizer) -> tuple:
    """Two distinct Keras optimizers; Adam(2e-4, beta_1=0.5) for each one not given."""
    d_optimizer = d_optimizer if d_optimizer is not None else keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_optimizer = g_optimizer if g_optimizer is not None else keras.optimizers.Adam(2e-4, beta_1=0.5)
    for optimizer, name in ((d_optimizer, "d_optimizer"), (g_optimizer, "g_optimizer")):
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise ValueError(f"{name} must be a keras optimizer, e.g. keras.optimizers.Adam(2e-4, beta_1=0.5); got {optimizer!r}.")
    if d_optimizer is g_optimizer:
        raise ValueError("d_optimizer and g_optimizer are one optimizer instance; Keras 3 binds an optimizer to the "
                         "variables it first updates. Give each player its own, e.g. keras.optimizers.Adam(2e-4, beta_1=0.5) twice.")
    return d_optimizer, g_optimizer


def check_output(discriminator: keras.Model, loss: _losses.GANLoss) -> None:
    """D's last activation must match what the objective reads: a sigmoid exactly for probabilities."""
    last = discriminator.layers[-1] if discriminator.layers else None
    sigmoid = getattr(getattr(last, "activation", None), "__name__", "") == "sigmoid"
    if loss.output == "probability" and not sigmoid:
        raise ValueError(f"{loss!r} reads D's outputs as probabilities, but D's last layer ({getattr(last, 'name', '?')}) has "
                         "no sigmoid, so its outputs are logits: use from_logits=True (or end D in a sigmoid).")
    if loss.output != "probability" and sigmoid:
        raise ValueError(f"{loss!r} reads D's outputs as {loss.output}s, but D ends in a sigmoid: drop it (recommended) "
                         "or, for the cross-entropy objectives, use from_logits=False.")
    if loss.penalty_weight and batchnorm_statistics(discriminator):
        raise ValueError(f"{loss!r} penalises D's gradient image by image, and batch normalisation mixes the images of a "
                         "batch: give the critic no BatchNormalization (layer normalisation or none, as the WGAN-GP paper does).")


class GANTrainer(TrainerBase):
    """Trains a generator and a discriminator with one objective: see the module docstring.

    Args:
        generator: noise ``(batch, latent_dim)`` (conditional: ``[z, int labels (batch,)]``) -> images.
        discriminator: images (conditional: ``[images, labels]``) -> outputs ``(batch, 1)`` of the
            kind the objective reads (``loss.output``).
        loss: a :class:`gankit.losses.GANLoss` or its name (``"non_saturating"``, ...).
        d_optimizer, g_optimizer: two distinct optimizers (default: ``Adam(2e-4, beta_1=0.5)`` each).
        d_steps: D's updates per G update (5 for WGAN-GP).
        num_classes: a conditional GAN's number of classes; fakes get uniformly drawn labels.
        mismatched_pairs: conditional only: D also learns to reject real images with a wrong label
            (Reed et al., 2016): its negatives are the fakes and these pairs, half each.
        seed: seed of the noise stream.
        name: model name.

    Raises:
        ValueError: if the models, the objective and the arguments do not fit together.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, loss: str | _losses.GANLoss = "non_saturating",
                 d_optimizer: keras.optimizers.Optimizer | None = None, g_optimizer: keras.optimizers.Optimizer | None = None,
                 *, d_steps: int = 1, num_classes: int | None = None, mismatched_pairs: bool = False, seed: int = 0,
                 name: str = "gan") -> None:
        super().__init__(generator, discriminator, seed=seed, name=name)
        self.loss = _losses.get(loss)
        d_optimizer, g_optimizer = check_optimizers(d_optimizer, g_optimizer)
        self.set_optimizers({"discriminator": d_optimizer, "generator": g_optimizer})
        self.d_steps = checks.integer(d_steps, "d_steps", minimum=1)
        self.conditional = self._check_inputs(num_classes, mismatched_pairs)
        self.num_classes = int(num_classes) if self.conditional else None
        self.mismatched_pairs = bool(mismatched_pairs)
        if self.loss.penalty_weight and self.conditional:
            raise ValueError(f"{self.loss!r} with a gradient penalty is for unconditional GANs here: G(z), D(images).")
        self.check_discriminator_output()
        self._d_bn_statistics = batchnorm_statistics(discriminator)
        self.noise = NoiseStream(self.seed, self.latent_dim, self.d_steps_done, self.num_classes)
        self.set_log_keys(LOG_KEYS + (("d_wrong",) if self.mismatched_pairs else ()))

    def check_discriminator_output(self) -> None:
        """Raises ValueError where D's output does not match the objective (:func:`check_output`)."""
        check_output(self.discriminator, self.loss)

    def _check_inputs(self, num_classes, mismatched_pairs) -> bool:
        counts = (len(self.generator.inputs or ()), len(self.discriminator.inputs or ()))
        if counts not in ((1, 1), (2, 2)):
            raise ValueError("expected an unconditional GAN (G(z), D(images)) or a conditional one (G([z, labels]), "
                             f"D([images, labels])); got {counts[0]} generator and {counts[1]} discriminator inputs.")
        if counts == (1, 1):
            if num_classes is not None or mismatched_pairs:
                raise ValueError("num_classes and mismatched_pairs are for a conditional GAN, whose generator takes "
                                 "[z, labels] and whose discriminator takes [images, labels].")
            return False
        if not checks.is_integer(num_classes) or num_classes < 2:
            raise ValueError(f"a conditional GAN needs num_classes, an integer >= 2 (e.g. 10 for MNIST), got {num_classes!r}.")
        return True

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

    def d_call(self, images: tf.Tensor, labels: tf.Tensor | None = None) -> tf.Tensor:
        """D in training mode on images (and labels), its outputs in float32 ``(batch, 1)``."""
        outputs = self.discriminator(images if labels is None else [images, labels], training=True)
        return tf.cast(outputs, "float32")  # float32 losses and logs under a mixed precision policy

    def discriminate(self, batches: list[tuple]) -> list[tf.Tensor]:
        """D's outputs on each batch; separately when D has batch norm (the DCGAN rule)."""
        if self._d_bn_statistics:
            return [self.d_call(images, labels) for images, labels in batches]
        # No batch statistics: one pass over all batches gives the same outputs, faster.
        size = tf.shape(batches[0][0])[0]
        labels = None if batches[0][1] is None else tf.concat([b[1] for b in batches], 0)
        both = self.d_call(tf.concat([b[0] for b in batches], 0), labels)
        return [both[i * size:(i + 1) * size] for i in range(len(batches))]

    def d_loss(self, outputs: list[tf.Tensor], batches: list[tuple]) -> tf.Tensor:
        """The objective's D loss (negatives: the fakes, and mismatched pairs), penalty, regularisation."""
        loss = self.loss.d_loss(outputs[0], tf.concat(outputs[1:], 0))
        if self.loss.penalty_weight:
            (real, _), (fake, _) = batches[0], batches[1]
            mix = self.noise.uniform((tf.shape(real)[0],), stream=0, salt=3)
            loss += self.loss.penalty_weight * self.loss.penalty(self.discriminator, real, fake, mix)
        return loss + sum(self.discriminator.losses, 0.0)

    def d_step(self, real: tf.Tensor, labels: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """One update of D on a real batch ``(batch, *image_shape)`` (and its labels ``(batch,)``)."""
        batches = self.d_batches(real, labels)
        with tf.GradientTape() as tape:
            outputs = self.discriminate(batches)
            loss = self.d_loss(outputs, batches)
        self.minimize("discriminator", loss, tape)  # per replica, loss-scaled under mixed_float16
        self.d_steps_done.assign_add(1)  # also when the loss scale overflowed and the update was skipped
        return {"d_loss": loss, **self.d_report(outputs)}

    def d_report(self, outputs: list[tf.Tensor]) -> dict[str, tf.Tensor]:
        """Mean D outputs and accuracies on the real, fake (and mismatched) batches."""
        outputs, threshold = [self.loss.report(p) for p in outputs], self.loss.threshold
        wrong = {"d_wrong": tf.reduce_mean(outputs[2])} if self.mismatched_pairs else {}
        return {**wrong, "d_acc_real": tf.reduce_mean(tf.cast(outputs[0] > threshold, "float32")),
                "d_acc_fake": tf.reduce_mean(tf.cast(outputs[1] < threshold, "float32")),
                "d_real": tf.reduce_mean(outputs[0]), "d_fake": tf.reduce_mean(outputs[1])}

    # --- G's step ---------------------------------------------------------------------------
    def g_inputs(self, batch_size: tf.Tensor) -> tuple:
        """G's inputs for its step, and the labels D sees with the fakes (``None`` unconditional)."""
        z = self.noise.noise(batch_size, 1)
        if not self.conditional:
            return z, None
        labels = self.noise.labels(batch_size, 1)
        return [z, labels], labels

    def d_on_fakes(self, fakes: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
        """D's outputs on G's fakes in G's step (the adapter of the classic example overrides this)."""
        return self.d_call(fakes, labels)

    def g_step(self, batch_size: tf.Tensor) -> dict[str, tf.Tensor]:
        """One update of G: D's verdict on ``batch_size`` fakes, differentiated for G's variables only."""
        inputs, labels = self.g_inputs(batch_size)
        saved = [tf.identity(v.value) for v in self._d_bn_statistics]
        with tf.GradientTape() as tape:
            outputs = self.d_on_fakes(self.generator(inputs, training=True), labels)
            loss = self.loss.g_loss(outputs) + sum(self.generator.losses, 0.0)
        self.minimize("generator", loss, tape)  # G's variables only: D stays as it is
        self.steps_done.assign_add(1)
        for variable, value in zip(self._d_bn_statistics, saved):  # G's step leaves D as it was
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
        """One GAN iteration: ``d_steps`` :meth:`d_step` on the real batch, then :meth:`g_step`."""
        real, labels = self.split_batch(data)
        for _ in range(self.d_steps):
            values = self.d_step(real, labels)
        values.update(self.g_step(tf.shape(real)[0]))  # counts the step
        return self.track(values, count=False)
