"""Quiet TensorFlow's start-up logging before anything else imports TensorFlow.

Imported first by ``gankit/__init__.py``. Strict ``pytest --nbval`` compares a notebook's stderr
(and Jupyter forwards the kernel's file descriptor 2 to the notebook), so log noise would make
notebooks fail their checks and bury real messages. Two sources are handled:

* TensorFlow's Python/C++ logs, controlled by ``TF_CPP_MIN_LOG_LEVEL`` (set here, before import);
* lines the shared libraries print while loading, before absl logging is initialised
  (``WARNING: All log messages before absl::InitializeLog()``, ``cudart_stub.cc ... Could not
  find cuda drivers``, the oneDNN notice). No environment variable silences them, so the import
  runs with fd 2 captured and every captured line that is *not* such known noise is passed on.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

warnings.filterwarnings("ignore", category=DeprecationWarning)

NOISE = re.compile(
    r"absl::InitializeLog|cudart_stub\.cc|oneDNN custom operations|TF_ENABLE_ONEDNN_OPTS"
    r"|Unable to register cu(DNN|FFT|BLAS)|rebuild TensorFlow with the appropriate compiler flags"
    r"|cuda_dnn|computation placer already registered"
)


def _import_tensorflow_quietly() -> None:
    if "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (unusual embedding): import normally
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
    kept = [line for line in text.splitlines() if line.strip() and not NOISE.search(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)


_import_tensorflow_quietly()

# TensorFlow's Python logger prints retracing notices ("5 out of the last 7 calls to ... triggered
# tf.function retracing") when several small models are built in one notebook; keep errors only.
import tensorflow as _tf  # noqa: E402

_tf.get_logger().setLevel("ERROR")
