"""The classic example's three compiled models, checked: generator, discriminator, combined.

The classic Keras GAN example builds ``discriminator.compile(...)``, ``combined = Model(z, discriminator(generator(z)))``
and ``combined.compile(...)``. These checks turn every way that set-up goes wrong on Keras 3 into
a ``ValueError`` that says what to write instead, and read off what the set-up implies: whether
the GAN is conditional, what D outputs, and the objective (:mod:`gankit.losses`) their compiled losses stand for.
"""

from __future__ import annotations

from typing import Callable

import keras
import tensorflow as tf

from gankit import checks
from gankit import losses as _losses
from gankit.train.base import check_model


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


def compiled_kind(loss) -> str | None:
    """What a discriminator compiled with ``loss`` outputs: ``"probability"``
    (``"binary_crossentropy"``), ``"logit"`` (``BinaryCrossentropy(from_logits=True)``),
    ``"least_squares"`` (``"mse"``), ``"hinge"`` (``"hinge"``), or ``None`` for any other loss."""
    if isinstance(loss, keras.losses.Loss):
        fn = getattr(loss, "fn", None)
        from_logits = bool(getattr(loss, "_fn_kwargs", {}).get("from_logits", False))
    else:
        try:
            fn = keras.losses.get(loss)
        except (ValueError, TypeError):
            return None
        from_logits = False
    name = getattr(fn, "__name__", "")
    if name == "binary_crossentropy":
        return "logit" if from_logits else "probability"
    return {"mean_squared_error": "least_squares", "hinge": "hinge"}.get(name)


class _CustomCost(_losses.GANLoss):
    """D's objective with G's cost replaced by a function of D's outputs on the fakes."""

    def __init__(self, base: _losses.GANLoss, cost: Callable, name: str | None = None) -> None:
        self.base, self.cost = base, cost
        self.name, self.output, self.threshold = name or getattr(cost, "__name__", "custom"), base.output, base.threshold

    def __repr__(self) -> str:
        return f"{self.base!r} with G's cost {self.name}"

    def d_loss(self, real, fake, reduction: str = "mean"):
        return self.base.d_loss(real, fake, reduction)

    def g_loss(self, fake, reduction: str = "mean"):
        return self.cost(fake)


def label_one_loss(combined: keras.Model) -> Callable:
    """The combined model's compiled loss against label 1 ("real"), the batch mean: G's cost in the
    classic example (``binary_crossentropy``: ``-E log D(G(z))``, twice the tutorial's non-saturating cost)."""
    fn = keras.losses.get(combined.loss)

    def combined_loss(d_outputs):
        return keras.ops.mean(fn(keras.ops.ones_like(d_outputs), d_outputs))

    return combined_loss


def objective(discriminator: keras.Model, combined: keras.Model, generator_cost) -> _losses.GANLoss:
    """The :mod:`gankit.losses` objective the classic example's compiled models (and ``generator_cost``) stand for.

    D compiled with ``binary_crossentropy`` (probabilities) or ``BinaryCrossentropy(from_logits=True)``
    is the cross-entropy family, ``"mse"`` least squares and ``"hinge"`` the hinge loss: that is D's
    loss. G's cost is, with ``generator_cost=None``, what the classic example trains G on: the
    combined model's compiled loss against label 1 (``binary_crossentropy``: twice the tutorial's
    non-saturating cost); else the named one, or a function ``cost(d_outputs (batch, 1)) -> scalar``.

    Raises:
        ValueError: if the compiled losses or the cost do not fit together.
    """
    kind = compiled_kind(discriminator.loss)
    if kind is None:
        raise ValueError(f"discriminator is compiled with {discriminator.loss!r}: compile it with 'binary_crossentropy' "
                         "(D ends in a sigmoid), keras.losses.BinaryCrossentropy(from_logits=True) (no sigmoid), 'mse' or 'hinge'.")
    family = {"probability": "cross-entropy", "logit": "cross-entropy", "least_squares": "least_squares", "hinge": "hinge"}[kind]
    options = {"from_logits": kind == "logit"} if family == "cross-entropy" else {}
    if generator_cost is None:
        if compiled_kind(combined.loss) != kind:
            raise ValueError(
                f"combined is compiled with {combined.loss!r} but the discriminator with {discriminator.loss!r}: compile both "
                "with the same loss (e.g. both BinaryCrossentropy(from_logits=True) for a discriminator without a sigmoid).")
        base = _losses.get("non_saturating" if family == "cross-entropy" else family, **options)
        return _CustomCost(base, label_one_loss(combined), f"the combined model's {combined.loss!r} against label 1")
    if callable(generator_cost):
        return _CustomCost(_losses.get("non_saturating" if family == "cross-entropy" else family, **options), generator_cost)
    if not isinstance(generator_cost, str) or generator_cost not in _losses.OBJECTIVES:
        raise ValueError(f"generator_cost must be None, a function or one of {sorted(_losses.OBJECTIVES)}, got {generator_cost!r}.")
    cross_entropy = issubclass(_losses.OBJECTIVES[generator_cost], _losses._CrossEntropy)
    if (family == "cross-entropy") != cross_entropy or (not cross_entropy and generator_cost != family):
        raise ValueError(
            f"generator_cost={generator_cost!r} does not fit a discriminator compiled with {discriminator.loss!r} ({kind}). "
            "The cross-entropy costs (minimax, non_saturating, maximum_likelihood) need D compiled with "
            "'binary_crossentropy' or BinaryCrossentropy(from_logits=True); 'least_squares' needs 'mse', 'hinge' needs 'hinge'.")
    return _losses.get(generator_cost, **options)


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
