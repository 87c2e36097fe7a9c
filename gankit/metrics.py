"""Sample-quality measures for generated images, based on a small classifier per dataset.

* :func:`classifier_scores`: share of confidently recognised digits, classes, class entropy;
* :func:`frechet_distance`: Fréchet distance (FD) between the classifier's 128-d ``features`` of two
  image sets (the FID recipe, with a digit classifier instead of Inception); always report it next
  to :func:`real_vs_real_fd`, the FD between two disjoint real sets of the same size;
* :func:`kernel_distance`: KID, an unbiased MMD^2 with a cubic polynomial kernel on the same features;
* :func:`memorisation`: pixel distance of samples to their nearest training image, vs the same for
  real test images (a model that copies its training set gets much smaller distances);
* :class:`FrechetCurve`: a training callback that records FD at every logging interval.

The classifier is a small CNN trained by the project on real MNIST digits (and one with the same
architecture on Fashion-MNIST, :func:`classifier` ``("fashion_mnist")``)::

    python -m gankit.metrics train-classifier                          # ~1 min on 2 CPU cores
    python -m gankit.metrics train-classifier --dataset fashion_mnist  # ~3 min; both write gankit/assets/

Their weights (``gankit/assets/*.weights.h5``, ~2 MB each) and JSON cards with their test
accuracy are committed, so :func:`classifier` works offline on a fresh clone.

:func:`classifier_scores` turns its predictions on generated digits into numbers a reader can
compare with the same numbers on real test digits: the share the classifier labels confidently,
and how evenly those labels spread over the ten classes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import weakref
from pathlib import Path

import numpy as np

from gankit import checks

import keras

from gankit.curves import Curve, check_fits_generator, generator_inputs

ASSETS = Path(__file__).resolve().parent / "assets"
CLASSIFIER_PATH = ASSETS / "digit_classifier.weights.h5"
CLASSIFIER_CARD = ASSETS / "digit_classifier.json"
CLASSIFIER_PATHS = {
    "mnist": CLASSIFIER_PATH,
    "fashion_mnist": ASSETS / "fashion_classifier.weights.h5",
}
"""The committed weights per dataset (same architecture); cards sit beside them as ``.json``."""


def _card_path(weights: Path) -> Path:
    return weights.with_name(weights.name.replace(".weights.h5", ".json"))


def build_digit_classifier(seed: int | None = None) -> keras.Model:
    """The classifier's architecture: images ``(batch, 28, 28, 1)`` in [-1, 1] → 10 class probabilities.

    Three strided convolutions, a 128-unit feature layer (named ``"features"``) and a softmax.

    Args:
        seed: seed of the initial weights and of the dropout; ``None`` draws them from Keras's
            global random state, as any Keras layer does (``gk.config.seed_everything`` fixes it).
    """
    seeds = [None] * 6 if seed is None else [int(s) for s in np.random.SeedSequence(seed).generate_state(6)]
    init = [None if s is None else keras.initializers.GlorotUniform(seed=s) for s in seeds[:5]]
    kernel = [{} if i is None else {"kernel_initializer": i} for i in init]
    image = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", **kernel[0])(image)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", **kernel[1])(x)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", **kernel[2])(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3, seed=seeds[5])(x)
    features = keras.layers.Dense(128, activation="relu", name="features", **kernel[3])(x)
    probabilities = keras.layers.Dense(10, activation="softmax", name="probabilities", **kernel[4])(features)
    return keras.Model(image, probabilities, name="digit_classifier")


def _check_images(images) -> np.ndarray:
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or len(x) == 0:
        raise ValueError(f"images must be (n, 28, 28) or (n, 28, 28, 1) with n > 0, got shape {np.shape(images)}.")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"images must be floats in [-1, 1] (got {x.dtype}); scale uint8 digits with gk.data.scale_images."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("images contain NaN or infinite values.")
    if x.min() < -1.001 or x.max() > 1.001:
        raise ValueError(f"images must lie in [-1, 1], got [{x.min():.3f}, {x.max():.3f}]: use gk.data.scale_images.")
    return x.astype("float32")


class _DatasetPath:
    """The default ``path`` of :func:`train_digit_classifier`: the dataset's committed weights."""

    def __repr__(self) -> str:
        return "CLASSIFIER_PATHS[dataset]"


