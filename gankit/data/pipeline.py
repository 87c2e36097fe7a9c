"""Images for training: uint8 pixels to [-1, 1] and back, and a deterministic ``tf.data`` pipeline.

:func:`mnist_dataset` turns the digits of :func:`load_images` (MNIST or Fashion-MNIST) into
shuffled, repeated, full batches in [-1, 1], the range of a ``tanh`` generator. TensorFlow is
imported only when :func:`mnist_dataset` runs, so ``import gankit.data`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from gankit import checks
from gankit.data.fashion import load_fashion_mnist
from gankit.data.mnist import load_mnist
from gankit.data.sources import check_split

if TYPE_CHECKING:
    import tensorflow as tf

DATASETS = ("mnist", "fashion_mnist")
"""Datasets :func:`load_images` and :func:`mnist_dataset` know (both 28x28 grey, 10 classes)."""


def load_images(dataset: str = "mnist", split: str = "train", **kwargs) -> tuple[np.ndarray, np.ndarray, str]:
    """``load_mnist`` or ``load_fashion_mnist`` by name (``dataset`` in :data:`DATASETS`)."""
    loader = load_mnist if checks.choice(dataset, "dataset", DATASETS) == "mnist" else load_fashion_mnist
    return loader(split, **kwargs)


def scale_images(x_uint8: np.ndarray) -> np.ndarray:
    """Maps uint8 pixels 0..255 to float32 in [-1, 1], as ``(x - 127.5) / 127.5``.

    Args:
        x_uint8: uint8 array of shape ``(N, 28, 28)`` or ``(N, 28, 28, 1)``.

    Returns:
        float32 array of the same shape, in [-1, 1].

    Raises:
        ValueError: if the array has NaNs, is not uint8, or has another shape.
    """
    x = np.asarray(x_uint8)
    if np.issubdtype(x.dtype, np.floating) and np.isnan(x).any():
        raise ValueError("images contain NaN; scale_images expects uint8 pixels 0..255.")
    if x.dtype != np.uint8:
        raise ValueError(
            f"images must be uint8 (pixels 0..255), got {x.dtype}; if they are already floats "
            "in [-1, 1], do not scale them again."
        )
    if not (x.ndim in (3, 4) and x.shape[1:3] == (28, 28) and (x.ndim == 3 or x.shape[3] == 1)):
        raise ValueError(f"images must have shape (N, 28, 28) or (N, 28, 28, 1), got {x.shape}.")
    return (x.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)


def unscale_images(x: Any) -> np.ndarray:
    """Maps generator output in [-1, 1] to float32 in [0, 1] for display (clipped).

    Args:
        x: array or tensor of any shape, e.g. ``(N, 28, 28, 1)``.

    Returns:
        float32 NumPy array of the same shape, in [0, 1].
    """
    arr = np.asarray(x, dtype=np.float32)
    return np.clip((arr + 1.0) / 2.0, 0.0, 1.0)


def mnist_dataset(
    batch_size: int,
    *,
    split: str = "train",
    seed: int = 0,
    limit: int | None = None,
    offline: bool | None = None,
    shuffle: bool = True,
    repeat: bool = True,
    labels: bool = False,
    verbose: bool = True,
    dataset: str = "mnist",
) -> tuple["tf.data.Dataset", str]:
    """MNIST (or Fashion-MNIST) as a deterministic ``tf.data`` pipeline of image batches in [-1, 1].

    Pipeline: each epoch a permutation of the N images that depends only on ``(seed, epoch)``
    (``tf.random.experimental.stateless_shuffle``), epochs one after another, ``batch(batch_size,
    drop_remainder=True)``, gathered, scaled, prefetched. Every iterator of the dataset, and every
    dataset built with the same arguments, yields identical batches in identical order, also
    after ``.skip(k)``: a run continued with ``gan.train`` on the same dataset, or resumed in a new
    process, sees the batches of an uninterrupted run.

    Args:
        batch_size: images per batch, ``1 <= batch_size <= N``; every batch is full.
        split: ``"train"``, ``"test"`` or ``"all"``; see ``load_mnist``.
        seed: shuffle seed, a non-negative integer.
        limit: use only the first ``limit`` images (quick mode); ``None`` uses all. A limit
            above the number of images available uses all of them.
        offline: passed to ``load_mnist``.
        shuffle: shuffle (each epoch anew, deterministically).
        repeat: repeat forever; if ``False`` the dataset has ``N // batch_size`` batches.
        labels: yield ``(images, labels)`` pairs, labels int32 of shape ``(batch_size,)``.
        verbose: print the source tag.
        dataset: ``"mnist"`` or ``"fashion_mnist"`` (see :func:`load_images`).

    Returns:
        ``(dataset, source)``: batches float32 ``(batch_size, 28, 28, 1)`` in [-1, 1] (or pairs
        with ``labels=True``), and the source tag of ``load_mnist``.

    Raises:
        ValueError: on a bad ``batch_size``, ``limit``, ``seed`` or ``split``.
        RuntimeError: if no MNIST source is available (see ``load_mnist``).
    """
    check_split(split)
    checks.integer(batch_size, "batch_size", minimum=1)
    checks.integer(limit, "limit", minimum=1, optional=True)
    checks.integer(seed, "seed", minimum=0)
    x, y, source = load_images(dataset, split, offline=offline, verbose=verbose)
    if limit is not None and limit < len(x):
        x, y = x[:limit], y[:limit]
        source = f"{source}; using the first {limit}"
    if batch_size > len(x):
        raise ValueError(
            f"batch_size={batch_size} is larger than the {len(x)} images available ({source}); "
            "use a smaller batch_size or a larger limit."
        )
    return _pipeline(x, y if labels else None, int(batch_size), int(seed), shuffle, repeat), source


def index_batches(n: int, batch_size: int, seed: int, *, shuffle: bool = True, repeat: bool = True) -> "tf.data.Dataset":
    """Batches of indices into ``n`` items, ``(batch_size,)`` int64, epoch after epoch.

    Each epoch is a permutation that depends only on ``(seed, epoch)``
    (``tf.random.experimental.stateless_shuffle``), so every iterator of the dataset (each ``fit``
    or ``gan.train`` call makes a new one) yields the same batches, also after ``.skip(k)``;
    ``Dataset.shuffle(reshuffle_each_iteration=True)`` reshuffles for every new iterator.
    Gather the items with ``ds.map(lambda i: tf.gather(items, i))``.
    """
    import tensorflow as tf

    def epoch_order(epoch):
        order = tf.range(n, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=tf.stack([tf.constant(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(order)

    epochs = tf.data.Dataset.counter() if repeat else tf.data.Dataset.range(1)
    return epochs.flat_map(epoch_order).batch(batch_size, drop_remainder=True)


def _pipeline(
    x: np.ndarray, y: np.ndarray | None, batch_size: int, seed: int, shuffle: bool, repeat: bool
) -> "tf.data.Dataset":
    """The ``tf.data`` part of :func:`mnist_dataset`: uint8 slices, scaled per batch (cheaper in memory)."""
    import tensorflow as tf

    images = tf.constant(x[..., None])  # uint8 (N, 28, 28, 1)
    labels = None if y is None else tf.constant(y.astype(np.int32))
    ds = index_batches(len(x), batch_size, seed, shuffle=shuffle, repeat=repeat)
    if labels is None:
        ds = ds.map(lambda index: tf.gather(images, index))
    else:
        ds = ds.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)))

    def scale(img: "tf.Tensor") -> "tf.Tensor":
        return (tf.cast(img, tf.float32) - 127.5) / 127.5

    if y is None:
        ds = ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    else:
        ds = ds.map(lambda img, lab: (scale(img), lab), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
