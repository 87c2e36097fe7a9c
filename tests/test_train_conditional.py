"""Tests of gankit.train's conditional path: G([z, c]), D([x, c]) and the mismatched-pair term."""

from __future__ import annotations

import numpy as np
import pytest

import gankit as gk
from gankit.train import CombinedGAN, FixedNoiseSnapshots, check_step_invariants, generator_inputs, step_invariants

import keras
import tensorflow as tf
from keras import layers

from tools.testing import CLASSES, LATENT, bar_rows, bars, conditional_models, labelled_dataset


@pytest.mark.parametrize("bn_in_d,mismatched", [(False, False), (True, True), (False, True)])
def test_conditional_step_invariants(bn_in_d, mismatched):
    g, d, c = conditional_models(bn_in_d=bn_in_d)
    gan = CombinedGAN(g, d, c, num_classes=CLASSES, mismatched_pairs=mismatched, frozen_d_batchnorm="batch")
    gan.compile()
    labels = tf.constant(np.arange(32) % CLASSES, "int32")
    real = tf.constant(bars(labels.numpy()))
    changes = step_invariants(g, d, lambda: gan.d_step(real, labels), lambda: gan.g_step(32))
    check_step_invariants(changes)
    assert changes["d_change_in_g_step"] == 0.0


@pytest.mark.parametrize("bn_in_d", [False, True])
def test_mismatched_pair_loss_matches_hand_computation(bn_in_d):
    """0.5 * (L(real, c) + 0.5 * (L(fake, c') + L(real, wrong c))), with the step's own fakes and labels."""
    g, d, c = conditional_models(bn_in_d=bn_in_d)
    gan = CombinedGAN(g, d, c, num_classes=CLASSES, mismatched_pairs=True)
    gan.compile()
    labels = tf.constant(np.arange(32) % CLASSES, "int32")
    real = tf.constant(bars(labels.numpy()))
    fake_labels = gan.noise.labels(32, 0)
    fakes = g([gan.noise.noise(32, 0), fake_labels], training=True)
    wrong = gan.noise.wrong_labels(labels)
    d.trainable = True
    saved = d.get_weights()
    p_real, p_fake, p_wrong = (d([x, y], training=True).numpy() for x, y in ((real, labels), (fakes, fake_labels), (real, wrong)))
    d.set_weights(saved)
    d.trainable = False
    bce = lambda target, p: float(np.mean(-(target * np.log(p) + (1 - target) * np.log(1 - p))))
    expected = 0.5 * (bce(1, p_real) + 0.5 * (bce(0, p_fake) + bce(0, p_wrong)))
    values = gan.d_step(real, labels)
    np.testing.assert_allclose(float(values["d_loss"]), expected, rtol=1e-4)
    np.testing.assert_allclose(float(values["d_wrong"]), p_wrong.mean(), rtol=1e-4)


def test_wrong_labels_differ_and_cover_the_other_classes():
    g, d, c = conditional_models()
    gan = CombinedGAN(g, d, c, num_classes=CLASSES, mismatched_pairs=True)
    gan.compile()
    labels = tf.constant(np.repeat(np.arange(CLASSES), 500), "int32")
    wrong = gan.noise.wrong_labels(labels).numpy()
    assert np.all(wrong != labels.numpy()) and wrong.min() >= 0 and wrong.max() < CLASSES
    for k in range(CLASSES):  # each class's wrong labels use every other class
        assert set(wrong[labels.numpy() == k]) == set(range(CLASSES)) - {k}
    fake_labels = gan.noise.labels(4000, 0).numpy()
    assert set(fake_labels) == set(range(CLASSES))


@pytest.mark.slow
@pytest.mark.parametrize("mismatched", [False, True])
def test_conditional_gan_learns_to_follow_the_label(mismatched):
    """Chance is 1/8; measured after 1500 steps (seeds 0, 1, 2): 0.62, 1.0, 1.0 with the
    mismatched pairs, 0.38, 0.49, 1.0 without."""
    keras.utils.set_random_seed(0)
    g, d, c = conditional_models(logits=True, lr=5e-3)
    gan = CombinedGAN(g, d, c, num_classes=CLASSES, mismatched_pairs=mismatched)
    gan.compile(steps_per_execution=50)
    z = np.random.default_rng(1).standard_normal((400, LATENT)).astype("float32")
    asked = np.arange(400) % CLASSES
    before = np.mean(bar_rows(g.predict([z, asked], verbose=0)) == asked)
    history = gan.train(labelled_dataset(), 1500, log_every=250, progress=False)
    after = np.mean(bar_rows(g.predict([z, asked], verbose=0)) == asked)
    assert before < 0.3 and after > (0.5 if mismatched else 0.25), (before, after)
    assert ("d_wrong" in history) == mismatched


def test_conditional_errors_are_clear():
    g, d, c = conditional_models()
    with pytest.raises(ValueError, match="num_classes"):
        CombinedGAN(g, d, c)
    with pytest.raises(ValueError, match="num_classes"):
        CombinedGAN(g, d, c, num_classes=1)
    gan = CombinedGAN(g, d, c, num_classes=CLASSES)
    gan.compile()
    with pytest.raises(ValueError, match="labels"):
        gan.d_step(tf.constant(bars(np.zeros(4, int))))
    images_only = labelled_dataset().map(lambda x, y: x)
    with pytest.raises(ValueError, match="labels=True"):
        gan.train(images_only, 50, log_every=50, progress=False)
    # an unconditional G with a conditional D, and conditional arguments for an unconditional GAN
    z = keras.Input((LATENT,))
    plain_g = keras.Model(z, layers.Reshape((8, 8, 1))(layers.Dense(64, activation="tanh")(z)))
    x = keras.Input((8, 8, 1))
    plain_d = keras.Model(x, layers.Dense(1, activation="sigmoid")(layers.Flatten()(x)))
    plain_d.compile(loss="binary_crossentropy", optimizer="adam")
    plain_d.trainable = False
    plain_c = keras.Model(z, plain_d(plain_g(z)))
    plain_c.compile(loss="binary_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match="conditional"):
        CombinedGAN(plain_g, plain_d, plain_c, num_classes=10)
    with pytest.raises(ValueError, match="conditional"):
        CombinedGAN(plain_g, plain_d, plain_c, mismatched_pairs=True)
    with pytest.raises(ValueError, match="inputs"):
        CombinedGAN(g, plain_d, c, num_classes=CLASSES)


def test_fixed_inputs_for_snapshots_and_fd_curves():
    z = np.zeros((6, LATENT))
    noise, labels = generator_inputs((z, np.arange(6)))
    assert noise.dtype == np.float32 and labels.dtype == np.int32
    for bad in ((z, np.arange(5)), (z, np.arange(6) + 0.5), (z,), np.zeros(LATENT)):
        with pytest.raises(ValueError):
            generator_inputs(bad)
    g, d, c = conditional_models()
    gan = CombinedGAN(g, d, c, num_classes=CLASSES)
    gan.compile(steps_per_execution=25)
    asked = np.arange(16) % CLASSES
    snapshots = FixedNoiseSnapshots((np.ones((16, LATENT)), asked))
    gan.train(labelled_dataset(), 50, log_every=25, callbacks=[snapshots], progress=False)
    assert snapshots.steps == [25, 50] and snapshots.images[-1].shape == (16, 8, 8, 1)
    np.testing.assert_allclose(snapshots.images[-1], g.predict([np.ones((16, LATENT)), asked], verbose=0), atol=1e-6)
