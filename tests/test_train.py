"""Tests of gankit.train: the combined-model trainer's invariants, resume, errors, distribution."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import gankit as gk
from gankit import reference
from gankit.train import CombinedGAN, check_step_invariants, step_invariants

import keras
import tensorflow as tf
from keras import layers

from tools.testing import CLASSES, LATENT, conditional_models, dataset, labelled_dataset, real_images, small_models


def dataset(x: np.ndarray, batch: int = 32, seed: int = 0) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed).repeat().batch(batch, drop_remainder=True)


@pytest.mark.parametrize("bn_in_g,bn_in_d", [(True, False), (False, True), (True, True)])
def test_step_invariants_hold_with_batchnorm_anywhere(bn_in_g, bn_in_d):
    g, d, c = small_models(bn_in_g, bn_in_d)
    gan = CombinedGAN(g, d, c)
    gan.compile()
    real = tf.constant(real_images(32))
    changes = step_invariants(g, d, lambda: gan.d_step(real), lambda: gan.g_step(32))
    check_step_invariants(changes)  # raises if broken
    assert changes["d_change_in_d_step"] > 0 and changes["g_change_in_g_step"] > 0
    assert changes["d_change_in_g_step"] == 0.0


def test_step_invariants_hold_inside_compiled_fit_steps():
    """The same invariants for the traced step that fit() runs (steps_per_execution > 1)."""
    g, d, c = small_models(bn_in_g=True, bn_in_d=True)
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5)
    ds = dataset(real_images())
    d0 = [w.numpy().copy() for w in d.weights]
    g0 = [w.numpy().copy() for w in g.trainable_weights]
    gan.train(ds, steps=10, log_every=5, progress=False)
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(d0, d.weights))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(g0, g.trainable_weights))
    assert gan.step == 10
    assert d.trainable is False  # back in the seed's resting state


def test_invariant_check_catches_the_seeds_literal_keras3_trap():
    """Seed 002 run as written on Keras 3: D never learns. The check must say so."""
    gk.config.seed_everything(0)
    g, d, c = reference.seed002_models()
    x = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    changes = step_invariants(
        g,
        d,
        lambda: _seed_d_step(g, d, x, fixed=False),
        lambda: c.train_on_batch(np.random.normal(size=(32, 100)), np.ones((32, 1))),
    )
    assert changes["d_change_in_d_step"] == 0.0
    with pytest.raises(RuntimeError, match="did not change in its own step"):
        check_step_invariants(changes)


def test_invariant_check_passes_the_seed_pattern_with_the_fix():
    gk.config.seed_everything(0)
    g, d, c = reference.seed002_models()
    x = np.random.uniform(-1, 1, (64, 28, 28, 1)).astype("float32")

    def g_step():
        d.trainable = False
        c.train_on_batch(np.random.normal(size=(32, 100)), np.ones((32, 1)))

    check_step_invariants(step_invariants(g, d, lambda: _seed_d_step(g, d, x, fixed=True), g_step))


def _seed_d_step(g, d, x, fixed):
    """Seed 002's discriminator updates (gankit.reference, as notebook 1 runs them)."""
    with pytest.warns(UserWarning, match="trainable weights") if not fixed else contextlib.nullcontext():
        reference.seed_d_step(g, d, x, half=16, fixed=fixed)


def test_d_loss_matches_hand_computed_cross_entropy():
    gk.config.seed_everything(1)
    g, d, c = small_models(bn_in_g=False)
    gan = CombinedGAN(g, d, c, seed=3)
    gan.compile()
    real = tf.constant(real_images(16))
    fakes = g(gan.noise.noise(16, 0), training=True)  # the noise the step will draw (same seed, step 0)
    p_real = d(real).numpy().clip(1e-7, 1 - 1e-7)
    p_fake = d(fakes).numpy().clip(1e-7, 1 - 1e-7)
    expected = 0.5 * (-np.log(p_real).mean() - np.log(1 - p_fake).mean())
    values = gan.d_step(real)
    np.testing.assert_allclose(float(values["d_loss"]), expected, rtol=1e-5)
    np.testing.assert_allclose(float(values["d_real"]), p_real.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(values["d_acc_real"]), (p_real > 0.5).mean())


def test_history_and_snapshots():
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5)
    z = np.random.default_rng(0).normal(size=(4, LATENT)).astype("float32")
    snaps = gk.train.FixedNoiseSnapshots(z)
    history = gan.train(dataset(real_images()), steps=30, log_every=10, callbacks=[snaps], progress=False)
    assert list(history["step"]) == [10, 20, 30]
    for key in gk.train.LOG_KEYS:
        assert history[key].shape == (3,) and np.all(np.isfinite(history[key]))
    assert snaps.steps == [10, 20, 30] and snaps.images[0].shape == (4, 8, 8, 1)


def test_gan_learns_on_structured_data():
    """On bar images, G's samples move towards the data: mostly-dark images with one bright row."""
    gk.config.seed_everything(0)
    g, d, c = small_models(lr=2e-3)
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=20)
    z = np.random.default_rng(0).normal(size=(256, LATENT)).astype("float32")
    before = np.abs(g(z, training=False).numpy().mean() - real_images().mean())
    gan.train(dataset(real_images(512)), steps=600, log_every=100, progress=False)
    after = np.abs(g(z, training=False).numpy().mean() - real_images().mean())
    assert after < before / 2, (before, after)


