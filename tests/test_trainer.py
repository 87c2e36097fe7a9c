"""Tests of gk.train.Trainer: a lesson's own train_step (notebook 5's SRGAN, notebook 6's CycleGAN)
trained through gk.train's loop, with the loop's checks, checkpoints and exact resume."""

from __future__ import annotations

import numpy as np
import pytest

import gankit as gk

import keras
import tensorflow as tf
from keras import layers

from tools.testing import real_images


def upscaler() -> keras.Model:
    """A tiny "super-resolution" generator: (batch, 4, 4, 1) -> (batch, 8, 8, 1)."""
    lr = keras.Input((4, 4, 1))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(lr)
    x = layers.Conv2D(1, 3, padding="same")(layers.UpSampling2D(2)(x))
    return keras.Model(lr, x, name="up")


def critic() -> keras.Model:
    images = keras.Input((8, 8, 1))
    x = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(images)
    return keras.Model(images, layers.Dense(1)(layers.Flatten()(x)), name="critic")


class PairedGAN(gk.train.Trainer):
    """SRGAN's shape: D learns real HR from G(LR); G learns pixel loss + a small adversarial term."""

    def __init__(self, generator, discriminator, **options):
        super().__init__({"generator": generator, "discriminator": discriminator},
                         log_keys=("d_loss", "g_loss"), **options)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def train_step(self, data):
        lr, hr = data
        with tf.GradientTape() as tape:
            real, fake = self.discriminator(hr), self.discriminator(self.generator(lr))
            d_loss = self.bce(tf.ones_like(real), real) + self.bce(tf.zeros_like(fake), fake)
        self.minimize("discriminator", d_loss, tape)
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            fooled = self.discriminator(sr)
            g_loss = tf.reduce_mean(tf.square(sr - hr)) + 1e-2 * self.bce(tf.ones_like(fooled), fooled)
        self.minimize("generator", g_loss, tape)
        return self.track({"d_loss": d_loss, "g_loss": g_loss})


def pairs(images: np.ndarray | None = None, batch: int = 16) -> tf.data.Dataset:
    hr = real_images(128) if images is None else images
    lr = tf.image.resize(hr, (4, 4), method="area").numpy()
    return tf.data.Dataset.from_tensor_slices((lr, hr)).shuffle(128, seed=0).repeat().batch(batch, drop_remainder=True)


def paired_gan(seed: int = 0, lr: float = 1e-3) -> PairedGAN:
    keras.utils.set_random_seed(seed)
    gan = PairedGAN(upscaler(), critic(), seed=seed)
    gan.compile({"generator": keras.optimizers.Adam(lr), "discriminator": keras.optimizers.Adam(lr)}, steps_per_execution=5)
    return gan


def test_a_lessons_train_step_trains_through_the_loop_and_resumes_exactly(tmp_path):
    whole = paired_gan()
    history = whole.train(pairs(), steps=40, log_every=10, progress=False)
    assert whole.step == 40 and list(history["step"]) == [10, 20, 30, 40]
    assert history["g_loss"][-1] < history["g_loss"][0]  # it learns: the pixel loss falls

    first = paired_gan()
    first.train(pairs(), steps=20, log_every=10, checkpoint_dir=tmp_path, progress=False)
    resumed = paired_gan()
    resumed.train(pairs(), steps=40, log_every=10, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert resumed.step == 40
    for a, b in zip(whole.generator.weights + whole.discriminator.weights,
                    resumed.generator.weights + resumed.discriminator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(resumed.logs()["d_loss"], history["d_loss"], rtol=1e-5)


def test_resume_with_another_learning_rate_or_architecture_is_a_clear_error(tmp_path):
    paired_gan().train(pairs(), steps=10, log_every=10, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="generator_optimizer.*learning_rate"):
        paired_gan(lr=5e-4).train(pairs(), steps=20, log_every=10, checkpoint_dir=tmp_path, resume=True, progress=False)
    other = PairedGAN(upscaler(), keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(), layers.Dense(1)]))
    other.compile({"generator": keras.optimizers.Adam(1e-3), "discriminator": keras.optimizers.Adam(1e-3)})
    with pytest.raises(ValueError, match="discriminator"):
        other.train(pairs(), steps=20, log_every=10, checkpoint_dir=tmp_path, resume=True, progress=False)


def test_nan_in_any_part_of_the_batch_is_a_clear_error_before_any_update():
    gan = paired_gan()
    before = [w.numpy().copy() for w in gan.generator.weights]
    hr = real_images(128)
    hr[5, 0, 0, 0] = np.nan  # in the HR targets only: the LR inputs (element 0) are finite ...
    lr = np.nan_to_num(tf.image.resize(hr, (4, 4), method="area").numpy())
    bad = tf.data.Dataset.from_tensor_slices((lr, hr)).repeat().batch(128)
    with pytest.raises(ValueError, match="NaN"):  # ... still an error, in the learner's words
        gan.train(bad, steps=10, log_every=5, progress=False)
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, gan.generator.weights))


def test_minimize_scales_the_loss_for_a_loss_scale_optimizer():
    """A LossScaleOptimizer divides the gradients by its scale: the loss must be scaled on the tape."""
    results = []
    for wrap in (False, True):
        keras.utils.set_random_seed(0)
        gan = PairedGAN(upscaler(), critic())
        sgd = keras.optimizers.SGD(0.1)
        optimizer = keras.optimizers.LossScaleOptimizer(sgd, initial_scale=1024.0) if wrap else sgd
        gan.compile({"generator": optimizer, "discriminator": keras.optimizers.SGD(0.1)}, run_eagerly=True)
        lr, hr = next(iter(pairs()))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(gan.generator(lr) - hr))
        gan.minimize("generator", loss, tape)
        results.append([w.numpy() for w in gan.generator.weights])
    for plain, scaled in zip(*results):
        np.testing.assert_allclose(plain, scaled, rtol=1e-5, atol=1e-7)


def test_bad_trainer_arguments_are_clear_errors():
    g, d = upscaler(), critic()
    with pytest.raises(ValueError, match="dict of the trainer's networks"):
        gk.train.Trainer([g, d])
    with pytest.raises(ValueError, match="'optimizer' cannot name a network"):
        gk.train.Trainer({"optimizer": g})
    with pytest.raises(ValueError, match="not built"):
        gk.train.Trainer({"generator": keras.Sequential([layers.Dense(1)])})
    gan = PairedGAN(g, d)
    with pytest.raises(ValueError, match="compile needs the optimizers"):
        gan.compile()
    with pytest.raises(ValueError, match=r"one optimizer per network.*\['generator', 'discriminator'\]"):
        gan.compile({"generator": keras.optimizers.Adam()})
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="share one optimizer"):
        gan.compile({"generator": shared, "discriminator": shared})
    with pytest.raises(ValueError, match="must be a keras optimizer"):
        gan.compile({"generator": "adam", "discriminator": keras.optimizers.Adam()})


def test_a_train_step_that_does_not_return_every_log_key_is_a_clear_error():
    class Forgetful(PairedGAN):
        def train_step(self, data):
            return self.track({"d_loss": 0.0})

    gan = Forgetful(upscaler(), critic())
    gan.compile({"generator": keras.optimizers.Adam(), "discriminator": keras.optimizers.Adam()})
    with pytest.raises(ValueError, match=r"returned no \['g_loss'\]"):
        gan.train(pairs(), steps=5, log_every=5, progress=False)
