"""TensorBoard for GAN training: the logged scalars and a grid of fixed-z samples, by training step.

Keras's own ``keras.callbacks.TensorBoard`` works with the course's models too, but it numbers
points by epoch (or by ``on_train_batch_end`` calls, one per ``steps_per_execution`` chunk); this
callback numbers them by the training step (:func:`gankit.train.training_step`), so runs with
different logging intervals or ``steps_per_execution`` line up. Every value in Keras's epoch logs is
written: the trainer's losses and D outputs, and what a :class:`gankit.train.Curve` listed
*before* this callback measured (FD, label accuracy, PSNR), which it adds to those logs.

View with ``tensorboard --logdir runs`` (or ``%tensorboard --logdir runs`` in a notebook).
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from gankit import checks
from gankit.curves import check_fits_generator, generator_inputs, training_step


def sample_grid(images: np.ndarray, columns: int = 8, value_range: tuple[float, float] | None = (-1.0, 1.0)) -> np.ndarray:
    """Tiles images ``(n, h, w, c)`` into one ``(1, rows*h, columns*w, c)`` image in [0, 1].

    The tiling is :func:`gankit.viz.tile`'s, without gaps; cells past the last image stay black.

    Args:
        images: the generator's images.
        columns: images per row.
        value_range: the images' ``(low, high)`` (``gan.image_range``), mapped to black and white;
            ``None`` (an unbounded generator): [-1, 1]. Values outside are clipped.
    """
    from gankit.viz import tile  # matplotlib loads with gankit.viz: only when a grid is drawn

    low, high = value_range if value_range is not None else (-1.0, 1.0)
    images = np.asarray(images, "float32")
    rows = -(-len(images) // columns)
    blank = np.full((rows * columns - len(images),) + images.shape[1:], low, "float32")
    grid = tile(np.concatenate([images, blank]), rows, columns, pad=0, value_range=(low, high), clip=True)
    return grid.reshape((1,) + grid.shape[:2] + (-1,))


class TensorBoardLogger(keras.callbacks.Callback):
    """Writes the epoch logs as scalars, and ``generator(z)`` as an image grid, at each interval's end.

    Args:
        log_dir: the run's folder (one folder per run; TensorBoard compares sibling folders).
        z: fixed generator inputs for the image grid (as :class:`gankit.train.FixedNoiseSnapshots`),
            or ``None`` for scalars only. The grid maps the generator's range (``model.image_range``:
            [0, 1] for a sigmoid, [-1, 1] for a tanh or an unbounded generator) to black and white.
        every: write every ``every`` intervals.

    Raises:
        ValueError: on a bad ``z``; when ``fit`` starts, if ``z`` does not fit the model's
            generator (:func:`gankit.curves.check_fits_generator`).
    """

    def __init__(self, log_dir: str | os.PathLike, z=None, every: int = 1) -> None:
        super().__init__()
        self.log_dir, self.every = os.fspath(log_dir), checks.integer(every, "every", minimum=1)
        self.z = None if z is None else generator_inputs(z)
        self.writer = None

    def set_model(self, model):
        if self.z is not None:  # at the start of fit, before any step
            check_fits_generator(self.z, model, "TensorBoardLogger")
        super().set_model(model)

    def on_train_begin(self, logs=None):
        self.writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        step = training_step(self.model)
        with self.writer.as_default(step=step):
            for name, value in (logs or {}).items():
                tf.summary.scalar(name, float(value))
            if self.z is not None:
                images = keras.ops.convert_to_numpy(self.model.generator(self.z, training=False))
                grid = sample_grid(images, value_range=getattr(self.model, "image_range", None))
                tf.summary.image("samples (fixed z)", grid)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.close()

    def close(self) -> None:
        """Flushes and closes the event file (again: harmless); :func:`gankit.train.train` also calls
        it when training fails."""
        if self.writer is not None:
            self.writer.close()
