"""gankit.photos: the held-out split never meets training, and the (LR, HR) pipeline."""

import numpy as np
import pytest

from gankit import photos


@pytest.fixture(scope="module")
def splits():
    return photos.load_photos("train", verbose=False), photos.load_photos("test", verbose=False)


def test_held_out_photos_are_fixed_named_and_never_in_training(splits):
    train, test = splits
    assert tuple(test) == photos.TEST_PHOTOS == ("astronaut", "chelsea", "coffee")
    assert not set(train) & set(test)
    fingerprints = {photos._fingerprint(image) for image in test.values()}
    assert not any(photos._fingerprint(image) in fingerprints for image in train.values())
    # both views of the stereo pair are on the training side
    assert {"motorcycle_left", "motorcycle_right"} <= set(train)
    for image in list(train.values()) + list(test.values()):
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and min(image.shape[:2]) >= 96
    assert len(train) >= 6


def test_a_training_copy_of_a_test_photo_is_refused(splits, tmp_path, monkeypatch):
    import imageio.v3 as iio

    iio.imwrite(tmp_path / "copy.png", splits[1]["coffee"])
    monkeypatch.setenv("GANKIT_PHOTO_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="held-out"):
        photos.load_photos("train", verbose=False)
    assert (tmp_path / "copy.png").exists()  # nothing deleted


def test_extra_folder_adds_training_photos_and_skips_junk(tmp_path, monkeypatch):
    import imageio.v3 as iio

    rng = np.random.default_rng(0)
    iio.imwrite(tmp_path / "mine.png", rng.integers(0, 256, (120, 130, 3), dtype=np.uint8))
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    monkeypatch.setenv("GANKIT_PHOTO_DIR", str(tmp_path))
    train = photos.load_photos("train", verbose=False)
    assert f"{tmp_path.name}/mine" in train and f"{tmp_path.name}/broken" not in train
    assert (tmp_path / "broken.jpg").exists()


def test_sr_pairs_come_only_from_the_given_photos():
    """Constant-colour 'photos': every HR patch must be one of their colours, LR its downscale."""
    colours = {f"c{i}": np.full((100 + 10 * i, 120, 3), 40 * i + 20, np.uint8) for i in range(4)}
    dataset = photos.sr_dataset(colours, crop=32, scale=4, batch_size=8, seed=1)
    lr, hr = next(iter(dataset))
    assert lr.shape == (8, 8, 8, 3) and hr.shape == (8, 32, 32, 3)
    allowed = {40 * i + 20 for i in range(4)}
    for patch in hr.numpy():
        value = round(float(patch[0, 0, 0]) * 255)
        assert value in allowed and np.allclose(patch, value / 255)
    np.testing.assert_allclose(lr.numpy(), photos.downscale(hr, 4).numpy())


def test_sr_dataset_is_deterministic_and_random_across_batches(splits):
    train = {k: v for k, v in list(splits[0].items())[:3]}
    first = [b[1].numpy() for b in photos.sr_dataset(train, crop=48, batch_size=4, seed=3).take(2)]
    again = [b[1].numpy() for b in photos.sr_dataset(train, crop=48, batch_size=4, seed=3).take(2)]
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], first[1])
    assert 0.0 <= first[0].min() and first[0].max() <= 1.0


def test_detail_is_the_mean_luma_step():
    flat = np.full((1, 8, 8, 3), 0.3, "float32")
    stripes = np.zeros((1, 8, 8, 3), "float32")
    stripes[:, :, ::2] = 1.0  # columns alternate black / white: every horizontal step is 1, vertical 0
    np.testing.assert_allclose(photos.detail(np.concatenate([flat, stripes])).numpy(), [0.0, 1.0], atol=1e-6)


def test_sr_dataset_skips_flat_windows_and_never_stalls():
    """Half of the photo is flat grey, half noise: with min_detail every patch comes from the noise."""
    rng = np.random.default_rng(0)
    photo = np.full((64, 256, 3), 128, np.uint8)
    photo[:, 128:] = rng.integers(0, 256, (64, 128, 3), dtype=np.uint8)
    def details(**kwargs):
        batches = photos.sr_dataset({"half": photo}, crop=32, batch_size=16, seed=0, **kwargs).take(4)
        return np.concatenate([photos.detail(hr).numpy() for _, hr in batches])
    assert (details(min_detail=0.01) >= 0.01).all()
    noise = {"noise": photo[:, 128:]}  # every window passes: the same patches as without the test
    kept, first = (next(iter(photos.sr_dataset(noise, crop=32, batch_size=8, min_detail=m)))[1] for m in (0.01, 0.0))
    np.testing.assert_array_equal(kept.numpy(), first.numpy())
    assert (details(min_detail=0.0) < 0.01).mean() > 0.2  # without the test, flat windows come through
    flat = photos.sr_dataset({"grey": np.full((64, 64, 3), 9, np.uint8)}, crop=32, batch_size=4, min_detail=0.5, tries=64)
    lr, hr = next(iter(flat))  # no window passes: the most detailed is kept, nothing hangs
    assert hr.shape == (4, 32, 32, 3)


