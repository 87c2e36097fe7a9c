"""Checkpoints that resume a GAN run exactly: weights, optimizer states, step, history.

A checkpoint is one ``ckpt-<step>.npz`` file per saved step, written under a temporary name and
renamed, so an interrupted save never leaves a half-written file and nothing is overwritten.
Restoring checks the file before it changes a single weight: a corrupt file, or one saved from
another architecture, is a clear error and leaves the models as they were.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np

from gankit.train.callbacks import training_step


def save_checkpoint(gan: keras.Model, directory: str | os.PathLike) -> Path:
    """Saves everything a run needs to resume exactly.

    Args:
        gan: a trainer with ``checkpoint_state()`` (its variables by group), ``seed``, ``log``
            and ``train_seconds`` (the course's trainers).
        directory: the checkpoint folder (created if missing).

    Returns:
        The checkpoint's path, ``directory/ckpt-<step>.npz``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        f"{group}/{i}": keras.ops.convert_to_numpy(v)
        for group, variables in gan.checkpoint_state().items()
        for i, v in enumerate(variables)
    }
    step = training_step(gan)
    meta = {"step": step, "seed": gan.seed, "log": gan.log, "train_seconds": gan.train_seconds}
    arrays["meta"] = np.asarray(json.dumps(meta))
    path = directory / f"ckpt-{step}.npz"
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as handle:
        np.savez(handle, **arrays)
    os.replace(handle.name, path)
    return path


def _step_of(path: Path) -> int | None:
    try:
        return int(path.stem.split("-", 1)[1])
    except (IndexError, ValueError):
        return None


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The checkpoint with the highest step in ``directory``, or ``None``."""
    paths = [p for p in Path(directory).glob("ckpt-*.npz") if _step_of(p) is not None]
    return max(paths, key=_step_of) if paths else None


def _read(path: Path) -> dict[str, np.ndarray]:
    """All arrays of a checkpoint file, or a clear error if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        meta = json.loads(str(arrays["meta"]))
        int(meta["step"]), meta["seed"], meta["log"]
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        raise RuntimeError(
            f"{path} is not a readable gankit checkpoint (corrupt or truncated: {type(error).__name__}). "
            "It may have been cut off by a full disk or copied incompletely: delete it to resume "
            "from the checkpoint before it, or train without resume=True."
        ) from None
    arrays["meta"] = meta
    return arrays


def _check_matches(path: Path, stored: dict, state: dict[str, list]) -> None:
    for group, variables in state.items():
        saved = sorted((k for k in stored if k.startswith(group + "/")), key=lambda k: int(k.split("/")[1]))
        shapes = [tuple(stored[k].shape) for k in saved]
        expected = [tuple(v.shape) for v in variables]
        if shapes != expected:
            first = next((i for i, (a, b) in enumerate(zip(shapes, expected)) if a != b), min(len(shapes), len(expected)))
            raise ValueError(
                f"{path} was saved from a different architecture: its {group} has {len(shapes)} variables, "
                f"this model's has {len(expected)}; variable {first} is "
                f"{shapes[first] if first < len(shapes) else 'missing'} in the file and "
                f"{expected[first] if first < len(expected) else 'missing'} in the model. Build the same "
                "models (layers, sizes, optimizer) as the run that saved it, or use another checkpoint_dir."
            )


def restore_checkpoint(gan: keras.Model, directory_or_file: str | os.PathLike) -> int:
    """Restores a checkpoint made by :func:`save_checkpoint` into ``gan``.

    Args:
        gan: a trainer built with the same architectures and compiled.
        directory_or_file: a checkpoint folder (its latest checkpoint is used) or file.

    Returns:
        The restored step.

    Raises:
        RuntimeError: if no checkpoint is found, or the file is corrupt.
        ValueError: if the checkpoint does not match the models (another architecture or seed);
            nothing is changed then.
    """
    path = Path(directory_or_file)
    if path.is_dir():
        path = latest_checkpoint(path)
    if path is None or not path.exists():
        raise RuntimeError(f"No checkpoint found in {directory_or_file}; train without resume=True first.")
    stored = _read(path)
    meta = stored.pop("meta")
    if meta["seed"] != gan.seed:
        raise ValueError(
            f"{path} was trained with seed {meta['seed']}, this trainer has seed {gan.seed}: "
            "build the trainer with the same seed to resume that run."
        )
    state = gan.checkpoint_state()
    _check_matches(path, stored, state)
    for group, variables in state.items():
        for i, variable in enumerate(variables):
            variable.assign(stored[f"{group}/{i}"])
    gan.log = meta["log"]
    gan.train_seconds = float(meta.get("train_seconds", 0.0))
    return training_step(gan)


class CheckpointCallback(keras.callbacks.Callback):
    """Saves a checkpoint every ``every`` steps and at step ``last``."""

    def __init__(self, directory: str | os.PathLike, every: int, last: int) -> None:
        super().__init__()
        self.directory, self.every, self.last = directory, every, last

    def on_epoch_end(self, epoch, logs=None):
        step = training_step(self.model)
        if step % self.every == 0 or step == self.last:
            save_checkpoint(self.model, self.directory)
