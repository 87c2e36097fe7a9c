"""The combined-model GAN trainer: the classic Keras GAN example's algorithm, correct on Keras 3, in one fused step.

The classic example (eriklindernoren/Keras-GAN, ``gan/gan.py``, Keras 2) trains a GAN with three compiled models::

    discriminator.compile(loss="binary_crossentropy", optimizer=Adam(2e-4, 0.5))
    discriminator.trainable = False
    combined = Model(z, discriminator(generator(z)))        # D frozen inside
    combined.compile(loss="binary_crossentropy", optimizer=Adam(2e-4, 0.5))
    # each iteration:
    fakes = generator.predict(noise)
    discriminator.train_on_batch(real, ones); discriminator.train_on_batch(fakes, zeros)
    combined.train_on_batch(noise, ones)

On Keras 3 this silently trains nothing in D: the trainable set is read when a train function is
first traced, not at ``compile()``. :class:`CombinedGAN` is a thin adapter: it reads the three
compiled models (D's optimizer and loss, the combined model's optimizer) and builds the course's
:class:`gankit.train.GANTrainer` from them, which keeps D fixed in G's step by differentiating only
G's variables. One thing of the classic pattern it keeps on purpose, because Keras does it to a
frozen model: in G's step D runs with ``trainable = False``, so its batch normalisation uses its
moving statistics (``frozen_d_batchnorm="inference"``; notebook 3 measures what that costs).
This adapter is the only place in :mod:`gankit.train` that sets ``trainable``.
"""

from __future__ import annotations

from typing import Callable

from gankit import checks
from gankit.train import seed_models
from gankit.train.gan import LOG_KEYS, GANTrainer  # noqa: F401  (LOG_KEYS: a name notebooks use)


class CombinedGAN(GANTrainer):
    """The classic example's generator, discriminator and combined model as one :class:`GANTrainer`.

    Build the three models as the seed does, then hand them over::

        gan = CombinedGAN(generator, discriminator, combined)
        gan.compile(steps_per_execution=50)
        history = gan.train(dataset, steps=10_000)

    **Conditional GANs** (notebook 4): G takes ``[z, labels]``, D ``[images, labels]``,
    ``combined = Model([z, c], discriminator([generator([z, c]), c]))``; pass ``num_classes`` and
    train on ``(images, labels)`` batches. Fakes get uniformly drawn labels. With
    ``mismatched_pairs=True`` D also learns to reject real images with a wrong label (Reed et al.,
    2016): D's loss becomes ``0.5 * (L(real, c) + 0.5 * (L(fake, c') +
    L(real, wrong c)))``.

    Args:
        generator: noise ``(batch, latent_dim)`` (and int labels ``(batch,)``) -> images.
        discriminator: images (and labels) -> ``(batch, 1)`` probability that they are real (or
            a logit), compiled with its own loss and optimizer.
        combined: ``Model(z, discriminator(generator(z)))`` compiled with its own loss and
            optimizer (a *different* optimizer instance from D's: Keras 3 rejects a shared one).
        generator_cost: ``None`` (the combined model's compiled loss against label 1, as the
            classic example trains G: ``binary_crossentropy`` is twice the non-saturating cost),
            a name from :data:`gankit.losses.OBJECTIVES` that fits D's compiled loss, or a
            function ``cost(d_outputs (batch, 1)) -> scalar``.
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
        seed_models.check_seed_models(generator, discriminator, combined)
        checks.choice(frozen_d_batchnorm, "frozen_d_batchnorm", ("inference", "batch"))
        super().__init__(generator, discriminator, seed_models.objective(discriminator, combined, generator_cost),
                         discriminator.optimizer, combined.optimizer, num_classes=num_classes,
                         mismatched_pairs=mismatched_pairs, seed=seed, name=name)
        self.combined, self.frozen_d_batchnorm = combined, frozen_d_batchnorm
        self.generator_cost = generator_cost if generator_cost is None or isinstance(generator_cost, str) else getattr(
            generator_cost, "__name__", "custom")
        self.discriminator.trainable = False  # the resting state, as in the classic example

    def d_variables(self) -> list:
        resting = self.discriminator.trainable
        self.discriminator.trainable = True
        variables = self.discriminator.trainable_variables
        self.discriminator.trainable = resting
        return variables

    def d_step(self, real, labels=None):
        """D's step with D trainable while it is traced (its batch norm on batch statistics)."""
        self.discriminator.trainable = True
        try:
            return super().d_step(real, labels)
        finally:
            self.discriminator.trainable = False

    def d_on_fakes(self, fakes, labels):
        """D in G's step as Keras runs a frozen model (``"inference"``), or on the fakes' statistics."""
        self.discriminator.trainable = self.frozen_d_batchnorm == "batch" and bool(self._d_bn_statistics)
        try:
            return super().d_on_fakes(fakes, labels)
        finally:
            self.discriminator.trainable = False