@pytest.mark.slow
def test_resume_is_exact(tmp_path):
    """20+20 steps with a checkpoint in between end with the same weights as 40 straight."""

    def run(steps, ckpt=None, resume=False):
        gk.config.seed_everything(0)
        g, d, c = small_models(bn_in_g=True, bn_in_d=True)
        gan = CombinedGAN(g, d, c, seed=5)
        gan.compile(steps_per_execution=5)
        gan.train(dataset(real_images(), seed=1), steps=steps, log_every=10, checkpoint_dir=ckpt,
                  resume=resume, progress=False)
        return gan

    straight = run(40)
    run(20, ckpt=tmp_path)  # "interrupted" after 20 steps
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-20.npz"]
    resumed = run(40, ckpt=tmp_path, resume=True)
    assert resumed.step == 40
    for a, b in zip(straight.generator.weights + straight.discriminator.weights,
                    resumed.generator.weights + resumed.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(straight.logs()["d_loss"], resumed.logs()["d_loss"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-20.npz", "ckpt-40.npz"]  # nothing overwritten


def test_restore_without_a_checkpoint_is_a_clear_error(tmp_path):
    g, d, c = small_models()
    other = CombinedGAN(g, d, c)
    other.compile()
    with pytest.raises(RuntimeError, match="No checkpoint"):
        gk.train.restore_checkpoint(other, tmp_path / "empty")


def test_nan_loss_stops_with_a_clear_error():
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c, generator_cost=lambda p: tf.reduce_mean(p) * np.nan)
    gan.compile(steps_per_execution=5)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="not finite.*learning rate"):
        gan.train(dataset(real_images()), steps=50, log_every=10, progress=False)
    assert time.monotonic() - start < 90  # a few seconds alone; CI's other worker can slow tracing 10x
    assert gan.step <= 10


def test_bad_construction_and_arguments_are_clear_errors():
    g, d, c = small_models()
    with pytest.raises(ValueError, match="keras.Model"):
        CombinedGAN(g, "d", c)
    g2, d2, _ = small_models()
    d2.optimizer = None
    with pytest.raises(ValueError, match="not compiled"):
        CombinedGAN(g2, d2, c)
    g3, d3, c3 = small_models()
    c3.optimizer = d3.optimizer
    with pytest.raises(ValueError, match="share one optimizer"):
        CombinedGAN(g3, d3, c3)
    g4, d4, c4 = small_models()
    with pytest.raises(ValueError, match=r"Model\(z, discriminator\(generator\(z\)\)\)"):
        CombinedGAN(g4, d4, c)
    gan = CombinedGAN(g, d, c)
    with pytest.raises(RuntimeError, match="compile"):
        gan.train(dataset(real_images()), steps=10, log_every=10)
    gan.compile(steps_per_execution=5)
    with pytest.raises(ValueError, match="tf.data.Dataset"):
        gan.train(real_images(), steps=10)
    with pytest.raises(ValueError, match="multiple of log_every"):
        gan.train(dataset(real_images()), steps=15, log_every=10)
    with pytest.raises(ValueError, match="checkpoint_dir"):
        gan.train(dataset(real_images()), steps=10, log_every=10, resume=True)


MIRRORED = textwrap.dedent(
    """
    import gankit as gk
    import keras, numpy as np, tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from tools.testing import small_models, real_images, dataset
    from gankit.train import CombinedGAN, step_invariants, check_step_invariants

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    with strategy.scope():
        g, d, c = small_models(bn_in_g=True, bn_in_d=True)
        gan = CombinedGAN(g, d, c)
        gan.compile()
    real = next(iter(strategy.experimental_distribute_dataset(dataset(real_images(), batch=32))))
    d_step, g_step = tf.function(gan.d_step), tf.function(gan.g_step)
    changes = step_invariants(g, d, lambda: strategy.run(d_step, args=(real,)),
                              lambda: strategy.run(g_step, args=(16,)))
    check_step_invariants(changes)
    history = gan.train(dataset(real_images(), batch=32), steps=11, log_every=1, progress=False)
    assert gan.step == 11, gan.step  # one invariant step + 10 training steps
    assert np.all(np.isfinite(history["d_loss"])) and np.all(np.isfinite(history["g_loss"]))
    for v in [w for w in d.weights + g.weights if "moving" not in w.path]:  # all-reduced: replicas agree
        a, b = (t.numpy() for t in strategy.experimental_local_results(v.value))
        np.testing.assert_array_equal(a, b, err_msg=v.path)
    where = gk.device.placement(gan, next(iter(dataset(real_images(), batch=32))), strategy)
    assert where["d_step"]["loss"] == where["g_step"]["loss"] == ["CPU:0", "CPU:1"], where  # one per replica

    # Two replicas of 16 match one device with the global batch of 32: the same real images and the
    # same noise (each replica's own draws, concatenated for the one device), then equal weights.
    def trainer(g, d):
        d.trainable = True  # small_models freezes D the classic way; GANTrainer reads D's trainable variables
        return gk.train.GANTrainer(g, d, gk.losses.NonSaturating(from_logits=False), keras.optimizers.SGD(0.1),  # SGD: a wrong
                                   keras.optimizers.SGD(0.1), seed=5)  # gradient scale shows (Adam would hide it)
    with strategy.scope():
        g2, d2, _ = small_models(bn_in_g=False, bn_in_d=False)
        mirrored = trainer(g2, d2)
        mirrored.compile()
    g1, d1, _ = small_models(bn_in_g=False, bn_in_d=False)
    g1.set_weights(g2.get_weights()); d1.set_weights(d2.get_weights())
    one = trainer(g1, d1)
    one.compile()
    def both_replicas(batch_size, stream):  # what replicas 0 and 1 draw (gk.train.noise), end to end
        base = tf.stack([tf.constant(5, "int32"), tf.cast(one.d_steps_done, "int32") * 2 + stream])
        return tf.concat([tf.random.stateless_normal((batch_size // 2, one.latent_dim),
                                                     seed=tf.random.experimental.stateless_fold_in(base, r))
                          for r in (0, 1)], 0)
    one.noise.noise = both_replicas
    mirrored_step = tf.function(lambda batch: strategy.run(mirrored.train_step, args=(batch,)))
    one_step = tf.function(one.train_step)
    for real in dataset(real_images(), batch=32).take(3):  # replica r gets images 16 r .. 16 r + 15
        one_step(real)
        mirrored_step(strategy.experimental_distribute_values_from_function(
            lambda context: real[16 * context.replica_id_in_sync_group:16 * (context.replica_id_in_sync_group + 1)]))
    for a, b in zip(g1.weights + d1.weights, g2.weights + d2.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6, err_msg=a.path)
    print("MIRRORED OK", changes)
    """
)


@pytest.mark.slow
def test_trains_under_mirrored_strategy_on_two_logical_cpus_and_matches_one_device_at_the_same_global_batch():
    out = subprocess.run([sys.executable, "-c", MIRRORED], capture_output=True, text=True, timeout=300)
    assert "MIRRORED OK" in out.stdout, out.stdout[-3000:] + out.stderr[-3000:]


# --- the generator cost as a parameter ------------------------------------------------------------
def logit_models(d_loss=None, lr: float = 0.1):
    """Dense G (no BatchNorm) and a D that outputs logits; plain SGD so one update is easy to check."""
    d_loss = d_loss or keras.losses.BinaryCrossentropy(from_logits=True)
    z = keras.Input((LATENT,))
    generator = keras.Model(z, layers.Reshape((8, 8, 1))(layers.Dense(64, activation="tanh")(z)), name="g")
    image = keras.Input((8, 8, 1))
    h = layers.Dense(16, activation="relu")(layers.Flatten()(image))
    discriminator = keras.Model(image, layers.Dense(1)(h), name="d")
    discriminator.compile(loss=d_loss, optimizer=keras.optimizers.SGD(lr))
    discriminator.trainable = False
    zc = keras.Input((LATENT,))
    combined = keras.Model(zc, discriminator(generator(zc)))
    combined.compile(loss=d_loss, optimizer=keras.optimizers.SGD(lr))
    return generator, discriminator, combined


@pytest.mark.parametrize("cost", ["minimax", "non_saturating", "maximum_likelihood"])
def test_generator_cost_parameter_drives_gs_update(cost):
    """One G step with generator_cost=cost is exactly one SGD step on gk.losses' cost."""
    g, d, c = logit_models()
    gan = CombinedGAN(g, d, c, generator_cost=cost, seed=3)
    gan.compile()
    z = gan.noise.noise(tf.constant(16), 1)  # the noise G's step will draw at this step
    before = [w.numpy().copy() for w in g.trainable_variables]
    with tf.GradientTape() as tape:
        value = gk.losses.generator_cost(cost)(c(z, training=True))
    grads = tape.gradient(value, g.trainable_variables)
    logs = gan.g_step(tf.constant(16))
    assert float(logs["g_loss"]) == pytest.approx(float(value), rel=1e-6)
    for w, w0, grad in zip(g.trainable_variables, before, grads):
        np.testing.assert_allclose(w.numpy(), w0 - 0.1 * grad.numpy(), rtol=1e-5, atol=1e-7)


def test_logit_discriminator_logs_probabilities_and_learns():
    g, d, c = logit_models(lr=0.05)
    gan = CombinedGAN(g, d, c, generator_cost="minimax")
    gan.compile(steps_per_execution=5)
    log = gan.train(dataset(real_images()), 40, log_every=20, progress=False)
    assert np.all((log["d_real"] >= 0) & (log["d_real"] <= 1)) and np.all((log["d_fake"] >= 0) & (log["d_fake"] <= 1))
    assert np.all(log["g_loss"] <= 0)  # the minimax cost ½ log(1 - D) is never positive
    assert gan.generator_cost == "minimax"


def test_least_squares_and_hinge_costs_train():
    for cost, d_loss in (("least_squares", "mse"), ("hinge", "hinge")):
        g, d, c = logit_models(d_loss=d_loss, lr=0.01)
        gan = CombinedGAN(g, d, c, generator_cost=cost)
        gan.compile(steps_per_execution=5)
        log = gan.train(dataset(real_images()), 20, log_every=10, progress=False)
        assert np.all(np.isfinite(log["g_loss"])) and gan.loss.name == cost and gan.loss.output == "score"


def test_generator_cost_mismatch_is_a_clear_error():
    g, d, c = small_models()  # D ends in a sigmoid, compiled with "binary_crossentropy"
    assert repr(CombinedGAN(g, d, c, generator_cost="minimax").loss) == "Minimax(from_logits=False)"
    with pytest.raises(ValueError, match="'wasserstein' does not fit a discriminator compiled with 'binary_crossentropy'"):
        CombinedGAN(g, d, c, generator_cost="wasserstein")
    with pytest.raises(ValueError, match="generator_cost must be None, a function or one of"):
        CombinedGAN(g, d, c, generator_cost=3)
    g, d, c = logit_models()
    with pytest.raises(ValueError, match="'least_squares' does not fit .*'least_squares' needs 'mse'"):
        CombinedGAN(g, d, c, generator_cost="least_squares")
    c.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.1))  # probabilities vs logits
    with pytest.raises(ValueError, match="compile both with the same loss"):
        CombinedGAN(g, d, c)
    CombinedGAN(g, d, c, generator_cost="non_saturating")  # an explicit cost ignores combined's loss


