"""GAN training for the course: trainers, callbacks, checkpoints and checks, one module per idea.

=====================  ===========================================================================
module                 idea
=====================  ===========================================================================
``base``               :class:`GANTrainer`: a ``keras.Model`` holding G and D; step, logs, ``train``
``combined``           :class:`CombinedGAN`: seed 002's three-model algorithm as one fused step
``seed_models``        checks of the seed's three compiled models (what goes wrong on Keras 3)
``noise``              stateless noise and label streams: repeatable, exactly resumable runs
``loop``               :func:`train`: ``fit`` in logging intervals, budget, checkpoints, resume
``inputs``             the first real batch checked against the generator (range, dtype, shape)
``callbacks``          progress bar, fixed-z snapshots, NaN guard (+ :mod:`gankit.curves`'s ``Curve``, ``TimeBudget``)
``checkpoints``        save / restore with clear errors on corrupt or mismatched files
``tensorboard``        TensorBoard scalars and fixed-z sample grids, by training step
``invariants``         :func:`step_invariants`: does D learn in its step and stay fixed in G's?
``wgan_gp``            :class:`WGANGP`, an extension written outside the core (critic loss + GP)
=====================  ===========================================================================
"""

from gankit.train.base import GANTrainer
from gankit.train.callbacks import (
    Curve,
    FixedNoiseSnapshots,
    MetricCurve,
    ProgressBar,
    TimeBudget,
    generator_inputs,
    training_step,
)
from gankit.train.checkpoints import latest_checkpoint, restore_checkpoint, save_checkpoint
from gankit.train.combined import LOG_KEYS, CombinedGAN
from gankit.train.invariants import check_step_invariants, step_invariants
from gankit.train.loop import train
from gankit.train.tensorboard import TensorBoardLogger
from gankit.train.wgan_gp import WGANGP, gradient_penalty

__all__ = [
    "CombinedGAN", "Curve", "FixedNoiseSnapshots", "GANTrainer", "LOG_KEYS", "MetricCurve", "ProgressBar",
    "TensorBoardLogger", "TimeBudget", "WGANGP", "check_step_invariants", "generator_inputs", "gradient_penalty", "latest_checkpoint",
    "restore_checkpoint", "save_checkpoint", "step_invariants", "train", "training_step",
]