DATASET_PATH = _DatasetPath()


def train_digit_classifier(
    epochs: int = 8,
    seed: int = 0,
    path: str | os.PathLike | None | _DatasetPath = DATASET_PATH,
    verbose: bool = True,
    dataset: str = "mnist",
) -> tuple[keras.Model, dict]:
    """Trains the classifier on a dataset's training split and measures it on the test split.

    Args:
        dataset: ``"mnist"`` or ``"fashion_mnist"`` (:func:`gankit.data.load_images`).
        epochs: passes over the training digits.
        seed: seed of the initial weights, the dropout and the shuffling; the same seed gives the same
            training run, and the global random state (Python, NumPy, Keras) is left as it was.
        path: where to save the weights (and a JSON card beside them); by default the dataset's
            committed weights, ``CLASSIFIER_PATHS[dataset]``; ``None`` to not save.
        verbose: print progress.

    Returns:
        ``(model, card)``; ``card`` has ``test_accuracy``, ``train_digits``, ``test_digits``, ``source``.

    Raises:
        ValueError: for an unknown dataset, or ``epochs``/``seed`` that are not integers (>= 1, >= 0).
    """
    from gankit import data

    checks.choice(dataset, "dataset", CLASSIFIER_PATHS)
    epochs, seed = checks.integer(epochs, "epochs", minimum=1), checks.integer(seed, "seed", minimum=0)
    if path is DATASET_PATH:
        path = CLASSIFIER_PATHS[dataset]
    x_train, y_train, tag = data.load_images(dataset, "train", verbose=verbose)
    x_test, y_test, _ = data.load_images(dataset, "test", verbose=False)
    model = build_digit_classifier(seed)  # seeded weights and dropout: the learner's random state is left alone
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(_shuffled_batches(data.scale_images(x_train)[..., None], y_train, seed), epochs=epochs,
              steps_per_epoch=-(-len(x_train) // _BATCH), shuffle=False, verbose=2 if verbose else 0)
    _, accuracy = model.evaluate(data.scale_images(x_test)[..., None], y_test, verbose=0)
    card = {
        "dataset": dataset,
        "test_accuracy": round(float(accuracy), 4),
        "train_digits": int(len(x_train)),
        "test_digits": int(len(x_test)),
        "source": tag,
        "epochs": epochs,
        "seed": seed,
    }
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".weights.h5", delete=False) as handle:
            pass
        model.save_weights(handle.name)
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
        _CACHE.pop(path.resolve(), None)  # digit_classifier(path) loads the new weights
        _card_path(path).write_text(json.dumps(card, indent=1) + "\n")
    return model, card


_BATCH = 128


def _shuffled_batches(x: np.ndarray, y: np.ndarray, seed: int):
    """Endless ``(images, labels)`` batches of ``_BATCH``, each pass in a new order that depends
    only on ``seed`` (stateless shuffles: no global random state is read or changed)."""
    import tensorflow as tf

    from gankit.data.pipeline import index_batches

    images, labels = tf.constant(x), tf.constant(y)
    return index_batches(len(x), _BATCH, seed).map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))


_CACHE: dict[Path, tuple[tuple[int, int, int], keras.Model]] = {}
"""Loaded classifiers by resolved path, with the file's (inode, mtime, size) when it was loaded."""


def digit_classifier(path: str | os.PathLike = CLASSIFIER_PATH) -> keras.Model:
    """The project's trained digit classifier (loaded once per process, and again when the file changes).

    Raises:
        RuntimeError: if the weights file is missing (run ``python -m gankit.metrics train-classifier``).
    """
    path = Path(path)
    if not path.exists():
        raise RuntimeError(
            f"No digit classifier weights at {path}. Train them with `python -m gankit.metrics "
            "train-classifier` (about a minute on a CPU)."
        )
    key, info = path.resolve(), path.stat()
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    cached = _CACHE.get(key)
    if cached is None or cached[0] != stamp:
        model = build_digit_classifier()
        model.load_weights(path)
        _CACHE[key] = cached = (stamp, model)
    return cached[1]


