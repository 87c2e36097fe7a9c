"""Checkpoints that resume a GAN run exactly: weights, optimizer states, steps, history, settings.

A checkpoint is one ``ckpt-<step>.npz`` file per saved step, written under a temporary name
(readable by all, mode ``0644``) and renamed, so an interrupted save never leaves a half-written
file; an existing checkpoint is never overwritten. Each file names its run (``run_id``) and the
run's settings (:func:`run_config`): a new run refuses a folder that holds another run's
checkpoints, and only the same run's older files are pruned (``max_to_keep``). Restoring checks the
file before it changes a single weight: a corrupt file, or one saved from another architecture or
with other settings (learning rate, objective, ``d_steps``, batch size), is a clear error that
says what differs and leaves the models as they were.
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


def _optimizer_config(optimizer) -> dict:
    """An optimizer's class (``LossScaleOptimizer(Adam)`` when wrapped) and learning rate."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    name = type(inner).__name__ if inner is optimizer else f"{type(optimizer).__name__}({type(inner).__name__})"
    return {"class": name, "learning_rate": inner.get_config().get("learning_rate")}


def _model_config(model) -> dict:
    """A model's layer classes and input and output shapes (not its names: Keras numbers them per session)."""
    shapes = lambda tensors: [list(t.shape[1:]) for t in tensors or ()]  # noqa: E731
    return {"layers": [type(layer).__name__ for layer in model._flatten_layers(include_self=False)],
            "inputs": shapes(getattr(model, "inputs", None)), "outputs": shapes(getattr(model, "outputs", None))}


def run_config(gan: keras.Model) -> dict:
    """The settings a resumed run must share with the run that saved the checkpoint.

    Returns:
        The trainer's ``settings()`` (seed, batch size; a GAN's objective and ``d_steps``), each
        network's layers and shapes, and each optimizer's class and learning rate (GANs: as
        ``d_optimizer`` and ``g_optimizer``), in JSON types; ``None`` where the trainer does not know
        (a batch size before training).
    """
    config = {**gan.settings(),
              **{gan.optimizer_name(key): _optimizer_config(optimizer)
                 for key, optimizer in gan.network_optimizers.items()},
              **{key: _model_config(model) for key, model in gan.networks.items()}}
    return json.loads(json.dumps(config, default=str))


def _write(path: Path, arrays: dict) -> None:
    """Writes ``arrays`` to ``path`` atomically, mode ``0644``; refuses to replace an existing file."""
    if path.exists():
        raise RuntimeError(f"{path} already exists: gankit never overwrites a checkpoint. Keep each run in its own "
                           "checkpoint_dir (or delete the file if you no longer need it).")
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        np.savez(handle, **arrays)
    os.chmod(handle.name, 0o644)  # tempfile makes it 0600: readable by the owner only
    os.replace(handle.name, path)


def save_checkpoint(gan: keras.Model, directory: str | os.PathLike, max_to_keep: int | None = None) -> Path:
    """Saves everything a run needs to resume exactly.

    Args:
        gan: a trainer with ``checkpoint_state()`` (its variables by group), step counters, ``seed``,
            ``run_id``, ``log`` and ``train_seconds`` (the course's trainers).
        directory: the checkpoint folder (created if missing).
        max_to_keep: keep only this many of this run's newest checkpoints in ``directory`` (other
            runs' files are never deleted); ``None`` keeps all.

    Returns:
        The checkpoint's path, ``directory/ckpt-<step>.npz``.

    Raises:
        RuntimeError: if that file exists already (a checkpoint is never overwritten).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        f"{group}/{i}": keras.ops.convert_to_numpy(v)
        for group, variables in gan.checkpoint_state().items()
        for i, v in enumerate(variables)
    }
    step = training_step(gan)
    meta = {"step": step, "d_steps_done": int(keras.ops.convert_to_numpy(gan.d_steps_done)), "run": gan.run_id,
            "config": run_config(gan), "seed": gan.seed, "log": gan.log, "train_seconds": gan.train_seconds}
    arrays["meta"] = np.asarray(json.dumps(meta))
    path = directory / f"ckpt-{step}.npz"
    _write(path, arrays)
    if max_to_keep is not None:
        own = sorted((p for p in checkpoints(directory) if _run_of(p) == gan.run_id), key=_step_of)
        for old in own[:-max_to_keep]:
            old.unlink()
    return path


def _step_of(path: Path) -> int | None:
    try:
        return int(path.stem.split("-", 1)[1])
    except (IndexError, ValueError):
        return None


def checkpoints(directory: str | os.PathLike) -> list[Path]:
    """The ``ckpt-<step>.npz`` files in ``directory`` (none if it does not exist), by step."""
    return sorted((p for p in Path(directory).glob("ckpt-*.npz") if _step_of(p) is not None), key=_step_of)


def latest_checkpoint(directory: str | os.PathLike) -> Path | None:
    """The checkpoint with the highest step in ``directory``, or ``None``."""
    paths = checkpoints(directory)
    return paths[-1] if paths else None


def _run_of(path: Path) -> str | None:
    """The run that saved a checkpoint; ``None`` for an unreadable file or one saved before runs had names."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            return json.loads(str(stored["meta"])).get("run")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EOFError, zipfile.BadZipFile):
        return None


