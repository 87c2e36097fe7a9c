"""gankit.toy: the ring of Gaussians and its mode-coverage measure."""

import numpy as np
import pytest

import gankit as gk


def test_perfect_samples_cover_every_mode():
    x = gk.toy.sample_ring(4000, seed=1)
    cover = gk.toy.mode_coverage(x)
    assert cover["modes_covered"] == 8
    assert cover["high_quality"] > 0.98  # 3 std in 2-D holds 98.9% of a Gaussian
    assert min(cover["counts"]) > 400


def test_collapsed_and_blurry_samples_are_caught():
    centres = gk.toy.ring_centres()
    one_mode = centres[3] + 0.02 * np.random.default_rng(0).standard_normal((1000, 2))
    cover = gk.toy.mode_coverage(one_mode)
    assert cover["modes_covered"] == 1 and cover["counts"][3] > 950
    blurry = np.random.default_rng(0).standard_normal((1000, 2))  # spread everywhere, near no mode
    cover = gk.toy.mode_coverage(blurry)
    assert cover["high_quality"] < 0.05 and cover["modes_covered"] == 0


def test_ring_dataset_is_deterministic_and_resumable():
    ds = gk.toy.ring_dataset(64, seed=5)
    batches = [b.numpy() for b in ds.take(3)]
    again = [b.numpy() for b in gk.toy.ring_dataset(64, seed=5).skip(2).take(1)]
    assert batches[0].shape == (64, 2) and batches[0].dtype == np.float32
    np.testing.assert_array_equal(batches[2], again[0])
    assert not np.array_equal(batches[0], batches[1])
    assert gk.toy.mode_coverage(np.concatenate(batches))["modes_covered"] == 8


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        gk.toy.mode_coverage(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        gk.toy.mode_coverage(np.full((10, 2), np.nan))
    with pytest.raises(ValueError, match="modes"):
        gk.toy.sample_ring(10, modes=0)
    with pytest.raises(ValueError, match="batch_size"):
        gk.toy.ring_dataset(0)
