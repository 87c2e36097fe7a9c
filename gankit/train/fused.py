"""Many training steps in one XLA program: the trainer's fast path on small models.

Keras runs ``steps_per_execution`` steps per call as a (non-XLA) ``tf.while_loop`` that reads one
batch and launches one XLA-compiled step per iteration. For small models each launch costs about
as much as the step itself. :func:`fused_train_function` instead reads the ``k`` batches first and
runs all ``k`` steps inside one XLA program, as the fastest hand-written loop does (measured with
``bench/trainer_overheads.py``: 0.83x -> 0.98x of that loop at batch 64 for the MLP GAN). It is
opt-in (``compile(jit_compile=True, xla_loop=True)``): for convolutional models XLA over the whole
loop ran many times slower than XLA per step on a 2-core CPU (``bench/dcgan_step.py``).
"""

from __future__ import annotations

import tensorflow as tf


def can_fuse(model) -> bool:
    """Whether ``model``'s compile options allow the fused path (XLA, several steps, one replica)."""
    return bool(model.jit_compile) and not model.run_eagerly and model.steps_per_execution > 1 and (
        model.distribute_strategy.num_replicas_in_sync == 1)


def fused_train_function(model):
    """A ``train_function(iterator) -> logs`` that runs ``model.train_step`` ``k`` times in one XLA program.

    ``k`` is ``model.steps_per_execution``; the logs are the model's metrics after the ``k`` steps.
    """
    k = model.steps_per_execution

    @tf.function(jit_compile=True)
    def k_steps(stacked):
        for i in tf.range(k):
            model.train_step(tf.nest.map_structure(lambda t: t[i], stacked))
        return {metric.name: metric.result() for metric in model.metrics}

    @tf.function
    def train_function(iterator):
        batches = [iterator.get_next() for _ in range(k)]
        return k_steps(tf.nest.map_structure(lambda *parts: tf.stack(parts), *batches))

    return train_function