def check_new_run(gan: keras.Model, directory: str | os.PathLike) -> None:
    """Refuses a new run (not resumed) in a folder that holds another run's checkpoints.

    Raises:
        ValueError: naming the files, before any training step.
    """
    others = [p.name for p in checkpoints(directory) if _run_of(p) != gan.run_id]
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ValueError(f"{directory} already holds checkpoints of another run ({shown}): pass resume=True to "
                         "continue that run, or give this new run another checkpoint_dir.")


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


def _check_config(path: Path, meta: dict, gan: keras.Model) -> None:
    """Refuses a checkpoint saved with other settings, naming each difference (files from before
    settings were stored are not checked)."""
    saved = meta.get("config")
    if not isinstance(saved, dict):
        return
    differences = _differences(saved, run_config(gan))
    if differences:
        raise ValueError(f"{path} was saved by a run with other settings: {'; '.join(differences)}. Resume with that "
                         "run's settings, or start a new run in another checkpoint_dir.")


def _differences(saved: dict, current: dict, prefix: str = "") -> list[str]:
    """``"<setting>: <saved> in the checkpoint, <current> here"`` for each setting known to both that differs."""
    found = []
    for key, value in current.items():
        old = saved.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            found += _differences(old, value, f"{prefix}{key} ")
        elif old is not None and value is not None and old != value:
            found.append(f"{prefix}{key}: {old} in the checkpoint, {value} here")
    return found


def restore_checkpoint(gan: keras.Model, directory_or_file: str | os.PathLike) -> int:
    """Restores a checkpoint made by :func:`save_checkpoint` into ``gan``.

    Args:
        gan: a trainer built with the same architectures and compiled.
        directory_or_file: a checkpoint folder (its latest checkpoint is used) or file.

    Returns:
        The restored step.

    Raises:
        RuntimeError: if no checkpoint is found, or the file is corrupt.
        ValueError: if the checkpoint does not match the models (another architecture) or the
            run's settings (seed, learning rates, objective, ``d_steps``, batch size: see
            :func:`run_config`); nothing is changed then.
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
    _check_config(path, meta, gan)
    for group, variables in state.items():
        for i, variable in enumerate(variables):
            variable.assign(stored[f"{group}/{i}"])
    gan.steps_done.assign(int(meta["step"]))
    gan.d_steps_done.assign(int(meta.get("d_steps_done", int(meta["step"]) * getattr(gan, "d_steps", 1))))
    gan.run_id = meta.get("run", gan.run_id)  # the resumed run goes on under its own name
    gan.log = meta["log"]
    gan.train_seconds = float(meta.get("train_seconds", 0.0))
    return training_step(gan)


class CheckpointCallback(keras.callbacks.Callback):
    """Saves a checkpoint every ``every`` steps and at step ``last``, keeping the run's ``max_to_keep`` newest."""

    def __init__(self, directory: str | os.PathLike, every: int, last: int, max_to_keep: int | None = None) -> None:
        super().__init__()
        self.directory, self.every, self.last, self.max_to_keep = directory, every, last, max_to_keep

    def on_epoch_end(self, epoch, logs=None):
        step = training_step(self.model)
        if step % self.every == 0 or step == self.last:
            save_checkpoint(self.model, self.directory, self.max_to_keep)
