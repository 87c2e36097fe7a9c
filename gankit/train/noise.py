"""Noise and label streams that make a GAN run repeatable and exactly resumable.

Every random draw of a training step comes from a *stateless* seed derived from
``(seed, step, stream, replica)``: the same step of the same run always draws the same noise,
whether the run was interrupted and resumed or not, and each replica of a multi-device strategy
draws its own.
"""

from __future__ import annotations

import tensorflow as tf


class NoiseStream:
    """Stateless noise ``z`` and labels for step ``step`` of a run with seed ``seed``.

    Args:
        seed: the run's seed (a non-negative integer).
        latent_dim: length of a noise vector.
        counter: a variable that counts steps (the trainer's ``d_steps_done``, advanced by every D
            step, also one that a ``LossScaleOptimizer`` skipped); read inside the traced step, so
            each step, and each of several D steps per GAN step, gets new noise.
        num_classes: for conditional GANs, the number of classes labels are drawn from.
    """

    def __init__(self, seed: int, latent_dim: int, counter: tf.Variable, num_classes: int | None = None) -> None:
        self.seed, self.latent_dim, self.counter, self.num_classes = int(seed), int(latent_dim), counter, num_classes

    def stream_seed(self, stream: int, salt: int | None = None) -> tf.Tensor:
        """The stateless seed ``(2,)`` of ``stream`` at the current step (and this replica)."""
        step = tf.cast(self.counter, "int32")
        seed = tf.stack([tf.constant(self.seed, "int32"), step * 2 + stream])
        replica = tf.distribute.get_replica_context()
        if replica is not None:
            seed = tf.random.experimental.stateless_fold_in(seed, replica.replica_id_in_sync_group)
        if salt is not None:
            seed = tf.random.experimental.stateless_fold_in(seed, salt)
        return seed

    def noise(self, batch_size: tf.Tensor, stream: int) -> tf.Tensor:
        """Standard normal noise ``(batch_size, latent_dim)``."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=self.stream_seed(stream))

    def labels(self, batch_size: tf.Tensor, stream: int) -> tf.Tensor:
        """Uniform int32 labels ``(batch_size,)`` in ``[0, num_classes)``."""
        return tf.random.stateless_uniform(
            (batch_size,), seed=self.stream_seed(stream, salt=1), minval=0, maxval=self.num_classes, dtype="int32"
        )

    def wrong_labels(self, labels: tf.Tensor) -> tf.Tensor:
        """A label different from each of ``labels`` ``(batch,)``, uniform over the other classes."""
        shift = tf.random.stateless_uniform(
            tf.shape(labels), seed=self.stream_seed(0, salt=2), minval=1, maxval=self.num_classes, dtype="int32"
        )
        return (tf.cast(labels, "int32") + shift) % self.num_classes

    def uniform(self, shape, stream: int, salt: int) -> tf.Tensor:
        """Uniform [0, 1) floats of ``shape`` (e.g. WGAN-GP's interpolation weights)."""
        return tf.random.stateless_uniform(shape, seed=self.stream_seed(stream, salt=salt))