def test_reference_dcgan_shapes_and_rules():
    """The DCGAN of seed 001's rules used by bench/dcgan_step.py: shapes, ranges, BN placement."""
    g, d, c = reference.dcgan_models()
    images = g(np.random.default_rng(0).standard_normal((3, 100)).astype("float32"), training=False)
    assert tuple(images.shape) == (3, 28, 28, 1) and float(np.max(np.abs(images))) <= 1.0
    assert tuple(d(images).shape) == (3, 1)
    assert not isinstance(d.layers[1], layers.BatchNormalization)  # no BN on D's input layer
    assert not isinstance(g.layers[-1], layers.BatchNormalization) and g.layers[-1].activation.__name__ == "tanh"
    gan = CombinedGAN(g, d, c)
    assert gan._d_bn_statistics and gan.loss.output == "logit"


def test_frozen_d_batchnorm_batch_mode_keeps_invariants_and_uses_batch_statistics():
    """frozen_d_batchnorm='batch': G's loss sees D's BN on batch statistics, and D is still unchanged."""
    g, d, c = small_models(bn_in_g=True, bn_in_d=True)
    gan = CombinedGAN(g, d, c, frozen_d_batchnorm="batch")
    gan.compile()
    real = tf.constant(real_images(32))
    changes = step_invariants(g, d, lambda: gan.d_step(real), lambda: gan.g_step(32))
    check_step_invariants(changes)
    assert changes["d_change_in_g_step"] == 0.0  # moving statistics restored
    # the loss G's step computes equals D applied in training mode (batch statistics) to the fakes
    z = gan.noise.noise(tf.constant(32), 1)
    g_before, d_before = [w.numpy().copy() for w in g.weights], [w.numpy().copy() for w in d.weights]
    fakes = g(z, training=True)
    d.trainable = True
    expected = float(gan.loss.g_loss(d(fakes, training=True)))
    d.trainable = False
    for w, value in zip(g.weights + d.weights, g_before + d_before):  # undo the BN updates of these calls
        w.assign(value)
    logs = gan.g_step(tf.constant(32))
    assert float(logs["g_loss"]) == pytest.approx(expected, rel=1e-5)
    inference = CombinedGAN(g, d, c)  # default: moving statistics, a different loss
    for w, value in zip(g.weights, g_before):
        w.assign(value)
    assert float(inference.g_step(tf.constant(32))["g_loss"]) != pytest.approx(expected, rel=1e-3)
    with pytest.raises(ValueError, match="frozen_d_batchnorm"):
        CombinedGAN(g, d, c, frozen_d_batchnorm="train")


