"""Tests of gankit.train.wgan_gp: the gradient penalty, the critic's loss, and a WGAN-GP that learns."""

from __future__ import annotations

import numpy as np
import pytest

from gankit.testing import LATENT, dataset, real_images
from gankit.train import WGANGP, gradient_penalty

import keras
import tensorflow as tf
from keras import layers


def linear_critic(weights: np.ndarray) -> keras.Model:
    """D(x) = <w, x>: its gradient is w everywhere, so ||grad|| = ||w|| is known."""
    image = keras.Input((8, 8, 1))
    dense = layers.Dense(1, use_bias=False)
    critic = keras.Model(image, dense(layers.Flatten()(image)))
    dense.kernel.assign(weights.reshape(64, 1).astype("float32"))
    return critic


@pytest.mark.parametrize("norm", [0.0, 1.0, 3.0])
def test_gradient_penalty_of_a_critic_with_known_gradient_norm(norm):
    w = np.zeros(64)
    w[5] = norm
    critic = linear_critic(w)
    real, fake = tf.constant(real_images(16)), tf.constant(real_images(16, seed=1))
    mix = tf.random.uniform((16,), seed=0)
    penalty = float(gradient_penalty(critic, real, fake, mix))
    # (sqrt(norm^2 + eps) - 1)^2 with eps = 1e-12: for norm 0 the penalty is 1, not NaN.
    assert penalty == pytest.approx((norm - 1.0) ** 2, abs=1e-5)


def test_gradient_penalty_gradient_is_finite_where_the_critic_is_flat():
    """The epsilon sits inside the square root: d sqrt(x)/dx at 0 would be inf -> NaN weights."""
    critic = linear_critic(np.zeros(64))
    real, fake = tf.constant(real_images(8)), tf.constant(real_images(8, seed=1))
    with tf.GradientTape() as tape:
        penalty = gradient_penalty(critic, real, fake, tf.fill((8,), 0.5))
    grads = tape.gradient(penalty, critic.trainable_variables)
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)


def wgan_models(lr: float = 1e-3):
    z = keras.Input((LATENT,))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(32)(z))
    generator = keras.Model(z, layers.Reshape((8, 8, 1))(layers.Dense(64, activation="tanh")(h)), name="g")
    image = keras.Input((8, 8, 1))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(32)(layers.Flatten()(image)))
    critic = keras.Model(image, layers.Dense(1)(h), name="critic")
    critic.compile(loss="mse", optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9))
    critic.trainable = False
    zc = keras.Input((LATENT,))
    combined = keras.Model(zc, critic(generator(zc)))
    combined.compile(loss="mse", optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9))
    return generator, critic, combined


def test_critic_loss_sign_and_penalty_term():
    """d_loss = E D(fake) - E D(real) + lambda * GP: the critic lowers it by scoring reals higher."""
    g, critic, c = wgan_models()
    gan = WGANGP(g, critic, c, penalty_weight=0.0)
    real = tf.constant(real_images(32))
    batches = gan.d_batches(real)
    outputs = [critic(b[0]) for b in batches]
    expected = float(tf.reduce_mean(outputs[1]) - tf.reduce_mean(outputs[0]))
    assert float(gan.d_loss(outputs, batches)) == pytest.approx(expected, abs=1e-6)
    with_penalty = WGANGP(g, critic, c, penalty_weight=10.0)
    assert float(with_penalty.d_loss(outputs, batches)) > expected  # the penalty is >= 0 and added


def test_wgan_gp_takes_n_critic_steps_per_generator_step():
    g, critic, c = wgan_models()
    gan = WGANGP(g, critic, c, n_critic=3)
    gan.compile(steps_per_execution=5)
    gan.train(dataset(real_images()), steps=10, log_every=5, progress=False)
    assert gan.step == 10
    assert int(critic.optimizer.iterations.numpy()) == 30


@pytest.mark.slow
def test_wgan_gp_learns_the_bars():
    """A toy run: the critic's gap shrinks and G draws bar images (one bright row) instead of noise."""
    keras.utils.set_random_seed(0)
    g, critic, c = wgan_models()
    gan = WGANGP(g, critic, c, n_critic=5)
    gan.compile(steps_per_execution=50)
    z = np.random.default_rng(1).standard_normal((256, LATENT)).astype("float32")

    def bar_score(images):
        """Share of images whose brightest row is much brighter than their other rows (a bar)."""
        rows = images[..., 0].mean(axis=2)
        top = np.sort(rows, axis=1)
        return float(np.mean(top[:, -1] - top[:, -2] > 1.0))

    before = bar_score(g.predict(z, verbose=0))
    history = gan.train(dataset(real_images()), steps=1500, log_every=250, progress=False)
    after = bar_score(g.predict(z, verbose=0))
    assert before < 0.1 and after > 0.6, (before, after)
    assert np.all(np.isfinite(history["d_loss"]))


def test_wgan_gp_errors():
    g, critic, c = wgan_models()
    with pytest.raises(ValueError, match="n_critic"):
        WGANGP(g, critic, c, n_critic=0)
    with pytest.raises(ValueError, match="penalty_weight"):
        WGANGP(g, critic, c, penalty_weight=-1.0)
