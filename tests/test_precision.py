"""Mixed precision and XLA options (gk.precision): chosen per device, correct under every policy on a CPU."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import gankit as gk
from tools import testing
from gankit.device import DeviceInfo

CPU = DeviceInfo(cpus=["/device:CPU:0"], gpus=[])
GPU = DeviceInfo(cpus=["/device:CPU:0"], gpus=["/device:GPU:0"], gpu_names=["a GPU"])


def test_policy_per_device():
    assert gk.precision.recommended_policy(CPU) == "float32"
    assert gk.precision.recommended_policy(GPU, capability=(7, 5)) == "mixed_float16"  # T4 (Colab)
    assert gk.precision.recommended_policy(GPU, capability=(8, 0)) == "mixed_bfloat16"  # A100, H100
    assert gk.precision.recommended_policy(GPU, capability=(6, 0)) == "float32"
    assert gk.precision.recommended_jit("dense", CPU) and not gk.precision.recommended_jit("conv", CPU)
    assert gk.precision.recommended_jit("conv", GPU)


def test_unknown_policy_and_kind_are_clear_errors():
    with pytest.raises(ValueError, match="policy must be one of"):
        gk.precision.use("float8")
    with pytest.raises(ValueError, match="kind must be one of"):
        gk.precision.recommended_jit("transformer", CPU)


def test_policy_context_restores_the_previous_policy():
    before = keras.mixed_precision.global_policy().name
    with gk.precision.policy("mixed_bfloat16") as name:
        assert name == "mixed_bfloat16" == keras.mixed_precision.global_policy().name
    assert keras.mixed_precision.global_policy().name == before


def _train(policy: str, steps: int = 120):
    """A small GAN with BN in both networks, built and trained under ``policy``."""
    with gk.precision.policy(policy):
        keras.utils.set_random_seed(0)
        generator, discriminator, combined = testing.small_models(bn_in_g=True, bn_in_d=True)
        gan = gk.train.CombinedGAN(generator, discriminator, combined, frozen_d_batchnorm="batch", seed=0)
        gan.compile(steps_per_execution=10)
        data = testing.dataset(testing.real_images())
        real = next(iter(data))
        changes = gk.train.step_invariants(generator, discriminator, lambda: gan.d_step(real),
                                           lambda: gan.g_step(tf.constant(32)))
        report = gan.d_step(real)
        gan.train(data, steps, log_every=40, progress=False)
        return gan, changes, report


@pytest.fixture(scope="module")
def float32_run():
    """The float32 run both policies are compared with, trained once."""
    return _train("float32")[0]


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_the_step_correct_and_close_to_float32(policy, float32_run):
    reference = float32_run
    gan, changes, report = _train(policy)
    assert gan.generator.layers[-2].compute_dtype == policy.split("_")[1]  # it really computes in 16 bits
    assert gan.generator.trainable_weights[0].dtype == "float32"           # and keeps float32 weights
    if policy == "mixed_float16":
        assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)  # Keras's compile wrapped it
    gk.train.check_step_invariants(changes)  # D learns in its step, is fixed in G's (BN statistics too), G learns
    assert {v.dtype for v in report.values()} == {tf.float32}  # D's outputs, losses and logs in float32
    for key in ("d_loss", "g_loss"):
        got, want = gan.logs()[key], reference.logs()[key]
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=0.1, atol=0.05, err_msg=f"{policy} {key} far from float32's")


def test_steps_that_dynamic_loss_scaling_skips_still_count(tmp_path):
    """Bug: with mixed_float16 a LossScaleOptimizer skips steps whose gradients overflow without
    advancing its ``iterations``; the step, the checkpoints and the noise counted from it drifted."""
    with gk.precision.policy("mixed_float16"):
        keras.utils.set_random_seed(0)
        generator, discriminator, _ = testing.small_models(bn_in_g=False)
        discriminator.trainable = True  # small_models freezes D the classic way; a GANTrainer's D is a plain model
        scaled = lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-3), initial_scale=2.0 ** 40)  # noqa: E731
        gan = gk.train.GANTrainer(generator, discriminator, gk.losses.NonSaturating(from_logits=False), scaled(), scaled())
        gan.compile(steps_per_execution=5)
        gan.train(testing.dataset(testing.real_images()), 10, log_every=5, checkpoint_dir=tmp_path, progress=False)
    assert int(gan.g_optimizer.iterations.numpy()) < 10  # the loss scale overflowed: Keras skipped updates
    assert gan.step == 10 and list(gan.logs()["step"]) == [5, 10]
    assert int(gan.d_steps_done.numpy()) == 10  # each D step drew its own noise
    assert gk.train.latest_checkpoint(tmp_path).name == "ckpt-10.npz"