def test_time_budget_stops_training_and_excludes_callback_time(tmp_path):
    """A time budget stops at an interval end; the time other callbacks take is not counted."""

    class Slow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.2)

    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5)
    start = time.perf_counter()
    gan.train(dataset(real_images()), steps=1_000_000, log_every=10, time_budget=1.0, callbacks=[Slow()],
              checkpoint_dir=tmp_path, progress=False)
    wall = time.perf_counter() - start
    intervals = len(gan.logs()["step"])
    assert 1.0 <= gan.train_seconds < wall - 0.2 * intervals * 0.9, (gan.train_seconds, wall, intervals)
    assert gan.step == 10 * intervals < 1_000_000
    assert gk.train.latest_checkpoint(tmp_path).name == f"ckpt-{gan.step}.npz"  # saved where it stopped
    first = gan.step
    gan.train(dataset(real_images()), steps=1_000_000, log_every=10, time_budget=1.0, progress=False)
    assert gan.step == first  # budget already spent: nothing more
    gan.train(dataset(real_images()), steps=1_000_000, log_every=10, time_budget=gan.train_seconds + 0.3,
              progress=False)
    assert gan.step > first
    for bad in (0, -1.0, True, "10"):
        with pytest.raises(ValueError, match="time_budget"):
            gan.train(dataset(real_images()), steps=10, log_every=10, time_budget=bad, progress=False)


