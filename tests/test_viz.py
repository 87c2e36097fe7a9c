"""Tests of gankit.viz: grids, curves and GIFs, and their input checks."""

import numpy as np
import pytest

import gankit as gk


def images(n=6, h=4, w=5, c=1):
    return np.linspace(-1, 1, n * h * w * c, dtype="float32").reshape(n, h, w, c)


def test_tile_places_images_row_by_row_with_padding():
    canvas = gk.viz.tile(images(), rows=2, cols=3, pad=1)
    assert canvas.shape == (2 * 5 - 1, 3 * 6 - 1)
    np.testing.assert_allclose(canvas[:4, :5], (images()[0, ..., 0] + 1) / 2)
    np.testing.assert_allclose(canvas[5:, 12:], (images()[5, ..., 0] + 1) / 2)
    assert canvas[4].min() == 1.0  # white padding row
    assert gk.viz.tile(images(c=3), 2, 3).shape[-1] == 3


@pytest.mark.parametrize(
    "bad, message",
    [
        (images() * 3, r"\[-1, 1\]"),
        (np.full((4, 4, 4), np.nan, "float32"), "NaN"),
        (np.zeros((4, 4), "float32"), "shape"),
        (np.zeros((4, 4, 4, 2), "float32"), "shape"),
    ],
)
def test_bad_images_are_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        gk.viz.tile(bad, 1, 1)


def test_too_few_images_for_the_grid():
    with pytest.raises(ValueError, match="need 25 images"):
        gk.viz.show_grid(images(), 5, 5)


def test_grid_with_row_and_column_labels():
    x = np.random.default_rng(0).uniform(-1, 1, (6, 8, 8)).astype("float32")
    fig = gk.viz.show_grid(x, 2, 3, row_labels=["a", "b"], col_labels=[0, 1, 2])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    np.testing.assert_allclose(ax.get_yticks(), [4, 13])  # row centres: 8-pixel images, 1-pixel gaps
    with pytest.raises(ValueError, match="row_labels needs 2"):
        gk.viz.show_grid(x, 2, 3, row_labels=["a"])


HISTORY_KEYS = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake", "d_real", "d_fake")


def test_plot_history_draws_critic_scores_without_probability_axes():
    history = {k: np.float64([-3.0, 5.0, 40.0]) for k in HISTORY_KEYS} | {"step": np.arange(1, 4) * 10}
    for loss in ("wasserstein", gk.losses.Hinge()):
        fig = gk.viz.plot_history(history, loss=loss)
        scores = fig.axes[2]
        assert scores.get_title() == "critic scores" and scores.get_ylim()[1] >= 40.0  # not clipped to [0, 1]
        assert all(len(line.get_xdata()) == 3 for ax in fig.axes for line in ax.get_lines())  # no 1/2 or log 2 lines
    probabilities = gk.viz.plot_history(history, loss=gk.losses.NonSaturating(from_logits=True))
    assert probabilities.axes[2].get_ylim() == (-0.02, 1.02)


def test_plot_history_draws_each_curve_against_the_step_and_checks_its_keys():
    steps = np.arange(1, 4) * 10
    rng = np.random.default_rng(0)
    history = {k: rng.random(3) for k in HISTORY_KEYS} | {"step": steps}
    fig = gk.viz.plot_history(history, title="run")
    assert [ax.get_title() for ax in fig.axes] == ["losses", "discriminator accuracy", "discriminator outputs"]
    panels = [("d_loss", "g_loss"), ("d_acc_real", "d_acc_fake"), ("d_real", "d_fake")]
    for ax, keys in zip(fig.axes, panels):
        curves = [line for line in ax.get_lines() if len(line.get_xdata()) == len(steps)]
        assert len(curves) == 2
        for line, key in zip(curves, keys):
            np.testing.assert_array_equal(line.get_xdata(), steps)
            np.testing.assert_array_equal(line.get_ydata(), history[key])
    assert fig.get_suptitle() == "run"
    with pytest.raises(ValueError, match="lacks"):
        gk.viz.plot_history({"step": steps})


def test_save_gif_writes_every_frame(tmp_path):
    import imageio.v2 as imageio

    path = gk.viz.save_gif([images(), -images()], tmp_path / "sub" / "a.gif", rows=2, cols=3)
    frames = imageio.mimread(path)
    assert len(frames) == 2 and frames[0].shape[:2] == (3 * 9, 3 * 17)
    with pytest.raises(ValueError, match="no frames"):
        gk.viz.save_gif([], tmp_path / "b.gif")


