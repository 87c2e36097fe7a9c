"""Real photographs for super-resolution, offline, with a fixed and named held-out test set.

Sources (all real photographs, all on disk after ``make setup``, no download):

* scikit-image's sample images (``skimage/data/``): the **held-out test set**
  :data:`TEST_PHOTOS` (astronaut, chelsea, coffee: lossless PNGs, never used for training) and
  five training photos (rocket, hubble_deep_field, motorcycle_left and _right, ihc);
* matplotlib's ``grace_hopper.jpg`` (training);
* if installed, Debian's ``mate-backgrounds`` nature photos (12 JPEGs up to 2560x1920; training),
  and any ``*.png`` / ``*.jpg`` in ``$GANKIT_PHOTO_DIR`` (training).

The two motorcycle images are a stereo pair (nearly the same scene): both are in the training
split, so no view of a test scene is ever trained on. :func:`load_photos` checks that no training
photo has the content of a test photo.

Super-resolution pairs are made as in the SR papers: a high-resolution (HR) crop, and its
low-resolution (LR) input by bicubic downscaling (:func:`downscale`, antialiased).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from gankit import checks

SPLITS = ("train", "test")
TEST_PHOTOS = ("astronaut", "chelsea", "coffee")
"""The held-out photos (scikit-image PNGs) on which every SR number of the course is measured."""
SKIMAGE_TRAIN = {
    "rocket": "rocket.jpg",
    "hubble_deep_field": "hubble_deep_field.jpg",
    "motorcycle_left": "motorcycle_left.png",
    "motorcycle_right": "motorcycle_right.png",
    "ihc": "ihc.png",
}
SKIMAGE_TEST = {name: f"{name}.png" for name in TEST_PHOTOS}
MATE_DIR = Path("/usr/share/backgrounds/mate/nature")


def _skimage_data_dir() -> Path:
    try:
        import skimage.data
    except ImportError:
        raise RuntimeError(
            "The course's photos come with scikit-image, which is not installed: run `make setup` "
            "(or `pip install scikit-image==0.25.2`)."
        ) from None
    return Path(skimage.data.__file__).parent


def _matplotlib_photo() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"


def _read_rgb(path: Path) -> np.ndarray | None:
    """An RGB uint8 photo ``(h, w, 3)``, or ``None`` if the file is not a readable colour image."""
    import imageio.v3 as iio

    try:
        image = np.asarray(iio.imread(path))
    except Exception:  # a broken or unreadable file is skipped, never deleted
        return None
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (3, 4):
        return None
    return np.ascontiguousarray(image[..., :3])


def _fingerprint(image: np.ndarray) -> str:
    return hashlib.sha1(image.tobytes()).hexdigest()


def _sources(split: str) -> dict[str, Path]:
    folder = _skimage_data_dir()
    if split == "test":
        return {name: folder / file for name, file in SKIMAGE_TEST.items()}
    paths = {name: folder / file for name, file in SKIMAGE_TRAIN.items()}
    paths["grace_hopper"] = _matplotlib_photo()
    extra = [MATE_DIR] + ([Path(os.environ["GANKIT_PHOTO_DIR"])] if os.environ.get("GANKIT_PHOTO_DIR") else [])
    for directory in extra:
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
                    paths.setdefault(f"{directory.name}/{path.stem}", path)
    return paths


def load_photos(split: str = "train", verbose: bool = True, max_side: int | None = None) -> dict[str, np.ndarray]:
    """The course's photos of one split, by name.

    Args:
        split: ``"train"`` or ``"test"`` (the held-out :data:`TEST_PHOTOS`).
        verbose: print what was found.
        max_side: if given, photos whose longer side is larger are shrunk (antialiased bicubic)
            to that size. Large wallpapers are mostly smooth at full size; shrunk, a training
            crop holds as much detail as a crop of the test photos (and JPEG artefacts fade).

    Returns:
        ``{name: uint8 RGB (h, w, 3)}``, in a fixed order.

    Raises:
        ValueError: on an unknown split.
        RuntimeError: if scikit-image is missing, a test photo cannot be read, or a training photo
            has the same content as a test photo.
    """
    checks.choice(split, "split", SPLITS)
    checks.integer(max_side, "max_side", minimum=16, optional=True)
    photos = {}
    for name, path in _sources(split).items():
        image = _read_rgb(path) if path.exists() else None
        if image is None:
            if split == "test":
                raise RuntimeError(f"held-out photo {name!r} is missing or unreadable at {path}: reinstall scikit-image.")
            continue
        photos[name] = image
    if split == "train":
        test = {_fingerprint(image) for image in load_photos("test", verbose=False).values()}
        leaked = [name for name, image in photos.items() if _fingerprint(image) in test]
        if leaked:
            raise RuntimeError(f"training photos {leaked} have the content of a held-out test photo; remove them.")
    if max_side is not None:  # after the leak check, which compares the photos as stored
        photos = {name: shrink(image, int(max_side)) for name, image in photos.items()}
    if verbose:
        pixels = sum(image.shape[0] * image.shape[1] for image in photos.values()) / 1e6
        print(f"{split} photos: {len(photos)} ({pixels:.1f} Mpixels): {', '.join(photos)}")
    return photos


def shrink(image: np.ndarray, max_side: int) -> np.ndarray:
    """Resizes ``image`` (uint8) so that its longer side is at most ``max_side``, keeping the aspect."""
    import tensorflow as tf

    height, width = image.shape[:2]
    if max(height, width) <= max_side:
        return image
    factor = max_side / max(height, width)
    size = (max(1, round(height * factor)), max(1, round(width * factor)))
    small = tf.image.resize(tf.constant(image, tf.float32), size, method="bicubic", antialias=True)
    return np.clip(np.round(small.numpy()), 0, 255).astype("uint8")


def downscale(images, scale: int):
    """Bicubic, antialiased downscaling by an integer factor, the SR papers' way of making LR inputs.

    Args:
        images: ``(n, h, w, c)`` or ``(h, w, c)`` floats in [0, 1], ``h`` and ``w`` multiples of ``scale``.
        scale: the factor, e.g. 4.

    Returns:
        ``(n, h / scale, w / scale, c)`` (or unbatched) float32 in [0, 1].

    Raises:
        ValueError: if the size is not a multiple of ``scale``.
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images, tf.float32)
    height, width = images.shape[-3], images.shape[-2]
    if height is not None and width is not None and (height % scale or width % scale):
        raise ValueError(f"image size {height}x{width} is not a multiple of scale {scale}: crop it first (crop_to_multiple).")
    small = tf.image.resize(images, (height // scale, width // scale), method="bicubic", antialias=True)
    return tf.clip_by_value(small, 0.0, 1.0)


def crop_to_multiple(image: np.ndarray, scale: int) -> np.ndarray:
    """Crops the bottom and right edges so that height and width are multiples of ``scale``."""
    height, width = image.shape[0] - image.shape[0] % scale, image.shape[1] - image.shape[1] % scale
    return image[:height, :width]


def detail(images):
    """Mean absolute step between neighbouring pixels of the luma (ITU-R BT.601), per image.

    A cheap measure of fine detail, used by :func:`sr_dataset` to skip flat windows: 0 for a
    constant or slowly varying image, about 0.02 for a typical window of the course's photos.

    Args:
        images: (batch, height, width, 3) float RGB in [0, 1].

    Returns:
        (batch,) float32.
    """
    import tensorflow as tf

    from gankit.image_quality import Y_WEIGHTS  # BT.601 on the [16, 235] scale; / 219 gives luma in [0, 1]

    images = tf.convert_to_tensor(images, tf.float32)
    luma = tf.tensordot(images, tf.constant(Y_WEIGHTS / 219.0, tf.float32), axes=1)  # (batch, h, w)
    rows = tf.reduce_mean(tf.abs(luma[:, 1:, :] - luma[:, :-1, :]), axis=[1, 2])
    columns = tf.reduce_mean(tf.abs(luma[:, :, 1:] - luma[:, :, :-1]), axis=[1, 2])
    return rows + columns


def _patch_keys(photo_key, step, tries: int) -> tuple:
    """The stateless seeds of one patch: ``(crop, flip, rotation, [more windows])``, all distinct.

    As :class:`gankit.train.noise.NoiseStream`: the step is folded into the photo's key, and the
    result split into one key per random choice (never ``key + 1``: that is another step's key).
    """
    import tensorflow as tf

    crop, flip, turn, more = tf.unstack(tf.random.experimental.stateless_split(
        tf.random.experimental.stateless_fold_in(photo_key, step), num=4))
    windows = tf.unstack(tf.random.experimental.stateless_split(more, num=tries - 1)) if tries > 1 else []
    return crop, flip, turn, windows


def _patch_stream(image: np.ndarray, photo_key, crop: int, min_detail: float, tries: int):
    """An infinite dataset of augmented (crop, crop, 3) float patches of one photo (see :func:`sr_dataset`).

    ``photo_key`` is the photo's stateless seed ``(2,)`` int64 (:func:`_photo_keys`).
    """
    import tensorflow as tf

    image = tf.constant(image)
    photo_key = tf.constant(photo_key, tf.int64)

    def window(key):
        return tf.image.stateless_random_crop(image, (crop, crop, 3), seed=key)

    def patch(step):
        crop_key, flip_key, turn_key, window_keys = _patch_keys(photo_key, step, tries)
        hr = window(crop_key)
        if min_detail > 0:  # more windows, each with its own key; the first that passes
            windows = tf.stack([hr, *(window(key) for key in window_keys)])   # (tries, crop, crop, 3)
            details = detail(tf.cast(windows, tf.float32) / 255.0)              # (tries,)
            passing = details >= min_detail
            pick = tf.where(tf.reduce_any(passing), tf.argmax(tf.cast(passing, tf.int32)), tf.argmax(details))
            hr = windows[pick]
        hr = tf.image.stateless_random_flip_left_right(hr, seed=flip_key)
        turns = tf.random.stateless_uniform((), seed=turn_key, maxval=4, dtype=tf.int32)
        return tf.cast(tf.image.rot90(hr, turns), tf.float32) / 255.0

    return tf.data.Dataset.counter().map(patch)


def _photo_keys(seed: int, count: int) -> np.ndarray:
    """One stateless seed ``(2,)`` per photo, ``(count, 2)`` int64, spawned from ``seed``
    (``numpy.random.SeedSequence``): no photo of one seed shares a stream with a photo of another."""
    children = np.random.SeedSequence(seed).spawn(count)
    return np.stack([child.generate_state(2, np.uint64) >> np.uint64(1) for child in children]).astype(np.int64)


def sr_dataset(
    photos: dict[str, np.ndarray],
    crop: int = 96,
    scale: int = 4,
    batch_size: int = 16,
    seed: int = 0,
    min_detail: float = 0.0,
    tries: int = 8,
):
    """An infinite, deterministic ``tf.data`` pipeline of (LR, HR) training pairs from ``photos``.

    Each HR patch is a random ``crop x crop`` window of one photo (photos drawn in proportion to
    their area), randomly flipped and rotated by multiples of 90 degrees; its LR input is
    :func:`downscale` of it. Flat windows (sky, bokeh, a blank wall) teach a super-resolution
    network nothing, so with ``min_detail`` > 0 each patch is the first of ``tries`` random
    windows whose :func:`detail` is at least ``min_detail`` (the most detailed of them when none
    is); with 0 it is the first window, as before. The test is on detail, not
    on variance: a smooth sky gradient has a large variance and no detail.

    Args:
        photos: ``{name: uint8 RGB}``, e.g. ``load_photos("train")``; never the test split.
        crop: HR patch size, a multiple of ``scale``.
        scale: downscaling factor.
        batch_size: patches per batch.
        seed: seed of the crops, flips and photo choice.
        min_detail: least :func:`detail` of a kept window; 0 (the default) keeps the first window,
            as before this option existed. On the course's photos 0.01 rejects about 30% of
            windows, the visibly flat ones.
        tries: windows drawn per patch, at least 1; it bounds the work, so a flat photo cannot
            stall the pipeline.

    Returns:
        Batches ``(lr (b, crop / scale, crop / scale, 3), hr (b, crop, crop, 3))``, float32 in [0, 1].

    Raises:
        ValueError: on bad sizes, or a photo smaller than ``crop``.
    """
    import tensorflow as tf

    for value, label, least in (
        (crop, "crop", 1), (scale, "scale", 1), (batch_size, "batch_size", 1), (seed, "seed", 0), (tries, "tries", 1)
    ):
        checks.integer(value, label, minimum=least)
    if tries > 64:
        raise ValueError(f"tries={tries} is more than 64 windows per patch; a few (8) are enough.")
    if not 0.0 <= float(min_detail) < 1.0:
        raise ValueError(f"min_detail={min_detail!r} must be in [0, 1): a mean absolute luma step per pixel.")
    if crop % scale:
        raise ValueError(f"crop ({crop}) must be a multiple of scale ({scale}).")
    if not photos:
        raise ValueError("photos is empty.")
    small = [name for name, image in photos.items() if min(image.shape[:2]) < crop]
    if small:
        raise ValueError(f"photos {small} are smaller than crop={crop}; drop them or use a smaller crop.")

    images = list(photos.values())
    areas = np.array([image.shape[0] * image.shape[1] for image in images], dtype="float64")
    keys = _photo_keys(seed, len(images))
    streams = [_patch_stream(image, key, crop, min_detail, tries) for image, key in zip(images, keys)]
    mixed = tf.data.Dataset.sample_from_datasets(streams, weights=(areas / areas.sum()).tolist(), seed=seed)
    batches = mixed.batch(batch_size, drop_remainder=True)
    return batches.map(lambda hr: (downscale(hr, scale), hr)).prefetch(tf.data.AUTOTUNE)