def test_downscale_is_bicubic_and_checks_sizes():
    image = np.random.default_rng(0).uniform(0, 1, (2, 16, 24, 3)).astype("float32")
    small = photos.downscale(image, 4).numpy()
    assert small.shape == (2, 4, 6, 3)
    # a constant image stays constant
    np.testing.assert_allclose(photos.downscale(np.full((8, 8, 3), 0.25, "float32"), 2).numpy(), 0.25, atol=1e-6)
    with pytest.raises(ValueError, match="multiple of scale"):
        photos.downscale(np.zeros((10, 12, 3), "float32"), 4)
    assert photos.crop_to_multiple(np.zeros((10, 13, 3)), 4).shape == (8, 12, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"crop": 30, "scale": 4}, "multiple of scale"), ({"crop": 500}, "smaller than crop"), ({"batch_size": 0}, "batch_size"),
     ({"tries": 0}, "tries"), ({"tries": 100}, "tries"), ({"min_detail": 1.5}, "min_detail")],
)
def test_sr_dataset_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        photos.sr_dataset({"a": np.zeros((200, 200, 3), np.uint8)}, **kwargs)


def test_bad_split_and_missing_scikit_image(monkeypatch):
    import sys

    with pytest.raises(ValueError, match="split"):
        photos.load_photos("valid")
    monkeypatch.setitem(sys.modules, "skimage", None)  # as if it were not installed: import fails
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(RuntimeError, match="make setup"):
        photos.load_photos("test")


def test_max_side_shrinks_only_large_photos_and_checks_leaks_first(splits, tmp_path, monkeypatch):
    import imageio.v3 as iio

    rng = np.random.default_rng(0)
    big = np.kron(rng.integers(0, 256, (60, 40, 3), dtype=np.uint8), np.ones((10, 10, 1), np.uint8))  # 600 x 400
    iio.imwrite(tmp_path / "big.png", big)
    monkeypatch.setenv("GANKIT_PHOTO_DIR", str(tmp_path))
    full = photos.load_photos("train", verbose=False)
    small = photos.load_photos("train", verbose=False, max_side=300)
    assert small.keys() == full.keys()
    shrunk = small[f"{tmp_path.name}/big"]
    assert shrunk.shape == (300, 200, 3) and shrunk.dtype == np.uint8
    assert abs(float(shrunk.mean()) - float(big.mean())) < 2.0  # same picture, smaller
    for name, image in small.items():
        assert max(image.shape[:2]) <= 300
        if max(full[name].shape[:2]) <= 300:
            assert np.array_equal(image, full[name])  # small photos untouched
    # a copy of a test photo is refused even when shrinking would hide its fingerprint
    iio.imwrite(tmp_path / "copy.png", splits[1]["astronaut"])
    with pytest.raises(RuntimeError, match="held-out"):
        photos.load_photos("train", verbose=False, max_side=100)


@pytest.mark.parametrize("max_side", [0, 8, 2.5, True, "800"])
def test_max_side_errors(max_side):
    with pytest.raises(ValueError, match="max_side"):
        photos.load_photos("test", verbose=False, max_side=max_side)


def _record_seeds(monkeypatch):
    """Wraps the seeded ops of a patch (crop windows, flip, rotation) to record the seed each one gets."""
    import tensorflow as tf

    seen = []

    def spy(name, op):
        def wrapped(*args, seed, **kwargs):
            record = tf.py_function(lambda s: seen.append((name, tuple(s.numpy().tolist()))) or 0, [seed], tf.int32)
            with tf.control_dependencies([record]):
                return op(*args, seed=tf.identity(seed), **kwargs)
        return wrapped

    for module, name in ((tf.image, "stateless_random_crop"), (tf.image, "stateless_random_flip_left_right"),
                         (tf.random, "stateless_uniform")):
        monkeypatch.setattr(module, name, spy(name, getattr(module, name)))
    return seen


def test_each_random_choice_of_a_patch_has_its_own_seed(monkeypatch):
    """Bug: photo i's crop, flip and rotation of step k used keys (s, k), (s, k) + 1 and (s, k) + 2
    with s = seed * 1000 + i: the flip reused the crop seed of photo i + 1's step k + 1, the rotation
    that of photo i + 2's step k + 2."""
    seen = _record_seeds(monkeypatch)
    rng = np.random.default_rng(0)
    three = {f"p{i}": rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for i in range(3)}
    for min_detail in (0.0, 0.01):
        seen.clear()
        for _ in photos.sr_dataset(three, crop=32, batch_size=4, min_detail=min_detail, tries=3).take(6):
            pass
        names = {name for name, _ in seen}
        assert names == {"stateless_random_crop", "stateless_random_flip_left_right", "stateless_uniform"}
        seeds = [s for _, s in list(seen)]
        assert len(seeds) >= 3 * 24 and len(set(seeds)) == len(seeds), "a seed is used twice"


def test_photo_streams_of_different_seeds_never_coincide(monkeypatch):
    """Bug: photo i of seed s was streamed with seed * 1000 + i, so photo 1000 of seed 0 was
    cropped exactly like photo 0 of seed 1."""
    import tensorflow as tf

    streams = []

    def fake_stream(image, stream, *args):
        streams.append(tuple(np.ravel(np.asarray(stream)).tolist()))
        return tf.data.Dataset.from_tensors(tf.zeros((8, 8, 3))).repeat()

    monkeypatch.setattr(photos, "_patch_stream", fake_stream)
    tiny = {f"p{i}": np.zeros((8, 8, 3), np.uint8) for i in range(1001)}
    photos.sr_dataset(tiny, crop=8, scale=4, batch_size=2, seed=0)
    photos.sr_dataset({"q": tiny["p0"]}, crop=8, scale=4, batch_size=2, seed=1)
    assert len(streams) == 1002
    assert streams[1000] != streams[1001], "photo 1000 of seed 0 and photo 0 of seed 1 share a stream"
    assert len(set(streams)) == len(streams)
