"""What `make test` collects, and in which order (two xdist workers, one file per worker at a time).

* Notebooks 01 and 05 are checked from the installed wheel, outside the repository
  (tests/test_wheel.py): with ``GANKIT_WHEEL_NOTEBOOKS=1`` (set by `make test`) they are not also
  checked here. Without it (``pytest notebooks --nbval`` by hand) every notebook runs here.
* The longest files go first: the wheel test, then the notebooks, later (heavier) ones first, then
  the unit-test files that hold a test marked ``slow`` (test_train alone takes over a minute), so
  that the short unit-test files fill the gaps at the end instead of one long file running alone
  while the other worker idles (with the slow files last in alphabetical order, test_train ran at
  the very end: a simulation of the two workers with one run's per-file times gave 531 s instead
  of 505 s). With ``--no-loadscope-reorder`` xdist hands files out in this order.
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
    slow_files = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}

    def key(item):
        path = item.nodeid.split("::")[0]
        if path.endswith("test_wheel.py"):
            return (0, "")
        if path.endswith(".ipynb"):
            return (1, "".join(chr(255 - ord(c)) for c in path))  # notebooks, 06 first
        return (2, "" if path in slow_files else "~")  # then the unit tests, slow files first (the sort is stable)

    items.sort(key=key)
