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
