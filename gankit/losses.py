"""GAN objectives: D's loss, G's loss and what D outputs, one class per variant.

Each objective is an object (TF-GAN's ``gan_loss`` idea): :class:`Minimax`, :class:`NonSaturating`
and :class:`MaximumLikelihood` (the cross-entropy family of Goodfellow's NIPS 2016 tutorial,
arXiv:1701.00160, §3.2), :class:`LeastSquares`, :class:`Hinge` and :class:`Wasserstein` (with the
gradient penalty). An objective carries D's loss on its outputs for (real, fake) data, G's loss,
what D outputs (``"probability"``, ``"logit"`` or ``"score"``) with the threshold for D's accuracy,
and an optional penalty; the trainer (:class:`gankit.train.GANTrainer`) needs nothing else.

The cross-entropy family is written on the discriminator's **logits** ``l`` (its output before the
sigmoid, ``D(x) = sigmoid(l)``) with ``softplus``, so nothing takes ``log(0)`` when D is sure::

    log D(x)       = -softplus(-l)
    log(1 - D(x))  = -softplus(l)
    sigma^-1(D(x)) = l

The factors ½ follow the tutorial (eq 8: ``J(D) = -½ E log D(x) - ½ E log(1 - D(G(z)))``), so the
minimax cost is exactly ``-J(D)``. The classic Keras GAN example's ``binary_crossentropy`` on the
combined model is twice the non-saturating cost: a constant factor does not change the gradient's
direction, and Adam is (nearly) invariant to it. Least squares keeps the ½ too (``½ E (D(x) - 1)^2
+ ½ E D(G(z))^2``); hinge and Wasserstein have none, as in their papers.

The functions below are the same mathematics on plain tensors: each takes a batch of D's outputs of
shape ``(batch,)`` or ``(batch, 1)`` and returns the batch mean (``reduction="mean"``) or one value
per sample (``reduction="none"``, shape ``(batch,)``).
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
    rejects the fakes (``D(G(z)) -> 0``), the *saturation* of Goodfellow's NIPS 2016 tutorial, §3.2.3.

    Args:
        fake_logits: D's logits on generated data, ``(batch,)`` or ``(batch, 1)``.
        reduction: ``"mean"`` or ``"none"``.
    """
    return _reduce(-0.5 * ops.softplus(_flat(fake_logits, "fake_logits")), reduction)


def non_saturating_generator_loss(fake_logits, reduction: str = "mean"):
    """The non-saturating heuristic, eq 13: ``J(G) = -½ E log D(G(z))``.

    Gradient with respect to the logit: ``-½ (1 - D(G(z)))``, largest when D rejects the fakes.
    It is the cross-entropy with the label flipped to "real", i.e. what the classic example's combined model
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
    """LSGAN's D loss: ``½ E (D(x) - 1)^2 + ½ E D(G(z))^2`` (an MSE with labels 1 and 0)."""
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


