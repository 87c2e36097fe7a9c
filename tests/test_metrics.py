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
    with pytest.raises(ValueError, match="n must be an integer >= 2, got 1"):
        gk.metrics.real_vs_real_fd(np.zeros((10, 28, 28), "float32"), 1)
    with pytest.raises(ValueError, match="subset_size must be an integer >= 2"):
        gk.metrics.kernel_distance_from_features(np.zeros((5, 3)), np.zeros((5, 3)), subset_size=1)
    with pytest.raises(ValueError, match="subsets must be a positive integer, got 2.0"):
        gk.metrics.kernel_distance_from_features(np.zeros((5, 3)), np.zeros((5, 3)), subsets=2.0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        gk.metrics.nearest_distances(np.zeros((2, 28, 28), "float32"), np.zeros((2, 28, 28), "float32"), batch_size=0)
    with pytest.raises(ValueError, match="threshold must be a number >= 0"):
        gk.metrics.classifier_scores(np.zeros((2, 28, 28), "float32"), threshold=float("nan"))
    with pytest.raises(ValueError, match="epochs must be a positive integer, got True"):
        gk.metrics.train_digit_classifier(epochs=True, path=None)
    with pytest.raises(ValueError, match="dataset must be one of 'mnist', 'fashion_mnist'; got 'cifar10'"):
        gk.metrics.train_digit_classifier(dataset="cifar10", path=None)


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
    assert curve.label_accuracy == []  # unconditional: nothing to check


def test_frechet_curve_of_a_conditional_generator_records_label_accuracy(test_digits):
    """A 'generator' that returns real test digits: asked for their true labels, label accuracy is
    the classifier's accuracy; asked for wrong labels, it is 0."""
    import types

    x, y = test_digits[0][:200], test_digits[1][:200]
    model = gk.metrics.digit_classifier()
    digits = lambda inputs, training=False: x[..., None]  # noqa: E731
    expected = np.mean(model.predict(x[..., None], verbose=0).argmax(axis=1) == y)
    for asked, accuracy in ((y, expected), ((y + 1) % 10, 0.0)):
        curve = gk.metrics.FrechetCurve(x, (np.zeros((200, 2)), asked), classifier=model)
        curve.set_model(types.SimpleNamespace(generator=digits, step=10, train_seconds=0.0))
        curve.on_epoch_end(0)
        assert curve.fd[0] < 1e-3 and curve.label_accuracy == [pytest.approx(accuracy, abs=0.02)]


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


def test_label_accuracy_and_per_class_fd_on_real_digits(test_digits):
    """Real test digits 'asked for' with their true labels score the classifier's accuracy."""
    x, y = test_digits[0][:2000], test_digits[1][:2000]
    model = gk.metrics.digit_classifier()
    predicted = model.predict(x[..., None], verbose=0).argmax(axis=1)
    scores = gk.metrics.label_accuracy(x, y, model)
    assert scores["overall"] == pytest.approx(np.mean(predicted == y)) and scores["overall"] > 0.95
    by_hand = [np.mean(predicted[y == c] == c) for c in range(10)]
    np.testing.assert_allclose(scores["per_class"], by_hand)
    assert scores["worst"] == min(by_hand) and scores["worst_class"] == int(np.argmin(by_hand))
    shifted = gk.metrics.label_accuracy(x, (y + 1) % 10, model)  # every label wrong
    assert shifted["overall"] < 0.05
    # per-class FD: two disjoint real halves are close; asking for the wrong class is far
    a, b = slice(0, len(x) // 2), slice(len(x) // 2, len(x))
    same = gk.metrics.per_class_fd(x[a], y[a], x[b], y[b], model)
    wrong = gk.metrics.per_class_fd(x[a], (y[a] + 1) % 10, x[b], y[b], model)
    assert same.shape == (10,) and np.all(wrong > 3 * same)


def test_label_metric_input_errors(test_digits):
    x = test_digits[0][:10]
    with pytest.raises(ValueError, match="shape"):
        gk.metrics.label_accuracy(x, np.arange(9))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        gk.metrics.label_accuracy(x, np.arange(10) + 1)
    with pytest.raises(ValueError, match="integers"):
        gk.metrics.label_accuracy(x, np.arange(10) - 0.5)
    with pytest.raises(ValueError, match="at least 2"):
        gk.metrics.per_class_fd(x, np.zeros(10, int), x, np.arange(10))
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        gk.metrics.label_accuracy(x, np.arange(10), num_classes=0)


def test_training_the_fashion_classifier_without_a_path_keeps_the_mnist_weights(tmp_path, monkeypatch):
    """Bug: path defaulted to the MNIST weights whatever the dataset, so `--dataset fashion_mnist`
    without `path=` overwrote them. The default path now follows the dataset."""
    import os

    paths = {"mnist": tmp_path / "mnist.weights.h5", "fashion_mnist": tmp_path / "fashion.weights.h5"}
    monkeypatch.setattr(gk.metrics, "CLASSIFIER_PATHS", paths)
    replace = os.replace

    def guarded_replace(source, target):  # never overwrite the committed weights, even when the code is wrong
        if os.path.realpath(os.path.dirname(target)) == os.path.realpath(gk.metrics.ASSETS):
            os.remove(source)
            raise AssertionError(f"train_digit_classifier would overwrite the committed {target}")
        replace(source, target)

    monkeypatch.setattr(gk.metrics.os, "replace", guarded_replace)
    rng = np.random.default_rng(0)
    tiny = lambda name, split, verbose=True: (  # noqa: E731  (32 random 'images' per split)
        rng.integers(0, 256, (32, 28, 28), dtype=np.uint8), rng.integers(0, 10, 32), f"tiny {name} {split}")
    monkeypatch.setattr(gk.data, "load_images", tiny)
    _, card = gk.metrics.train_digit_classifier(epochs=1, verbose=False, dataset="fashion_mnist")
    assert card["dataset"] == "fashion_mnist"
    assert paths["fashion_mnist"].exists() and not paths["mnist"].exists()
    assert gk.metrics.classifier_card(str(tmp_path / "fashion.json"))["source"] == "tiny fashion_mnist train"


def test_features_are_never_served_from_another_classifiers_cache(test_digits, monkeypatch):
    """Bug: the feature-model cache was keyed by id(classifier); ids are reused once an object is
    collected, so a new classifier could get a dead one's feature model. Simulated here by giving
    every object the same id, as a reuse would."""
    import keras

    x = test_digits[0][:16]
    first, second = gk.metrics.build_digit_classifier(), gk.metrics.build_digit_classifier()  # two random inits
    monkeypatch.setattr(gk.metrics, "id", lambda obj: 1, raising=False)
    a, b = gk.metrics.features(x, first), gk.metrics.features(x, second)
    expected = keras.Model(second.inputs, second.get_layer("features").output).predict(x[..., None], verbose=0)
    np.testing.assert_allclose(b, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(a, b)


def test_features_cache_does_not_keep_deleted_classifiers_alive(test_digits):
    import gc
    import weakref

    model = gk.metrics.build_digit_classifier()
    gk.metrics.features(test_digits[0][:4], model)
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_kid_spread_is_the_standard_deviation_over_subsets():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((300, 8)), rng.standard_normal((300, 8)) + 0.5
    mean, std = gk.metrics.kernel_distance_from_features(a, b, subsets=6, subset_size=100, spread=True)
    assert mean == gk.metrics.kernel_distance_from_features(a, b, subsets=6, subset_size=100)
    assert std > 0 and mean > 2 * std  # shifted sets: clearly above 0
    same_mean, same_std = gk.metrics.kernel_distance_from_features(a[:150], a[150:], subsets=6, subset_size=100, spread=True)
    assert abs(same_mean) < 3 * same_std + 1e-9  # the same distribution: 0 within its spread


@pytest.fixture
def tiny_digits(monkeypatch):
    """``gk.data.load_images`` replaced by 32 random 'digits' per split: a training run takes a second."""
    def tiny(name, split, verbose=True):
        rng = np.random.default_rng(0 if split == "train" else 1)
        return rng.integers(0, 256, (32, 28, 28), dtype=np.uint8), rng.integers(0, 10, 32), f"tiny {name} {split}"

    monkeypatch.setattr(gk.data, "load_images", tiny)


def test_retrained_weights_are_served_not_the_cached_old_ones(tmp_path, tiny_digits):
    """Bug: the classifier cache was keyed by the path as given, so after train_digit_classifier
    rewrote the file, digit_classifier(path) kept serving the old weights."""
    path = tmp_path / "digits.weights.h5"
    gk.metrics.train_digit_classifier(epochs=1, seed=1, path=path, verbose=False)
    old = gk.metrics.digit_classifier(path)
    new, _ = gk.metrics.train_digit_classifier(epochs=1, seed=2, path=path, verbose=False)
    served = gk.metrics.digit_classifier(str(path))
    for a, b in zip(served.get_weights(), new.get_weights()):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "sub").mkdir()
    assert gk.metrics.digit_classifier(tmp_path / "sub" / ".." / "digits.weights.h5") is served  # one file, one entry
    assert served is not old


def test_training_the_classifier_leaves_the_global_random_state_alone(tiny_digits):
    """Bug: train_digit_classifier called config.seed_everything(seed), resetting the learner's
    Python, NumPy, Keras and TensorFlow random state; it is still repeatable for the same seed."""
    import random

    import keras

    import tensorflow as tf

    def draws():
        return (random.random(), float(np.random.random()), keras.ops.convert_to_numpy(keras.random.normal((3,))).tolist(),
                float(tf.random.uniform(())))

    gk.config.seed_everything(123)
    expected = draws()
    gk.config.seed_everything(123)
    first, _ = gk.metrics.train_digit_classifier(epochs=1, seed=5, path=None, verbose=False)
    assert draws() == expected
    second, _ = gk.metrics.train_digit_classifier(epochs=1, seed=5, path=None, verbose=False)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