def classifier(dataset: str = "mnist") -> keras.Model:
    """The committed classifier for ``dataset`` (``"mnist"`` or ``"fashion_mnist"``), loaded once.

    Pass it as ``classifier=`` to the scores of this module to measure Fashion-MNIST samples.

    Raises:
        ValueError: for an unknown dataset.
        RuntimeError: if its weights are missing (the message names the command that trains them).
    """
    path = CLASSIFIER_PATHS[checks.choice(dataset, "dataset", CLASSIFIER_PATHS)]
    if not path.exists():
        raise RuntimeError(
            f"No {dataset} classifier weights at {path}. Train them with `python -m gankit.metrics "
            f"train-classifier --dataset {dataset}`."
        )
    return digit_classifier(path)


def classifier_card(path: str | os.PathLike = CLASSIFIER_CARD) -> dict:
    """The JSON card written with the weights (test accuracy, data used).

    Args:
        path: a card file, or a dataset name (``"mnist"``, ``"fashion_mnist"``).
    """
    if isinstance(path, str) and path in CLASSIFIER_PATHS:
        path = _card_path(CLASSIFIER_PATHS[path])
    return json.loads(Path(path).read_text())


def classifier_scores(images, classifier: keras.Model | None = None, threshold: float = 0.9) -> dict:
    """What the digit classifier makes of a set of digits.

    Args:
        images: digits ``(n, 28, 28)`` or ``(n, 28, 28, 1)``, floats in [-1, 1].
        classifier: defaults to :func:`digit_classifier`.
        threshold: a digit is *confident* if its top class probability exceeds this.

    Returns:
        ``confident``: share of confident digits (real test digits give the reference value);
        ``class_counts``: confident digits per class (10 ints);
        ``classes``: classes with at least 2% of the confident digits;
        ``class_entropy``: entropy (nats) of the predicted-class histogram over all digits,
        ``log(10) = 2.303`` when the classes are used evenly.

    Raises:
        ValueError: on a wrong shape, dtype or range.
    """
    x = _check_images(images)
    threshold = checks.number(threshold, "threshold", minimum=0)
    classifier = classifier or digit_classifier()
    p = classifier.predict(x, batch_size=500, verbose=0)
    label = p.argmax(axis=1)
    confident = _confident(p, threshold)
    counts = np.bincount(label[confident], minlength=10)
    histogram = np.bincount(label, minlength=10) / len(label)
    nonzero = histogram[histogram > 0]
    return {
        "confident": float(confident.mean()),
        "class_counts": counts.tolist(),
        "classes": int(np.sum(counts >= 0.02 * max(1, counts.sum()))),
        "class_entropy": float(-(nonzero * np.log(nonzero)).sum()),
    }


def _confident(probabilities: np.ndarray, threshold: float = 0.9) -> np.ndarray:
    """Which rows of the classifier's ``(n, classes)`` probabilities have a top class above ``threshold``."""
    return probabilities.max(axis=1) > threshold


def _check_labels(labels, n: int, name: str = "labels") -> np.ndarray:
    y = np.asarray(labels)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one per image, got {y.shape}.")
    if not np.all(np.isfinite(y.astype("float64"))) or not np.all(np.mod(y, 1) == 0) or (n and y.min() < 0):
        raise ValueError(f"{name} must be non-negative integers (class indices).")
    return y.astype("int64")


def label_accuracy(images, labels, classifier: keras.Model | None = None, num_classes: int = 10) -> dict:
    """How often the classifier sees the class a conditional generator was asked for.

    Args:
        images: generated images ``(n, 28, 28[, 1])`` in [-1, 1].
        labels: the requested classes ``(n,)``, ints in ``[0, num_classes)``.
        classifier: the course's classifier for the dataset (defaults to :func:`digit_classifier`).
        num_classes: number of classes.

    Returns:
        ``overall``: share of images classified as their requested class; ``per_class``: that share
        for each requested class (``nan`` for a class never requested); ``worst_class`` and
        ``worst``: the class with the lowest share and its share; ``predicted``: the classifier's
        labels ``(n,)``.

    Raises:
        ValueError: on bad images, or labels of the wrong shape or out of range.
    """
    x = _check_images(images)
    y = _check_labels(labels, len(x))
    num_classes = checks.integer(num_classes, "num_classes", minimum=1)
    if y.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), got {y.max()}.")
    classifier = classifier or digit_classifier()
    predicted = classifier.predict(x, batch_size=500, verbose=0).argmax(axis=1)
    hit = predicted == y
    per_class = np.array([hit[y == c].mean() if np.any(y == c) else np.nan for c in range(num_classes)])
    worst = int(np.nanargmin(per_class))
    return {
        "overall": float(hit.mean()),
        "per_class": per_class.tolist(),
        "worst_class": worst,
        "worst": float(per_class[worst]),
        "predicted": predicted,
    }