def test_plot_runs_and_points():
    history = {"step": [10, 20], "d_real": [0.9, 0.7], "d_fake": [0.1, 0.3]}
    other = {"step": [10, 20], "d_real": [0.5, 0.3], "d_fake": [0.3, 0.5]}
    fig = gk.viz.plot_runs({"a": [history, other], "b": [history]})
    assert [ax.get_title() for ax in fig.axes] == ["mean D(x)", "mean D(G(z))"]
    mean_a = fig.axes[0].get_lines()[0]  # the mean over a's two runs
    np.testing.assert_allclose(mean_a.get_ydata(), [0.7, 0.5])
    assert mean_a.get_label() == "a (2 runs)"
    with pytest.raises(ValueError, match="non-empty"):
        gk.viz.plot_runs({"a": []})
    with pytest.raises(ValueError, match="'step'"):
        gk.viz.plot_runs({"a": [{"d_real": [1]}]})
    fig = gk.viz.show_points({"real": np.zeros((5, 2)), "fake": np.ones((5, 2))}, centres=np.zeros((1, 2)))
    assert [ax.get_title() for ax in fig.axes] == ["real", "fake"]
    np.testing.assert_array_equal(fig.axes[1].collections[0].get_offsets(), np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        gk.viz.show_points({"bad": np.zeros((5, 3))})


def test_show_crops_draws_one_column_per_method_and_checks_boxes():
    rng = np.random.default_rng(0)
    photos = [rng.uniform(0, 1, (64, 80, 3)), rng.integers(0, 256, (50, 50, 3), dtype=np.uint8)]
    fig = gk.viz.show_crops({"a": photos, "b": photos}, [(0, 0, 32), (10, 10, 40)], row_labels=["p", "q"])
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "a" and fig.axes[0].get_ylabel() == "p"
    shown = fig.axes[2].images[0].get_array()
    np.testing.assert_allclose(shown, photos[1][10:50, 10:50] / 255.0)
    with pytest.raises(ValueError, match="outside"):
        gk.viz.show_crops({"a": photos}, [(0, 0, 32), (30, 30, 40)])
    with pytest.raises(ValueError, match="boxes"):
        gk.viz.show_crops({"a": photos[:1]}, [(0, 0, 32), (0, 0, 32)])
    with pytest.raises(ValueError, match="row_labels"):
        gk.viz.show_crops({"a": photos}, [(0, 0, 32), (0, 0, 32)], row_labels=["one"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: gk.viz.tile(images(), 0, 3), "rows must be a positive integer, got 0"),
        (lambda: gk.viz.tile(images(), 2, 3.0), "cols must be a positive integer, got 3.0"),
        (lambda: gk.viz.tile(images(), 2, 3, pad=-1), "pad must be a non-negative integer"),
        (lambda: gk.viz.show_grid(images(), 2, 3, scale=0), "scale must be a positive number"),
        (lambda: gk.viz.show_points({"a": np.zeros((2, 2))}, lim=float("nan")), "lim must be a positive number"),
        (lambda: gk.viz.show_crops({"a": [np.zeros((4, 4, 3))]}, [(0, 0, 2)], size=-1), "size must be a positive"),
        (lambda: gk.viz.save_gif([images()], "x.gif", 2, 3, upscale=True), "upscale must be a positive integer"),
        (lambda: gk.viz.save_gif([images()], "x.gif", 2, 3, duration=0), "duration must be a positive number"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_figures_are_closed_after_each_test():
    """conftest closes every figure after a test: this one starts with none open."""
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []
    gk.viz.show_grid(images(), 2, 3)
    assert len(plt.get_fignums()) == 1


def test_tile_maps_the_given_value_range():
    unit = (images() + 1) / 2  # a sigmoid generator's images, in [0, 1]
    np.testing.assert_allclose(gk.viz.tile(unit, 2, 3, value_range=(0, 1)), gk.viz.tile(images(), 2, 3))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gk.viz.tile(images(), 2, 3, value_range=(0, 1))
    clipped = gk.viz.tile(images() * 3, 2, 3, pad=0, clip=True)  # an unbounded generator: clipped, not refused
    assert clipped.min() == 0.0 and clipped.max() == 1.0