def test_time_budget_stops_fit_at_the_first_epoch_end_past_the_budget():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32")
    tiny = gk.train.TimeBudget(1e-9)
    model.fit(x, y, batch_size=4, epochs=50, callbacks=[tiny], verbose=0)
    assert tiny.epochs == 1 and int(model.optimizer.iterations.numpy()) == 2 and tiny.seconds_spent > 0
    unlimited = gk.train.TimeBudget(None)
    model.fit(x, y, batch_size=4, epochs=3, callbacks=[unlimited], verbose=0)
    assert unlimited.epochs == 3


def test_time_budget_counts_training_not_the_other_callbacks():
    class Slow(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(0.2)

    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    budget = gk.train.TimeBudget(100.0)
    start = time.perf_counter()
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=3, callbacks=[budget, Slow()], verbose=0)
    wall = time.perf_counter() - start
    # The three 0.2-s sleeps are outside the counted time however slow the machine is.
    assert budget.epochs == 3 and 0 < budget.seconds_spent <= wall - 0.6


@pytest.mark.parametrize("seconds", [0, -1, True, "60"])
def test_time_budget_errors(seconds):
    with pytest.raises(ValueError, match="seconds"):
        gk.train.TimeBudget(seconds)


def test_metric_curve_records_fn_with_the_step_count():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    curve = gk.train.MetricCurve(lambda m: float(m.layers[0].kernel.numpy().sum()), every=2)
    model.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), batch_size=4, epochs=4, callbacks=[curve], verbose=0)
    assert curve.steps == [4, 8]
    assert curve.values[-1] == pytest.approx(float(model.layers[0].kernel.numpy().sum()))
    assert curve.values[0] != curve.values[1]  # measured at different times, the weights moved
    clock = gk.train.TimeBudget(None)
    timed = gk.train.MetricCurve(lambda m: 0.0, clock=clock)
    model.fit(np.ones((8, 2), "float32"), np.ones((8, 1), "float32"), batch_size=4, epochs=3, callbacks=[clock, timed], verbose=0)
    assert len(timed.seconds) == 3 and timed.seconds[-1] == clock.seconds_spent and timed.seconds == sorted(timed.seconds)
    with pytest.raises(ValueError, match="callable"):
        gk.train.MetricCurve(3.0)
    with pytest.raises(ValueError, match="clock"):
        gk.train.MetricCurve(lambda m: 0.0, clock=3)
    with pytest.raises(ValueError, match="every"):
        gk.train.MetricCurve(lambda m: 0.0, every=0)


# --- bad input, clear words ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "images,match",
    [
        ((real_images() + 1) * 127.5, r"range over 0\.\.255.*\[-1, 1\].*x / 127\.5 - 1"),  # floats 0..255
        (((real_images() + 1) * 127.5).astype("uint8"), "uint8.*scale_images"),
        (real_images()[..., 0], r"shape \(8, 8\).*\(8, 8, 1\).*x\[\.\.\., None\]"),
        (np.where(real_images() > 0, np.nan, real_images()), "NaN"),
    ],
    ids=["floats_0_255", "uint8", "no_channel_axis", "nan"],
)
@pytest.mark.parametrize("jit_compile", [False], ids=["graph"])
def test_bad_training_images_are_clear_errors_before_any_update(images, match, jit_compile):
    """Also under XLA, which drops assertions compiled into a step: the check runs in the pipeline."""
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5, jit_compile=jit_compile)
    before = [w.copy() for w in g.get_weights() + d.get_weights()]
    start = time.monotonic()
    with pytest.raises(ValueError, match=match):
        gan.train(dataset(images), steps=20, log_every=10, progress=False)
    # About 2 s alone (tracing the step); 33 s once in CI beside another worker's TensorFlow install.
    assert time.monotonic() - start < 90
    after = g.get_weights() + d.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))  # nothing trained on bad data


@pytest.mark.parametrize("case", ["floats_0_255", "nan"])
def test_bad_training_images_are_clear_errors_under_xla_too(case):
    """XLA drops assertions compiled into a step: the range and NaN checks run in the pipeline."""
    images = (real_images() + 1) * 127.5 if case == "floats_0_255" else np.where(real_images() > 0, np.nan, real_images())
    test_bad_training_images_are_clear_errors_before_any_update(images, "0..255" if case == "floats_0_255" else "NaN", True)


def test_sigmoid_generator_expects_images_in_0_1():
    z = keras.Input((LATENT,))
    g = keras.Model(z, layers.Reshape((8, 8, 1))(layers.Dense(64, activation="sigmoid")(z)))
    _, d, _ = small_models()
    zc = keras.Input((LATENT,))
    c = keras.Model(zc, d(g(zc)))
    c.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(1e-3))
    gan = CombinedGAN(g, d, c)
    gan.compile()
    with pytest.raises(ValueError, match=r"\[0, 1\].*x / 255"):
        gan.train(dataset(real_images()), steps=10, log_every=10, progress=False)  # images in [-1, 1]
    gan.train(dataset((real_images() + 1) / 2), steps=10, log_every=10, progress=False)
    assert gan.step == 10


