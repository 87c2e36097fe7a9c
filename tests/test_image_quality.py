"""gankit.image_quality: PSNR / SSIM on Y with a border crop, against hand computations and tf.image."""

import numpy as np
import pytest

import tensorflow as tf

from gankit import image_quality as iq


def photo(n=2, size=48, seed=0):
    """Smooth random colour images in [0, 1] (sums of low-frequency waves), quantized to 8 bits."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    images = np.zeros((n, size, size, 3))
    for i in range(n):
        for c in range(3):
            a, b, phase = rng.uniform(1, 4, 2).tolist() + [rng.uniform(0, 6.28)]
            images[i, ..., c] = 0.5 + 0.4 * np.sin(a * 6.28 * xx + b * 6.28 * yy + phase)
    return np.round(images * 255) / 255


def test_rgb_to_y_matches_bt601_by_hand():
    colours = np.array([[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], "float64")
    np.testing.assert_allclose(iq.rgb_to_y(colours)[:, 0], [16, 235, 16 + 65.481, 16 + 128.553, 16 + 24.966])
    # quantize: 0.3 is stored as round(76.5) = 76 (numpy rounds half to even), not 76.5
    grey = np.full((1, 3), 0.3)
    assert iq.rgb_to_y(grey)[0, 0] == pytest.approx(16 + 219 * 76 / 255)
    assert iq.rgb_to_y(grey, quantize=False)[0, 0] == pytest.approx(16 + 219 * 0.3)


def test_psnr_matches_the_formula_on_the_cropped_y_channel():
    target = photo()
    prediction = np.clip(target + np.random.default_rng(1).normal(0, 0.05, target.shape), 0, 1)
    border = 4
    y_p, y_t = iq.rgb_to_y(prediction), iq.rgb_to_y(target)
    crop = (slice(None), slice(border, -border), slice(border, -border))
    mse = ((y_p[crop] - y_t[crop]) ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(iq.psnr_y(prediction, target, border), 10 * np.log10(255**2 / mse), rtol=1e-4)


def test_ssim_is_tf_image_ssim_on_the_cropped_y_channel():
    target = photo()
    prediction = np.clip(target + np.random.default_rng(2).normal(0, 0.05, target.shape), 0, 1)
    y_p = tf.constant(iq.rgb_to_y(prediction)[:, 4:-4, 4:-4], "float32")
    y_t = tf.constant(iq.rgb_to_y(target)[:, 4:-4, 4:-4], "float32")
    expected = tf.image.ssim(y_p, y_t, max_val=255.0).numpy()
    np.testing.assert_allclose(iq.ssim_y(prediction, target), expected, rtol=1e-5)
    np.testing.assert_allclose(iq.ssim_y(target, target), 1.0, atol=1e-6)


def test_more_noise_scores_worse_and_uint8_equals_floats():
    target = photo()
    rng = np.random.default_rng(3)
    scores = [(iq.psnr_y(np.clip(target + rng.normal(0, s, target.shape), 0, 1), target).mean(),
               iq.ssim_y(np.clip(target + rng.normal(0, s, target.shape), 0, 1), target).mean()) for s in (0.01, 0.05, 0.2)]
    assert scores[0][0] > scores[1][0] > scores[2][0] and scores[0][1] > scores[1][1] > scores[2][1]
    as_uint8 = np.round(target * 255).astype("uint8")
    noisy = np.clip(target + 0.02, 0, 1)
    np.testing.assert_allclose(iq.psnr_y(noisy, as_uint8), iq.psnr_y(noisy, target))


def test_border_crop_ignores_errors_at_the_edges():
    target = photo(n=1)
    prediction = target.copy()
    prediction[:, :3] = 0.0  # wrong top rows only
    assert np.isinf(iq.psnr_y(prediction, target, border=4)[0])
    assert np.isfinite(iq.psnr_y(prediction, target, border=0)[0])
    assert iq.psnr_y(prediction[0], target[0], border=0).shape == (1,)  # a single (h, w, 3) image


@pytest.mark.parametrize(
    "prediction, target, kwargs, message",
    [
        (np.zeros((32, 32, 3)), np.zeros((32, 30, 3)), {}, "same shape"),
        (np.full((32, 32, 3), 2.0), np.zeros((32, 32, 3)), {}, r"\[0, 1\]"),
        (np.full((32, 32, 3), np.nan), np.zeros((32, 32, 3)), {}, "NaN"),
        (np.zeros((16, 16, 3)), np.zeros((16, 16, 3)), {"border": 4}, "11x11"),
        (np.zeros((32, 32, 3)), np.zeros((32, 32, 3)), {"border": -1}, "border"),
        (np.zeros((32, 32, 3), "int32"), np.zeros((32, 32, 3)), {}, "uint8 or floats"),
        (np.zeros((32, 32)), np.zeros((32, 32)), {}, "height, width"),
    ],
)
def test_bad_inputs_are_clear_errors(prediction, target, kwargs, message):
    for measure in (iq.psnr_y, iq.ssim_y):
        with pytest.raises(ValueError, match=message):
            measure(prediction, target, **kwargs)


def blur(images, sigma=1.5):
    """A separable Gaussian blur (numpy), for test inputs."""
    radius = int(3 * sigma)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    out = np.apply_along_axis(lambda v: np.convolve(np.pad(v, radius, mode="edge"), taps, "valid"), 1, images)
    return np.apply_along_axis(lambda v: np.convolve(np.pad(v, radius, mode="edge"), taps, "valid"), 2, out)


def test_detail_ratio_is_one_for_the_target_below_for_blur_above_for_noise():
    target = np.clip(photo(size=64) + np.random.default_rng(3).normal(0, 0.05, (2, 64, 64, 3)), 0, 1)
    np.testing.assert_allclose(iq.detail_ratio(target, target), [1.0, 1.0], rtol=1e-6)
    blurred = iq.detail_ratio(blur(target), target)
    noisy = iq.detail_ratio(np.clip(target + np.random.default_rng(4).normal(0, 0.1, target.shape), 0, 1), target)
    assert np.all(blurred < 0.7) and np.all(noisy > 1.3)
    assert np.all(iq.detail_ratio(blur(target, 3.0), target) < blurred)  # more blur, less detail
    with pytest.raises(ValueError, match="sigma"):
        iq.detail_ratio(target, target, sigma=0)


def test_evaluate_sr_scores_each_photo_with_psnr_ssim_and_detail():
    hr = [photo(1, 64, seed=s)[0] for s in (5, 6)]
    lr = [tf.image.resize(h, (16, 16), method="bicubic", antialias=True).numpy() for h in hr]
    upscale = lambda x: tf.image.resize(x, (x.shape[1] * 4, x.shape[2] * 4), method="bicubic")  # noqa: E731
    scores = iq.evaluate_sr(upscale, lr, hr, border=4, names=["a", "b"])
    assert list(scores["per_photo"]) == ["a", "b"]
    for name, h, out in zip("ab", hr, scores["outputs"]):
        assert out.shape == h.shape and out.min() >= 0 and out.max() <= 1
        assert scores["per_photo"][name]["psnr"] == pytest.approx(float(iq.psnr_y(out, h)[0]))
        assert scores["per_photo"][name]["ssim"] == pytest.approx(float(iq.ssim_y(out, h)[0]))
    assert scores["psnr"] == pytest.approx(np.mean([r["psnr"] for r in scores["per_photo"].values()]))
    perfect = iq.evaluate_sr(lambda x: np.stack(hr[:1]), lr[:1], hr[:1])
    assert perfect["psnr"] == np.inf and perfect["detail"] == pytest.approx(1.0)


def test_evaluate_sr_errors():
    hr = [photo(1, 64)[0]]
    lr = [hr[0][::4, ::4]]
    with pytest.raises(ValueError, match="as many"):
        iq.evaluate_sr(lambda x: x, lr, hr + hr)
    with pytest.raises(ValueError, match="shape"):
        iq.evaluate_sr(lambda x: x, lr, hr)  # forgot to upscale
    with pytest.raises(ValueError, match="NaN"):
        iq.evaluate_sr(lambda x: np.full((1, 64, 64, 3), np.nan), lr, hr)


def test_psnr_curve_records_held_out_psnr_during_fit():
    import keras

    hr = [photo(1, 64, seed=s)[0] for s in (7, 8)]
    lr = [tf.image.resize(h, (16, 16), method="bicubic", antialias=True).numpy() for h in hr]
    model = keras.Sequential([keras.Input((None, None, 3)), keras.layers.UpSampling2D(4, interpolation="bicubic"),
                              keras.layers.Conv2D(3, 3, padding="same")])
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    x = np.stack([l for l in lr] * 4).astype("float32")
    y = np.stack([h for h in hr] * 4).astype("float32")
    curve = iq.PSNRCurve(lr, hr, every=2)
    model.fit(x, y, batch_size=4, epochs=4, callbacks=[curve], verbose=0)
    assert curve.steps == [4, 8] and len(curve.psnr) == len(curve.ssim) == 2
    outputs = [np.clip(model(l[None]).numpy()[0], 0, 1) for l in lr]
    assert curve.psnr[-1] == pytest.approx(np.mean([iq.psnr_y(o, h)[0] for o, h in zip(outputs, hr)]))
    with pytest.raises(ValueError, match="every"):
        iq.PSNRCurve(lr, hr, every=0)
