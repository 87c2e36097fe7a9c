"""TensorBoard: the trainer's scalars, a curve's values and the sample grid are in the event files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gankit as gk
from tools.testing import conditional_models, dataset, labelled_dataset, real_images, small_models
from gankit.train import CombinedGAN
from gankit.train.tensorboard import sample_grid

import tensorflow as tf


def read_events(folder: Path) -> dict[str, list]:
    """``{tag: [(step, value or image shape), ...]}`` from every event file under ``folder``."""
    found: dict[str, list] = {}
    for path in sorted(folder.rglob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor)
                if value.metadata.plugin_data.plugin_name == "images":
                    width, height = int(tensor[0]), int(tensor[1])
                    found.setdefault(value.tag, []).append((event.step, (height, width)))
                else:
                    found.setdefault(value.tag, []).append((event.step, float(tensor)))
    return found


def test_train_writes_losses_d_outputs_curve_values_and_sample_grids(tmp_path):
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5)
    curve = gk.train.Curve(lambda m: float(np.mean(m.generator(np.zeros((4, 8)), training=False))), name="mean_pixel")
    gan.train(dataset(real_images()), steps=30, log_every=10, callbacks=[curve], log_dir=tmp_path / "run", progress=False)
    events = read_events(tmp_path / "run")
    for tag in ("d_loss", "g_loss", "d_real", "d_fake", "mean_pixel"):
        assert [step for step, _ in events[tag]] == [10, 20, 30], tag  # training steps, not epochs
    assert [v for _, v in events["mean_pixel"]] == curve.values
    assert np.allclose([v for _, v in events["d_loss"]], gan.logs()["d_loss"])
    grids = events["samples (fixed z)"]
    assert [step for step, _ in grids] == [10, 20, 30] and grids[0][1] == (8 * 8, 8 * 8)  # 64 images of 8x8


def test_conditional_grid_shows_the_classes_in_turn(tmp_path):
    g, d, c = conditional_models()
    gan = CombinedGAN(g, d, c, num_classes=8)
    gan.compile()
    gan.train(labelled_dataset(), steps=10, log_every=10, log_dir=tmp_path, progress=False)
    assert read_events(tmp_path)["samples (fixed z)"][0] == (10, (64, 64))
    z, labels = gk.train.loop.fixed_inputs(gan)
    assert z.shape == (64, 8) and list(labels[:9]) == [0, 1, 2, 3, 4, 5, 6, 7, 0]


def test_sample_grid_tiles_and_rescales():
    images = np.stack([np.full((2, 2, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = sample_grid(images, columns=2)
    assert grid.shape == (1, 4, 4, 1)
    assert grid[0, 0, 0, 0] == 0.0 and grid[0, 0, 2, 0] == 0.5 and grid[0, 2, 0, 0] == 1.0 and grid[0, 2, 2, 0] == 0.0


def test_sample_grid_noise_of_the_wrong_width_is_a_clear_error_before_training(tmp_path):
    """Bug: z of the wrong width failed with Keras's shape error only at the first interval's end."""
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile()
    logger = gk.train.TensorBoardLogger(tmp_path, z=np.zeros((4, 5)))
    with pytest.raises(ValueError, match="z has 5 columns but the generator takes noise of size 8"):
        gan.train(dataset(real_images()), steps=10, log_every=10, progress=False, callbacks=[logger])
    assert gan.step == 0
    g, d, c = conditional_models()
    gan = CombinedGAN(g, d, c, num_classes=8)
    gan.compile()
    logger = gk.train.TensorBoardLogger(tmp_path, z=np.zeros((4, 8)))
    with pytest.raises(ValueError, match=r"takes \(z, labels\)"):
        gan.train(labelled_dataset(), steps=10, log_every=10, progress=False, callbacks=[logger])
    assert gan.step == 0


def test_sample_grid_of_a_sigmoid_generator_spans_black_to_white(tmp_path):
    """Bug: the grid assumed images in [-1, 1]; a sigmoid generator's [0, 1] became [0.5, 1] (grey to white)."""
    import keras
    from keras import layers

    z = keras.Input((8,))
    dense = layers.Dense(64, activation="sigmoid", kernel_initializer=keras.initializers.Constant(0.0),
                         bias_initializer=keras.initializers.Constant(0.0))
    generator = keras.Model(z, layers.Reshape((8, 8, 1))(dense(z)))
    dense.kernel.assign(np.tile(np.r_[100.0, -100.0], 32)[None].repeat(8, 0))  # pixels 0 or 1 for z of ones
    image = keras.Input((8, 8, 1))
    discriminator = keras.Model(image, layers.Dense(1)(layers.Flatten()(image)))
    gan = gk.train.GANTrainer(generator, discriminator, "non_saturating", keras.optimizers.Adam(), keras.optimizers.Adam())
    gan.compile()
    assert gan.image_range == (0.0, 1.0)
    logger = gk.train.TensorBoardLogger(tmp_path, z=np.ones((8, 8), "float32"))  # one full row of the grid
    logger.set_model(gan)
    logger.on_train_begin()
    logger.on_epoch_end(0, {})
    logger.close()
    (path,) = tmp_path.rglob("events.out.tfevents.*")
    pngs = [tf.make_ndarray(value.tensor)[2] for record in tf.data.TFRecordDataset(str(path))
            for value in tf.compat.v1.Event.FromString(record.numpy()).summary.value]
    grid = tf.io.decode_png(pngs[0]).numpy()
    assert (grid.min(), grid.max()) == (0, 255)  # the full range, black to white
    assert sample_grid(np.full((1, 2, 2, 1), 0.25, "float32"), columns=1, value_range=(0.0, 1.0))[0, 0, 0, 0] == 0.25


def test_the_tensorboard_grid_is_gk_viz_tile(monkeypatch):
    """One tiling function for the course: TensorBoard's grid is gk.viz.tile's, without padding."""
    calls = []
    original = gk.viz.tile
    monkeypatch.setattr(gk.viz, "tile", lambda *args, **kwargs: calls.append(kwargs) or original(*args, **kwargs))
    grid = sample_grid(np.zeros((3, 2, 2, 3), "float32"), columns=2)
    assert calls and grid.shape == (1, 4, 4, 3)
