"""Training precision and XLA, chosen per device: float32 on CPUs, mixed precision on GPUs.

Mixed precision computes layers in 16 bits and keeps the weights in float32 (Micikevicius et al.,
2018). Keras does it with a global dtype policy, read when a layer is *built*, so choose the
policy before building the models::

    policy = gk.precision.use("auto")   # "float32" on a CPU; see recommended_policy
    generator, discriminator = build_generator(), build_discriminator()

* ``"mixed_float16"``: float16 has a narrow exponent, so small gradients underflow to zero. Keras's
  ``compile`` wraps each optimizer in a ``LossScaleOptimizer`` (``auto_scale_loss=True``), and the
  course's trainers scale the loss with ``optimizer.scale_loss`` before taking gradients; steps with
  non-finite gradients are skipped and the scale lowered.
* ``"mixed_bfloat16"``: float32's exponent range with 8 bits of mantissa: no loss scaling needed.
  Native on GPUs from compute capability 8.0 (A100, H100, RTX 30xx) and on TPUs; on most x86 CPUs it
  is emulated and slower than float32, which is why CPUs train in float32. CI still trains in
  ``mixed_bfloat16`` on the CPU (tests/test_precision.py) to check the code path.

Whatever the policy, the course's trainers compute D's outputs, the losses and the logged
numbers in float32.

XLA (``compile(jit_compile=True)``) is chosen per model *by measurement* (``bench/``): see
:func:`recommended_jit`.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import keras

from gankit import checks
from gankit.device import DeviceInfo, describe

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")

JIT_ON_CPU = {"dense": True, "conv": False}
"""XLA per model kind on a CPU, measured on 2 cores (bench/train_loops.py, bench/dcgan_step.py):
it speeds up the MLP GAN's step and slows down the course's DCGAN step."""


def compute_capability(info: DeviceInfo | None = None) -> tuple[int, int] | None:
    """The first GPU's CUDA compute capability, e.g. ``(8, 0)``; ``None`` without a GPU or when unknown."""
    import tensorflow as tf

    info = info or describe()
    if not info.gpus:
        return None
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        except Exception:  # details are best-effort
            capability = None
        if capability:
            return tuple(int(v) for v in capability)[:2]
    return None


def recommended_policy(info: DeviceInfo | None = None, capability: tuple[int, int] | None = None) -> str:
    """The dtype policy to train in on this device.

    Args:
        info: the devices (defaults to :func:`gankit.device.describe`).
        capability: the GPU's compute capability (defaults to :func:`compute_capability`).

    Returns:
        ``"float32"`` without a GPU or on GPUs older than compute capability 7.0;
        ``"mixed_float16"`` on 7.x (V100, T4: Colab's free GPU); ``"mixed_bfloat16"`` from 8.0.
    """
    info = info or describe()
    if not info.gpus:
        return "float32"
    capability = capability or compute_capability(info) or (0, 0)
    if capability >= (8, 0):
        return "mixed_bfloat16"
    return "mixed_float16" if capability >= (7, 0) else "float32"


def recommended_jit(kind: str, info: DeviceInfo | None = None) -> bool:
    """Whether to compile a model's step with XLA: ``kind`` is ``"dense"`` (MLP) or ``"conv"``.

    On a CPU, the measured :data:`JIT_ON_CPU`; on a GPU, on (XLA fuses the many small kernels of
    these small models; not yet measured with TensorFlow on a GPU).
    """
    checks.choice(kind, "kind", tuple(JIT_ON_CPU))
    info = info or describe()
    return True if info.gpus else JIT_ON_CPU[kind]


def use(policy: str = "auto") -> str:
    """Sets Keras's global dtype policy for the models built next, and returns its name.

    Args:
        policy: ``"auto"`` (:func:`recommended_policy`) or one of :data:`POLICIES`.

    Raises:
        ValueError: for an unknown policy name.
    """
    name = recommended_policy() if policy == "auto" else checks.choice(policy, "policy", POLICIES)
    keras.mixed_precision.set_global_policy(name)
    return name


@contextlib.contextmanager
def policy(name: str) -> Iterator[str]:
    """``with gk.precision.policy("mixed_bfloat16"): build...``: the policy inside, the old one after."""
    previous = keras.mixed_precision.global_policy().name
    try:
        yield use(name)
    finally:
        keras.mixed_precision.set_global_policy(previous)
