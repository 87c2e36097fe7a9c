"""Tests of gankit.train.checkpoints: nothing overwritten, one run per folder, the run's settings
checked on resume, old checkpoints pruned, readable files."""

from __future__ import annotations

import stat

import keras
import numpy as np
import pytest
from keras import layers

import gankit as gk
from tools.testing import dataset, real_images, small_models


def make_gan(lr: float = 1e-3, loss=None, d_steps: int = 1, seed: int = 0, width: int = 32):
    """A GANTrainer on 8x8 bars; D gives logits."""
    generator, _, _ = small_models(bn_in_g=False)
    image = keras.Input((8, 8, 1))
    discriminator = keras.Model(image, layers.Dense(1)(layers.Dense(width)(layers.Flatten()(image))), name="d")
    gan = gk.train.GANTrainer(generator, discriminator, loss or gk.losses.NonSaturating(), keras.optimizers.Adam(lr),
                              keras.optimizers.Adam(lr), d_steps=d_steps, seed=seed)
    gan.compile(steps_per_execution=5)
    return gan


def train(gan, folder, steps=10, batch=32, **options):
    return gan.train(dataset(real_images(), batch=batch), steps, log_every=10, checkpoint_dir=folder, progress=False,
                     **options)


def test_a_checkpoint_is_never_overwritten(tmp_path):
    first, second = make_gan(), make_gan()
    path = gk.train.save_checkpoint(first, tmp_path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="ckpt-0.npz already exists.*never overwrit"):
        gk.train.save_checkpoint(second, tmp_path)
    assert path.read_bytes() == before


def test_a_new_run_into_a_folder_of_another_run_is_refused_before_training(tmp_path):
    train(make_gan(), tmp_path)
    before = (tmp_path / "ckpt-10.npz").read_bytes()
    other = make_gan()
    with pytest.raises(ValueError, match="holds checkpoints of another run.*resume=True.*another checkpoint_dir"):
        train(other, tmp_path)
    assert other.step == 0 and (tmp_path / "ckpt-10.npz").read_bytes() == before
    same = make_gan()  # the same run continued by one trainer, or resumed by a new one: allowed
    train(same, tmp_path / "own")
    train(same, tmp_path / "own", steps=20)
    train(make_gan(), tmp_path / "own", steps=30, resume=True)
    assert sorted(p.name for p in (tmp_path / "own").iterdir()) == ["ckpt-10.npz", "ckpt-20.npz", "ckpt-30.npz"]


@pytest.mark.parametrize(
    "changed, options, message",
    [
        ({"lr": 2e-3}, {}, r"d_optimizer learning_rate: 0\.001.* in the checkpoint, 0\.002.* here"),
        ({"loss": gk.losses.Hinge()}, {}, r"loss: NonSaturating\(from_logits=True\) in the checkpoint, Hinge\(\) here"),
        ({"d_steps": 2}, {}, "d_steps: 1 in the checkpoint, 2 here"),
        ({}, {"batch": 16}, "batch: 32 in the checkpoint, 16 here"),
    ],
)
def test_resuming_with_other_settings_is_refused_naming_the_difference(tmp_path, changed, options, message):
    train(make_gan(), tmp_path)
    other = make_gan(**changed)
    weights = [w.copy() for w in other.generator.get_weights() + other.discriminator.get_weights()]
    with pytest.raises(ValueError, match="other settings.*" + message):
        train(other, tmp_path, steps=20, resume=True, **options)
    assert other.step == 0
    assert all(np.array_equal(a, b) for a, b in zip(weights, other.generator.get_weights() + other.discriminator.get_weights()))


def test_a_discriminator_that_does_not_take_the_generators_images_is_a_clear_error(tmp_path):
    """Bug: D built for flat (64,) inputs has D's weight shapes, so a resume restored it and the first
    step failed in Keras ('Exception encountered when calling Sequential.call() ... Invalid input shape')."""
    train(make_gan(), tmp_path)
    generator = make_gan().generator
    discriminator = keras.Sequential([layers.Flatten(), layers.Dense(32), layers.Dense(1)])
    discriminator.build((None, 64))  # same weight shapes as the checkpoint's D, but it takes vectors
    with pytest.raises(ValueError, match=r"discriminator takes images of shape \(64,\) but the generator makes \(8, 8, 1\)"):
        gan = gk.train.GANTrainer(generator, discriminator, gk.losses.NonSaturating(), keras.optimizers.Adam(1e-3),
                                  keras.optimizers.Adam(1e-3))
        gan.compile(steps_per_execution=5)
        train(gan, tmp_path, steps=20, resume=True)


def test_only_the_newest_checkpoints_of_the_run_are_kept(tmp_path):
    train(make_gan(), tmp_path, steps=20, checkpoint_every=10)
    foreign = make_gan(seed=1)
    gk.train.save_checkpoint(foreign, tmp_path)  # another run's file (step 0) in the same folder
    train(make_gan(), tmp_path, steps=50, checkpoint_every=10, resume=True, max_to_keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-0.npz", "ckpt-40.npz", "ckpt-50.npz"]
    with pytest.raises(ValueError, match="max_to_keep"):
        train(make_gan(), tmp_path / "new", max_to_keep=0)


def test_checkpoint_files_are_readable_by_others(tmp_path):
    path = gk.train.save_checkpoint(make_gan(), tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # as the notebooks' run writer leaves its files
