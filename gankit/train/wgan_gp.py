"""WGAN-GP's gradient penalty (Gulrajani et al., 2017), kept in :mod:`gankit.losses` beside its objective.

The critic D scores images (no sigmoid) and minimises ``E D(G(z)) - E D(x) + lambda * GP`` with
the gradient penalty ``GP = E (||grad D(x_hat)|| - 1)^2`` on random interpolates ``x_hat`` between
real and fake images; G minimises ``-E D(G(z))``. On the course's trainer WGAN-GP is an objective
and a step ratio, nothing more::

    GANTrainer(generator, critic, gk.losses.Wasserstein(penalty_weight=10.0), d_optimizer, g_optimizer, d_steps=5)

(the critic's steps use the same real batch with fresh noise each, as the keras-io example does).
"""

from __future__ import annotations

from gankit.losses import gradient_penalty  # noqa: F401  (its home: the objective that uses it)

__all__ = ["gradient_penalty"]
