"""GAN losses: the discriminator's cross-entropy and the generator costs of seed 001 §3.2.

The cross-entropy family (eq 8, 10, 13, 14 of Goodfellow's tutorial, seed 001) is written on
the discriminator's **logits** ``l`` (its output before the sigmoid, ``D(x) = sigmoid(l)``) with
``softplus``, so nothing takes ``log(0)`` when D is sure (``D -> 0`` or ``D -> 1``)::

    log D(x)       = -softplus(-l)
    log(1 - D(x))  = -softplus(l)
    sigma^-1(D(x)) = l

The factors ½ follow the tutorial, so the minimax cost is exactly ``-J(D)`` (zero-sum). A constant
factor does not change the direction of the gradient, and Adam is (nearly) invariant to it.

Least-squares (LSGAN; seed 000 trains with MSE) and hinge losses work on unbounded **scores**
instead of logits.

Every function takes a batch of discriminator outputs of shape ``(batch,)`` or ``(batch, 1)``
and returns the batch mean (``reduction="mean"``) or one value per sample (``reduction="none"``,
shape ``(batch,)``).
"""

from __future__ import annotations

from typing import Callable


import keras
from keras import ops

GeneratorCost = Callable[..., object]


def _flat(x, name: str):
    """Checks a batch of discriminator outputs and flattens ``(batch, 1)`` to ``(batch,)``."""
    x = ops.convert_to_tensor(x)
    if not keras.backend.standardize_dtype(x.dtype).startswith(("float", "bfloat")):
        raise ValueError(f"{name} must be floating-point discriminator outputs, got dtype {x.dtype}.")
    if len(x.shape) == 2 and x.shape[1] == 1:
        x = ops.reshape(x, (-1,))
    if len(x.shape) != 1:
        raise ValueError(f"{name} must have shape (batch,) or (batch, 1), got {tuple(x.shape)}.")
    return x


def _reduce(values, reduction: str):
    if reduction == "mean":
        return ops.mean(values)
    if reduction == "none":
        return values
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}.")


# --- the cross-entropy family (inputs: logits) ---------------------------------------------------
def discriminator_loss(real_logits, fake_logits, reduction: str = "mean"):
    """D's cross-entropy, eq 8: ``J(D) = -½ E log D(x) - ½ E log(1 - D(G(z)))``.

    Args:
        real_logits: D's logits on real data, ``(batch,)`` or ``(batch, 1)``.
        fake_logits: D's logits on generated data, same shape rules (the batch may differ).
        reduction: ``"mean"`` for a scalar; ``"none"`` for ``(½ softplus(-real), ½ softplus(fake))``.

    Returns:
        A scalar, or a pair of per-sample tensors.
    """
    real = 0.5 * ops.softplus(-_flat(real_logits, "real_logits"))
    fake = 0.5 * ops.softplus(_flat(fake_logits, "fake_logits"))
    if reduction == "none":
        return real, fake
    return _reduce(real, reduction) + _reduce(fake, reduction)


def minimax_generator_loss(fake_logits, reduction: str = "mean"):
    """The minimax (zero-sum) cost, eq 10: ``J(G) = ½ E log(1 - D(G(z)))``.

    Its gradient with respect to the logit is ``-½ D(G(z))``: it vanishes when D confidently
    rejects the fakes (``D(G(z)) -> 0``), the *saturation* of seed 001 §3.2.3.

    Args:
        fake_logits: D's logits on generated data, ``(batch,)`` or ``(batch, 1)``.
        reduction: ``"mean"`` or ``"none"``.
    """
    return _reduce(-0.5 * ops.softplus(_flat(fake_logits, "fake_logits")), reduction)


def non_saturating_generator_loss(fake_logits, reduction: str = "mean"):
    """The non-saturating heuristic, eq 13: ``J(G) = -½ E log D(G(z))``.

    Gradient with respect to the logit: ``-½ (1 - D(G(z)))``, largest when D rejects the fakes.
    It is the cross-entropy with the label flipped to "real", i.e. what the seed's combined model
    compiled with ``binary_crossentropy`` and labels 1 computes (times ½).

    Args:
        fake_logits: D's logits on generated data, ``(batch,)`` or ``(batch, 1)``.
        reduction: ``"mean"`` or ``"none"``.
    """
    return _reduce(0.5 * ops.softplus(-_flat(fake_logits, "fake_logits")), reduction)


