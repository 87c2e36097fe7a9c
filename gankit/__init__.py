"""gankit: the helper package of the gankit GAN course.

Notebooks do ``import gankit as gk`` and use one module per idea:

* ``gk.config``: quick/full mode (``GANKIT_MODE``), CPU or GPU budgets (``GANKIT_BUDGET``), ``seed_everything``.
* ``gk.claims``: the claims cell: what the text states, measured, beside the stored run; a stored
  run that contradicts its text fails, a learner's run warns and goes on.
* ``gk.device``: where training runs (CPU/GPU), the ``tf.distribute`` strategy, a placement report.
* ``gk.precision``: float32 or mixed precision, and XLA on or off, chosen per device.
* ``gk.data``: MNIST and Fashion-MNIST as a ``tf.data`` pipeline in [-1, 1], online or offline.
* ``gk.domains``: MNIST-M (Ganin et al.'s recipe) and unpaired two-domain pipelines (CycleGAN).
* ``gk.losses``: D's cross-entropy and the generator costs (minimax, non-saturating, ...).
* ``gk.metrics``: sample quality from a small digit classifier.
* ``gk.photos``: real photographs for super-resolution, a fixed held-out test set, (LR, HR) pairs.
* ``gk.image_quality``: PSNR and SSIM on the Y channel with a border crop (super-resolution).
* ``gk.perceptual``: VGG19 features for SRGAN's content loss, when the ImageNet weights load.
* ``gk.toy``: 2-D toy data (a ring of Gaussians) and its mode-coverage measure.
* ``gk.viz``: sample grids, training curves, GIFs.
* ``gk.train``: the combined-model GAN trainer, its callbacks and checkpoints.
* ``gk.pretrained``: generators from the stored full runs, shipped in the package (sample without training).
* ``gk.reference``: the classic Keras GAN example's models (an MLP GAN), a DCGAN, and the example's literal loop.

``import gankit`` is cheap: it imports NumPy and :mod:`gankit.config`, not TensorFlow. It arranges
that TensorFlow's start-up log lines stay out of notebooks whenever TensorFlow is first imported
(:mod:`gankit._env`), and installs no warning filter. ``gankit.download`` (bounded downloads) and
``gankit.checks`` (argument checks) serve the modules above. The repository's own tooling
(running and publishing the notebooks, ``make course``, the tests' tiny GANs) lives in ``tools/``,
outside the package.
"""

import importlib

from gankit import _env, config

_env.quiet_tensorflow_start_up()  # imports nothing; TensorFlow, when first imported, loads quietly

__all__ = ["claims", "config", "data", "device", "domains", "download", "image_quality", "losses", "metrics", "perceptual", "photos", "precision", "pretrained", "reference", "toy", "train", "viz"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """Imports ``gk.data``, ``gk.device``, ... on first use."""
    if name in __all__:
        module = importlib.import_module(f"gankit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")
