"""Image-quality measures of the super-resolution papers: PSNR and SSIM on the Y channel, border cropped.

SR papers (SRCNN, VDSR, SRResNet/SRGAN, EDSR) report PSNR and SSIM with one protocol, inherited
from MATLAB: quantize the output to 8 bits, convert RGB to the luma channel Y of ITU-R BT.601
(``rgb2ycbcr``: Y in [16, 235]), crop ``border`` pixels (usually the scale factor) from every side,
and compare with the ground truth on that channel with a peak value of 255. Numbers measured in
another way (on RGB, without the crop, on [0, 1] floats) are not comparable with the papers', so
the course uses this one everywhere and always prints bicubic beside.

The comparison itself is TensorFlow's: ``tf.image.psnr`` and ``tf.image.ssim`` (11x11 Gaussian
window, sigma 1.5, K1 = 0.01, K2 = 0.03) on the Y channel.
"""

from __future__ import annotations

import numpy as np

from gankit import _env  # noqa: F401

import tensorflow as tf

# ITU-R BT.601 luma for RGB in [0, 1], as MATLAB's rgb2ycbcr: Y in [16, 235].
Y_WEIGHTS = np.array([65.481, 128.553, 24.966])
Y_OFFSET = 16.0


def _check_pair(prediction, target) -> tuple[np.ndarray, np.ndarray]:
    pairs = []
    for name, images in (("prediction", prediction), ("target", target)):
        x = np.asarray(images)
        if x.dtype == np.uint8:
            x = x.astype("float64") / 255.0
        elif not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"{name} must be uint8 or floats in [0, 1], got {x.dtype}.")
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[-1] not in (1, 3):
            raise ValueError(f"{name} must be (height, width, 3) or (n, height, width, 3) (or 1 channel), got {np.shape(images)}.")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} contains NaN or infinite values.")
        if x.min() < -1e-6 or x.max() > 1 + 1e-6:
            raise ValueError(
                f"{name} must lie in [0, 1] (got [{x.min():.3f}, {x.max():.3f}]); "
                "map a tanh output with (x + 1) / 2 first."
            )
        pairs.append(np.clip(x, 0.0, 1.0))
    if pairs[0].shape != pairs[1].shape:
        raise ValueError(f"prediction {pairs[0].shape} and target {pairs[1].shape} must have the same shape.")
    return pairs[0], pairs[1]


def rgb_to_y(images, quantize: bool = True) -> np.ndarray:
    """The luma channel Y (BT.601, MATLAB ``rgb2ycbcr``) of RGB images in [0, 1].

    Args:
        images: ``(..., 3)`` RGB in [0, 1] (or ``(..., 1)`` grey, returned as is on the same scale).
        quantize: round the RGB values to 8 bits first, as a saved output image would be.

    Returns:
        ``(..., 1)`` float64 Y in [16, 235] (grey images: in [0, 255]).
    """
    x = np.asarray(images, dtype="float64")
    if quantize:
        x = np.round(x * 255.0) / 255.0
    if x.shape[-1] == 1:
        return x * 255.0
    return (x @ Y_WEIGHTS + Y_OFFSET)[..., None]


def _y_pair(prediction, target, border: int, quantize: bool) -> tuple[tf.Tensor, tf.Tensor]:
    if isinstance(border, bool) or not isinstance(border, (int, np.integer)) or border < 0:
        raise ValueError(f"border must be a non-negative integer, got {border!r}.")
    p, t = _check_pair(prediction, target)
    height, width = p.shape[1:3]
    if min(height, width) - 2 * border < 11:
        raise ValueError(
            f"images of {height}x{width} leave less than 11x11 pixels after cropping {border} on each side "
            "(SSIM's window is 11x11): use larger images or a smaller border."
        )
    crop = (slice(None), slice(border, height - border), slice(border, width - border))
    return (tf.constant(rgb_to_y(p, quantize)[crop], "float32"), tf.constant(rgb_to_y(t, quantize)[crop], "float32"))


def psnr_y(prediction, target, border: int = 4, quantize: bool = True) -> np.ndarray:
    """PSNR in dB on the Y channel with ``border`` pixels cropped, one value per image.

    Args:
        prediction: images ``(n, h, w, 3)`` or ``(h, w, 3)``, uint8 or floats in [0, 1].
        target: the ground truth, same shape.
        border: pixels cropped from each side (the papers use the scale factor, e.g. 4 for x4).
        quantize: round both to 8 bits first (the papers measure saved 8-bit images).

    Returns:
        ``(n,)`` PSNR values (``inf`` where the images are identical).

    Raises:
        ValueError: on mismatched shapes, values outside [0, 1], NaNs, or images too small after the crop.
    """
    p, t = _y_pair(prediction, target, border, quantize)
    return tf.image.psnr(p, t, max_val=255.0).numpy().astype("float64")


def ssim_y(prediction, target, border: int = 4, quantize: bool = True) -> np.ndarray:
    """SSIM on the Y channel with ``border`` pixels cropped, one value per image (see :func:`psnr_y`)."""
    p, t = _y_pair(prediction, target, border, quantize)
    return tf.image.ssim(p, t, max_val=255.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03).numpy().astype("float64")
