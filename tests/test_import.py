"""What importing gankit does, and does not do, to the process (each case in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gankit import _env

IMPORT_EFFECTS = """
import json, os, sys, warnings
import numpy  # its own import adds message-specific filters; what counts is what gankit adds
umask_calls = []
real_umask = os.umask
os.umask = lambda mask: umask_calls.append(mask) or real_umask(mask)
filters = list(warnings.filters)
environ = dict(os.environ)
import gankit, gankit.data, gankit.download
after_gankit = [f for f in warnings.filters if f not in filters]
tensorflow_imported = "tensorflow" in sys.modules
environ_changes = sorted(k for k in os.environ if os.environ.get(k) != environ.get(k))
import gankit.toy  # imports TensorFlow, through gankit's quiet start-up
gankit.device.describe()  # lists the devices: TensorFlow's device start-up must print nothing either
import gankit.metrics, gankit.image_quality  # scoring samples ...
trainer_modules = sorted(m for m in sys.modules if m == "gankit.train" or m.startswith("gankit.train."))  # ... loads no trainer
print(json.dumps({
    "trainer_modules_after_scoring_imports": trainer_modules,
    "tensorflow_after_import_gankit_data": tensorflow_imported,
    "prepare_imported": "gankit.data.prepare" in sys.modules,
    "umask_calls": umask_calls,
    "new_filters": [[f[0], str(f[1]), f[2].__name__, str(f[3])] for f in after_gankit],
    "process_wide_deprecation_ignores": [  # also after TensorFlow loaded: any message, any module
        f[2].__name__ for f in warnings.filters if f not in filters and f[0] == "ignore" and f[1] is None
        and issubclass(DeprecationWarning, f[2]) and f[3] is None
    ],
    "environ_changes": environ_changes,
    "tf_cpp_min_log_level": os.environ.get("TF_CPP_MIN_LOG_LEVEL"),
    "tensorflow_logger_level": sys.modules["tensorflow"].get_logger().level,
}))
"""


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)


def test_importing_gankit_changes_no_warning_filter_umask_or_setting_and_scoring_loads_no_trainer():
    proc = _run(IMPORT_EFFECTS)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1, proc.stdout  # the report only: gankit and TensorFlow print nothing
    report = json.loads(proc.stdout)
    assert report["new_filters"] == []  # import gankit, gankit.data, gankit.download
    assert report["process_wide_deprecation_ignores"] == []
    assert report["umask_calls"] == []
    assert not report["tensorflow_after_import_gankit_data"]  # TensorFlow only when a module needs it
    assert not report["prepare_imported"]  # set-up tooling stays out of the learner's import path
    assert report["environ_changes"] == []  # no KERAS_BACKEND or other setting at import
    assert report["tf_cpp_min_log_level"] == "3"  # TensorFlow's own setting, set when it loads
    assert report["tensorflow_logger_level"] == 40  # ERROR: TensorFlow's own logger only
    assert proc.stderr == ""  # TensorFlow's start-up lines (cuda drivers, absl, devices, ...) are dropped
    # gankit.metrics and gankit.image_quality take their curves from gankit.curves, not gankit.train
    assert report["trainer_modules_after_scoring_imports"] == []


LEARNER_SESSION = (  # a learner's first lines: gankit, then TensorFlow, then a warning of their own
    "import gankit, tensorflow as tf, warnings\n"
    "print(type(tf.__loader__).__name__, type(tf.__spec__.loader).__name__)\n"
    "warnings.warn('old API', DeprecationWarning)\n"  # in __main__: shown by Python's default filters
)


@pytest.fixture(scope="module")
def learner_session() -> subprocess.CompletedProcess:
    """One fresh interpreter for the two tests below (each start costs seconds of TensorFlow import)."""
    return _run(LEARNER_SESSION)


def test_a_warning_in_the_learners_code_still_shows(learner_session):
    assert learner_session.returncode == 0, learner_session.stderr
    assert "DeprecationWarning: old API" in learner_session.stderr


def test_tensorflow_imported_first_loads_quietly_with_its_own_loader(learner_session):
    assert learner_session.returncode == 0, learner_session.stderr
    assert learner_session.stdout.split() == ["SourceFileLoader", "SourceFileLoader"]
    others = [line for line in learner_session.stderr.splitlines()  # the warning and its source line only
              if "DeprecationWarning: old API" not in line and "warnings.warn" not in line]
    assert others == [], learner_session.stderr


def test_only_known_start_up_lines_are_dropped(capfd):
    with _env._known_noise_dropped_from_fd2():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n")
        os.write(2, b"a real problem\n")
    assert capfd.readouterr().err == "a real problem\n"
