"""WGAN-GP (Gulrajani et al., 2017) on the course's trainer, written outside its core.

The critic D scores images (no sigmoid) and minimises ``E D(G(z)) - E D(x) + lambda * GP`` with
the gradient penalty ``GP = E (||grad D(x_hat)|| - 1)^2`` on random interpolates ``x_hat`` between
real and fake images; G minimises ``-E D(G(z))``; the critic takes ``n_critic`` steps per G step
(on the same real batch, with fresh noise, as the keras-io example does). Only three methods of
:class:`gankit.train.CombinedGAN` change: D's loss, G's cost and the iteration.
"""

from __future__ import annotations

import tensorflow as tf

from gankit import checks
from gankit.train.combined import CombinedGAN


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


class WGANGP(CombinedGAN):
    """A :class:`CombinedGAN` trained as WGAN-GP. D's compiled loss is not used (its optimizer is).

    Args:
        generator, discriminator, combined: as for :class:`CombinedGAN`; D ends in a linear
            score (no sigmoid, no batch norm: the penalty is per image).
        penalty_weight: lambda, 10 in the paper.
        n_critic: critic steps per generator step, 5 in the paper.
        **kwargs: ``seed``, ``name``.
    """

    def __init__(self, generator, discriminator, combined, *, penalty_weight: float = 10.0, n_critic: int = 5, **kwargs):
        super().__init__(generator, discriminator, combined, generator_cost=lambda scores: -tf.reduce_mean(scores), **kwargs)
        if self.conditional:
            raise ValueError("this WGAN-GP is unconditional: give G(z) and D(images).")
        self.penalty_weight = checks.number(penalty_weight, "penalty_weight", minimum=0.0)
        self.n_critic = checks.integer(n_critic, "n_critic", minimum=1)
        self.d_output = "critic"
        self.generator_cost = "wasserstein"

    def d_loss(self, outputs, batches):
        """Critic loss ``E D(fake) - E D(real)`` plus ``penalty_weight`` times the gradient penalty."""
        (real, _), (fake, _) = batches[0], batches[1]
        mix = self.noise.uniform((tf.shape(real)[0],), stream=0, salt=3)
        penalty = gradient_penalty(self.discriminator, real, fake, mix)
        return tf.reduce_mean(outputs[1]) - tf.reduce_mean(outputs[0]) + self.penalty_weight * penalty

    def train_step(self, data):
        """``n_critic`` critic steps on the batch (fresh noise each), then one G step."""
        real, _ = self.split_batch(data)
        for _ in range(self.n_critic):
            values = self.d_step(real)
        values.update(self.g_step(tf.shape(real)[0]))
        return self.track(values)
