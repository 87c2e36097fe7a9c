"""WGAN-GP on the course's trainer: the gradient penalty, the critic's loss, d_steps, and a WGAN-GP that learns.

WGAN-GP is an objective (``gk.losses.Wasserstein``) plus ``d_steps=5``: no combined model, no placeholder loss."""

from __future__ import annotations

import numpy as np
import pytest

from tools.testing import LATENT, dataset, real_images
import gankit as gk
from gankit.train import GANTrainer, gradient_penalty

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


def wgan_models():
    z = keras.Input((LATENT,))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(32)(z))
    generator = keras.Model(z, layers.Reshape((8, 8, 1))(layers.Dense(64, activation="tanh")(h)), name="g")
    image = keras.Input((8, 8, 1))
    h = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(32)(layers.Flatten()(image)))
    critic = keras.Model(image, layers.Dense(1)(h), name="critic")
    return generator, critic


def wgan(g, critic, penalty_weight: float = 10.0, d_steps: int = 5, lr: float = 1e-3) -> GANTrainer:
    adam = lambda: keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9)  # noqa: E731 - the paper's
    return GANTrainer(g, critic, gk.losses.Wasserstein(penalty_weight), adam(), adam(), d_steps=d_steps)


def test_critic_loss_sign_and_penalty_term():
    """d_loss = E D(fake) - E D(real) + lambda * GP: the critic lowers it by scoring reals higher."""
    g, critic = wgan_models()
    gan = wgan(g, critic, penalty_weight=0.0)
    real = tf.constant(real_images(32))
    batches = gan.d_batches(real)
    outputs = [critic(b[0]) for b in batches]
    expected = float(tf.reduce_mean(outputs[1]) - tf.reduce_mean(outputs[0]))
    assert float(gan.d_loss(outputs, batches)) == pytest.approx(expected, abs=1e-6)
    with_penalty = wgan(g, critic, penalty_weight=10.0)
    assert float(with_penalty.d_loss(outputs, batches)) > expected  # the penalty is >= 0 and added


def test_wgan_gp_takes_d_steps_critic_steps_per_generator_step():
    g, critic = wgan_models()
    gan = wgan(g, critic, d_steps=3)
    gan.compile(steps_per_execution=5)
    gan.train(dataset(real_images()), steps=10, log_every=5, progress=False)
    assert gan.step == 10
    assert int(gan.d_optimizer.iterations.numpy()) == 30


@pytest.mark.slow
def test_wgan_gp_learns_the_bars():
    """A toy run: the critic's gap shrinks and G draws bar images (one bright row) instead of noise."""
    keras.utils.set_random_seed(0)
    g, critic = wgan_models()
    gan = wgan(g, critic)
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
    g, critic = wgan_models()
    with pytest.raises(ValueError, match="d_steps must be a positive integer"):
        wgan(g, critic, d_steps=0)
    with pytest.raises(ValueError, match="penalty_weight"):
        wgan(g, critic, penalty_weight=-1.0)
    image = keras.Input((8, 8, 1))
    bn_critic = keras.Model(image, layers.Dense(1)(layers.BatchNormalization()(layers.Flatten()(image))))
    with pytest.raises(ValueError, match="penalises D's gradient image by image.*no BatchNormalization"):
        wgan(g, bn_critic)
    sigmoid_critic = keras.Model(image, layers.Dense(1, activation="sigmoid")(layers.Flatten()(image)))
    with pytest.raises(ValueError, match="reads D's outputs as scores, but D ends in a sigmoid"):
        wgan(g, sigmoid_critic)
