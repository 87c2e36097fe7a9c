"""gk.train.Curve (and FrechetCurve, PSNRCurve on it): the step comes from the optimizers' iterations."""

from __future__ import annotations

import numpy as np
import pytest

import gankit as gk
from tools.testing import dataset, real_images, small_models
from gankit.train import CombinedGAN

import keras
import tensorflow as tf
from keras import layers


def test_curve_steps_are_training_steps_with_steps_per_execution():
    """Keras calls on_train_batch_end once per steps_per_execution chunk: counting calls undercounts."""
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse", steps_per_execution=5)
    curve = gk.train.MetricCurve(lambda m: 1.0)
    x, y = np.zeros((200, 2), "float32"), np.zeros((200, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=2, steps_per_epoch=25, callbacks=[curve], verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 50
    assert curve.steps == [25, 50] and curve.seen == 50 and curve.values == [1.0, 1.0]


def test_curve_on_the_combined_gan_records_steps_and_train_seconds():
    g, d, c = small_models()
    gan = CombinedGAN(g, d, c)
    gan.compile(steps_per_execution=5)
    curve = gk.train.Curve(lambda m: {"mean_pixel": float(np.mean(m.generator(np.zeros((4, 8)), training=False)))})
    gan.train(dataset(real_images()), steps=30, log_every=10, callbacks=[curve], progress=False)
    assert curve.steps == [10, 20, 30]
    assert len(curve.mean_pixel) == 3 and np.all(np.diff(curve.seconds) > 0)


class TwoOptimizers(keras.Model):
    """Notebook 5/6 style: a custom train_step with the optimizers kept as attributes."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential([keras.Input((2,)), layers.Dense(2)])

    def compile(self):
        super().compile(steps_per_execution=4)
        self.optimizers = {"g": keras.optimizers.SGD(0.01), "d": keras.optimizers.SGD(0.01)}

    def train_step(self, data):
        for optimizer in self.optimizers.values():
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self.generator(data) - 1.0))
            variables = self.generator.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return {"loss": loss}


def test_curve_reads_steps_from_optimizers_held_as_attributes():
    model = TwoOptimizers()
    model.compile()
    budget = gk.train.TimeBudget(None)
    curve = gk.train.Curve(lambda m: 0.0, every=2, clock=budget)
    data = tf.data.Dataset.from_tensors(tf.zeros((8, 2))).repeat()
    model.fit(data, steps_per_epoch=8, epochs=4, callbacks=[budget, curve], verbose=0, shuffle=False)
    assert curve.steps == [16, 32] and len(curve.seconds) == 2 and curve.seconds[0] > 0
    assert gk.train.training_step(model) == 32


def test_psnr_curve_counts_steps_of_a_plain_generator():
    rng = np.random.default_rng(0)
    hr = [rng.uniform(0, 255, (16, 16, 3)).astype("uint8")]
    lr = [hr[0][::2, ::2]]
    net = keras.Sequential([keras.Input((None, None, 3)), layers.UpSampling2D(2), layers.Conv2D(3, 3, padding="same")])
    net.compile("adam", "mse", steps_per_execution=3)
    curve = gk.image_quality.PSNRCurve(lr, hr, border=2)
    data = tf.data.Dataset.from_tensors((tf.zeros((2, 8, 8, 3)), tf.zeros((2, 16, 16, 3)))).repeat()
    net.fit(data, steps_per_epoch=6, epochs=2, callbacks=[curve], verbose=0, shuffle=False)
    assert curve.steps == [6, 12] and len(curve.psnr) == len(curve.ssim) == 2


def test_curve_errors():
    with pytest.raises(ValueError, match="callable"):
        gk.train.Curve("not a function")
    with pytest.raises(ValueError, match="every"):
        gk.train.Curve(lambda m: 0.0, every=0)
    with pytest.raises(ValueError, match="TimeBudget"):
        gk.train.Curve(lambda m: 0.0, clock=object())
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="no optimizer"):
        gk.train.training_step(model)


class DigitGAN(keras.Model):
    """A model that is not a CombinedGAN (no ``step`` property) but has a ``generator``."""

    def __init__(self):
        super().__init__()
        self.generator = keras.Sequential([keras.Input((4,)), layers.Dense(784, activation="tanh"), layers.Reshape((28, 28, 1))])

    def compile(self):
        super().compile(steps_per_execution=2)
        self.g_optimizer = keras.optimizers.SGD(0.01)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(self.generator(data)))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return {"loss": loss}


def test_frechet_curve_works_on_any_model_with_a_generator():
    """FrechetCurve used to need model.step, which only CombinedGAN had."""
    model = DigitGAN()
    model.compile()
    real = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    curve = gk.metrics.FrechetCurve(real, np.random.default_rng(1).standard_normal((64, 4)))
    data = tf.data.Dataset.from_tensors(tf.zeros((8, 4))).repeat()
    model.fit(data, steps_per_epoch=4, epochs=2, callbacks=[curve], verbose=0, shuffle=False)
    assert curve.steps == [4, 8] and len(curve.fd) == 2 and np.all(np.isfinite(curve.fd))
    images = model.generator(curve.z, training=False).numpy()
    assert curve.confident[-1] == gk.metrics.classifier_scores(images)["confident"]  # the same definition as the notebooks'


def test_curve_dict_results_live_in_series_and_never_replace_its_attributes():
    """Bug: dict results were kept with ``self.__dict__.setdefault(key, [])``, so a key such as
    ``steps`` appended to the step list and ``name`` failed mid-run on a string."""
    import types

    model = types.SimpleNamespace(step=10, train_seconds=2.0)
    for key in ("steps", "seconds", "values", "every", "name", "fn", "clock", "series", "measure", "on_epoch_end", "model"):
        bad = gk.train.Curve(lambda m, key=key: {"psnr": 2.0, key: 1.0})
        bad.set_model(model)
        with pytest.raises(ValueError, match=f"'{key}'"):
            bad.on_epoch_end(0)
        assert bad.steps == [] and bad.seconds == [] and bad.series == {}  # nothing half-recorded
    curve = gk.train.Curve(lambda m: {"psnr": 30.0, "fd ema": 4.0})
    curve.set_model(model)
    logs: dict = {}
    curve.on_epoch_end(0, logs)
    assert curve.psnr == [30.0] and curve["fd ema"] == getattr(curve, "fd ema") == [4.0]
    assert curve.series == {"psnr": [30.0], "fd ema": [4.0]} and curve.steps == [10] and curve.seconds == [2.0]
    assert logs == {"psnr": 30.0, "fd ema": 4.0}  # for the callbacks after it, as before
    with pytest.raises(AttributeError, match="no attribute 'ssim'"):
        curve.ssim
    with pytest.raises(KeyError, match="ssim"):
        curve["ssim"]


def test_frechet_curve_checks_the_width_of_z_before_training(tmp_path):
    """Bug: z of the wrong width failed with Keras's shape error only at the first interval's end."""
    model = DigitGAN()
    model.compile()
    real = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    data = tf.data.Dataset.from_tensors(tf.zeros((8, 4))).repeat()
    for z, message in ((np.zeros((16, 3)), "z has 3 columns but the generator takes noise of size 4"),
                       ((np.zeros((16, 4)), np.zeros(16)), "takes noise only")):
        curve = gk.metrics.FrechetCurve(real, z)
        with pytest.raises(ValueError, match=message):
            model.fit(data, steps_per_epoch=4, epochs=1, callbacks=[curve], verbose=0, shuffle=False)
        assert int(model.g_optimizer.iterations.numpy()) == 0  # before any step
