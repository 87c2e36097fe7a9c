"""Generators from the course's stored full runs, shipped in the package: sample without training.

A learner on a slow laptop can load a trained generator in one call and explore it (latent walks,
class grids) before, or instead of, training their own::

    import gankit as gk
    g = gk.pretrained.load("dcgan")                # notebook 3's DCGAN, MNIST digits
    images = g.predict(keras.random.normal((16, 100), seed=0), verbose=0)   # (16, 28, 28, 1) in [-1, 1]
    gk.pretrained.card("dcgan")                    # which run made it, and its measured quality

Where they come from: ``python -m gankit.run notebooks/NN_name.ipynb`` (full mode, the run whose
outputs are stored) calls :func:`capture` after a successful run. It copies the generator the
notebook saved under ``notebooks/generators/`` during *that* run into ``gankit/assets/generators/``
with a JSON card: the notebook's RESULT line, the run's date and length, and the classifier's
confident share on 1,000 fresh samples (notebook 6's translator: on 1,000 MNIST-M test digits it
translated). Quick runs (CI, nbval) never write there, so a shipped generator is always a stored
full run's.

:data:`SHIPPED` lists what may ship; a name whose file is absent has not been captured yet (its
notebook's next full run captures it), and :func:`load` says so.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gankit import checks

GENERATORS = Path(__file__).resolve().parent / "assets" / "generators"
"""Where shipped generators and their cards live (package data)."""

MAX_TOTAL_BYTES = 5_000_000
"""Size budget of all shipped generators together (the package must stay small)."""


@dataclass(frozen=True)
class Shipped:
    """One generator that may ship.

    Attributes:
        notebook: the notebook's stem, e.g. ``"03_dcgan"``.
        saved_as: the file name it saves under ``notebooks/generators/``.
        description: what it maps, with shapes.
        num_classes: for a conditional generator (input ``[z, labels]``), its number of classes.
    """

    notebook: str
    saved_as: str
    description: str
    num_classes: int | None = None


SHIPPED = {
    "dcgan": Shipped("03_dcgan", "03_dcgan_generator.keras",
                     "notebook 3's DCGAN: z (batch, 100) standard normal -> MNIST digits (batch, 28, 28, 1) in [-1, 1]"),
    "cgan": Shipped("04_cgan", "04_cgan_generator.keras",
                    "notebook 4's conditional DCGAN: [z (batch, 100), labels (batch,) int 0-9] -> digits of those "
                    "classes (batch, 28, 28, 1) in [-1, 1]", num_classes=10),
    "cyclegan_mnistm_to_mnist": Shipped("06_cyclegan", "06_cyclegan_F.keras",
                                        "notebook 6's CycleGAN F: MNIST-M images (batch, 28, 28, 3) in [-1, 1] -> "
                                        "MNIST-style digits (batch, 28, 28, 3), grey (gk.domains.to_grey for the "
                                        "digit classifier)"),
}
"""The shippable generators by name. The MLP generators of notebooks 1 and 2 (6 MB each) and notebook 5's
SRGAN (its ``PixelShuffle`` layer is defined in the notebook) are left out."""


def _paths(name: str) -> tuple[Path, Path]:
    return GENERATORS / f"{name}.keras", GENERATORS / f"{name}.json"


def available() -> list[str]:
    """Names of the generators shipped in this installation (captured from a stored full run)."""
    return [name for name in SHIPPED if _paths(name)[0].exists()]


def card(name: str) -> dict:
    """The card of a shipped generator: the run that made it and its measured quality.

    Raises:
        ValueError: for a name not in :data:`SHIPPED`.
        RuntimeError: if the generator has not been captured yet.
    """
    _check_shipped(name)
    return json.loads(_paths(name)[1].read_text(encoding="utf-8"))


def load(name: str):
    """The shipped generator ``name`` as a ``keras.Model`` (see :data:`SHIPPED` for its inputs).

    Raises:
        ValueError: for a name not in :data:`SHIPPED` (the message lists the names).
        RuntimeError: if it has not been captured yet, or its file does not load.
    """
    import keras

    path = _check_shipped(name)
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as error:  # a damaged file: say which and what to do
        raise RuntimeError(f"The shipped generator {path} does not load ({type(error).__name__}: {error}). "
                           f"Reinstall gankit, or re-run notebooks/{SHIPPED[name].notebook}.ipynb in full mode "
                           f"with `python -m gankit.run` to capture it again.") from None


def _check_shipped(name: str) -> Path:
    checks.choice(name, "name", tuple(SHIPPED))
    path, card_path = _paths(name)
    if not (path.exists() and card_path.exists()):
        raise RuntimeError(f"{name!r} is not shipped in this installation yet (shipped: {available() or 'none'}). "
                           f"Train it in notebooks/{SHIPPED[name].notebook}.ipynb, or capture it with "
                           f"`python -m gankit.run notebooks/{SHIPPED[name].notebook}.ipynb` (full mode).")
    return path


def confident_share(generator, shipped: Shipped, n: int = 1_000, seed: int = 0, dataset: str = "mnist") -> dict:
    """The share of ``n`` outputs of ``generator`` that ``dataset``'s classifier names with confidence.

    A generator from noise draws ``n`` samples (a conditional one: classes 0, 1, ..., 9 in turn). A
    translator (input ``(batch, 28, 28, 3)``: notebook 6's F) translates MNIST-M made from the first
    ``n`` MNIST test digits as notebook 6 builds its test set (photos seed 2), and its grey
    outputs are scored; which digits those are depends on the MNIST source that loads.

    Returns:
        ``{"share": float, "scored_on": str}``: the share, and what was scored (for the card).
    """
    import keras

    from gankit import domains, metrics

    if _is_translator(generator):
        from gankit import data

        digits, _, source = data.load_images("mnist", "test", verbose=False)
        inputs = domains.to_model_range(domains.mnist_m(digits[:n], seed=2))  # notebook 6's test_y (SEED + 2)
        scored_on = f"MNIST-M made from the first {n} test digits of: {source}"
    else:
        z = keras.random.normal((n, int(generator.inputs[0].shape[1])), seed=seed)
        inputs = [z, np.arange(n) % shipped.num_classes] if shipped.num_classes else z
        scored_on = f"{n} samples, keras.random.normal seed {seed}"
    images = generator.predict(inputs, verbose=0, batch_size=250)
    if images.shape[-1] == 3:
        images = domains.to_grey(images)  # the translator's grey RGB -> one channel, for the digit classifier
    share = round(float(metrics.classifier_scores(images, metrics.classifier(dataset))["confident"]), 3)
    return {"share": share, "scored_on": scored_on}


def _is_translator(generator) -> bool:
    """Whether ``generator`` maps MNIST-M images (batch, 28, 28, 3) rather than noise."""
    return len(generator.inputs) == 1 and tuple(generator.inputs[0].shape[1:]) == (28, 28, 3)


def capture(notebook: str | os.PathLike, since: float, result: dict | None = None, executed: dict | None = None,
            destination: str | os.PathLike | None = None) -> list[str]:
    """Ships the generators a full run of ``notebook`` saved (called by :func:`gankit.run.execute`).

    Args:
        notebook: the executed ``.ipynb``; its generators are read from ``generators/`` beside it.
        since: the run's start (``time.time()``): older files are another run's and are not shipped.
        result: the notebook's RESULT card, copied into each generator's card.
        executed: the run's metadata (mode, seconds, date).
        destination: where to ship (default :data:`GENERATORS`).

    Returns:
        The names shipped.

    Raises:
        RuntimeError: if shipping would take the shipped files over :data:`MAX_TOTAL_BYTES`.
    """
    import keras

    notebook, destination = Path(notebook), Path(destination or GENERATORS)
    dataset = (result or {}).get("dataset", "mnist")  # the classifier that scores the samples
    shipped = []
    for name, entry in SHIPPED.items():
        source = notebook.parent / "generators" / entry.saved_as
        if entry.notebook != notebook.stem or not source.exists() or source.stat().st_mtime < since:
            continue
        others = sum(p.stat().st_size for p in destination.glob("*.keras") if p.name != f"{name}.keras")
        if others + source.stat().st_size > MAX_TOTAL_BYTES:
            raise RuntimeError(f"Shipping {source} ({source.stat().st_size:,} bytes) would take the shipped generators "
                               f"over {MAX_TOTAL_BYTES:,} bytes: make it smaller or ship fewer.")
        destination.mkdir(parents=True, exist_ok=True)
        target = destination / f"{name}.keras"
        shutil.copyfile(source, target.with_suffix(".tmp"))
        os.replace(target.with_suffix(".tmp"), target)
        generator = keras.models.load_model(target, compile=False)
        score = confident_share(generator, entry, dataset=dataset)
        info = {"name": name, "description": entry.description, "notebook": f"notebooks/{notebook.name}",
                "run": executed or {}, "confident_share_1000_samples": score["share"], "scored_on": score["scored_on"],
                "result": result or {}}
        (destination / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        shipped.append(name)
    return shipped
