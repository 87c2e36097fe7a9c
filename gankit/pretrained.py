"""Generators from the course's stored full runs, shipped in the package: sample without training.

A learner on a slow laptop can load a trained generator in one call and explore it (latent walks,
class grids) before, or instead of, training their own::

    import gankit as gk
    g = gk.pretrained.load("dcgan")                # notebook 3's DCGAN, MNIST digits
    images = g.predict(keras.random.normal((16, 100), seed=0), verbose=0)   # (16, 28, 28, 1) in [-1, 1]
    gk.pretrained.card("dcgan")                    # which run made it, and its measured quality

Where they come from: ``python -m tools.run notebooks/NN_name.ipynb`` (full mode, the run whose
outputs are stored) ships them after a successful run with ``tools/ship.py`` (repository tooling,
not in the package). It copies the generator the notebook saved under ``notebooks/generators/``
during *that* run into ``gankit/assets/generators/`` with a JSON card: the notebook's RESULT line,
the run's date and length, and the classifier's confident share on 1,000 fresh samples (notebook 6's
translator: on 1,000 MNIST-M test digits it translated). Quick runs (CI, nbval) never write there,
so a shipped generator is always a stored full run's.

:data:`SHIPPED` lists what may ship; a name whose file is absent has not been captured yet (its
notebook's next full run captures it), and :func:`load` says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gankit import checks

GENERATORS = Path(__file__).resolve().parent / "assets" / "generators"
"""Where shipped generators and their cards live (package data)."""


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
                           f"with `python -m tools.run` (in the course repository) to capture it again.") from None


def _check_shipped(name: str) -> Path:
    checks.choice(name, "name", tuple(SHIPPED))
    path, card_path = _paths(name)
    if not (path.exists() and card_path.exists()):
        raise RuntimeError(f"{name!r} is not shipped in this installation yet (shipped: {available() or 'none'}). "
                           f"Train it in notebooks/{SHIPPED[name].notebook}.ipynb, or capture it in the course repository "
                           f"with `python -m tools.run notebooks/{SHIPPED[name].notebook}.ipynb` (full mode).")
    return path
