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


LEARNER_LINES = (  # then a learner's first lines: TensorFlow, then a warning of their own
    "import tensorflow as tf\n"
    "print(type(tf.__loader__).__name__, type(tf.__spec__.loader).__name__)\n"
    "warnings.warn('old API', DeprecationWarning)\n"  # in __main__: shown by Python's default filters
)


def _run(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def session() -> subprocess.CompletedProcess:
    """One fresh interpreter for the tests below (each start costs seconds of TensorFlow import)."""
    return _run(IMPORT_EFFECTS + LEARNER_LINES)


def learner_stderr(session) -> list[str]:
    """stderr without the learner's own warning (its message and source line)."""
    return [line for line in session.stderr.splitlines()
            if "DeprecationWarning: old API" not in line and "warnings.warn" not in line]


def test_importing_gankit_changes_no_warning_filter_umask_or_setting_and_scoring_loads_no_trainer(session):
    assert session.returncode == 0, session.stderr
    assert len(session.stdout.splitlines()) == 2, session.stdout  # the report and the loaders: nothing else printed
    report = json.loads(session.stdout.splitlines()[0])
    assert report["new_filters"] == []  # import gankit, gankit.data, gankit.download
    assert report["process_wide_deprecation_ignores"] == []
    assert report["umask_calls"] == []
    assert not report["tensorflow_after_import_gankit_data"]  # TensorFlow only when a module needs it
    assert not report["prepare_imported"]  # set-up tooling stays out of the learner's import path
    assert report["environ_changes"] == []  # no KERAS_BACKEND or other setting at import
    assert report["tf_cpp_min_log_level"] == "3"  # TensorFlow's own setting, set when it loads
    assert report["tensorflow_logger_level"] == 40  # ERROR: TensorFlow's own logger only
    assert learner_stderr(session) == []  # TensorFlow's start-up lines (cuda drivers, absl, devices, ...) are dropped
    # gankit.metrics and gankit.image_quality take their curves from gankit.curves, not gankit.train
    assert report["trainer_modules_after_scoring_imports"] == []


def test_a_warning_in_the_learners_code_still_shows(session):
    assert session.returncode == 0, session.stderr
    assert "DeprecationWarning: old API" in session.stderr


def test_tensorflow_loads_with_its_own_loader(session):
    assert session.returncode == 0, session.stderr
    assert session.stdout.splitlines()[1].split() == ["SourceFileLoader", "SourceFileLoader"]


def test_only_known_start_up_lines_are_dropped(capfd):
    with _env._known_noise_dropped_from_fd2():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n")
        os.write(2, b"a real problem\n")
    assert capfd.readouterr().err == "a real problem\n"
