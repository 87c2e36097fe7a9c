"""TensorFlow's start-up, quietly: its known log lines stay out of notebooks, nothing else is hidden.

Strict ``pytest --nbval`` compares a notebook's stderr (Jupyter forwards the kernel's file
descriptor 2 to the notebook), so TensorFlow's start-up noise would make notebooks fail their
checks and bury real messages. ``gankit/__init__.py`` calls :func:`quiet_tensorflow_start_up`,
which imports nothing: it only arranges that whoever imports TensorFlow first in this process
(a gankit module, ``import keras``, ``import tensorflow`` in a notebook) does it quietly:

* ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set) just before TensorFlow loads, for its C++ logs;
* the lines its shared libraries print while loading, before absl logging is initialised
  (``WARNING: All log messages before absl::InitializeLog()``, ``cudart_stub.cc ... Could not
  find cuda drivers``, the oneDNN notice, cuDNN/cuFFT/cuBLAS factory registrations) are dropped:
  the import runs with fd 2 captured and every captured line that is *not* such known noise is
  passed on;
* TensorFlow's own Python logger (``tf.get_logger()``) keeps errors only, so that retracing
  notices ("5 out of the last 7 calls to ... triggered tf.function retracing") from small models
  built in a notebook do not fill its output.

No warning filter is installed, and no other logger or setting is touched.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator

NOISE = re.compile(
    r"absl::InitializeLog|cudart_stub\.cc|oneDNN custom operations|TF_ENABLE_ONEDNN_OPTS"
    r"|Unable to register cu(DNN|FFT|BLAS)|rebuild TensorFlow with the appropriate compiler flags"
    r"|cpu_feature_guard\.cc|cuda_dnn|computation placer already registered"
)
"""The start-up lines that are dropped; any other line printed while TensorFlow loads is kept."""


def quiet_tensorflow_start_up() -> None:
    """Makes the first import of TensorFlow in this process quiet (see the module docstring).

    Imports nothing. If TensorFlow is already imported, only its Python logger is set to errors.
    Calling it again does nothing more.
    """
    if "tensorflow" in sys.modules:
        _quiet_python_logger(sys.modules["tensorflow"])
    elif not any(isinstance(finder, _QuietTensorFlowFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds the ``tensorflow`` package as usual, and has it loaded by a :class:`_QuietLoader`."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # one use: the first import of TensorFlow
        spec = importlib.util.find_spec(name)  # the other finders' answer
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """Runs TensorFlow's own loader with fd 2 filtered, then quiets TensorFlow's Python logger."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = module.__spec__.loader = self.loader  # TensorFlow sees its own loader
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with _known_noise_dropped_from_fd2():
            self.loader.exec_module(module)
        _quiet_python_logger(module)


def _quiet_python_logger(tensorflow: ModuleType) -> None:
    get_logger = getattr(tensorflow, "get_logger", None)  # it configures the logger on first call
    if get_logger is not None:
        get_logger().setLevel(logging.ERROR)


@contextmanager
def _known_noise_dropped_from_fd2() -> Iterator[None]:
    """Captures file descriptor 2 for the block; afterwards re-prints every line that is not NOISE."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (unusual embedding): nothing to capture
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if line.strip() and not NOISE.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
