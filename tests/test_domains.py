"""gankit.domains: MNIST-M by Ganin et al.'s recipe, unpaired halves, the unpaired pipeline."""

import numpy as np
import pytest

from gankit import domains


def flat_photos():
    """Two constant-colour 'photos': every MNIST-M pixel must be |colour - 0| or |colour - 255|."""
    return {"red": np.full((40, 50, 3), (200, 10, 30), np.uint8), "grey": np.full((30, 30, 3), 90, np.uint8)}


def digits(n=6, seed=0):
    rng = np.random.default_rng(seed)
    d = np.zeros((n, 28, 28), np.uint8)
    d[:, 8:20, 12:16] = rng.integers(1, 256, (n, 12, 4))  # a bar of ink of varying intensity
    return d


def test_mnist_m_is_abs_of_crop_minus_binarised_digit():
    out = domains.mnist_m(digits(), flat_photos(), seed=0)
    assert out.shape == (6, 28, 28, 3) and out.dtype == np.uint8
    colours = {(200, 10, 30), (90, 90, 90)}
    for image in out:
        background = tuple(image[0, 0])
        assert background in colours
        assert np.all(image[:8] == background)  # no ink: the photo itself
        ink = tuple(np.abs(255 - np.array(background)))
        assert np.all(image[8:20, 12:16] == ink)  # any ink (> 0) counts as 255: inverted colour
    assert len({tuple(image[0, 0]) for image in domains.mnist_m(digits(200), flat_photos(), seed=0)}) == 2


def test_mnist_m_is_deterministic_and_uses_real_crops_of_the_photos():
    rng = np.random.default_rng(1)
    photo = {"noise": rng.integers(0, 256, (60, 60, 3), dtype=np.uint8)}
    blank = np.zeros((5, 28, 28), np.uint8)  # no ink: MNIST-M is the crop itself
    a, b = domains.mnist_m(blank, photo, seed=3), domains.mnist_m(blank, photo, seed=3)
    assert np.array_equal(a, b) and not np.array_equal(a, domains.mnist_m(blank, photo, seed=4))
    windows = np.lib.stride_tricks.sliding_window_view(photo["noise"], (28, 28, 3))[..., 0, :, :, :]
    for image in a:
        assert np.any(np.all(windows == image, axis=(-3, -2, -1)))


def test_mnist_m_default_photos_are_the_training_photos():
    out = domains.mnist_m(digits(3), seed=0)
    assert out.shape == (3, 28, 28, 3) and out.std() > 0


@pytest.mark.parametrize(
    "bad, message",
    [(np.zeros((2, 28, 28), np.float32), "uint8"), (np.zeros((28, 28), np.uint8), "shape")],
)
def test_mnist_m_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        domains.mnist_m(bad, flat_photos())
    with pytest.raises(ValueError, match="photos"):
        domains.mnist_m(digits(), {"tiny": np.zeros((10, 10, 3), np.uint8)})


def test_unpaired_split_halves_are_disjoint_and_cover_everything():
    images = np.arange(11 * 4, dtype=np.uint8).reshape(11, 2, 2)  # each image unique
    labels = np.arange(11)
    (a, la), (b, lb) = domains.unpaired_split(images, labels, seed=0)
    assert len(a) + len(b) == 11 and not set(la) & set(lb) and set(la) | set(lb) == set(range(11))
    assert np.array_equal(images[la], a) and np.array_equal(images[lb], b)  # labels still match their images
    with pytest.raises(ValueError, match="labels"):
        domains.unpaired_split(images, labels[:5])


def test_model_range_and_grey():
    grey = domains.to_model_range(np.array([[[0, 255]]], np.uint8))
    assert grey.shape == (1, 1, 2, 3) and grey.min() == -1.0 and grey.max() == 1.0
    colour = domains.to_model_range(np.full((1, 2, 2, 3), (255, 0, 255), np.uint8))
    np.testing.assert_allclose(domains.to_grey(colour), np.full((1, 2, 2, 1), 1 / 3), rtol=1e-6)
    with pytest.raises(ValueError, match="uint8"):
        domains.to_model_range(np.zeros((1, 2, 2), np.float32))
    with pytest.raises(ValueError, match="shape|\\(n, h, w, 3\\)"):
        domains.to_grey(np.zeros((1, 2, 2, 1)))


def test_unpaired_dataset_shuffles_each_domain_on_its_own():
    a = np.arange(40, dtype="float32").reshape(40, 1, 1, 1)
    b = -np.arange(24, dtype="float32").reshape(24, 1, 1, 1)
    batches = [(x.numpy().ravel(), y.numpy().ravel()) for x, y in domains.unpaired_dataset(a, b, 8, seed=0).take(6)]
    xs = np.concatenate([x for x, _ in batches[:5]])
    ys = np.concatenate([y for _, y in batches[:3]])
    assert sorted(xs) == list(range(40)) and sorted(-ys) == list(range(24))  # each domain: one full pass, no repeats
    assert not np.array_equal(xs, np.arange(40))  # shuffled
    with pytest.raises(ValueError, match="batch_size"):
        domains.unpaired_dataset(a, b[:4], 8)


def test_unpaired_dataset_gives_every_iterator_the_same_batches():
    a = np.random.default_rng(0).random((40, 4, 4, 3)).astype("float32")
    b = np.random.default_rng(1).random((30, 4, 4, 3)).astype("float32")
    ds = domains.unpaired_dataset(a, b, batch_size=8, seed=2)
    first = [(x.numpy(), y.numpy()) for x, y in ds.take(12)]
    again = [(x.numpy(), y.numpy()) for x, y in ds.take(12)]
    assert all(np.array_equal(p[0], q[0]) and np.array_equal(p[1], q[1]) for p, q in zip(first, again))
    assert not np.array_equal(first[0][0], first[5][0])  # a new epoch, in a new order


def test_unpaired_dataset_seeds_never_shuffle_one_domain_like_anothers():
    """Bug: domain b was shuffled with seed + 1, so seed 0's domain b came in the order of seed 1's domain a."""
    x = np.arange(16, dtype="float32").reshape(16, 1, 1, 1)
    y = 100 + x
    first = [b.numpy().ravel() for _, b in domains.unpaired_dataset(x, y, 8, seed=0).take(4)]
    second = [a.numpy().ravel() for a, _ in domains.unpaired_dataset(y, x, 8, seed=1).take(4)]
    assert not all(np.array_equal(p, q) for p, q in zip(first, second))
