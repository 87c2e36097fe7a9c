"""Two image domains for unpaired translation: MNIST and MNIST-M, built offline.

MNIST-M (Ganin et al., 2016, "Domain-adversarial training of neural networks") is MNIST with
colour: each digit is blended with a random 28x28 crop of a colour photo, ``|crop - digit|``
per channel (the digit binarised to 0/255), so the strokes show the photo's inverted colours
on the photo itself. The original used BSDS500 photos; here they are the course's offline
training photos (:func:`gankit.photos.load_photos`), shrunk to about BSDS500's size.

For *unpaired* translation the two domains must not be two views of the same digits: the
notebook builds MNIST-M from one half of the MNIST training digits and uses the other half as
the MNIST domain (:func:`unpaired_split`), and :func:`unpaired_dataset` shuffles the two
independently.
"""

from __future__ import annotations

import numpy as np

from gankit import checks

PHOTO_SIDE = 320
"""Training photos are shrunk so that their longer side is this (BSDS500 photos are 481x321)."""


def _check_digits(digits) -> np.ndarray:
    digits = np.asarray(digits)
    if digits.ndim == 4 and digits.shape[-1] == 1:
        digits = digits[..., 0]
    if digits.ndim != 3:
        raise ValueError(f"digits must be (n, h, w) or (n, h, w, 1) uint8, got shape {digits.shape}.")
    if digits.dtype != np.uint8:
        raise ValueError(f"digits must be uint8 in [0, 255] (as loaded by gk.data.load_images), got {digits.dtype}.")
    return digits


def mnist_m(digits, photos: dict[str, np.ndarray] | None = None, seed: int = 0) -> np.ndarray:
    """Builds MNIST-M images from MNIST digits, Ganin et al.'s recipe.

    Args:
        digits: ``(n, 28, 28)`` or ``(n, 28, 28, 1)`` uint8 MNIST digits.
        photos: ``{name: uint8 RGB}`` backgrounds; defaults to the course's training photos
            shrunk to :data:`PHOTO_SIDE` (never the SR test photos).
        seed: seed of the photo and crop choice; the same seed gives the same images.

    Returns:
        ``(n, 28, 28, 3)`` uint8: ``|crop - 255 * (digit > 0)|`` for a random crop of a random photo.

    Raises:
        ValueError: on digits that are not uint8 ``(n, h, w[, 1])``, or photos smaller than a digit.
    """
    digits = _check_digits(digits)
    if photos is None:
        from gankit.photos import load_photos

        photos = load_photos("train", verbose=False, max_side=PHOTO_SIDE)
    images = [np.asarray(p) for p in photos.values()]
    height, width = digits.shape[1:]
    if not images or any(p.ndim != 3 or p.shape[2] != 3 or p.shape[0] < height or p.shape[1] < width for p in images):
        raise ValueError(f"photos must be a non-empty dict of RGB images of at least {height}x{width}.")
    rng = np.random.default_rng(seed)
    mask = np.where(digits > 0, 255, 0).astype(np.int16)[..., None]  # (n, h, w, 1)
    out = np.empty(digits.shape + (3,), np.uint8)
    which = rng.integers(0, len(images), len(digits))
    for i, k in enumerate(which):
        photo = images[k]
        top = rng.integers(0, photo.shape[0] - height + 1)
        left = rng.integers(0, photo.shape[1] - width + 1)
        crop = photo[top : top + height, left : left + width].astype(np.int16)
        out[i] = np.abs(crop - mask[i]).astype(np.uint8)
    return out


def unpaired_split(images, labels, seed: int = 0) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Splits a labelled set into two disjoint random halves, one per domain.

    Returns:
        ``((images_a, labels_a), (images_b, labels_b))``: no image is in both halves.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels) or len(images) < 2:
        raise ValueError(f"need as many labels as images (at least 2), got {len(images)} and {len(labels)}.")
    order = np.random.default_rng(seed).permutation(len(images))
    a, b = order[: len(order) // 2], order[len(order) // 2 :]
    return (images[a], labels[a]), (images[b], labels[b])


def to_model_range(images) -> np.ndarray:
    """uint8 ``(n, h, w[, c])`` -> float32 ``(n, h, w, 3)`` in [-1, 1]; grey images are repeated to 3 channels."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {images.dtype}.")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must be (n, h, w), (n, h, w, 1) or (n, h, w, 3), got {images.shape}.")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return images.astype("float32") / 127.5 - 1.0


def to_grey(images) -> np.ndarray:
    """Float images ``(n, h, w, 3)`` in [-1, 1] -> ``(n, h, w, 1)``: the channel mean (for the MNIST classifier)."""
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (n, h, w, 3), got {images.shape}.")
    return images.mean(axis=-1, keepdims=True)


def unpaired_dataset(domain_a, domain_b, batch_size: int = 32, seed: int = 0):
    """An infinite ``tf.data`` pipeline of unpaired batches ``(a, b)``, each domain shuffled on its own.

    Args:
        domain_a, domain_b: float32 ``(n, h, w, c)`` arrays (sizes may differ), e.g. from :func:`to_model_range`.
        batch_size: images per batch from each domain.
        seed: shuffling seed; each domain shuffles with its own seed spawned from it
            (``numpy.random.SeedSequence(seed).spawn(2)``), so that no seed's domain b is shuffled
            like another seed's domain a.

    Returns:
        Batches ``(a (batch, h, w, c), b (batch, h, w, c))``.
    """
    import tensorflow as tf

    checks.integer(batch_size, "batch_size", minimum=1)
    if min(len(domain_a), len(domain_b)) < batch_size:
        raise ValueError(f"each domain needs at least batch_size={batch_size} images.")

    from gankit.data.pipeline import index_batches

    def stream(images, s):  # the same batches for every iterator (each fit call makes one)
        images = tf.constant(np.asarray(images, dtype="float32"))
        return index_batches(len(images), batch_size, s).map(lambda index: tf.gather(images, index))

    seed_a, seed_b = (int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in
                      np.random.SeedSequence(checks.integer(seed, "seed", minimum=0)).spawn(2))  # 63-bit: an int64
    return tf.data.Dataset.zip((stream(domain_a, seed_a), stream(domain_b, seed_b))).prefetch(tf.data.AUTOTUNE)
