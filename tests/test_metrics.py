"""gankit.metrics: the committed digit classifier and the scores built on it."""

import numpy as np
import pytest

import gankit as gk


@pytest.fixture(scope="module")
def test_digits():
    x, y, _ = gk.data.load_mnist("test", verbose=False)
    return gk.data.scale_images(x), y


def test_committed_classifier_loads_and_is_accurate(test_digits):
    x, y = test_digits
    model = gk.metrics.digit_classifier()
    accuracy = float(np.mean(model.predict(x[..., None], verbose=0).argmax(axis=1) == y))
    assert accuracy > 0.95
    assert gk.metrics.classifier_card()["test_accuracy"] > 0.95


def test_scores_separate_real_digits_from_noise(test_digits):
    x, _ = test_digits
    real = gk.metrics.classifier_scores(x)
    assert real["confident"] > 0.85 and real["classes"] == 10 and real["class_entropy"] > 2.2
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 28, 28)).astype("float32")
    fake = gk.metrics.classifier_scores(noise)
    assert fake["confident"] < real["confident"] - 0.3 or fake["class_entropy"] < 1.5
    ones = x[np.argsort(gk.metrics.digit_classifier().predict(x[..., None], verbose=0).argmax(1))][:50]
    collapsed = gk.metrics.classifier_scores(np.repeat(ones[:1], 200, axis=0))  # one digit, repeated
    assert collapsed["classes"] == 1 and collapsed["class_entropy"] < 0.01


def test_bad_images_are_rejected():
    with pytest.raises(ValueError, match="28, 28"):
        gk.metrics.classifier_scores(np.zeros((4, 32, 32), "float32"))
    with pytest.raises(ValueError, match="scale_images"):
        gk.metrics.classifier_scores(np.zeros((4, 28, 28), "uint8"))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        gk.metrics.classifier_scores(np.full((4, 28, 28), 255.0, "float32"))
    with pytest.raises(ValueError, match="NaN"):
        gk.metrics.classifier_scores(np.full((4, 28, 28), np.nan, "float32"))


def test_missing_weights_say_how_to_train(tmp_path):
    with pytest.raises(RuntimeError, match="train-classifier"):
        gk.metrics.digit_classifier(tmp_path / "none.weights.h5")


def test_frechet_distance_by_hand_on_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, (20000, 3))
    b = rng.normal(0.0, 2.0, (20000, 3)) + np.array([1.0, 0.0, 0.0])
    # N(0, I) vs N((1,0,0), 4I): |mu|^2 + Tr(I + 4I - 2*2I) = 1 + 3 = 4
    assert gk.metrics.frechet_distance_from_features(a, b) == pytest.approx(4.0, rel=0.03)
    assert gk.metrics.frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-6)


def test_fd_of_a_set_with_itself_is_zero_and_grows_with_noise(test_digits):
    x, _ = test_digits
    assert gk.metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-3)
    rng = np.random.default_rng(0)
    values = [
        gk.metrics.frechet_distance(x[:500], np.clip(x[500:] + sigma * rng.standard_normal(x[500:].shape), -1, 1).astype("float32"))
        for sigma in (0.0, 0.2, 0.5, 1.0)
    ]
    assert values == sorted(values) and values[-1] > 5 * values[0], values
    reference = gk.metrics.real_vs_real_fd(x, 500)
    assert reference == pytest.approx(values[0], rel=0.5)  # two real halves: the same scale as real vs real


def test_kid_is_near_zero_for_the_same_distribution_and_grows_with_noise(test_digits):
    x, _ = test_digits
    same = gk.metrics.kernel_distance(x[:500], x[500:])
    noisy = gk.metrics.kernel_distance(x[:500], np.clip(x[500:] + 0.5, -1, 1).astype("float32"))
    assert abs(same) < 0.1 * noisy and noisy > 0


def test_memorisation_flags_copies(test_digits):
    x, _ = test_digits
    train, test = x[:700], x[700:]
    copies = np.clip(train[:200] + 0.01, -1, 1).astype("float32")
    flagged = gk.metrics.memorisation(copies, train, test)
    assert flagged["ratio"] < 0.1 and flagged["share_closer_than_test_5pct"] > 0.95
    fresh = gk.metrics.memorisation(test[:150], train, test[150:])
    assert 0.7 < fresh["ratio"] < 1.4


def test_metric_input_errors():
    with pytest.raises(ValueError, match="same d"):
        gk.metrics.frechet_distance_from_features(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        gk.metrics.kernel_distance_from_features(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="disjoint"):
        gk.metrics.real_vs_real_fd(np.zeros((10, 28, 28), "float32"), 6)


def test_frechet_curve_records_fd_of_the_generator(test_digits):
    """The FD callback scores generator(z) against real images at interval ends."""
    import types

    import keras

    x = test_digits[0][:200]
    copier = keras.Sequential([keras.Input((2,)), keras.layers.Dense(784, activation="tanh"),
                               keras.layers.Reshape((28, 28, 1))])
    curve = gk.metrics.FrechetCurve(x, np.zeros((200, 2), "float32"), every=2)
    curve.set_model(types.SimpleNamespace(generator=copier, step=20, train_seconds=1.5))
    curve.on_epoch_end(0)  # not a measuring interval
    curve.on_epoch_end(1)
    assert curve.steps == [20] and curve.seconds == [1.5]
    assert curve.fd[0] > 50  # one image repeated 200 times is far from real digits
    with pytest.raises(ValueError, match="z must be"):
        gk.metrics.FrechetCurve(x, np.zeros(3))


def test_fashion_classifier_is_committed_and_loads_offline():
    model = gk.metrics.classifier("fashion_mnist")
    assert model.output_shape == (None, 10)
    card = gk.metrics.classifier_card("fashion_mnist")
    assert card["dataset"] == "fashion_mnist" and card["test_accuracy"] > 0.88 and card["train_digits"] == 60000
    assert gk.metrics.classifier("mnist") is gk.metrics.digit_classifier()
    with pytest.raises(ValueError, match="dataset must be one of"):
        gk.metrics.classifier("cifar10")


@pytest.mark.skipif(not gk.data.FASHION_DEBIAN_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_classifier_accuracy_on_the_real_test_set():
    x, y, _ = gk.data.load_fashion_mnist("test", offline=True, verbose=False)
    p = gk.metrics.classifier("fashion_mnist").predict(gk.data.scale_images(x[:2000])[..., None], verbose=0)
    assert float(np.mean(p.argmax(axis=1) == y[:2000])) > 0.88
