"""The training loop: ``fit`` in logging intervals, with time budget, checks, checkpoints, resume.

One logging interval is one Keras *epoch* of ``log_every`` steps: at its end the history gets one
point, callbacks run (FD curves, snapshots) and a checkpoint may be written. Step ``n`` of a run
always sees the same data batch and the same noise, so a resumed run repeats an uninterrupted one.
"""

from __future__ import annotations

import os
from typing import Iterable

import keras
import numpy as np
import tensorflow as tf

from gankit import checks
from gankit.train.callbacks import LogCallback, NaNGuard, ProgressBar, TrainerClock
from gankit.train.checkpoints import CheckpointCallback, check_new_run, restore_checkpoint, save_checkpoint
from gankit.train.inputs import checked_dataset, explain
from gankit.train.tensorboard import TensorBoardLogger


def _check_arguments(gan, dataset, steps, log_every, checkpoint_dir, checkpoint_every, resume, time_budget,
                     max_to_keep) -> None:
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"dataset must be a tf.data.Dataset, got {type(dataset).__name__}.")
    checks.integer(steps, "steps", minimum=1)
    checks.integer(log_every, "log_every", minimum=1)
    checks.number(time_budget, "time_budget", positive=True, optional=True)
    if max_to_keep is not None:
        checks.integer(max_to_keep, "max_to_keep", minimum=1)
    if steps % log_every:
        raise ValueError(f"steps ({steps}) must be a multiple of log_every ({log_every}).")
    if not gan.compiled:
        raise RuntimeError("Call gan.compile() before gan.train().")
    if log_every % gan.steps_per_execution:
        raise ValueError(f"log_every ({log_every}) must be a multiple of steps_per_execution ({gan.steps_per_execution}).")
    if (resume or checkpoint_every) and checkpoint_dir is None:
        raise ValueError("resume and checkpoint_every need a checkpoint_dir.")
    if checkpoint_every is not None and (checks.integer(checkpoint_every, "checkpoint_every", minimum=1) % log_every):
        raise ValueError(f"checkpoint_every must be a positive multiple of log_every ({log_every}).")


def _prepare_checkpoints(gan, dataset: tf.data.Dataset, checkpoint_dir, resume: bool) -> None:
    """Notes the data's batch size (a setting checkpoints keep), then restores the latest checkpoint
    (``resume``) or makes sure that a new run does not write into another run's folder."""
    images = dataset.element_spec[0] if isinstance(dataset.element_spec, (tuple, list)) else dataset.element_spec
    gan.batch_size = images.shape[0] if images.shape.rank else None  # None: unknown (no drop_remainder)
    if resume:
        restore_checkpoint(gan, checkpoint_dir)
    elif checkpoint_dir is not None:
        check_new_run(gan, checkpoint_dir)


def _catch_up(gan, dataset: tf.data.Dataset, log_every: int) -> None:
    """Completes a logging interval that steps made by hand (``d_step``/``g_step``) started.

    Runs the missing steps of the interval (unlogged) on the batches an aligned run would use, so
    that training continues in whole intervals from a multiple of ``log_every``.
    """
    done = gan.step
    missing = -done % log_every
    if not missing:
        return
    strategy = gan.distribute_strategy
    step = tf.function(lambda batch: strategy.run(gan.train_step, args=(batch,)))
    for batch in strategy.experimental_distribute_dataset(dataset.skip(done).take(missing)):
        step(batch)
    for tracker in gan.trackers.values():
        tracker.reset_state()


def fixed_inputs(gan, n: int = 64):
    """The fixed generator inputs of TensorBoard's sample grid: noise from the run's seed (and, for a
    conditional GAN, the classes in turn, one column each); ``None`` (scalars only) for a trainer
    whose generator takes no noise."""
    if getattr(gan, "latent_dim", None) is None:
        return None
    z = np.random.default_rng(gan.seed).standard_normal((n, gan.latent_dim)).astype("float32")
    return (z, np.arange(n) % gan.num_classes) if getattr(gan, "num_classes", None) else z


def _callbacks(gan, steps, time_budget, progress, checkpoint_dir, checkpoint_every, max_to_keep, extra, log_dir) -> list:
    # The clock comes first, so that its interval ends before any other callback runs; TensorBoard
    # comes last, so that it sees what the curves among `extra` measured.
    callbacks: list[keras.callbacks.Callback] = [TrainerClock(time_budget), LogCallback(), NaNGuard()]
    if progress:
        callbacks.append(ProgressBar(total=steps))
    if checkpoint_dir is not None:
        callbacks.append(CheckpointCallback(checkpoint_dir, checkpoint_every or steps, steps, max_to_keep))
    callbacks += list(extra)
    if log_dir is not None:
        callbacks.append(TensorBoardLogger(log_dir, z=fixed_inputs(gan)))
    return callbacks


