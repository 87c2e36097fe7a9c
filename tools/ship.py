"""Ships a stored full run's generators into the package (``gankit/assets/generators``).

:func:`capture` is called by ``python -m tools.run`` after a full run in place: it copies the
generator the notebook saved under ``notebooks/generators/`` during *that* run into the package
with a JSON card (the RESULT card, the run's date and length, the classifier's confident share on
1,000 samples). A learner loads it with ``gk.pretrained.load``; shipping is repository tooling and
stays out of the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from gankit import pretrained

MAX_TOTAL_BYTES = 16_000_000
"""Size budget of all shipped generators together (the package must stay small). Notebook 3's G, with
its 1,024-unit dense layer (3.4 million weights), takes 13.5 MB of it in float32."""


def confident_share(generator, shipped: pretrained.Shipped, n: int = 1_000, seed: int = 0,
                    dataset: str = "mnist") -> dict:
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
    """Ships the generators a full run of ``notebook`` saved (called by :func:`tools.run.execute`).

    Args:
        notebook: the executed ``.ipynb``; its generators are read from ``generators/`` beside it.
        since: the run's start (``time.time()``): older files are another run's and are not shipped.
        result: the notebook's RESULT card, copied into each generator's card.
        executed: the run's metadata (mode, seconds, date).
        destination: where to ship (default :data:`gankit.pretrained.GENERATORS`).

    Returns:
        The names shipped.

    Raises:
        RuntimeError: if shipping would take the shipped files over :data:`MAX_TOTAL_BYTES`.
    """
    import keras

    notebook, destination = Path(notebook), Path(destination or pretrained.GENERATORS)
    dataset = (result or {}).get("dataset", "mnist")  # the classifier that scores the samples
    shipped = []
    for name, entry in pretrained.SHIPPED.items():
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
