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
