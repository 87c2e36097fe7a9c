"""Tests of gankit.pretrained (generators of the stored full runs, loaded in one call) and of tools.ship, which
ships them from a full run."""

import json
import os
import time

import keras
import numpy as np
import pytest

import tools.ship
from gankit import pretrained
from tools import run


def tiny_generator(latent_dim=100):
    """A dense z (batch, latent_dim) -> (batch, 28, 28, 1) tanh generator: the DCGAN's interface."""
    z = keras.Input((latent_dim,))
    x = keras.layers.Dense(28 * 28, activation="tanh")(z)
    return keras.Model(z, keras.layers.Reshape((28, 28, 1))(x))


def saved(folder, name, age_s=0.0):
    """Saves a tiny generator as ``folder/generators/name``, its mtime ``age_s`` seconds ago."""
    path = folder / "generators" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tiny_generator().save(path)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_capture_ships_only_what_this_notebooks_run_saved(tmp_path, write_notebook):
    notebook = write_notebook(tmp_path / "03_dcgan.ipynb", "1")
    saved(tmp_path, "03_dcgan_generator.keras")
    saved(tmp_path, "04_cgan_generator.keras")  # another notebook's file: not this run's to ship
    ship = tmp_path / "shipped"
    names = tools.ship.capture(notebook, time.time() - 60, {"dataset": "mnist"}, {"mode": "full"}, destination=ship)
    assert names == ["dcgan"]
    assert sorted(p.name for p in ship.iterdir()) == ["dcgan.json", "dcgan.keras"]
    card = json.loads((ship / "dcgan.json").read_text())
    assert card["result"] == {"dataset": "mnist"} and card["run"] == {"mode": "full"}
    assert card["notebook"] == "notebooks/03_dcgan.ipynb"
    assert 0.0 <= card["confident_share_1000_samples"] <= 1.0
    assert card["scored_on"] == "1000 samples, keras.random.normal seed 0"


def test_capture_skips_a_generator_saved_before_the_run(tmp_path, write_notebook):
    notebook = write_notebook(tmp_path / "03_dcgan.ipynb", "1")
    saved(tmp_path, "03_dcgan_generator.keras", age_s=3600)  # e.g. left by a quick run an hour ago
    ship = tmp_path / "shipped"
    assert tools.ship.capture(notebook, time.time() - 60, destination=ship) == []
    assert not ship.exists()


def test_capture_refuses_to_go_over_the_size_budget_and_writes_nothing(tmp_path, monkeypatch, write_notebook):
    notebook = write_notebook(tmp_path / "03_dcgan.ipynb", "1")
    saved(tmp_path, "03_dcgan_generator.keras")
    monkeypatch.setattr(tools.ship, "MAX_TOTAL_BYTES", 1_000)
    ship = tmp_path / "shipped"
    with pytest.raises(RuntimeError, match="over 1,000 bytes"):
        tools.ship.capture(notebook, time.time() - 60, destination=ship)
    assert not ship.exists()


@pytest.mark.slow
def test_a_full_run_ships_its_generator_and_a_quick_run_does_not(tmp_path, monkeypatch, write_notebook):
    ship = tmp_path / "shipped"
    monkeypatch.setattr(pretrained, "GENERATORS", ship)
    result = 'print("RESULT " + \'{"notebook": "03_dcgan"}\')'
    saved = "from pathlib import Path\nPath('generators').mkdir(exist_ok=True)\n"
    (tmp_path / "quick").mkdir()
    quick = write_notebook(tmp_path / "quick" / "03_dcgan.ipynb",  # a quick run with a saved generator file ...
                           saved + "Path('generators/03_dcgan_generator.keras').write_bytes(b'G')", result)
    run.execute(quick, "quick", timeout=600)
    assert not ship.exists()  # ... ships nothing (no TensorFlow in this kernel: one start fewer)
    cell = ("import keras\n" + saved + "z = keras.Input((100,))\n"
            "g = keras.Model(z, keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation='tanh')(z)))\n"
            "g.save('generators/03_dcgan_generator.keras')")
    notebook = write_notebook(tmp_path / "03_dcgan.ipynb", cell, result)
    run.execute(notebook, "full", timeout=600)
    assert sorted(p.name for p in ship.iterdir()) == ["dcgan.json", "dcgan.keras"]
    card = json.loads((ship / "dcgan.json").read_text())
    assert card["result"] == {"notebook": "03_dcgan"} and card["run"]["mode"] == "full"


def test_unknown_and_missing_names_say_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="dcgan"):
        pretrained.load("dcgam")
    monkeypatch.setattr(pretrained, "GENERATORS", tmp_path)
    assert pretrained.available() == []
    with pytest.raises(RuntimeError, match="not shipped.*03_dcgan.ipynb"):
        pretrained.load("dcgan")
    with pytest.raises(RuntimeError, match="not shipped"):
        pretrained.card("dcgan")


def test_a_damaged_shipped_file_gets_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "GENERATORS", tmp_path)
    (tmp_path / "dcgan.keras").write_bytes(b"not a keras file")
    (tmp_path / "dcgan.json").write_text("{}")
    with pytest.raises(RuntimeError, match="does not load.*Reinstall gankit"):
        pretrained.load("dcgan")


def test_shipped_generators_fit_the_budget_and_their_cards():
    sizes = [p.stat().st_size for p in pretrained.GENERATORS.glob("*.keras")] if pretrained.GENERATORS.exists() else []
    assert sum(sizes) <= tools.ship.MAX_TOTAL_BYTES
    for name in pretrained.available():
        card = pretrained.card(name)
        assert card["name"] == name and card["run"]["mode"] == "full", card  # only a stored full run ships


SHAPES = {"dcgan": (8, 28, 28, 1), "cgan": (8, 28, 28, 1), "cyclegan_mnistm_to_mnist": (8, 28, 28, 3)}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shipped_generator_draws_what_its_card_says(name):
    assert set(SHAPES) == set(pretrained.SHIPPED)
    if name not in pretrained.available():
        pytest.skip(f"{name} is not captured in this checkout")
    g = pretrained.load(name)
    if name == "cyclegan_mnistm_to_mnist":
        inputs = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 3)).astype("float32")
    else:
        z = keras.random.normal((8, 100), seed=0)
        inputs = [z, np.arange(8)] if pretrained.SHIPPED[name].num_classes else z
    images = g.predict(inputs, verbose=0)
    assert images.shape == SHAPES[name] and np.all(np.abs(images) <= 1.0)
    card = pretrained.card(name)
    measured = tools.ship.confident_share(g, pretrained.SHIPPED[name], dataset=card["result"].get("dataset", "mnist"))
    assert measured["share"] >= 0.5, card  # most outputs are digits the classifier names confidently (1,000 offline real test digits: 0.922)
    if measured["scored_on"] == card["scored_on"]:  # the translator's inputs are other digits where another MNIST source loads
        assert measured["share"] == pytest.approx(card["confident_share_1000_samples"], abs=0.02)
