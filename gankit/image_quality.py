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

import keras
import numpy as np
import tensorflow as tf

from gankit import checks
from gankit.curves import Curve

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
    checks.integer(border, "border", minimum=0)
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


def detail_ratio(prediction, target, sigma: float = 1.5, border: int = 4) -> np.ndarray:
    """How much fine detail an image has, relative to the ground truth: a blur meter.

    The detail of an image is the standard deviation of its Y channel minus a Gaussian blur of
    it (its high frequencies). The ratio is that of ``prediction`` over that of ``target``: about
    1 when the output is as detailed as the photo, below 1 when it is blurred (bicubic at x4 is
    about 0.4). It says nothing about whether the detail is *right*: noise scores high too, so
    report it beside PSNR, never alone. A simple stand-in for the "perception" axis of the
    perception-distortion trade-off (Blau and Michaeli, 2018), which needs no pretrained network.

    Args:
        prediction: images ``(n, h, w, 3)`` or ``(h, w, 3)``, uint8 or floats in [0, 1].
        target: the ground truth, same shape.
        sigma: the Gaussian blur's standard deviation, in pixels.
        border: pixels cropped from each side first.

    Returns:
        ``(n,)`` ratios.

    Raises:
        ValueError: as :func:`psnr_y`, or if ``sigma`` is not positive.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}.")
    p, t = _y_pair(prediction, target, border, quantize=True)
    radius = int(np.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel = tf.constant(np.outer(taps, taps)[:, :, None, None] / taps.sum() ** 2, tf.float32)

    def detail(y):
        blurred = tf.nn.conv2d(y, kernel, strides=1, padding="VALID")
        return tf.math.reduce_std(y[:, radius:-radius, radius:-radius] - blurred, axis=[1, 2, 3])

    return (detail(p) / tf.maximum(detail(t), 1e-6)).numpy().astype("float64")


def evaluate_sr(upscale, lr_images, hr_images, border: int = 4, names=None) -> dict:
    """Scores a super-resolution method on whole held-out photos, one image at a time.

    Args:
        upscale: a function (or Keras model) from one LR batch ``(1, h, w, 3)`` in [0, 1] to
            ``(1, scale*h, scale*w, 3)``; outputs are clipped to [0, 1].
        lr_images: list of LR photos ``(h, w, 3)`` floats in [0, 1] (sizes may differ).
        hr_images: list of their HR originals.
        border: pixels cropped from each side (the scale factor).
        names: optional names of the photos, for the per-photo entries.

    Returns:
        ``{"psnr", "ssim", "detail"}`` means over the photos, ``"per_photo"``:
        ``{name: {"psnr", "ssim", "detail"}}``, and ``"outputs"``: the clipped outputs.

    Raises:
        ValueError: if the lists differ in length or an output has the wrong size.
    """
    if len(lr_images) != len(hr_images) or not len(lr_images):
        raise ValueError(f"need as many LR as HR photos (at least one), got {len(lr_images)} and {len(hr_images)}.")
    names = list(names) if names is not None else [str(i) for i in range(len(hr_images))]
    outputs, per_photo = [], {}
    for name, lr, hr in zip(names, lr_images, hr_images):
        out = np.asarray(_to_numpy(upscale(np.asarray(lr, "float32")[None])))[0]
        if out.shape != np.shape(hr):
            raise ValueError(f"{name}: the method returned shape {out.shape}, the HR photo is {np.shape(hr)}.")
        if not np.all(np.isfinite(out)):
            raise ValueError(f"{name}: the method returned NaN or infinite values.")
        out = np.clip(out, 0.0, 1.0)
        outputs.append(out)
        per_photo[name] = {
            "psnr": float(psnr_y(out, hr, border)[0]),
            "ssim": float(ssim_y(out, hr, border)[0]),
            "detail": float(detail_ratio(out, hr, border=border)[0]),
        }
    means = {key: float(np.mean([row[key] for row in per_photo.values()])) for key in ("psnr", "ssim", "detail")}
    return {**means, "per_photo": per_photo, "outputs": outputs}


def _to_numpy(value) -> np.ndarray:
    """A model's output as a NumPy array (tensors, NumPy arrays, or lists of one)."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


class PSNRCurve(Curve):
    """Measures PSNR on held-out photos during ``fit``, for a learning curve.

    At the end of every ``every`` epochs it upscales each LR photo with the model being trained
    (its ``generator`` attribute if it has one, e.g. an SRGAN trainer) in inference mode.
    Watch it, don't choose a model by it: the photos are the test set.

    Args:
        lr_images, hr_images: as :func:`evaluate_sr`.
        every: measure every ``every`` epochs.
        border: border crop, the scale factor.

    Attributes:
        steps, seconds: the model's training step and seconds at each measurement (see
            :class:`gankit.curves.Curve`).
        psnr, ssim: the mean over the photos at each measurement.
    """

    def __init__(self, lr_images, hr_images, every: int = 1, border: int = 4) -> None:
        super().__init__(every=every)
        if len(lr_images) != len(hr_images) or not len(lr_images):
            raise ValueError("need as many LR as HR photos, at least one.")
        self.lr_images, self.hr_images, self.border = list(lr_images), list(hr_images), border
        self.series.update(psnr=[], ssim=[])

    def measure(self, model: keras.Model) -> dict[str, float]:
        network = getattr(model, "generator", model)
        scores = evaluate_sr(lambda x: network(x, training=False), self.lr_images, self.hr_images, self.border)
        return {"psnr": scores["psnr"], "ssim": scores["ssim"]}