def per_class_fd(images, labels, real_images, real_labels, classifier: keras.Model | None = None, num_classes: int = 10) -> np.ndarray:
    """FD between generated and real images of each class, on the classifier's features.

    Each class has few images (about n / 10), so these values are biased upwards more than an
    FD over all classes: compare them with the same function on two real sets of the same sizes.

    Args:
        images, labels: generated images ``(n, 28, 28[, 1])`` and the classes asked for ``(n,)``.
        real_images, real_labels: real images and their classes.
        classifier: the course's classifier (defaults to :func:`digit_classifier`).
        num_classes: number of classes.

    Returns:
        ``(num_classes,)`` FD per class.

    Raises:
        ValueError: on bad inputs, or a class with fewer than 2 images on either side.
    """
    num_classes = checks.integer(num_classes, "num_classes", minimum=1)
    classifier = classifier or digit_classifier()
    fake, real = features(images, classifier), features(real_images, classifier)
    y_fake, y_real = _check_labels(labels, len(fake)), _check_labels(real_labels, len(real), "real_labels")
    values = []
    for c in range(num_classes):
        a, b = fake[y_fake == c], real[y_real == c]
        if len(a) < 2 or len(b) < 2:
            raise ValueError(f"class {c} has {len(a)} generated and {len(b)} real images; FD needs at least 2 of each.")
        values.append(frechet_distance_from_features(a, b))
    return np.asarray(values)


_FEATURES: weakref.WeakKeyDictionary[keras.Model, keras.Model] = weakref.WeakKeyDictionary()
"""Each classifier's feature model, keyed by the classifier itself (not its ``id``, which a new
object can reuse once the old one is collected); an entry goes when its classifier does."""


def features(images, classifier: keras.Model | None = None, batch_size: int = 500) -> np.ndarray:
    """The classifier's ``features`` layer for ``images``: ``(n, 128)`` float64.

    Args:
        images: ``(n, 28, 28)`` or ``(n, 28, 28, 1)`` floats in [-1, 1].
        classifier: defaults to :func:`digit_classifier`.
        batch_size: images per forward pass.
    """
    x = _check_images(images)
    batch_size = checks.integer(batch_size, "batch_size", minimum=1)
    classifier = classifier or digit_classifier()
    model = _FEATURES.get(classifier)
    if model is None:
        model = _FEATURES[classifier] = keras.Model(classifier.inputs, classifier.get_layer("features").output)
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype="float64")


