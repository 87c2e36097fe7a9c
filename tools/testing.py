"""Tiny GANs and data (8x8 "bar" images) for tests, benches and quick experiments.

Real images are bright horizontal bars on a dark 8x8 field, in [-1, 1]; a conditional GAN's class
``c`` is a bar on row ``c``. Everything here trains in seconds on a CPU, so that a test can check
that a GAN step *learns*, not only that it runs.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

LATENT, CLASSES = 8, 8


def small_models(bn_in_g: bool = True, bn_in_d: bool = False, lr: float = 1e-3):
    """A small G and D on 8x8 images (fast), compiled the seed's way; BatchNorm where asked."""
    z = keras.Input((LATENT,))
    x = layers.Dense(32)(z)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    if bn_in_g:
        x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Dense(64, activation="tanh")(x)
    generator = keras.Model(z, layers.Reshape((8, 8, 1))(x), name="g")
    image = keras.Input((8, 8, 1))
    y = layers.Flatten()(image)
    y = layers.Dense(32)(y)
    if bn_in_d:
        y = layers.BatchNormalization()(y)
    y = layers.LeakyReLU(negative_slope=0.2)(y)
    discriminator = keras.Model(image, layers.Dense(1, activation="sigmoid")(y), name="d")
    discriminator.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    discriminator.trainable = False
    zc = keras.Input((LATENT,))
    combined = keras.Model(zc, discriminator(generator(zc)))
    combined.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return generator, discriminator, combined


def real_images(n: int = 256, seed: int = 0) -> np.ndarray:
    """Structured 'real' 8x8 images in [-1, 1]: bright bars at random rows."""
    rng = np.random.default_rng(seed)
    x = -np.ones((n, 8, 8, 1), "float32")
    rows = rng.integers(0, 8, n)
    x[np.arange(n), rows, :, 0] = 1.0
    return x


def dataset(x: np.ndarray, batch: int = 32, seed: int = 0) -> tf.data.Dataset:
    """An infinite, seeded, shuffled pipeline of ``x`` in batches of ``batch``."""
    return tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed).repeat().batch(batch, drop_remainder=True)


def conditional_models(bn_in_d: bool = False, lr: float = 2e-3, logits: bool = False):
    """G([z, c]) -> 8x8 images and D([x, c]) -> (batch, 1), labels embedded and concatenated."""
    z, c = keras.Input((LATENT,)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([z, layers.Embedding(CLASSES, 8)(c)])
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(32)(h))
    generator = keras.Model([z, c], layers.Reshape((8, 8, 1))(layers.Dense(64, activation="tanh")(h)), name="g")
    x, cd = keras.Input((8, 8, 1)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([layers.Flatten()(x), layers.Embedding(CLASSES, 8)(cd)])
    h = layers.Dense(32)(h)
    if bn_in_d:
        h = layers.BatchNormalization()(h)
    h = layers.LeakyReLU(negative_slope=0.2)(h)
    discriminator = keras.Model([x, cd], layers.Dense(1, activation=None if logits else "sigmoid")(h), name="d")
    loss = keras.losses.BinaryCrossentropy(from_logits=True) if logits else "binary_crossentropy"
    discriminator.compile(loss=loss, optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    discriminator.trainable = False
    zc, cc = keras.Input((LATENT,)), keras.Input((), dtype="int32")
    combined = keras.Model([zc, cc], discriminator([generator([zc, cc]), cc]))
    combined.compile(loss=loss, optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return generator, discriminator, combined


def bars(labels: np.ndarray) -> np.ndarray:
    """Class c is a bright bar on row c of an 8x8 image in [-1, 1]."""
    x = -np.ones((len(labels), 8, 8, 1), "float32")
    x[np.arange(len(labels)), labels, :, 0] = 1.0
    return x


def labelled_dataset(n: int = 512, batch: int = 32, seed: int = 0) -> tf.data.Dataset:
    """``(bars, labels)`` batches for a conditional GAN: ``n`` random classes, seeded."""
    labels = np.random.default_rng(seed).integers(0, CLASSES, n).astype("int32")
    ds = tf.data.Dataset.from_tensor_slices((bars(labels), labels))
    return ds.shuffle(n, seed=seed).repeat().batch(batch, drop_remainder=True)


def bar_rows(images: np.ndarray) -> np.ndarray:
    """The row of the brightest bar of each image ``(n, 8, 8, 1)``: the class a GAN drew."""
    return np.asarray(images)[..., 0].mean(axis=2).argmax(axis=1)