def test_corrupt_checkpoint_is_a_clear_error_and_changes_nothing(tmp_path):
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile()
    path = gk.train.save_checkpoint(gan, tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # cut off, as by a full disk
    weights = [w.copy() for w in g.get_weights()]
    with pytest.raises(RuntimeError, match="not a readable gankit checkpoint.*delete it"):
        gk.train.restore_checkpoint(gan, tmp_path)
    (tmp_path / "ckpt-0.npz").write_bytes(b"not a checkpoint at all")
    with pytest.raises(RuntimeError, match="corrupt or truncated"):
        gan.train(dataset(real_images()), steps=10, log_every=10, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(weights, g.get_weights()))
    assert (tmp_path / "ckpt-0.npz").exists()  # the learner's file is left for them to inspect


def test_checkpoint_of_another_architecture_names_the_difference_and_changes_nothing(tmp_path):
    g, d, c = small_models(bn_in_g=False)
    gan = CombinedGAN(g, d, c)
    gan.compile()
    gk.train.save_checkpoint(gan, tmp_path)
    g2, d2, c2 = small_models(bn_in_g=True)
    other = CombinedGAN(g2, d2, c2)
    other.compile()
    weights = [w.copy() for w in g2.get_weights() + d2.get_weights()]
    with pytest.raises(ValueError, match="different architecture.*generator has 4 variables.*8"):
        other.train(dataset(real_images()), steps=10, log_every=10, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(weights, g2.get_weights() + d2.get_weights()))


def test_steps_made_by_hand_before_train_are_completed_to_an_interval():
    """step_invariants-style hand-made steps used to make train() refuse ('a resumed run is at step 1')."""
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5)
    real = tf.constant(real_images(32))
    check_step_invariants(step_invariants(g, d, lambda: gan.d_step(real), lambda: gan.g_step(32)))
    assert gan.step == 1
    history = gan.train(dataset(real_images()), steps=30, log_every=10, progress=False)
    assert gan.step == 30 and list(history["step"]) == [20, 30]  # steps 2..10 completed the first interval


def test_fused_xla_path_runs_all_steps_of_a_call_in_one_program_and_matches_keras_loop():
    """xla_loop=True: gankit.train.fused replaces Keras' loop of XLA steps, with the same result."""

    def run(fused):
        gk.config.seed_everything(0)
        g, d, c = small_models(bn_in_g=True, bn_in_d=True)
        gan = CombinedGAN(g, d, c, seed=3)
        gan.compile(steps_per_execution=5, jit_compile=True, xla_loop=fused)  # else Keras' loop of XLA steps
        gan.train(dataset(real_images()), steps=20, log_every=10, progress=False)
        return gan

    fused, keras_loop = run(True), run(False)
    assert fused.train_function.__qualname__.startswith("fused_train_function")
    assert not keras_loop.train_function.__qualname__.startswith("fused_train_function")
    assert fused.step == keras_loop.step == 20
    for a, b in zip(fused.generator.get_weights() + fused.discriminator.get_weights(),
                    keras_loop.generator.get_weights() + keras_loop.discriminator.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_allclose(fused.logs()["d_loss"], keras_loop.logs()["d_loss"], atol=1e-4)


def test_xla_loop_needs_jit_compile():
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    with pytest.raises(ValueError, match="jit_compile=True"):
        gan.compile(steps_per_execution=5, xla_loop=True)


def test_the_plain_tensorflow_step_of_notebook_01_gives_combinedgans_weights():
    """gk.reference.make_train_step (notebook 01's cell) and CombinedGAN: identical weights after N steps.

    Without XLA both run the same operations, so the weights agree bit for bit. (With XLA each
    program is fused its own way: the rounding differs, and Adam, which scales every update to
    about the learning rate, turns those differences into visibly different weights.)"""
    steps, batch = 6, 16
    keras.utils.set_random_seed(0)
    gan = CombinedGAN(*reference.seed002_models(), seed=3)
    gan.compile(steps_per_execution=3, jit_compile=False)
    generator, discriminator = reference.build_generator(), reference.build_discriminator()
    generator.set_weights(gan.generator.get_weights())
    discriminator.set_weights(gan.discriminator.get_weights())
    adam = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)  # noqa: E731 - the classic optimizer
    train_step = reference.make_train_step(generator, discriminator, adam(), adam(), seed=3)
    data = gk.data.mnist_dataset(batch, seed=0, limit=200, verbose=False)[0]
    gan.train(data, steps, log_every=3, progress=False)  # two train() calls' worth of intervals
    for real in data.take(steps):
        train_step(real)
    for mine, theirs in ((generator, gan.generator), (discriminator, gan.discriminator)):
        for a, b in zip(mine.get_weights(), theirs.get_weights()):
            assert np.all(np.isfinite(a))
            np.testing.assert_array_equal(a, b)


def test_continuing_on_the_same_dataset_object_repeats_an_uninterrupted_run():
    """train(data, 3) then train(data, 6) on one dataset object = train(data, 6): every iterator of
    gk.data.mnist_dataset yields the same batches (before the fix, each new iterator reshuffled)."""
    def run(*stops):
        keras.utils.set_random_seed(0)
        gan = CombinedGAN(*reference.seed002_models(), seed=1)
        gan.compile(steps_per_execution=3)
        data = gk.data.mnist_dataset(16, seed=0, limit=200, verbose=False)[0]
        for stop in stops:
            gan.train(data, stop, log_every=3, progress=False)
        return gan.generator.get_weights() + gan.discriminator.get_weights()

    for a, b in zip(run(6), run(3, 6)):
        np.testing.assert_array_equal(a, b)


