"""Sample-quality measures for generated digits, based on a small digit classifier.

The classifier is a small CNN trained by the project on real MNIST digits::

    python -m gankit.metrics train-classifier   # ~1 min on 2 CPU cores; writes gankit/assets/

Its weights (``gankit/assets/digit_classifier.weights.h5``, ~2 MB) and a JSON card with its
test accuracy are committed, so :func:`digit_classifier` works offline on a fresh clone.

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
from pathlib import Path

import numpy as np

from gankit import _env  # noqa: F401

import keras

ASSETS = Path(__file__).resolve().parent / "assets"
CLASSIFIER_PATH = ASSETS / "digit_classifier.weights.h5"
CLASSIFIER_CARD = ASSETS / "digit_classifier.json"


def build_digit_classifier() -> keras.Model:
    """The classifier's architecture: images ``(batch, 28, 28, 1)`` in [-1, 1] → 10 class probabilities.

    Three strided convolutions, a 128-unit feature layer (named ``"features"``) and a softmax.
    """
    image = keras.Input((28, 28, 1), name="image")
    x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(image)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    features = keras.layers.Dense(128, activation="relu", name="features")(x)
    probabilities = keras.layers.Dense(10, activation="softmax", name="probabilities")(features)
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


def train_digit_classifier(
    epochs: int = 8, seed: int = 0, path: str | os.PathLike | None = CLASSIFIER_PATH, verbose: bool = True
) -> tuple[keras.Model, dict]:
    """Trains the classifier on MNIST's training split and measures it on the test split.

    Args:
        epochs: passes over the training digits.
        seed: seed for weights and shuffling.
        path: where to save the weights (and a JSON card beside them); ``None`` to not save.
        verbose: print progress.

    Returns:
        ``(model, card)``; ``card`` has ``test_accuracy``, ``train_digits``, ``test_digits``, ``source``.
    """
    from gankit import config, data

    config.seed_everything(seed)
    x_train, y_train, tag = data.load_mnist("train", verbose=verbose)
    x_test, y_test, _ = data.load_mnist("test", verbose=False)
    model = build_digit_classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(
        data.scale_images(x_train)[..., None], y_train, batch_size=128, epochs=epochs, verbose=2 if verbose else 0
    )
    _, accuracy = model.evaluate(data.scale_images(x_test)[..., None], y_test, verbose=0)
    card = {
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
        path.with_name(path.name.replace(".weights.h5", ".json")).write_text(json.dumps(card, indent=1) + "\n")
    return model, card


_CACHE: dict[str, keras.Model] = {}


def digit_classifier(path: str | os.PathLike = CLASSIFIER_PATH) -> keras.Model:
    """The project's trained digit classifier (loaded once per process).

    Raises:
        RuntimeError: if the weights file is missing (run ``python -m gankit.metrics train-classifier``).
    """
    path = Path(path)
    key = str(path)
    if key not in _CACHE:
        if not path.exists():
            raise RuntimeError(
                f"No digit classifier weights at {path}. Train them with `python -m gankit.metrics "
                "train-classifier` (about a minute on a CPU)."
            )
        model = build_digit_classifier()
        model.load_weights(path)
        _CACHE[key] = model
    return _CACHE[key]


def classifier_card(path: str | os.PathLike = CLASSIFIER_CARD) -> dict:
    """The JSON card written with the weights (test accuracy, data used)."""
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
    classifier = classifier or digit_classifier()
    p = classifier.predict(x, batch_size=500, verbose=0)
    top, label = p.max(axis=1), p.argmax(axis=1)
    confident = top > threshold
    counts = np.bincount(label[confident], minlength=10)
    histogram = np.bincount(label, minlength=10) / len(label)
    nonzero = histogram[histogram > 0]
    return {
        "confident": float(confident.mean()),
        "class_counts": counts.tolist(),
        "classes": int(np.sum(counts >= 0.02 * max(1, counts.sum()))),
        "class_entropy": float(-(nonzero * np.log(nonzero)).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gankit.metrics", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train-classifier", help="train the digit classifier and save its weights")
    train.add_argument("--epochs", type=int, default=8)
    train.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "train-classifier":
        _, card = train_digit_classifier(epochs=args.epochs, seed=args.seed)
        print(f"digit classifier: test accuracy {card['test_accuracy']:.4f} ({card['source']}); saved {CLASSIFIER_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