# --- the objectives as objects: one class per GAN variant ------------------------------------------
class GANLoss:
    """A GAN objective: D's loss on its outputs for real and fake data, G's loss, what D outputs.

    Subclasses set ``name``, ``output`` (``"probability"``: D ends in a sigmoid; ``"logit"``: D's
    output before the sigmoid; ``"score"``: an unbounded score) and ``threshold`` (D calls an image
    real when :meth:`report` of its output is above it), and implement :meth:`d_loss` and
    :meth:`g_loss`. ``penalty_weight`` > 0 adds :meth:`penalty` to D's loss (WGAN-GP).
    """

    name = "gan"
    output = "score"
    threshold = 0.0
    penalty_weight = 0.0

    def d_loss(self, real, fake, reduction: str = "mean"):
        """D's loss on its outputs for real ``(batch,)`` / ``(batch, 1)`` and fake data."""
        raise NotImplementedError

    def g_loss(self, fake, reduction: str = "mean"):
        """G's loss on D's outputs for fake data, ``(batch,)`` or ``(batch, 1)``."""
        raise NotImplementedError

    def report(self, outputs):
        """D's outputs as logged: probabilities for the cross-entropy family, raw scores otherwise."""
        return ops.sigmoid(outputs) if self.output == "logit" else outputs

    def penalty(self, critic: Callable, real, fake, mix):
        """A penalty on D added to its loss (times ``penalty_weight``); none by default."""
        return 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _CrossEntropy(GANLoss):
    """The cross-entropy family of Goodfellow's tutorial: D's loss is eq 8 for all three costs.

    Args:
        from_logits: D outputs logits (no final sigmoid; recommended: exact, no ``log(0)``);
            ``False`` for a D ending in a sigmoid: probabilities are clipped to ``[1e-7, 1 - 1e-7]``
            before the log, exactly as Keras's ``binary_crossentropy`` does.
    """

    threshold = 0.5
    epsilon = 1e-7  # Keras's clip for probabilities

    def __init__(self, from_logits: bool = True) -> None:
        if not isinstance(from_logits, bool):
            raise ValueError(f"from_logits must be True or False, got {from_logits!r}.")
        self.from_logits = from_logits
        self.output = "logit" if from_logits else "probability"

    def log_d(self, outputs, name: str):
        """``(log D, log(1 - D))`` per sample ``(batch,)`` from D's outputs."""
        flat = _flat(outputs, name)
        if self.from_logits:
            return -ops.softplus(-flat), -ops.softplus(flat)
        # Keras's own binary cross-entropy on the outputs as given: it clips probabilities to
        # [1e-7, 1 - 1e-7], and where they come straight from a sigmoid it uses its logits.
        outputs = ops.convert_to_tensor(outputs)
        log_d = -ops.binary_crossentropy(ops.ones_like(outputs), outputs)
        log_not_d = -ops.binary_crossentropy(ops.zeros_like(outputs), outputs)
        return ops.reshape(log_d, (-1,)), ops.reshape(log_not_d, (-1,))

    def d_loss(self, real, fake, reduction: str = "mean"):
        real, fake = -0.5 * self.log_d(real, "real")[0], -0.5 * self.log_d(fake, "fake")[1]
        if reduction == "none":
            return real, fake
        return _reduce(real, reduction) + _reduce(fake, reduction)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(from_logits={self.from_logits})"


class Minimax(_CrossEntropy):
    """The zero-sum game, eq 10: G minimises ``½ E log(1 - D(G(z)))``; saturates when D wins."""

    name = "minimax"

    def g_loss(self, fake, reduction: str = "mean"):
        return _reduce(0.5 * self.log_d(fake, "fake")[1], reduction)


class NonSaturating(_CrossEntropy):
    """The non-saturating heuristic, eq 13: G minimises ``-½ E log D(G(z))`` (the usual GAN)."""

    name = "non_saturating"

    def g_loss(self, fake, reduction: str = "mean"):
        return _reduce(-0.5 * self.log_d(fake, "fake")[0], reduction)


class MaximumLikelihood(_CrossEntropy):
    """The maximum-likelihood cost, eq 14: G minimises ``-½ E exp(sigma^-1(D(G(z))))``."""

    name = "maximum_likelihood"

    def g_loss(self, fake, reduction: str = "mean"):
        if self.from_logits:
            return maximum_likelihood_generator_loss(fake, reduction)
        log_d, log_not_d = self.log_d(fake, "fake")
        return _reduce(-0.5 * ops.exp(log_d - log_not_d), reduction)


class LeastSquares(GANLoss):
    """LSGAN (Mao et al., 2017) with labels 1 and 0: D's outputs are scores, real above ½."""

    name, threshold = "least_squares", 0.5

    def d_loss(self, real, fake, reduction: str = "mean"):
        return least_squares_discriminator_loss(real, fake, reduction)

    def g_loss(self, fake, reduction: str = "mean"):
        return least_squares_generator_loss(fake, reduction)


class Hinge(GANLoss):
    """The hinge loss (Lim & Ye, 2017; SAGAN): D's outputs are scores, real above 0."""

    name = "hinge"

    def d_loss(self, real, fake, reduction: str = "mean"):
        return hinge_discriminator_loss(real, fake, reduction)

    def g_loss(self, fake, reduction: str = "mean"):
        return hinge_generator_loss(fake, reduction)


