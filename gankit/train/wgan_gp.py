"""WGAN-GP's gradient penalty (Gulrajani et al., 2017).

The critic D scores images (no sigmoid) and minimises ``E D(G(z)) - E D(x) + lambda * GP`` with
the gradient penalty ``GP = E (||grad D(x_hat)|| - 1)^2`` on random interpolates ``x_hat`` between
real and fake images; G minimises ``-E D(G(z))``. On the course's trainer WGAN-GP is an objective
and a step ratio, nothing more::

    GANTrainer(generator, critic, gk.losses.Wasserstein(penalty_weight=10.0), d_optimizer, g_optimizer, d_steps=5)

(the critic's steps use the same real batch with fresh noise each, as the keras-io example does).
"""

from __future__ import annotations

import tensorflow as tf



def gradient_penalty(critic, real: tf.Tensor, fake: tf.Tensor, mix: tf.Tensor, epsilon: float = 1e-12) -> tf.Tensor:
    """``mean((||grad critic(x_hat)|| - 1)^2)`` with ``x_hat = mix * real + (1 - mix) * fake``.

    Args:
        critic: images ``(batch, *shape)`` -> scores ``(batch, 1)``.
        real, fake: image batches of the same shape.
        mix: interpolation weights ``(batch,)`` in [0, 1].
        epsilon: added *inside* the square root, so the norm's gradient stays finite where the
            critic's gradient is 0 (``sqrt`` has an infinite slope at 0: a NaN in training).
    """
    mix = tf.reshape(tf.cast(mix, real.dtype), [-1] + [1] * (len(real.shape) - 1))
    x_hat = mix * real + (1.0 - mix) * tf.cast(fake, real.dtype)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    grads = tf.reshape(tape.gradient(scores, x_hat), [tf.shape(real)[0], -1])
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + epsilon)
    return tf.reduce_mean(tf.square(norms - 1.0))
