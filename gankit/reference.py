"""The classic Keras GAN example's models and training loop, written for Keras 3, as references for tests and benches.

Notebook 01 writes the same code out cell by cell (so it can be read and copied); this module
lets the tests and ``bench/train_loops.py`` build exactly those models and run the example's loop
(eriklindernoren/Keras-GAN, ``gan/gan.py``).
"""

from __future__ import annotations

import numpy as np


import keras
import tensorflow as tf
from keras import layers

LATENT_DIM = 100


# build_generator and build_discriminator are notebook 01's cells, character for character (apart
# from the docstrings); tests/test_reference.py keeps them so.
def build_generator(latent_dim=LATENT_DIM):
    """The classic example's MLP generator: Dense 256-512-1024 (LeakyReLU 0.2, BatchNorm momentum 0.8), tanh.

    Maps noise ``(batch, latent_dim)`` to images ``(batch, 28, 28, 1)`` in [-1, 1].
    """
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in (256, 512, 1024):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
        x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Dense(28 * 28, activation="tanh")(x)
    return keras.Model(z, layers.Reshape((28, 28, 1))(x), name="generator")


def build_discriminator():
    """The classic example's MLP discriminator: Dense 512-256 (LeakyReLU 0.2), sigmoid.

    Maps images ``(batch, 28, 28, 1)`` to ``(batch, 1)`` probabilities of being real.
    """
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Flatten()(image)
    for units in (512, 256):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    probability = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(image, probability, name="discriminator")


# make_train_step is notebook 01's cell too (tests/test_reference.py): what CombinedGAN runs per step,
# in plain TensorFlow, and tests/test_train.py checks that both give identical weights.
def make_train_step(generator, discriminator, d_optimizer, g_optimizer, seed=0, latent_dim=LATENT_DIM):
    """One step of the classic example's algorithm in plain TensorFlow: ``train_step(real) -> (d_loss, g_loss)``.

    D (probabilities, no batch norm) learns real -> 1 and fake -> 0 in one pass; then G learns to
    make the updated D call its fakes real. Noise is stateless, from ``(seed, step, stream)``.
    """
    def bce(y, p):  # the classic example's loss, averaged over the batch
        return keras.ops.mean(keras.losses.binary_crossentropy(y, p))

    def noise(n, step, stream):  # the same (seed, step, stream) always draws the same z
        key = tf.random.experimental.stateless_fold_in(tf.stack([seed, 2 * step + stream]), 0)  # replica 0
        return tf.random.stateless_normal((n, latent_dim), seed=key)

    @tf.function
    def train_step(real):
        n, step = tf.shape(real)[0], tf.cast(d_optimizer.iterations, "int32")
        fake = generator(noise(n, step, 0), training=True)
        with tf.GradientTape() as tape:  # D's step: real and fake in one pass
            p = discriminator(tf.concat([real, fake], 0), training=True)
            d_loss = 0.5 * (bce(tf.ones_like(p[:n]), p[:n]) + bce(tf.zeros_like(p[n:]), p[n:]))
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
        with tf.GradientTape() as tape:  # G's step: through D, whose weights stay as they are
            p = discriminator(generator(noise(n, step + 1, 1), training=True), training=False)
            g_loss = bce(tf.ones_like(p), p)
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_optimizer.apply_gradients(zip(grads, generator.trainable_variables))
        return d_loss, g_loss

    return train_step


seed002_generator = build_generator
"""The classic example's generator under the name notebook 03 and the benches use."""
seed002_discriminator = build_discriminator
"""The classic example's discriminator under the name notebook 03 and the benches use."""


def seed002_models(latent_dim: int = LATENT_DIM, lr: float = 2e-4, d_lr: float | None = None):
    """Builds and compiles the classic example's three models the classic example's way, with one optimizer each.

    Args:
        latent_dim: noise size.
        lr: Adam learning rate (beta_1 = 0.5) of the combined model (G).
        d_lr: D's learning rate; defaults to ``lr``.

    Returns:
        ``(generator, discriminator, combined)``; ``discriminator.trainable`` is ``False``.
    """
    generator = build_generator(latent_dim)
    discriminator = build_discriminator()
    discriminator.compile(
        loss="binary_crossentropy", optimizer=keras.optimizers.Adam(d_lr or lr, beta_1=0.5), metrics=["accuracy"]
    )
    discriminator.trainable = False
    z = keras.Input((latent_dim,), name="z")
    combined = keras.Model(z, discriminator(generator(z)), name="combined")
    combined.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return generator, discriminator, combined


