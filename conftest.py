"""What `make test` collects, and in which order (two xdist workers, one file per worker at a time).

* Notebooks 01 and 05 are checked from the installed wheel, outside the repository
  (tests/test_wheel.py): with ``GANKIT_WHEEL_NOTEBOOKS=1`` (set by `make test`) they are not also
  checked here. Without it (``pytest notebooks --nbval`` by hand) every notebook runs here.
* The longest files go first: the wheel test, then the notebooks, later (heavier) ones first, so
  that the short unit-test files fill the gaps at the end instead of one notebook running alone
  while the other worker idles. With ``--no-loadscope-reorder`` xdist hands files out in this order.
"""

from __future__ import annotations

import os
from pathlib import Path

WHEEL_NOTEBOOKS = ("01_intro_gan.ipynb", "05_super_resolution.ipynb")  # tests/test_wheel.py's NOTEBOOKS


def pytest_ignore_collect(collection_path: Path, config):
    if os.environ.get("GANKIT_WHEEL_NOTEBOOKS") == "1" and collection_path.name in WHEEL_NOTEBOOKS:
        return True
    return None


def pytest_collection_modifyitems(session, config, items):
    def key(item):
        path = item.nodeid.split("::")[0]
        if path.endswith("test_wheel.py"):
            return (0, "")
        if path.endswith(".ipynb"):
            return (1, "".join(chr(255 - ord(c)) for c in path))  # notebooks, 06 first
        return (2, "")  # then the unit tests, in their usual order (the sort is stable)

    items.sort(key=key)
