"""tensorflow-datasets where it serves the course: larger photo sets online, under the never-hang rule.

* ``div2k/bicubic_x4`` (DIV2K, the super-resolution benchmark): HR photos for notebook 5
  (``key="hr"``); its validation split is 100 photos (about 0.5 GB to download), the training
  split 800 (about 3.8 GB);
* ``cycle_gan/<pair>`` (CycleGAN's unpaired sets, e.g. ``apple2orange``), ``key="image"``, splits
  ``trainA``/``trainB``/``testA``/``testB``. Its download host has been failing for years
  (tensorflow/datasets#5134): the error says so and what to use instead.

tfds retries a failing download for minutes on its own. :func:`load_tfds_images` therefore first checks
(within seconds) that the dataset is already prepared, or that its download server answers
(:func:`gankit.download.probe`); offline mode (``GANKIT_OFFLINE=1``) never downloads. A learner's
own photos need no tfds: put them in a folder and set ``GANKIT_PHOTO_DIR`` (:mod:`gankit.photos`).
"""

from __future__ import annotations

import os

import numpy as np

from gankit import checks, download

KNOWN_BROKEN = {
    "cycle_gan": "tfds's cycle_gan files come from efrosgans.eecs.berkeley.edu, which has failed (404 or no answer) "
                 "for years (tensorflow/datasets#5134). Use notebook 6's MNIST <-> MNIST-M pair, or two folders of "
                 "your own images.",
}


def _tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise RuntimeError("tensorflow-datasets is not installed: pip install tensorflow-datasets") from error
    return tfds


def _prepare(name: str, builder, timeout: float) -> None:
    """Downloads and prepares ``builder`` unless it is prepared; fails within seconds when it cannot."""
    if os.path.isfile(os.path.join(builder.data_dir, "dataset_info.json")):
        return  # prepared earlier
    family = name.split("/")[0]
    urls = list(builder.url_infos or {})
    reason = download.probe(urls[0], timeout) if urls else None
    if reason is not None:
        hint = KNOWN_BROKEN.get(family, "Connect to the internet, or use the course's offline data.")
        raise download.DownloadError(f"{name} is not downloaded here and cannot be: {urls[0]}: {reason}. {hint}")
    try:
        builder.download_and_prepare()
    except Exception as error:  # tfds raises its own download errors
        hint = KNOWN_BROKEN.get(family, "")
        raise download.DownloadError(f"{name}: tfds could not download it ({type(error).__name__}: "
                                     f"{str(error)[:300]}). {hint}".strip()) from error


def load_tfds_images(name: str, split: str, *, key: str = "image", limit: int | None = None,
                data_dir: str | os.PathLike | None = None, timeout: float = 3.0) -> list[np.ndarray]:
    """Images of a tfds dataset as uint8 arrays, downloading it first if needed and possible.

    Args:
        name: the tfds name with its config, e.g. ``"div2k/bicubic_x4"``, ``"cycle_gan/apple2orange"``.
        split: a tfds split, e.g. ``"validation"``, ``"trainA"``, ``"train[:100]"``.
        key: the image feature (``"hr"``/``"lr"`` for DIV2K, ``"image"`` for cycle_gan).
        limit: at most this many images; ``None`` for all.
        data_dir: where tfds keeps datasets (default: tfds's, ``~/tensorflow_datasets``).
        timeout: seconds the download server has to answer (the check takes at most twice that).

    Returns:
        The images, each ``(height, width, 3)`` uint8 (sizes may differ).

    Raises:
        gankit.download.DownloadError: not prepared here and not downloadable (offline, the server
            does not answer, a known broken source), with what to do instead.
        RuntimeError: if tensorflow-datasets is not installed.
        ValueError: on a bad ``limit`` or ``timeout``, or a ``key`` the dataset does not have.
    """
    limit = checks.integer(limit, "limit", minimum=1, optional=True)
    timeout = checks.number(timeout, "timeout", positive=True)
    tfds = _tfds()
    builder = tfds.builder(name, data_dir=None if data_dir is None else os.fspath(data_dir))
    if key not in builder.info.features:
        raise ValueError(f"{name} has no feature {key!r}; it has {sorted(builder.info.features)}.")
    _prepare(name, builder, timeout)
    dataset = builder.as_dataset(split=split, shuffle_files=False)
    if limit is not None:
        dataset = dataset.take(limit)
    return [np.asarray(example[key], dtype=np.uint8) for example in tfds.as_numpy(dataset)]
