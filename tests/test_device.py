"""Tests of gankit.device: what TensorFlow sees and the strategy chosen from it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import gankit as gk


def variable_devices(strategy) -> list[str]:
    """Where a variable created under ``strategy.scope()`` lives (one entry per replica)."""
    with strategy.scope():
        v = tf.Variable(1.0)
    return [part.device for part in strategy.experimental_local_results(v)]


def test_cpu_only_machine_trains_on_the_cpu_with_the_default_strategy():
    info = gk.device.describe()
    assert info.cpus and info.tensorflow == tf.__version__ and info.keras == keras.__version__
    if info.gpus:
        pytest.skip(f"this machine has {info.summary()}: the GPU test covers it")
    assert info.kind == "CPU" and "no GPU" in info.summary() and info.gpu_names == []
    strategy = gk.device.strategy(info)
    assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1
    assert gk.device.strategy_summary(strategy).endswith("CPU:0")
    assert [d.split("/")[-1] for d in variable_devices(strategy)] == ["device:CPU:0"]


def test_gpu_machine_places_variables_on_every_gpu():
    info = gk.device.describe()
    if not info.gpus:
        pytest.skip("no GPU visible to TensorFlow: this branch runs on a GPU machine")
    physical = tf.config.list_physical_devices("GPU")
    assert info.kind == "GPU" and len(info.gpu_names) == len(physical) and all(info.gpu_names)
    assert info.summary().startswith(f"{len(info.gpus)} GPU")
    strategy = gk.device.strategy(info)
    expected = tf.distribute.MirroredStrategy if len(info.gpus) > 1 else tf.distribute.OneDeviceStrategy
    assert isinstance(strategy, expected) and strategy.num_replicas_in_sync == len(info.gpus)
    devices = variable_devices(strategy)
    assert len(devices) == len(info.gpus) and all("GPU" in d for d in devices), devices
    assert "GPU" in gk.device.strategy_summary(strategy)


def test_strategy_choice_by_device_count(monkeypatch):
    made = []
    monkeypatch.setattr(tf.distribute, "MirroredStrategy", lambda devices: made.append(("mirrored", devices)) or "M")
    monkeypatch.setattr(tf.distribute, "OneDeviceStrategy", lambda device: made.append(("one", device)) or "O")
    one = gk.device.DeviceInfo(cpus=["/device:CPU:0"], gpus=["/device:GPU:0"], gpu_names=["NVIDIA X"])
    two = gk.device.DeviceInfo(cpus=["/device:CPU:0"], gpus=["/device:GPU:0", "/device:GPU:1"])
    cpu = gk.device.DeviceInfo(cpus=["/device:CPU:0"], gpus=[], cpu_cores=2)
    assert one.kind == "GPU" and one.summary() == "1 GPU: NVIDIA X"
    assert two.summary() == "2 GPUs: /device:GPU:0, /device:GPU:1"  # no names: the device names
    assert cpu.kind == "CPU" and cpu.summary() == "CPU (2 cores), no GPU"
    assert gk.device.strategy(one) == "O" and gk.device.strategy(two) == "M"
    assert made == [("one", "/device:GPU:0"), ("mirrored", ["/device:GPU:0", "/device:GPU:1"])]
    assert gk.device.strategy(cpu) is tf.distribute.get_strategy()


def test_strategy_summary_names_the_strategy_and_its_devices():
    summary = gk.device.strategy_summary(tf.distribute.OneDeviceStrategy("/cpu:0"))
    assert summary.startswith("OneDeviceStrategy on ") and "CPU:0" in summary and summary.endswith("(1 replica(s))")


def test_print_setup_names_versions_devices_and_strategy(capsys):
    strategy = gk.device.print_setup()
    lines = capsys.readouterr().out.splitlines()
    info = gk.device.describe()
    assert lines[0].startswith(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python ")
    assert lines[1:] == [f"Devices: {info.summary()}", f"Strategy: {gk.device.strategy_summary(strategy)}"]
    assert strategy.num_replicas_in_sync == max(1, len(info.gpus))


def test_placement_report_reads_where_each_step_ran_and_trains_nothing(capsys):
    from tools import testing

    generator, discriminator, combined = testing.small_models(bn_in_g=True, bn_in_d=True)
    gan = gk.train.CombinedGAN(generator, discriminator, combined, frozen_d_batchnorm="batch")
    gan.compile()
    real = next(iter(testing.dataset(testing.real_images())))
    before = [w.numpy().copy() for w in gan.generator.weights + gan.discriminator.weights]
    report = gk.device.print_placement(gan, real)
    expected = "GPU:0" if gk.device.describe().gpus else "CPU:0"
    assert report == {step: {"loss": [expected], "variables": [expected]} for step in ("d_step", "g_step")}
    after = [w.numpy() for w in gan.generator.weights + gan.discriminator.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))  # weights and BN statistics restored
    assert gan.step == 0  # optimizer state restored too
    assert f"d_step: loss computed on {expected}" in capsys.readouterr().out
