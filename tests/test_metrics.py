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