def _check_features(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"features must be (n, d) and (m, d) with the same d, got {a.shape} and {b.shape}.")
    if min(len(a), len(b)) < 2:
        raise ValueError("each feature set needs at least 2 rows.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("features contain NaN or infinite values.")
    return a, b


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((m + m.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance_from_features(a, b) -> float:
    """FD between Gaussians fitted to two feature sets ``(n, d)`` and ``(m, d)``.

    ``|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``; the trace of the matrix square root
    is computed as ``Tr((S_a^(1/2) S_b S_a^(1/2))^(1/2))`` with symmetric eigendecompositions
    (no SciPy needed, no complex round-off).
    """
    a, b = _check_features(a, b)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _psd_sqrt(s_a)
    cross = np.linalg.eigvalsh(root_a @ s_b @ root_a)
    trace_sqrt = float(np.sum(np.sqrt(np.clip(cross, 0, None))))
    value = float(np.sum((mu_a - mu_b) ** 2) + np.trace(s_a) + np.trace(s_b) - 2 * trace_sqrt)
    return max(value, 0.0)


def frechet_distance(images_a, images_b, classifier: keras.Model | None = None) -> float:
    """FD between two image sets on the digit classifier's features (lower is closer).

    FD is biased upwards for small sets: compare values computed on sets of the same size, and
    print :func:`real_vs_real_fd` for that size beside it.
    """
    return frechet_distance_from_features(features(images_a, classifier), features(images_b, classifier))


def kernel_distance_from_features(a, b, subsets: int = 10, subset_size: int = 500, seed: int = 0,
                                  spread: bool = False) -> float | tuple[float, float]:
    """KID: the unbiased MMD^2 with kernel ``(x.y / d + 1)^3``, averaged over random subsets.

    Unlike FD it is unbiased, so small sets can be compared directly (its mean is 0 for two
    samples of the same distribution). Its scale is that of the features (the course's
    classifier's 128-d ``features`` layer): compare KIDs within the course only.

    Args:
        a, b: features ``(n, d)`` of the two sets.
        subsets, subset_size: how many random subsets (of up to ``subset_size`` each) are averaged.
        seed: seed of the subset draws.
        spread: also return the standard deviation over the subsets.

    Returns:
        The mean over the subsets, or ``(mean, std)`` with ``spread=True``.
    """
    a, b = _check_features(a, b)
    subsets = checks.integer(subsets, "subsets", minimum=1)
    subset_size = checks.integer(subset_size, "subset_size", minimum=2)
    rng = np.random.default_rng(checks.integer(seed, "seed", minimum=0))
    size = min(subset_size, len(a), len(b))
    d = a.shape[1]
    values = []
    for _ in range(subsets):
        x, y = a[rng.choice(len(a), size, replace=False)], b[rng.choice(len(b), size, replace=False)]
        k_xx, k_yy, k_xy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
        off = size * (size - 1)
        values.append(
            (k_xx.sum() - np.trace(k_xx)) / off + (k_yy.sum() - np.trace(k_yy)) / off - 2 * k_xy.mean()
        )
    return (float(np.mean(values)), float(np.std(values))) if spread else float(np.mean(values))


def kernel_distance(images_a, images_b, classifier: keras.Model | None = None, **kwargs) -> float | tuple[float, float]:
    """KID between two image sets on the digit classifier's features (``kwargs``: see
    :func:`kernel_distance_from_features`, e.g. ``spread=True``)."""
    return kernel_distance_from_features(features(images_a, classifier), features(images_b, classifier), **kwargs)


def real_vs_real_fd(real_images, n: int, seed: int = 0, classifier: keras.Model | None = None) -> float:
    """The reference for an FD on ``n`` samples: FD between two disjoint random halves of real images.

    Args:
        real_images: at least ``2 * n`` real images in [-1, 1].
        n: the size of each set (use the size the generated set is scored with), at least 2.
        seed: seed of the random split.
    """
    x = _check_images(real_images)
    n = checks.integer(n, "n", minimum=2)
    seed = checks.integer(seed, "seed", minimum=0)
    if len(x) < 2 * n:
        raise ValueError(f"need at least {2 * n} real images for two disjoint sets of {n}, got {len(x)}.")
    order = np.random.default_rng(seed).permutation(len(x))
    return frechet_distance(x[order[:n]], x[order[n : 2 * n]], classifier)


def nearest_distances(samples, train_images, batch_size: int = 500) -> np.ndarray:
    """Euclidean pixel distance of each sample to its nearest training image, ``(n,)``.

    Args:
        samples: ``(n, 28, 28[, 1])`` in [-1, 1].
        train_images: ``(m, 28, 28[, 1])`` in [-1, 1].
    """
    x = _check_images(samples).reshape(len(samples), -1).astype("float64")
    t = _check_images(train_images).reshape(len(train_images), -1).astype("float64")
    batch_size = checks.integer(batch_size, "batch_size", minimum=1)
    t_sq = (t**2).sum(axis=1)
    out = np.empty(len(x))
    for start in range(0, len(x), batch_size):
        chunk = x[start : start + batch_size]
        d2 = (chunk**2).sum(axis=1)[:, None] + t_sq[None] - 2 * chunk @ t.T
        out[start : start + batch_size] = np.sqrt(np.clip(d2.min(axis=1), 0, None))
    return out


def memorisation(samples, train_images, test_images) -> dict:
    """Does the generator copy its training set? Nearest-training-image distances, samples vs test.

    Real test images were never trained on, so their distances to the nearest training image are
    what "new but realistic" looks like. A generator that memorises gets much smaller distances.

    Returns:
        ``median_samples``, ``median_test``: median nearest distances; ``ratio``: their ratio (about
        1 or above: no sign of copying; well below 1: samples sit on training images);
        ``share_closer_than_test_5pct``: share of samples closer to a training image than 95% of
        real test images are.
    """
    ds, dt = nearest_distances(samples, train_images), nearest_distances(test_images, train_images)
    return {
        "median_samples": float(np.median(ds)),
        "median_test": float(np.median(dt)),
        "ratio": float(np.median(ds) / np.median(dt)),
        "share_closer_than_test_5pct": float(np.mean(ds < np.percentile(dt, 5))),
    }


class FrechetCurve(Curve):
    """Measures FD of ``generator(z)`` against real images during training, for an FD curve.

    Use it as a callback of :meth:`gankit.train.CombinedGAN.train` (or of ``fit`` of any model
    with a ``generator``): at the end of every ``every`` logging intervals it generates images
    from the fixed noise ``z`` (in inference mode) and scores them against ``real_images``, whose
    features are computed once. Its time is not counted in the trainer's ``train_seconds``.

    Args:
        real_images: ``(m, 28, 28[, 1])`` real images in [-1, 1] (e.g. the test split).
        z: fixed noise ``(n, latent_dim)`` (conditional generators: a pair ``(z, labels)``);
            use ``n == m`` so that :func:`real_vs_real_fd` of that size is the reference.
        every: measure every ``every`` logging intervals.
        classifier: defaults to :func:`digit_classifier`.

    Attributes:
        steps, seconds, fd: lists, one entry per measurement (see :class:`gankit.curves.Curve`).
        confident: the classifier's confident share of the images (:func:`classifier_scores`),
            one entry per measurement.
        label_accuracy: for a conditional generator (``z`` a pair ``(z, labels)``), the share
            of images the classifier assigns to the class asked for, one entry per measurement.

    Raises:
        ValueError: on bad images or ``z``; when ``fit`` starts, if ``z`` does not fit the
            model's generator (:func:`gankit.curves.check_fits_generator`).
    """

    def __init__(self, real_images, z, every: int = 1, classifier: keras.Model | None = None) -> None:
        super().__init__(every=every)
        self.z = generator_inputs(z)
        self.classifier = classifier or digit_classifier()
        self.reference = features(real_images, self.classifier)
        self.series.update(fd=[], confident=[], label_accuracy=[])

    def set_model(self, model):
        check_fits_generator(self.z, model, "FrechetCurve")  # at the start of fit, before any step
        super().set_model(model)

    def measure(self, model: keras.Model) -> dict[str, float]:
        images = keras.ops.convert_to_numpy(model.generator(self.z, training=False))
        p = self.classifier.predict(images, batch_size=500, verbose=0)  # once, for both scores below
        scores = {"fd": frechet_distance_from_features(features(images, self.classifier), self.reference),
                  "confident": float(_confident(p).mean())}  # as classifier_scores defines it
        if isinstance(self.z, list):  # conditional: did G draw the classes it was asked for?
            scores["label_accuracy"] = float(np.mean(p.argmax(axis=1) == self.z[1]))
        return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gankit.metrics", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train-classifier", help="train the digit classifier and save its weights")
    train.add_argument("--epochs", type=int, default=8)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--dataset", choices=tuple(CLASSIFIER_PATHS), default="mnist")
    args = parser.parse_args(argv)
    if args.command == "train-classifier":
        path = CLASSIFIER_PATHS[args.dataset]
        _, card = train_digit_classifier(epochs=args.epochs, seed=args.seed, path=path, dataset=args.dataset)
        print(f"{args.dataset} classifier: test accuracy {card['test_accuracy']:.4f} ({card['source']}); saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
