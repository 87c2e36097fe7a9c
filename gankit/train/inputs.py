"""Checks of the training data against the generator, before the first step.

The commonest learner mistake is images in 0..255 (the seed scales by hand) while the generator
draws in [-1, 1] (tanh): training then runs without a warning and never learns. Shapes without
the channel axis fail deep in a traced graph (``ConcatV2``). The dataset's element spec is checked
before training (dtype, shape), and the range and finiteness of the first :data:`CHECKED_BATCHES`
batches of every ``train`` call in the input pipeline, before the steps that use them; the failed
check becomes a ``ValueError`` that says what is wrong and how to fix it.

Only the first batches: a systematic mistake (images in 0..255, NaNs from a bad conversion) shows
in them, and a NaN in a later batch makes a loss NaN, which :class:`gankit.train.NaNGuard` stops
with its own clear error. Checking every batch cost the MLP GAN about 10 % of its steps per second
at batch 64 on a 2-core CPU (``bench/train_loops.py``: 0.84-0.89x of the hand-written loop with
every batch checked, 0.96x without, against a control at 0.93-1.06x).
"""

from __future__ import annotations

import re

import keras
import numpy as np
import tensorflow as tf

# Output ranges of the generator's last activation; None = unbounded (nothing to compare with).
CHECKED_BATCHES = 10
"""How many batches at the start of every ``train`` call the pipeline checks."""

_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0)}
_SLACK = 1e-3


def output_range(generator: keras.Model) -> tuple[float, float] | None:
    """The value range of the generator's images, read from its last activation (None: unbounded)."""
    for layer in reversed(generator._flatten_layers(include_self=False)):
        activation = getattr(layer, "activation", None)
        if isinstance(layer, keras.layers.Activation) or activation is not None:
            name = getattr(activation, "__name__", str(activation))
            return _RANGES.get(name)
    return None


def _scale_hint(low: float, high: float) -> str:
    if high == 1.0 and low == -1.0:
        return "x / 127.5 - 1 (or gk.data.scale_images(x) for uint8 digits)"
    return "x / 255"


MARK = "gankit: real images out of range"


def check_spec(spec, generator: keras.Model) -> None:
    """Checks a dataset's ``element_spec`` (images, or ``(images, labels)``) against the generator.

    Raises:
        ValueError: integer images (e.g. uint8 0..255), or an image shape that differs from the
            generator's output (e.g. a missing channel axis).
    """
    spec = spec[0] if isinstance(spec, (tuple, list)) else spec
    shape, expected = tuple(spec.shape[1:]), tuple(generator.outputs[0].shape[1:])
    if shape != expected:
        hint = " (add the channel axis: x[..., None])" if shape + (1,) == expected else ""
        raise ValueError(f"the real images have shape {shape} but the generator makes {expected}: "
                         f"give the dataset images of the generator's shape{hint}.")
    if not spec.dtype.is_floating:
        raise ValueError(f"the real images are {spec.dtype.name} (0..255?) but the generator makes floats: "
                         "convert and scale them, e.g. with gk.data.scale_images.")


def checked_dataset(dataset: tf.data.Dataset, bounds: tuple[float, float] | None) -> tf.data.Dataset:
    """``dataset`` with its first :data:`CHECKED_BATCHES` batches checked for NaN/inf and their images
    for G's range, in the pipeline.

    The check runs in ``tf.data`` (a ``map`` on the first batches, then the rest of the same
    iteration: same batches, same order, for a deterministic pipeline), so a bad batch fails the
    iterator's ``get_next`` *before* the training step that would use it, whatever the step is
    compiled with (an assertion inside an XLA-compiled step would be dropped). The error is turned
    into a ``ValueError`` by :func:`explain`.

    Args:
        dataset: batches of images ``(batch, *shape)``, or tuples whose first item is the images.
        bounds: ``(low, high)`` of G's images, or ``None`` (then only NaN/inf is checked).
    """
    # Tracing the check takes about half a second: once per dataset (kept on it), not per train().
    key = None if bounds is None else tuple(float(b) for b in bounds)
    cached = getattr(dataset, "_gankit_checked", None)
    if cached is None:
        cached = {}
        try:
            dataset._gankit_checked = cached
        except AttributeError:  # a dataset that takes no attributes: check anew each time
            pass
    if key not in cached:
        cached[key] = _map_check(dataset, bounds)
    return cached[key]


def _map_check(dataset: tf.data.Dataset, bounds: tuple[float, float] | None) -> tf.data.Dataset:
    low, high = bounds if bounds is not None else (-np.inf, np.inf)

    def verify(element: tuple) -> tuple:
        images = tf.cast(element[0], "float32")
        lo, hi = tf.reduce_min(images), tf.reduce_max(images)
        finite = tf.constant(True)
        for part in tf.nest.flatten(element):  # every float tensor of the batch (SRGAN: LR and HR) is finite
            if part.dtype.is_floating:
                finite &= tf.reduce_all(tf.math.is_finite(part))
        ok = finite & (lo >= low - _SLACK) & (hi <= high + _SLACK)
        report = [MARK, lo, hi, tf.cast(finite, "int32")]
        with tf.control_dependencies([tf.debugging.Assert(ok, report, summarize=2)]):
            return (tf.identity(element[0]), *element[1:])

    def check(index, element):  # one iteration of the dataset: the same batches in the same order
        parts = tuple(element) if isinstance(element, tuple) else (element,)
        parts = tf.cond(index < CHECKED_BATCHES, lambda: verify(parts), lambda: parts)
        return tuple(parts) if isinstance(element, tuple) else parts[0]

    return dataset.enumerate().map(check)


def explain(error: Exception, bounds: tuple[float, float] | None) -> ValueError | None:
    """The learner's version of a failed :func:`checked_dataset` check (``None`` for any other error)."""
    if MARK not in str(error):
        return None
    parts = re.findall(r"\[([^\[\]]*)\]", str(error))
    values = parts[parts.index(MARK) + 1:][:3] if MARK in parts else []
    seen = f" range over {values[0]}..{values[1]}" if len(values) >= 2 else " are out of range"
    if "nan" in "".join(values).lower() or "inf" in "".join(values).lower() or values[2:] == ["0"]:
        return ValueError("the training data contain NaN or infinite values: check how the data was loaded.")
    low, high = bounds if bounds is not None else (-np.inf, np.inf)
    return ValueError(
        f"the real images{seen}, but the generator's last activation draws in [{low:g}, {high:g}]: "
        f"D would tell real from fake by range alone. Scale the images, e.g. {_scale_hint(low, high)}.")