def maximum_likelihood_generator_loss(fake_logits, reduction: str = "mean"):
    """The maximum-likelihood cost, eq 14: ``J(G) = -½ E exp(sigma^-1(D(G(z))))``.

    With an optimal D, ``exp(sigma^-1(D)) = D / (1 - D) = p_data / p_g``, and this cost's
    gradient is that of ``KL(p_data || p_g)``. Gradient with respect to the logit:
    ``-½ exp(l)``: tiny for rejected fakes (saturates like minimax) and dominated by the few
    samples D believes are real (high variance). Overflows to ``-inf`` for logits above ~88
    (``D(G(z)) > 1 - 1e-38``) in float32.

    Args:
        fake_logits: D's logits on generated data, ``(batch,)`` or ``(batch, 1)``.
        reduction: ``"mean"`` or ``"none"``.
    """
    return _reduce(-0.5 * ops.exp(_flat(fake_logits, "fake_logits")), reduction)


# --- extensions (inputs: scores) -------------------------------------------------------------------
def least_squares_discriminator_loss(real_scores, fake_scores, reduction: str = "mean"):
    """LSGAN's D loss: ``½ E (D(x) - 1)^2 + ½ E D(G(z))^2`` (seed 000's MSE with labels 1 and 0)."""
    real = 0.5 * ops.square(_flat(real_scores, "real_scores") - 1.0)
    fake = 0.5 * ops.square(_flat(fake_scores, "fake_scores"))
    if reduction == "none":
        return real, fake
    return _reduce(real, reduction) + _reduce(fake, reduction)


def least_squares_generator_loss(fake_scores, reduction: str = "mean"):
    """LSGAN's G cost: ``½ E (D(G(z)) - 1)^2``."""
    return _reduce(0.5 * ops.square(_flat(fake_scores, "fake_scores") - 1.0), reduction)


def hinge_discriminator_loss(real_scores, fake_scores, reduction: str = "mean"):
    """Hinge D loss: ``E relu(1 - D(x)) + E relu(1 + D(G(z)))``."""
    real = ops.relu(1.0 - _flat(real_scores, "real_scores"))
    fake = ops.relu(1.0 + _flat(fake_scores, "fake_scores"))
    if reduction == "none":
        return real, fake
    return _reduce(real, reduction) + _reduce(fake, reduction)


def hinge_generator_loss(fake_scores, reduction: str = "mean"):
    """Hinge G cost: ``-E D(G(z))``."""
    return _reduce(-_flat(fake_scores, "fake_scores"), reduction)


GENERATOR_COSTS: dict[str, GeneratorCost] = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
    "maximum_likelihood": maximum_likelihood_generator_loss,
    "least_squares": least_squares_generator_loss,
    "hinge": hinge_generator_loss,
}
"""Generator costs by name."""

OUTPUT_KIND = {
    "minimax": "logits",
    "non_saturating": "logits",
    "maximum_likelihood": "logits",
    "least_squares": "least_squares",
    "hinge": "hinge",
}
"""What each generator cost expects the discriminator to output (see :func:`output_kind`)."""


def generator_cost(name: str) -> GeneratorCost:
    """The generator cost called ``name`` (one of :data:`GENERATOR_COSTS`)."""
    if name not in GENERATOR_COSTS:
        raise ValueError(f"Unknown generator cost {name!r}; choose one of {sorted(GENERATOR_COSTS)}.")
    return GENERATOR_COSTS[name]


def output_kind(loss) -> str | None:
    """What a discriminator compiled with ``loss`` outputs.

    Returns:
        ``"probability"`` (``"binary_crossentropy"``, ``BinaryCrossentropy()``), ``"logits"``
        (``BinaryCrossentropy(from_logits=True)``), ``"least_squares"`` (``"mse"``) or ``"hinge"``
        (``"hinge"``), or ``None`` for any other loss.
    """
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
        return "logits" if from_logits else "probability"
    if name == "mean_squared_error":
        return "least_squares"
    if name == "hinge":
        return "hinge"
    return None


def logit(p, epsilon: float = 1e-7):
    """``sigma^-1(p) = log p - log(1 - p)``, with ``p`` clipped to ``[epsilon, 1 - epsilon]``.

    For plotting costs against ``D(G(z))`` (Fig 16); inside training keep the logits instead.
    """
    p = ops.clip(ops.convert_to_tensor(p), epsilon, 1.0 - epsilon)
    return ops.log(p) - ops.log1p(-p)
