"""The seed's three compiled models, checked: generator, discriminator, combined.

Seed 002 builds ``discriminator.compile(...)``, ``combined = Model(z, discriminator(generator(z)))``
and ``combined.compile(...)``. These checks turn every way that set-up goes wrong on Keras 3 into
a ``ValueError`` that says what to write instead, and read off what the set-up implies: whether
the GAN is conditional, what D outputs, and the loss each model was compiled with.
"""

from __future__ import annotations

from typing import Callable

import keras
import tensorflow as tf

from gankit import checks
from gankit import losses as _losses
from gankit.train.base import check_model


def compiled_loss(model: keras.Model) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """The loss ``model`` was compiled with, as ``fn(y_true, y_pred) -> scalar`` (batch mean).

    Used instead of ``model.compute_loss``, whose general machinery (output mapping, loss
    weights, metric bookkeeping) made the fused step about 30% slower inside ``fit``'s
    ``steps_per_execution`` loop (measured with bench/train_loops.py).
    """
    loss = model.loss
    if isinstance(loss, (list, tuple, dict)):
        raise ValueError(f"{model.name} must be compiled with a single loss, got {loss!r}.")
    fn = keras.losses.get(loss)
    if fn is None:
        raise ValueError(f"{model.name} has no usable loss: compile it with loss='binary_crossentropy'.")

    def mean_loss(y_true, y_pred):
        value = keras.ops.mean(fn(y_true, y_pred))
        for extra in model.losses:  # regularisation terms, if the model has any
            value = value + extra
        return value

    return mean_loss


def _check_compiled(discriminator: keras.Model, combined: keras.Model) -> None:
    for model, label in ((discriminator, "discriminator"), (combined, "combined")):
        if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
            raise ValueError(f"{label} is not compiled: call {label}.compile(loss=..., optimizer=...) first.")
    if discriminator.optimizer is combined.optimizer:
        raise ValueError(
            "discriminator and combined share one optimizer instance; Keras 3 binds an optimizer "
            "to the variables it first updates. Give each compile() its own optimizer, e.g. "
            "keras.optimizers.Adam(2e-4, 0.5) twice."
        )


def check_seed_models(generator: keras.Model, discriminator: keras.Model, combined: keras.Model) -> bool:
    """Checks the three models; returns whether the GAN is conditional (G takes ``[z, labels]``).

    Raises:
        ValueError: a model is unbuilt or uncompiled, the optimizers are shared, the input counts
            match neither an unconditional nor a conditional GAN, or ``combined`` does not
            contain both networks.
    """
    for model, label in ((generator, "generator"), (discriminator, "discriminator"), (combined, "combined")):
        check_model(model, label)
    _check_compiled(discriminator, combined)
    counts = [len(m.inputs or ()) for m in (generator, discriminator, combined)]
    conditional = counts[0] == 2
    if counts[0] > 2 or counts[1] != 1 + conditional or counts[2] != 1 + conditional:
        raise ValueError(
            "expected an unconditional GAN (G(z), D(images), combined(z)) or a conditional one "
            "(G([z, labels]), D([images, labels]), combined([z, labels])); got inputs "
            f"G {counts[0]}, D {counts[1]}, combined {counts[2]}."
        )
    inner = {id(layer) for layer in combined._flatten_layers()}
    if id(generator) not in inner or id(discriminator) not in inner:
        raise ValueError(
            "combined must be built as keras.Model(z, discriminator(generator(z))) (conditional: "
            "keras.Model([z, c], discriminator([generator([z, c]), c])))."
        )
    return conditional


def check_conditional(conditional: bool, num_classes, mismatched_pairs: bool) -> int | None:
    """Checks the conditional arguments against the models; returns ``num_classes`` (or None)."""
    if not conditional:
        if num_classes is not None or mismatched_pairs:
            raise ValueError(
                "num_classes and mismatched_pairs are for a conditional GAN, whose generator takes "
                "[z, labels] and whose discriminator takes [images, labels]."
            )
        return None
    if not checks.is_integer(num_classes) or num_classes < 2:
        raise ValueError(
            f"a conditional GAN needs num_classes, an integer >= 2 (e.g. 10 for MNIST), got {num_classes!r}."
        )
    return int(num_classes)


def generator_cost_fn(generator_cost, discriminator: keras.Model, combined: keras.Model) -> Callable | None:
    """G's cost as a function of D's outputs on fakes, or None for the combined model's own loss.

    Raises:
        ValueError: if the cost does not match what the discriminator outputs.
    """
    d_output = _losses.output_kind(discriminator.loss)
    if generator_cost is None:
        if _losses.output_kind(combined.loss) != d_output:
            raise ValueError(
                f"combined is compiled with {combined.loss!r} but the discriminator with "
                f"{discriminator.loss!r}: compile both with the same loss (e.g. both "
                "BinaryCrossentropy(from_logits=True) for a discriminator without a sigmoid)."
            )
        return None
    if callable(generator_cost):
        return generator_cost
    if not isinstance(generator_cost, str):
        raise ValueError(f"generator_cost must be None, a name or a function, got {generator_cost!r}.")
    cost = _losses.generator_cost(generator_cost)
    needs = _losses.OUTPUT_KIND[generator_cost]
    if needs != d_output:
        raise ValueError(
            f"generator_cost={generator_cost!r} needs a discriminator that outputs {needs}, "
            f"but it is compiled with {discriminator.loss!r} ({d_output}). For the "
            "cross-entropy costs, drop D's final sigmoid and compile D (and combined) with "
            "keras.losses.BinaryCrossentropy(from_logits=True); for 'least_squares' use "
            "loss='mse', for 'hinge' loss='hinge'."
        )
    return cost