def test_nan_stop_closes_the_progress_bar_and_the_tensorboard_writer(tmp_path, monkeypatch):
    """Bug: the NaN guard's error left the loop's progress bar and TensorBoard writer open."""
    made = []

    def recorded(cls):
        class Recorded(cls):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                made.append(self)
        return Recorded

    for name in ("ProgressBar", "TensorBoardLogger"):
        monkeypatch.setattr(gk.train.loop, name, recorded(getattr(gk.train.loop, name)))
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c, generator_cost=lambda p: tf.reduce_mean(p) * np.nan)
    gan.compile(steps_per_execution=5)
    with pytest.raises(RuntimeError, match="not finite"):
        gan.train(dataset(real_images()), steps=50, log_every=10, progress=True, log_dir=tmp_path)
    bar, logger = made
    assert bar.bar is not None and bar.bar.disable, "the progress bar is still open"
    assert logger.writer is not None and logger.writer._closed, "the TensorBoard writer is still open"


def test_snapshots_check_the_width_of_z_before_training():
    """Bug: z of the wrong width failed with Keras's shape error only at the first interval's end."""
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile()
    for z, message in ((np.zeros((4, LATENT + 2)), f"z has {LATENT + 2} columns but the generator takes noise of size {LATENT}"),
                       ((np.zeros((4, LATENT)), np.arange(4)), "takes noise only")):
        with pytest.raises(ValueError, match=message):
            gan.train(dataset(real_images()), steps=10, log_every=10, progress=False,
                      callbacks=[gk.train.FixedNoiseSnapshots(z)])
        assert gan.step == 0


def test_snapshots_of_a_conditional_generator_need_labels_and_the_right_width():
    g, d, c = conditional_models()
    gan = CombinedGAN(g, d, c, num_classes=CLASSES)
    gan.compile()
    for z, message in ((np.zeros((4, LATENT)), r"takes \(z, labels\)"),
                       ((np.zeros((4, 3)), np.arange(4)), f"z has 3 columns but the generator takes noise of size {LATENT}")):
        with pytest.raises(ValueError, match=message):
            gan.train(labelled_dataset(), steps=10, log_every=10, progress=False, callbacks=[gk.train.FixedNoiseSnapshots(z)])
        assert gan.step == 0
    snapshots = gk.train.FixedNoiseSnapshots((np.zeros((4, LATENT)), np.arange(4)))
    gan.train(labelled_dataset(), steps=10, log_every=10, progress=False, callbacks=[snapshots])
    assert snapshots.steps == [10] and snapshots.images[0].shape == (4, 8, 8, 1)


# --- the one trainer: GANTrainer(generator, discriminator, loss, d_optimizer, g_optimizer) ------------------
def plain_models(bn_in_d: bool = False, sigmoid: bool = False, conditional: bool = False):
    """A G and a D as a learner writes them for GANTrainer: nothing compiled, nothing frozen."""
    if conditional:
        g, d, _ = conditional_models()
        return g, d
    g, d, _ = small_models(bn_in_g=True, bn_in_d=bn_in_d)
    d.trainable = True  # small_models freezes D the classic way; a GANTrainer's D is a plain model
    if not sigmoid:
        image = keras.Input((8, 8, 1))
        d = keras.Model(image, layers.Dense(1)(layers.Flatten()(image)), name="logit_d")
    return g, d


def adam():
    return keras.optimizers.Adam(1e-3, beta_1=0.5)


def test_gan_trainer_keeps_d_fixed_in_gs_step_without_touching_trainable():
    for bn_in_d in (False, True):
        g, d = plain_models(bn_in_d=bn_in_d, sigmoid=bn_in_d)
        loss = gk.losses.NonSaturating(from_logits=not bn_in_d)
        gan = gk.train.GANTrainer(g, d, loss, adam(), adam())
        gan.compile()
        real = tf.constant(real_images(32))
        flags = [layer.trainable for layer in g._flatten_layers()] + [layer.trainable for layer in d._flatten_layers()]
        check_step_invariants(step_invariants(g, d, lambda: gan.d_step(real), lambda: gan.g_step(32)))
        assert flags == [layer.trainable for layer in g._flatten_layers()] + [layer.trainable for layer in d._flatten_layers()]
    log = gan.train(dataset(real_images()), 20, log_every=10, progress=False)
    assert gan.step == 20 and np.all(np.isfinite(log["g_loss"]))


def test_gan_trainer_conditional_with_mismatched_pairs():
    g, d = plain_models(conditional=True)
    d.trainable = True
    gan = gk.train.GANTrainer(g, d, gk.losses.NonSaturating(from_logits=False), adam(), adam(), num_classes=CLASSES,
                              mismatched_pairs=True)
    gan.compile(steps_per_execution=5)
    log = gan.train(labelled_dataset(), 10, log_every=5, progress=False)
    assert "d_wrong" in log and np.all(np.isfinite(log["d_loss"]))


