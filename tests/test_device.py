"""Tests of gankit.device: what TensorFlow sees and the strategy chosen from it."""

import subprocess
import sys

import tensorflow as tf

import gankit as gk


def test_cpu_only_machine_trains_on_the_cpu_with_the_default_strategy():
    info = gk.device.describe()
    assert info.cpus and info.tensorflow == tf.__version__
    if not info.gpus:
        assert info.kind == "CPU" and "no GPU" in info.summary()
        strategy = gk.device.strategy(info)
        assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1
        assert gk.device.strategy_summary(strategy).endswith("CPU:0")
        with strategy.scope():
            v = tf.Variable(1.0)
        assert v.device.endswith("CPU:0")


def test_strategy_choice_by_device_count(monkeypatch):
    made = []
    monkeypatch.setattr(tf.distribute, "MirroredStrategy", lambda devices: made.append(("mirrored", devices)) or "M")
    monkeypatch.setattr(tf.distribute, "OneDeviceStrategy", lambda device: made.append(("one", device)) or "O")
    one = gk.device.DeviceInfo(cpus=["/device:CPU:0"], gpus=["/device:GPU:0"])
    two = gk.device.DeviceInfo(cpus=["/device:CPU:0"], gpus=["/device:GPU:0", "/device:GPU:1"])
    cpu = gk.device.DeviceInfo(cpus=["/device:CPU:0"], gpus=[])
    assert one.kind == "GPU" and "1 GPU:" in one.summary() and "2 GPUs" in two.summary()
    assert gk.device.strategy(one) == "O" and gk.device.strategy(two) == "M"
    assert made == [("one", "/device:GPU:0"), ("mirrored", ["/device:GPU:0", "/device:GPU:1"])]
    assert gk.device.strategy(cpu) is tf.distribute.get_strategy()


def test_print_setup_names_versions_devices_and_strategy(capsys):
    strategy = gk.device.print_setup()
    out = capsys.readouterr().out
    assert "TensorFlow" in out and "Devices:" in out and "Strategy:" in out and "CPU:0" in out
    assert strategy.num_replicas_in_sync == 1


def test_importing_gankit_prints_no_tensorflow_log_noise():
    out = subprocess.run([sys.executable, "-c", "import gankit as gk; gk.device.describe()"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0
    assert out.stderr.strip() == "" and out.stdout.strip() == "", out.stderr