def train(gan, dataset: tf.data.Dataset, steps: int, *, log_every: int = 100,
          callbacks: Iterable[keras.callbacks.Callback] = (), checkpoint_dir: str | os.PathLike | None = None,
          checkpoint_every: int | None = None, resume: bool = False, max_to_keep: int | None = 3,
          progress: bool = True, time_budget: float | None = None,
          log_dir: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Trains ``gan`` until ``steps`` steps are done in total, with logging, checks and checkpoints.

    Args:
        gan: a compiled course trainer (:class:`gankit.train.GANTrainer`, :class:`gankit.train.CombinedGAN`,
            a lesson's :class:`gankit.train.Trainer`).
        dataset: an infinite, deterministic ``tf.data.Dataset`` of real batches (conditional
            GANs: ``(images, labels)``). A resumed run skips the batches already used.
        steps: total number of steps (including those done before a resume).
        log_every: steps per logging interval (one history point and one callback epoch).
        callbacks: extra Keras callbacks (e.g. :class:`gankit.train.FixedNoiseSnapshots`).
        checkpoint_dir: where to keep checkpoints; ``None`` for none. One folder per run: a new run
            (``resume=False``) refuses a folder that holds another run's checkpoints.
        checkpoint_every: steps between checkpoints (a multiple of ``log_every``); defaults to
            the end of training only.
        resume: restore the latest checkpoint in ``checkpoint_dir`` first (refused if it was saved
            with other settings: learning rates, objective, ``d_steps``, batch size, models).
        max_to_keep: keep this run's newest ``max_to_keep`` checkpoints and delete its older ones
            (other runs' files are never deleted); ``None`` keeps all.
        progress: show a progress bar.
        time_budget: stop at the end of the first interval at which ``gan.train_seconds``
            (training time only, not the callbacks') reaches this many seconds.
        log_dir: write TensorBoard scalars (losses, D outputs, what curves in ``callbacks``
            measure) and a fixed-z sample grid there at every interval's end
            (:class:`gankit.train.TensorBoardLogger`); ``None`` for none.

    Returns:
        The history: ``{"step": ..., "d_loss": ..., ...}`` arrays, one entry per interval.

    Raises:
        ValueError: on bad arguments, real images that do not fit the generator (dtype, shape,
            range, NaN: see :mod:`gankit.train.inputs`), or a checkpoint folder or checkpoint of
            another run (:mod:`gankit.train.checkpoints`).
        RuntimeError: if a loss becomes NaN or infinite, or the trainer was not compiled.
    """
    _check_arguments(gan, dataset, steps, log_every, checkpoint_dir, checkpoint_every, resume, time_budget, max_to_keep)
    gan.check_data(dataset.element_spec)
    _prepare_checkpoints(gan, dataset, checkpoint_dir, resume)  # all checks before any step or Keras call
    dataset = checked_dataset(dataset, getattr(gan, "image_range", None))  # NaN or 0..255 images: an error before the step
    callbacks = _callbacks(gan, steps, time_budget, progress, checkpoint_dir, checkpoint_every, max_to_keep, callbacks,
                           log_dir)
    for callback in callbacks:  # fixed inputs that do not fit the generator: an error before any step
        callback.set_model(gan)
    try:
        if gan.step >= steps or (time_budget is not None and gan.train_seconds >= time_budget):
            return gan.logs()  # done, or the budget spent: no step at all (not even a catch-up)
        _catch_up(gan, dataset, log_every)
        done = gan.step
        gan.fit(dataset.skip(done), epochs=steps // log_every, initial_epoch=done // log_every,
                steps_per_epoch=log_every, verbose=0, shuffle=False, callbacks=callbacks)
    except tf.errors.InvalidArgumentError as error:
        clear = explain(error, getattr(gan, "image_range", None))
        if clear is None:
            raise
        raise clear from None
    finally:  # fit skips on_train_end when a step or callback raises (the NaN guard): close what it opened
        for callback in callbacks:
            if isinstance(callback, (ProgressBar, TensorBoardLogger)):
                callback.close()
    if checkpoint_dir is not None and not os.path.exists(os.path.join(checkpoint_dir, f"ckpt-{gan.step}.npz")):
        save_checkpoint(gan, checkpoint_dir, max_to_keep)  # where the time budget stopped it
    return gan.logs()