def test_the_learners_regularisation_losses_count():
    """A kernel regulariser on G or D adds to that player's loss (it was dropped by the old cost functions)."""
    z = keras.Input((LATENT,))
    g = keras.Model(z, layers.Reshape((8, 8, 1))(layers.Dense(64, activation="tanh", kernel_regularizer=keras.regularizers.L2(10.0))(z)))
    image = keras.Input((8, 8, 1))
    d = keras.Model(image, layers.Dense(1, kernel_regularizer=keras.regularizers.L2(10.0))(layers.Flatten()(image)))
    gan = gk.train.GANTrainer(g, d, "non_saturating", adam(), adam())
    gan.compile()
    real = tf.constant(real_images(16))
    d_logs, g_logs = gan.d_step(real), gan.g_step(tf.constant(16))
    batches = gan.d_batches(real)  # the objective alone is far below the regularisation term (weights ~0.1, L2 10)
    assert float(d_logs["d_loss"]) > float(gan.loss.d_loss(d(batches[0][0]), d(batches[1][0]))) + 1.0
    assert float(g_logs["g_loss"]) > float(gan.loss.g_loss(d(g(gan.noise.noise(tf.constant(16), 1))))) + 1.0


def test_what_d_outputs_must_match_the_objective():
    g, logit_d = plain_models()
    with pytest.raises(ValueError, match="reads D's outputs as probabilities, but D's last layer .* has no sigmoid"):
        gk.train.GANTrainer(g, logit_d, gk.losses.NonSaturating(from_logits=False), adam(), adam())
    g, sigmoid_d = plain_models(sigmoid=True)
    with pytest.raises(ValueError, match="reads D's outputs as logits, but D ends in a sigmoid"):
        gk.train.GANTrainer(g, sigmoid_d, "non_saturating", adam(), adam())
    # the classic pattern with D's sigmoid left out but still compiled with "binary_crossentropy"
    g, d, _ = small_models()
    d = plain_models()[1]
    d.compile(loss="binary_crossentropy", optimizer=adam())
    zc = keras.Input((LATENT,))
    combined = keras.Model(zc, d(g(zc)))
    combined.compile(loss="binary_crossentropy", optimizer=adam())
    with pytest.raises(ValueError, match="no sigmoid, so its outputs are logits: use from_logits=True"):
        CombinedGAN(g, d, combined)


def test_gan_trainer_arguments():
    g, d = plain_models()
    shared = adam()
    with pytest.raises(ValueError, match="one optimizer instance"):
        gk.train.GANTrainer(g, d, "non_saturating", shared, shared)
    with pytest.raises(ValueError, match="d_optimizer must be a keras optimizer"):
        gk.train.GANTrainer(g, d, "non_saturating", "adam", adam())
    with pytest.raises(ValueError, match="loss must be a gk.losses.GANLoss or one of"):
        gk.train.GANTrainer(g, d, "wgan", adam(), adam())
    with pytest.raises(ValueError, match="num_classes and mismatched_pairs are for a conditional GAN"):
        gk.train.GANTrainer(g, d, "non_saturating", adam(), adam(), num_classes=10)
    gan = gk.train.GANTrainer(g, d)  # defaults: non-saturating, Adam(2e-4, beta_1=0.5) each
    assert repr(gan.loss) == "NonSaturating(from_logits=True)" and gan.d_optimizer is not gan.g_optimizer


def test_only_the_classic_adapter_sets_trainable():
    from pathlib import Path

    train = Path(gk.__file__).parent / "train"
    setters = sorted(p.name for p in train.glob("*.py") if ".trainable = " in p.read_text())
    assert setters == ["combined.py"], setters


def test_train_checks_what_is_done_before_completing_hand_made_steps():
    """Bug: train() first completed the interval that hand-made steps had started (up to log_every - 1
    unlogged steps), then saw that the run was already done; and a lone d_step split the counters."""
    g, d = plain_models()
    gan = gk.train.GANTrainer(g, d, "non_saturating", adam(), adam())
    gan.compile(steps_per_execution=5)
    gan.train(dataset(real_images()), 10, log_every=10, progress=False)
    gan.g_step(tf.constant(32))  # a step by hand after the run
    gan.train(dataset(real_images()), 10, log_every=10, progress=False)  # already done: nothing to run
    assert gan.step == 11 and list(gan.logs()["step"]) == [10]
    gan.d_step(tf.constant(real_images(32)))  # a lone D step: not a GAN step, but its own noise
    assert gan.step == 11 and int(gan.d_steps_done.numpy()) == 11
    gan.train(dataset(real_images()), 30, log_every=10, progress=False)  # steps 12..20 unlogged, then 21..30
    assert gan.step == 30 and list(gan.logs()["step"]) == [10, 30]


def test_nan_guard_is_kerass_terminate_on_nan_with_a_clear_error():
    from gankit.train.callbacks import NaNGuard

    guard = NaNGuard()
    assert isinstance(guard, keras.callbacks.TerminateOnNaN)
    guard.set_model(keras.Sequential())
    guard.model.step = 7
    guard.on_train_batch_end(0, {"d_loss": 0.5, "g_loss": 0.7})
    with pytest.raises(RuntimeError, match=r"stopped at step 7: \{'g_loss': inf\} is not finite.*learning rate"):
        guard.on_train_batch_end(1, {"d_loss": 0.5, "g_loss": float("inf")})
    assert guard.model.stop_training
