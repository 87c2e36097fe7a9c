"""Shared test set-up."""

import sys

import pytest

import gankit.download


@pytest.fixture(autouse=True)
def _fresh_online_memory():
    """Each test sees the network afresh (gankit.download remembers a failed download per process)."""
    gankit.download.forget_failures()
    yield
    gankit.download.forget_failures()


@pytest.fixture(autouse=True)
def _close_figures():
    """Closes every matplotlib figure a test opened (pyplot keeps them all alive otherwise).

    Imports nothing: a test run that never used pyplot does not pay for importing it.
    """
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def write_notebook():
    """``write_notebook(path, *sources)``: a notebook of code cells at ``path`` (returns ``path``)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    def write(path, *sources):
        nb = new_notebook(cells=[new_code_cell(s) for s in sources])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, path)
        return path

    return write
