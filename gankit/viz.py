"""Pictures of a GAN at work: sample grids, training curves, and a GIF of fixed-z samples.

All functions take images in the generator's range, [-1, 1] (``tanh`` output) unless told
otherwise (:func:`tile`'s ``value_range``, e.g. ``(0, 1)`` for a sigmoid generator), shaped
``(n, height, width, channels)`` or ``(n, height, width)``. :func:`tile` is the course's one tiling
function: the TensorBoard sample grid (:mod:`gankit.train.tensorboard`) uses it too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

import matplotlib.pyplot as plt

from gankit import checks


def _to_unit(images: np.ndarray, value_range: tuple[float, float] = (-1.0, 1.0), clip: bool = False) -> np.ndarray:
    """Checks ``images`` and maps ``value_range`` to [0, 1]; returns ``(n, h, w)`` or ``(n, h, w, 3)``.

    With ``clip``, values outside the range (or not finite) are clipped instead of refused."""
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}.")
    images = np.asarray(images, dtype="float32")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ValueError(
            f"images must be (n, h, w), (n, h, w, 1) or (n, h, w, 3); got shape {images.shape}."
        )
    if clip:
        images = np.nan_to_num(images, nan=low, posinf=high, neginf=low)
    elif not np.all(np.isfinite(images)):
        raise ValueError("images contain NaN or infinite values; check the generator's output.")
    slack = 0.0005 * (high - low)
    if not clip and (images.min() < low - slack or images.max() > high + slack):
        raise ValueError(
            f"images must be in [{low:g}, {high:g}] (the generator's range{', tanh' if (low, high) == (-1, 1) else ''}); "
            f"got [{images.min():.3g}, {images.max():.3g}]."
        )
    return np.clip((images - low) / (high - low), 0.0, 1.0)


def tile(images: np.ndarray, rows: int, cols: int, pad: int = 1, value_range: tuple[float, float] = (-1.0, 1.0),
         clip: bool = False) -> np.ndarray:
    """Arranges ``rows * cols`` images in one array, row by row, with ``pad`` pixels between.

    Args:
        images: ``(n, h, w[, c])`` in ``value_range``, ``n >= rows * cols``.
        rows, cols: grid size.
        pad: gap between images, in pixels (drawn white).
        value_range: the images' ``(low, high)``, mapped to black and white: ``(-1, 1)`` for a
            ``tanh`` generator, ``(0, 1)`` for a sigmoid one (``gan.image_range``).
        clip: clip values outside ``value_range`` (an unbounded generator's) instead of refusing them.

    Returns:
        ``(rows*(h+pad)-pad, cols*(w+pad)-pad[, 3])`` in [0, 1].

    Raises:
        ValueError: on bad images, ``rows``/``cols`` not positive integers, or a negative ``pad``.
    """
    rows, cols = checks.integer(rows, "rows", minimum=1), checks.integer(cols, "cols", minimum=1)
    pad = checks.integer(pad, "pad", minimum=0)
    unit = _to_unit(images, value_range, clip)
    if len(unit) < rows * cols:
        raise ValueError(f"need {rows * cols} images for a {rows}x{cols} grid, got {len(unit)}.")
    h, w = unit.shape[1:3]
    shape = (rows * (h + pad) - pad, cols * (w + pad) - pad) + unit.shape[3:]
    canvas = np.ones(shape, dtype="float32")
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        canvas[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = unit[i]
    return canvas


def show_grid(
    images: np.ndarray,
    rows: int = 5,
    cols: int = 5,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    scale: float = 0.5,
    ax=None,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
):
    """Shows images as a grid (the classic example's 5x5 sample sheet) and optionally saves it as PNG.

    Args:
        images: ``(n, h, w[, c])`` in [-1, 1].
        rows, cols: grid size.
        title: figure title.
        path: save the figure here too.
        scale: inches per image.
        ax: draw into this matplotlib axis instead of a new figure.
        row_labels, col_labels: a label for each row (left) or column (top), e.g. the class a
            conditional generator was asked for in each row.

    Returns:
        The matplotlib figure.

    Raises:
        ValueError: if there are too few images, or a label list does not match the grid.
    """
    for labels, count, name in ((row_labels, rows, "row_labels"), (col_labels, cols, "col_labels")):
        if labels is not None and len(labels) != count:
            raise ValueError(f"{name} needs {count} labels, got {len(labels)}.")
    scale = checks.number(scale, "scale", positive=True)
    canvas = tile(images, rows, cols)
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(2.0, cols * scale), max(2.0, rows * scale)))
    else:
        fig = ax.figure
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    if row_labels is None and col_labels is None:
        ax.axis("off")
    else:  # labels as ticks at the centre of each row / column, no frame
        h, w = np.shape(images)[1:3]
        ax.set_yticks([r * (h + 1) + h / 2 for r in range(rows)] if row_labels is not None else [])
        ax.set_yticklabels([str(label) for label in row_labels] if row_labels is not None else [])
        ax.set_xticks([c * (w + 1) + w / 2 for c in range(cols)] if col_labels is not None else [])
        ax.set_xticklabels([str(label) for label in col_labels] if col_labels is not None else [])
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
    if title:
        ax.set_title(title)
    if path is not None:
        fig.savefig(path, bbox_inches="tight")
    return fig


def show_crops(
    columns: Mapping[str, Sequence[np.ndarray]],
    boxes: Sequence[tuple[int, int, int]],
    row_labels: Sequence[str] | None = None,
    size: float = 2.2,
    title: str | None = None,
):
    """Side-by-side crops of photos: one column per method, one row per photo.

    Args:
        columns: ``{method: [photo (h, w, 3) floats in [0, 1] or uint8, one per row]}``, e.g.
            ``{"bicubic": [...], "SRResNet": [...], "original": [...]}``.
        boxes: one ``(top, left, side)`` square per row, in pixels.
        row_labels: a name per row (shown on the left).
        size: inches per crop.
        title: figure title.

    Returns:
        The matplotlib figure.

    Raises:
        ValueError: if a column has the wrong number of photos, or a box falls outside a photo.
    """
    if not columns:
        raise ValueError("columns is empty.")
    size = checks.number(size, "size", positive=True)
    rows = len(boxes)
    if row_labels is not None and len(row_labels) != rows:
        raise ValueError(f"row_labels needs {rows} labels, got {len(row_labels)}.")
    fig, axes = plt.subplots(rows, len(columns), figsize=(size * len(columns), size * rows), squeeze=False)
    for c, (name, photos) in enumerate(columns.items()):
        if len(photos) != rows:
            raise ValueError(f"column {name!r} has {len(photos)} photos for {rows} boxes.")
        for r, ((top, left, side), photo) in enumerate(zip(boxes, photos)):
            photo = np.asarray(photo)
            photo = photo / 255.0 if photo.dtype == np.uint8 else photo
            if top < 0 or left < 0 or top + side > photo.shape[0] or left + side > photo.shape[1]:
                raise ValueError(f"box {(top, left, side)} falls outside a {photo.shape[0]}x{photo.shape[1]} photo.")
            ax = axes[r, c]
            ax.imshow(np.clip(photo[top : top + side, left : left + side], 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(name)
            if c == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[r])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history: Mapping[str, Sequence[float]], title: str | None = None, loss=None):
    """Plots a GAN's training curves from :meth:`gankit.train.GANTrainer.logs`.

    Three panels against the training step: the D and G losses; D's accuracy on real and on fake
    images; mean D(x) and D(G(z)). For the cross-entropy objectives D's outputs are probabilities:
    their panel spans [0, 1] and marks the equilibrium 1/2 (and the loss panel D's loss there,
    log 2); for score objectives (least squares, hinge, Wasserstein) the panels follow the scores.

    Args:
        history: ``{"step": ..., "d_loss": ..., "g_loss": ..., "d_acc_real": ..., ...}``.
        title: figure title.
        loss: the run's objective (``gan.loss``, a :class:`gankit.losses.GANLoss` or its name);
            ``None``: a cross-entropy objective.

    Returns:
        The matplotlib figure.
    """
    missing = [k for k in ("step", "d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real", "d_fake") if k not in history]
    if missing:
        raise ValueError(f"history lacks {missing}; pass gan.logs() from a gankit.train.GANTrainer.")
    from gankit import losses

    probabilities = loss is None or losses.get(loss).output in ("probability", "logit")
    step = np.asarray(history["step"])
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
    axes[0].plot(step, history["d_loss"], label="D loss")
    axes[0].plot(step, history["g_loss"], label="G loss")
    if probabilities:
        axes[0].axhline(np.log(2), color="gray", ls=":", lw=1, label="log 2 (D at 1/2)")
    axes[0].set_title("losses")
    axes[1].plot(step, history["d_acc_real"], label="D accuracy on real")
    axes[1].plot(step, history["d_acc_fake"], label="D accuracy on fake")
    axes[1].set_ylim(-0.02, 1.02)
    axes[1].set_title("discriminator accuracy")
    axes[2].plot(step, history["d_real"], label="mean D(x)")
    axes[2].plot(step, history["d_fake"], label="mean D(G(z))")
    if probabilities:
        axes[2].axhline(0.5, color="gray", ls=":", lw=1, label="1/2 (equilibrium)")
        axes[2].set_ylim(-0.02, 1.02)
    axes[2].set_title("discriminator outputs" if probabilities else "critic scores")
    return _finish(fig, axes, title)


def _finish(fig, axes, title: str | None):
    """Labels every panel's step axis, adds legends and grids, the title, and lays the figure out."""
    for ax in np.ravel(axes):
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_runs(
    runs: Mapping[str, Sequence[Mapping[str, Sequence[float]]]],
    keys: Sequence[str] = ("d_real", "d_fake"),
    title: str | None = None,
    ylim: tuple[float, float] | None = (-0.02, 1.02),
):
    """Curves of several runs per label (e.g. per generator cost): the mean over runs, ± one std.

    Args:
        runs: ``{label: [history, history, ...]}`` with histories from ``CombinedGAN.logs()``
            (all runs of a label logged at the same steps).
        keys: one panel per history key, e.g. ``("d_real", "d_fake")``.
        title: figure title.
        ylim: y range of every panel (``None``: automatic).

    Returns:
        The matplotlib figure.
    """
    if not runs or any(len(histories) == 0 for histories in runs.values()):
        raise ValueError("runs must map each label to a non-empty list of histories.")
    fig, axes = plt.subplots(1, len(keys), figsize=(5.2 * len(keys), 3.2), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for label, histories in runs.items():
            if any(key not in h or "step" not in h for h in histories):
                raise ValueError(f"every history needs 'step' and {key!r}; pass gan.logs().")
            values = np.asarray([h[key] for h in histories], dtype="float64")  # (runs, points)
            step = np.asarray(histories[0]["step"])
            mean, std = values.mean(axis=0), values.std(axis=0)
            (line,) = ax.plot(step, mean, label=f"{label} ({len(histories)} runs)")
            ax.fill_between(step, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        if key in ("d_real", "d_fake"):
            ax.axhline(0.5, color="gray", ls=":", lw=1)
        ax.set_title({"d_real": "mean D(x)", "d_fake": "mean D(G(z))"}.get(key, key))
        if ylim is not None:
            ax.set_ylim(*ylim)
    return _finish(fig, axes, title)


def show_points(
    sets: Mapping[str, np.ndarray],
    centres: np.ndarray | None = None,
    lim: float = 2.6,
    title: str | None = None,
):
    """Scatter plots of 2-D point sets side by side (e.g. real ring data and each model's samples).

    Args:
        sets: ``{label: points (n, 2)}``.
        centres: mode centres ``(k, 2)`` to mark, or ``None``.
        lim: axes run from ``-lim`` to ``lim``.
        title: figure title.

    Returns:
        The matplotlib figure.
    """
    if not sets:
        raise ValueError("sets must hold at least one (n, 2) array.")
    lim = checks.number(lim, "lim", positive=True)
    fig, axes = plt.subplots(1, len(sets), figsize=(3.0 * len(sets), 3.1), squeeze=False)
    for ax, (label, points) in zip(axes[0], sets.items()):
        points = np.asarray(points)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"{label}: points must be (n, 2), got {points.shape}.")
        ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4)
        if centres is not None:
            ax.scatter(centres[:, 0], centres[:, 1], s=30, marker="x", color="red")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def save_gif(
    frames: Sequence[np.ndarray],
    path: str | os.PathLike,
    rows: int = 5,
    cols: int = 5,
    duration: float = 0.15,
    upscale: int = 3,
) -> Path:
    """Writes a GIF with one grid per frame, e.g. fixed-z samples over training.

    Args:
        frames: each ``(n, h, w[, c])`` in [-1, 1].
        path: the GIF's path (parent folders are created).
        rows, cols: grid size per frame.
        duration: seconds per frame.
        upscale: integer pixel upscaling so small digits stay visible.

    Returns:
        The path written.

    Raises:
        ValueError: if there are no frames, or ``duration``/``upscale`` are not positive.
    """
    import imageio.v2 as imageio

    if not frames:
        raise ValueError("no frames to write: train with gk.train.FixedNoiseSnapshots first.")
    duration = checks.number(duration, "duration", positive=True)
    upscale = checks.integer(upscale, "upscale", minimum=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures = []
    for frame in frames:
        canvas = tile(frame, rows, cols)
        canvas = np.kron(canvas, np.ones((upscale, upscale) + (1,) * (canvas.ndim - 2)))
        pictures.append((canvas * 255).round().astype("uint8"))
    imageio.mimsave(path, pictures, duration=duration, loop=0)
    return path


def show_gif(path: str | os.PathLike):
    """Displays a GIF inline in a notebook (as an embedded image, so it survives on GitHub)."""
    from IPython.display import Image

    return Image(filename=str(path))
