"""Shared test set-up."""

import pytest

import gankit.data


@pytest.fixture(autouse=True)
def _fresh_online_memory():
    """Each test sees the network afresh (load_mnist remembers a failed download per process)."""
    gankit.data._ONLINE_FAILURES.clear()
    yield
    gankit.data._ONLINE_FAILURES.clear()
