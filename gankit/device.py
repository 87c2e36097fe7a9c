"""Where does this train? Devices TensorFlow sees and the ``tf.distribute`` strategy built on them.

Every notebook's Setup cell calls :func:`print_setup`. Models, optimizers and the trainer are then
created inside ``strategy.scope()``, so TensorFlow places variables and computation on the chosen
device(s) explicitly rather than by default:

* no GPU: TensorFlow's default strategy; the CPU is the only device, so every variable and op is
  placed on ``/CPU:0`` (a ``OneDeviceStrategy("/cpu:0")`` would place them the same way but made
  the MLP GAN's training step about 20% slower on 2 CPU cores, measured with
  ``bench/train_loops.py``-style interleaved timings: 35 vs 45 steps/s);
* one GPU: ``OneDeviceStrategy("/gpu:0")``;
* several GPUs: ``MirroredStrategy`` over all of them (data-parallel, gradients all-reduced).

The same notebook code therefore runs unchanged on a laptop CPU, a Colab GPU, or a multi-GPU box.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field


import tensorflow as tf


@dataclass(frozen=True)
class DeviceInfo:
    """What TensorFlow sees on this machine.

    Attributes:
        cpus: logical CPU device names, e.g. ``["/device:CPU:0"]``.
        gpus: logical GPU device names.
        gpu_names: human-readable GPU model names (may be empty on CPU-only machines).
        cpu_cores: number of CPU cores the OS reports.
        tensorflow: TensorFlow version.
        keras: Keras version.
    """

    cpus: list[str]
    gpus: list[str]
    gpu_names: list[str] = field(default_factory=list)
    cpu_cores: int = 1
    tensorflow: str = ""
    keras: str = ""

    @property
    def kind(self) -> str:
        """``"GPU"`` when at least one GPU is visible, else ``"CPU"``."""
        return "GPU" if self.gpus else "CPU"

    def summary(self) -> str:
        """One line, e.g. ``"CPU (2 cores), no GPU"`` or ``"1 GPU: NVIDIA H100"``."""
        if self.gpus:
            names = ", ".join(self.gpu_names) or ", ".join(self.gpus)
            return f"{len(self.gpus)} GPU{'s' if len(self.gpus) > 1 else ''}: {names}"
        return f"CPU ({self.cpu_cores} cores), no GPU"


def describe() -> DeviceInfo:
    """Lists the logical devices TensorFlow will use.

    Returns:
        A :class:`DeviceInfo`.
    """
    import keras

    cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            names.append(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
        except Exception:  # details are best-effort; the device list above is what matters
            names.append(gpu.name)
    return DeviceInfo(
        cpus=cpus,
        gpus=gpus,
        gpu_names=names,
        cpu_cores=os.cpu_count() or 1,
        tensorflow=tf.__version__,
        keras=keras.__version__,
    )


def strategy(info: DeviceInfo | None = None) -> tf.distribute.Strategy:
    """Picks the distribution strategy for the devices TensorFlow sees.

    Args:
        info: devices to choose from; defaults to :func:`describe`.

    Returns:
        ``MirroredStrategy`` over all GPUs when there are several, a ``OneDeviceStrategy`` on the
        GPU when there is one, else the default strategy (everything on the CPU).
    """
    info = info or describe()
    if len(info.gpus) > 1:
        return tf.distribute.MirroredStrategy(info.gpus)
    if info.gpus:
        return tf.distribute.OneDeviceStrategy(info.gpus[0])
    return tf.distribute.get_strategy()


def strategy_summary(strat: tf.distribute.Strategy) -> str:
    """Names a strategy and its devices, e.g. ``"OneDeviceStrategy on /job:localhost/.../CPU:0"``."""
    try:
        devices = list(strat.extended.worker_devices)
    except RuntimeError:  # the default strategy has no device list: all ops go to the only CPU
        devices = [d.name for d in tf.config.list_logical_devices("CPU")[:1]]
        return f"default (no distribution), ops placed on {', '.join(devices)}"
    return f"{type(strat).__name__} on {', '.join(devices)} ({strat.num_replicas_in_sync} replica(s))"


def print_setup(strat: tf.distribute.Strategy | None = None) -> tf.distribute.Strategy:
    """Prints versions, devices and the strategy, and returns the strategy.

    Args:
        strat: an existing strategy to report; by default one is chosen with :func:`strategy`.

    Returns:
        The strategy to build models under (``with strategy.scope(): ...``).
    """
    info = describe()
    strat = strat or strategy(info)
    print(f"TensorFlow {info.tensorflow}, Keras {info.keras}, Python {platform.python_version()}")
    print(f"Devices: {info.summary()}")
    print(f"Strategy: {strategy_summary(strat)}")
    return strat


def _device_of(tensor) -> str:
    """``"/job:localhost/replica:0/task:0/device:GPU:0"`` -> ``"GPU:0"``."""
    return tensor.device.split("device:")[-1] if getattr(tensor, "device", "") else "?"


def placement(gan, real_batch, strat: tf.distribute.Strategy | None = None) -> dict[str, dict[str, list[str]]]:
    """Where TensorFlow placed one D step and one G step of ``gan``, read from the tensors themselves.

    Runs ``gan.d_step(real_batch)`` and ``gan.g_step(batch_size)`` once, eagerly, through
    ``strat.run`` (so a ``OneDeviceStrategy`` or ``MirroredStrategy`` places them as in training),
    and reads the ``.device`` of each step's loss (the last op of the step) and of the variables
    the step updates. Every weight and optimizer slot is restored afterwards: the probe trains
    nothing.

    Args:
        gan: a :class:`gankit.train.GANTrainer` with ``d_step`` and ``g_step`` (e.g. ``CombinedGAN``).
        real_batch: real images ``(batch, *image_shape)`` (conditional GANs: ``(images, labels)``).
        strat: the strategy the models were built under (default: the current one).

    Returns:
        ``{"d_step": {"loss": [...], "variables": [...]}, "g_step": {...}}``, each a sorted list
        of the devices (e.g. ``["GPU:0"]``; one per replica under ``MirroredStrategy``).
    """
    strat = strat or tf.distribute.get_strategy()
    images, labels = (real_batch if isinstance(real_batch, (tuple, list)) else (real_batch, None))
    counters = [getattr(gan, name) for name in ("steps_done", "d_steps_done") if hasattr(gan, name)]
    state = [v for group in gan.checkpoint_state().values() for v in group] + counters  # weights, optimizers, steps
    saved = [tf.identity(v) for v in state]
    report = {}
    try:
        for name, step, variables in (
            ("d_step", lambda: gan.d_step(images, labels) if labels is not None else gan.d_step(images), gan.d_variables()),
            ("g_step", lambda: gan.g_step(tf.shape(images)[0]), gan.g_variables()),
        ):
            values = strat.run(step)
            losses = strat.experimental_local_results(values[f"{name[0]}_loss"])
            report[name] = {"loss": sorted({_device_of(t) for t in losses}),
                            "variables": sorted({_device_of(part) for v in variables
                                                 for part in strat.experimental_local_results(getattr(v, "value", v))})}
    finally:
        for variable, value in zip(state, saved):
            variable.assign(value)
    return report


def print_placement(gan, real_batch, strat: tf.distribute.Strategy | None = None) -> dict[str, dict[str, list[str]]]:
    """Prints :func:`placement` in two lines and returns it."""
    report = placement(gan, real_batch, strat)
    for name, where in report.items():
        print(f"{name}: loss computed on {', '.join(where['loss'])}; its variables live on {', '.join(where['variables'])}")
    return report