class Wasserstein(GANLoss):
    """WGAN-GP (Gulrajani et al., 2017): a critic's scores, ``E D(G(z)) - E D(x)`` plus a gradient penalty.

    Train it with ``d_steps=5`` (the paper's ``n_critic``) and a critic without batch norm.

    Args:
        penalty_weight: lambda, 10 in the paper; 0 for no penalty.
    """

    name = "wasserstein"

    def __init__(self, penalty_weight: float = 10.0) -> None:
        if isinstance(penalty_weight, bool) or not isinstance(penalty_weight, (int, float)) or not penalty_weight >= 0:
            raise ValueError(f"penalty_weight must be a number >= 0 (10 in the paper), got {penalty_weight!r}.")
        self.penalty_weight = float(penalty_weight)

    def d_loss(self, real, fake, reduction: str = "mean"):
        real, fake = _flat(real, "real"), _flat(fake, "fake")
        if reduction == "none":
            return -real, fake
        return _reduce(fake, reduction) - _reduce(real, reduction)

    def g_loss(self, fake, reduction: str = "mean"):
        return _reduce(-_flat(fake, "fake"), reduction)

    def penalty(self, critic: Callable, real, fake, mix):
        """``mean((||grad critic(x_hat)|| - 1)^2)`` on ``x_hat = mix * real + (1 - mix) * fake``."""
        return gradient_penalty(critic, real, fake, mix)

    def __repr__(self) -> str:
        return f"Wasserstein(penalty_weight={self.penalty_weight:g})"


def gradient_penalty(critic: Callable, real, fake, mix, epsilon: float = 1e-12):
    """``mean((||grad critic(x_hat)|| - 1)^2)`` with ``x_hat = mix * real + (1 - mix) * fake``.

    Args:
        critic: images ``(batch, *shape)`` -> scores ``(batch, 1)``.
        real, fake: image batches of the same shape.
        mix: interpolation weights ``(batch,)`` in [0, 1].
        epsilon: added *inside* the square root, so the norm's gradient stays finite where the
            critic's gradient is 0 (``sqrt`` has an infinite slope at 0: a NaN in training).
    """
    import tensorflow as tf  # the gradient with respect to the images needs the backend's tape
    mix = tf.reshape(tf.cast(mix, real.dtype), [-1] + [1] * (len(real.shape) - 1))
    x_hat = mix * real + (1.0 - mix) * tf.cast(fake, real.dtype)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
    grads = tf.reshape(tape.gradient(scores, x_hat), [tf.shape(real)[0], -1])
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + epsilon)
    return tf.reduce_mean(tf.square(norms - 1.0))


OBJECTIVES: dict[str, type[GANLoss]] = {cls.name: cls for cls in (
    Minimax, NonSaturating, MaximumLikelihood, LeastSquares, Hinge, Wasserstein)}
"""Every objective by name."""


def get(loss: str | GANLoss, **options) -> GANLoss:
    """An objective: ``loss`` itself, or the class called ``loss`` built with ``options``.

    Example:
        >>> get("non_saturating", from_logits=False)
        NonSaturating(from_logits=False)

    Raises:
        ValueError: for an unknown name or object.
    """
    if isinstance(loss, GANLoss):
        if options:
            raise ValueError(f"options {sorted(options)} are for a loss given by name, not for {loss!r}.")
        return loss
    if not isinstance(loss, str) or loss not in OBJECTIVES:
        raise ValueError(f"loss must be a gk.losses.GANLoss or one of {sorted(OBJECTIVES)}, got {loss!r}.")
    return OBJECTIVES[loss](**options)


def generator_cost(name: str) -> GeneratorCost:
    """G's cost called ``name`` as a function ``cost(d_outputs, reduction="mean")`` (on logits for
    the cross-entropy family, on scores otherwise)."""
    if name not in OBJECTIVES:
        raise ValueError(f"Unknown generator cost {name!r}; choose one of {sorted(OBJECTIVES)}.")
    return OBJECTIVES[name]().g_loss


def logit(p, epsilon: float = 1e-7):
    """``sigma^-1(p) = log p - log(1 - p)``, with ``p`` clipped to ``[epsilon, 1 - epsilon]``.

    For plotting costs against ``D(G(z))`` (Fig 16); inside training keep the logits instead.
    """
    p = ops.clip(ops.convert_to_tensor(p), epsilon, 1.0 - epsilon)
    return ops.log(p) - ops.log1p(-p)