def seed_d_step(generator, discriminator, x_train: np.ndarray, half: int, fixed: bool = True):
    """The classic example's discriminator update, as written: ``half`` real and ``half`` generated images,
    one ``train_on_batch`` each (notebook 01's ``seed_d_step``).

    Args:
        generator, discriminator: from :func:`seed002_models` (or any pair compiled the classic example's way).
        x_train: real images in [-1, 1], ``(N, *image_shape)``.
        half: images of each kind.
        fixed: apply the Keras 3 fix (``discriminator.trainable = True`` around D's updates);
            ``False`` runs the example's code unchanged, under which D never learns on Keras 3.

    Returns:
        D's loss (and metrics) averaged over the two batches, as the seed computes it.
    """
    latent_dim = generator.inputs[0].shape[1]
    imgs = x_train[np.random.randint(0, x_train.shape[0], half)]
    gen_imgs = generator.predict(np.random.normal(0, 1, (half, latent_dim)), verbose=0)
    if fixed:
        discriminator.trainable = True
    d_loss_real = discriminator.train_on_batch(imgs, np.ones((half, 1)))
    d_loss_fake = discriminator.train_on_batch(gen_imgs, np.zeros((half, 1)))
    if fixed:
        discriminator.trainable = False
    return 0.5 * np.add(d_loss_real, d_loss_fake)


def seed_g_step(combined, batch_size: int):
    """The classic example's generator update: the combined model on ``batch_size`` noise vectors labelled real."""
    latent_dim = combined.inputs[0].shape[1]
    return combined.train_on_batch(np.random.normal(0, 1, (batch_size, latent_dim)), np.ones((batch_size, 1)))


def seed_literal_iteration(generator, discriminator, combined, x_train: np.ndarray, batch_size: int, fixed: bool = True):
    """One iteration of the classic example's ``train`` loop, as written (half-batch D updates, ``predict``).

    Args:
        generator, discriminator, combined: from :func:`seed002_models`.
        x_train: real images in [-1, 1], ``(N, 28, 28, 1)``.
        batch_size: the example's ``batch_size`` (D sees half of it real, half fake).
        fixed: see :func:`seed_d_step`.

    Returns:
        ``(d_loss, g_loss)`` as the seed computes them.
    """
    d_loss = seed_d_step(generator, discriminator, x_train, batch_size // 2, fixed)
    return d_loss, seed_g_step(combined, batch_size)


# --- a DCGAN following the DCGAN rules of Goodfellow's NIPS 2016 tutorial (for the DCGAN bench and tests) ------------------------------
def dcgan_generator(latent_dim: int = LATENT_DIM) -> keras.Model:
    """DCGAN generator for 28x28x1: noise ``(batch, latent_dim)`` -> images ``(batch, 28, 28, 1)`` in [-1, 1].

    The DCGAN rules (Goodfellow's NIPS 2016 tutorial, §3.3): batch norm after every layer but the output layer, strided transposed
    convolutions to upsample (7 -> 14 -> 28), ``tanh`` output. The TensorFlow DCGAN tutorial's sizes.
    """
    z = keras.Input((latent_dim,))
    x = layers.Dense(7 * 7 * 256, use_bias=False)(z)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, 256))(x)
    for filters, strides in ((128, 1), (64, 2)):
        x = layers.Conv2DTranspose(filters, 5, strides=strides, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))
    image = layers.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh")(x)
    return keras.Model(z, image, name="dcgan_generator")


def dcgan_discriminator() -> keras.Model:
    """DCGAN discriminator: images ``(batch, 28, 28, 1)`` -> one logit ``(batch, 1)``.

    Strided convolutions (28 -> 14 -> 7), LeakyReLU 0.2, batch norm in every layer but the input
    layer (a DCGAN rule), no sigmoid (train it with ``BinaryCrossentropy(from_logits=True)``).
    """
    image = keras.Input((28, 28, 1))
    x = layers.LeakyReLU(negative_slope=0.2)(layers.Conv2D(64, 5, strides=2, padding="same")(image))
    x = layers.Conv2D(128, 5, strides=2, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))
    return keras.Model(image, layers.Dense(1)(layers.Flatten()(x)), name="dcgan_discriminator")


def dcgan_models(latent_dim: int = LATENT_DIM, lr: float = 2e-4):
    """DCGAN generator, discriminator and combined model compiled the classic example's way (logit D)."""
    generator, discriminator = dcgan_generator(latent_dim), dcgan_discriminator()
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    discriminator.compile(loss=bce, optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    discriminator.trainable = False
    z = keras.Input((latent_dim,))
    combined = keras.Model(z, discriminator(generator(z)), name="combined")
    combined.compile(loss=bce, optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return generator, discriminator, combined
