"""GAN training for the course: trainers, callbacks, checkpoints and checks, one module per idea.

=====================  ===========================================================================
module                 idea
=====================  ===========================================================================
``base``               :class:`Trainer`: a ``keras.Model`` holding networks and their optimizers; step, logs,
                       ``train`` (a lesson writes its ``train_step``); :class:`TrainerBase`: G(z) and D
``gan``                :class:`GANTrainer`: G, D, an objective of :mod:`gankit.losses`, two optimizers
``combined``           :class:`CombinedGAN`: the classic example's three compiled models, adapted to it
``seed_models``        checks of the classic example's three compiled models (what goes wrong on Keras 3)
``noise``              stateless noise and label streams: repeatable, exactly resumable runs
``loop``               :func:`train`: ``fit`` in logging intervals, budget, checkpoints, resume
``inputs``             the first real batch checked against the generator (range, dtype, shape)
``callbacks``          progress bar, fixed-z snapshots, NaN guard (+ :mod:`gankit.curves`'s ``Curve``, ``TimeBudget``)
``checkpoints``        save / restore with clear errors on corrupt or mismatched files
``tensorboard``        TensorBoard scalars and fixed-z sample grids, by training step
``invariants``         :func:`step_invariants`: does D learn in its step and stay fixed in G's?
``wgan_gp``            WGAN-GP's gradient penalty (the objective is ``gk.losses.Wasserstein``)
=====================  ===========================================================================
"""

from gankit.train.base import Trainer, TrainerBase
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
from gankit.train.combined import CombinedGAN
from gankit.train.gan import LOG_KEYS, GANTrainer
from gankit.train.invariants import check_step_invariants, step_invariants
from gankit.train.loop import train
from gankit.train.tensorboard import TensorBoardLogger
from gankit.train.wgan_gp import gradient_penalty

__all__ = [
    "CombinedGAN", "Curve", "FixedNoiseSnapshots", "GANTrainer", "LOG_KEYS", "MetricCurve", "ProgressBar",
    "TensorBoardLogger", "TimeBudget", "Trainer", "TrainerBase", "check_step_invariants", "generator_inputs", "gradient_penalty", "latest_checkpoint",
    "restore_checkpoint", "save_checkpoint", "step_invariants", "train", "training_step",
]
