"""Test-run ordering for `make test` (two xdist workers, one file per worker at a time).

The notebooks are the longest test files (notebook 06 alone takes a quarter of the run): they are
collected first, the later (heavier) notebooks first, so that the short unit-test files fill the
gaps at the end instead of one notebook running alone while the other worker idles. With
``--no-loadscope-reorder`` xdist hands the files out in this order.
"""


def pytest_collection_modifyitems(session, config, items):
    def key(item):
        path = item.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            return (0, "".join(chr(255 - ord(c)) for c in path))  # notebooks, 06 first
        return (1, "")  # then the unit tests, in their usual order (the sort is stable)

    items.sort(key=key)
