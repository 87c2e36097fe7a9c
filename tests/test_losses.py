"""gankit.losses against hand-computed values and finite-difference gradients."""

import math

import numpy as np
import pytest

from gankit import losses

import keras
import tensorflow as tf

# Hand-computed: logit 0 is D = 1/2, logit ln 3 is D = 3/4, logit -ln 9 is D = 1/10.
LOGITS = [0.0, math.log(3.0), -math.log(9.0)]
D = [0.5, 0.75, 0.1]


def per_sample(fn, logits):
    return keras.ops.convert_to_numpy(fn(np.asarray(logits, "float64"), reduction="none"))


def test_minimax_by_hand():
    expected = [0.5 * math.log(1 - d) for d in D]  # ½ log(1 - D)
    np.testing.assert_allclose(per_sample(losses.minimax_generator_loss, LOGITS), expected, rtol=1e-12)
    assert float(losses.minimax_generator_loss(np.float32([[0.0], [0.0]]))) == pytest.approx(0.5 * math.log(0.5))


def test_non_saturating_by_hand():
    expected = [-0.5 * math.log(d) for d in D]  # -½ log D
    np.testing.assert_allclose(per_sample(losses.non_saturating_generator_loss, LOGITS), expected, rtol=1e-12)


def test_maximum_likelihood_by_hand():
    expected = [-0.5 * d / (1 - d) for d in D]  # -½ exp(sigma^-1(D)) = -½ D / (1 - D)
    np.testing.assert_allclose(per_sample(losses.maximum_likelihood_generator_loss, LOGITS), expected, rtol=1e-12)
    assert expected == pytest.approx([-0.5, -1.5, -1 / 18])


def test_discriminator_cross_entropy_by_hand():
    real, fake = np.float64([0.0, math.log(3.0)]), np.float64([-math.log(9.0)])
    # J(D) = -½ mean log D(x) - ½ mean log(1 - D(G(z))), x: D = 1/2, 3/4; fakes: D = 1/10
    expected = -0.5 * (math.log(0.5) + math.log(0.75)) / 2 - 0.5 * math.log(0.9)
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(expected, rel=1e-12)
    # ... and equals Keras' binary cross-entropy averaged over the two batches
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    keras_value = 0.5 * (float(bce(np.ones((2, 1)), real[:, None])) + float(bce(np.zeros((1, 1)), fake[:, None])))
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(keras_value, rel=1e-6)


def test_minimax_is_exactly_zero_sum():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=64), rng.normal(size=64)
    j_d = float(losses.discriminator_loss(real, fake))
    # J(G) = -J(D): G's part is the minimax cost, the real-data part does not depend on G
    j_g = float(losses.minimax_generator_loss(fake)) + float(np.mean(0.5 * np.log(1 / (1 + np.exp(-real)))))
    assert j_g == pytest.approx(-j_d, rel=1e-10)


def test_least_squares_and_hinge_by_hand():
    real, fake = np.float64([1.5, 0.0]), np.float64([-2.0, 0.5])
    assert float(losses.least_squares_discriminator_loss(real, fake)) == pytest.approx(
        0.5 * (0.25 + 1.0) / 2 + 0.5 * (4.0 + 0.25) / 2
    )
    assert float(losses.least_squares_generator_loss(fake)) == pytest.approx(0.5 * (9.0 + 0.25) / 2)
    assert float(losses.hinge_discriminator_loss(real, fake)) == pytest.approx((0.0 + 1.0) / 2 + (0.0 + 1.5) / 2)
    assert float(losses.hinge_generator_loss(fake)) == pytest.approx(0.75)
    # LSGAN's D loss is seed 000's MSE with labels 1 and 0 (times ½)
    mse = keras.losses.MeanSquaredError()
    keras_value = 0.5 * (float(mse(np.ones(2), real)) + float(mse(np.zeros(2), fake)))
    assert float(losses.least_squares_discriminator_loss(real, fake)) == pytest.approx(keras_value)


GENERATOR_FNS = sorted((name, cls().g_loss) for name, cls in losses.OBJECTIVES.items())


@pytest.mark.parametrize("name,fn", GENERATOR_FNS)
def test_generator_gradients_match_finite_differences(name, fn):
    x = tf.Variable(np.linspace(-6.0, 4.0, 11))
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(fn(x, reduction="none"))
    grad = tape.gradient(value, x).numpy()
    h = 1e-6
    base = x.numpy()
    # per-sample costs: d/dl_i of the sum is the central difference of sample i's cost
    numeric = (per_sample(fn, base + h) - per_sample(fn, base - h)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_discriminator_gradients_match_finite_differences():
    r64, f64 = tf.Variable(np.float64([0.3, -2.0])), tf.Variable(np.float64([1.0, -0.5, 4.0]))
    with tf.GradientTape() as tape:
        value = losses.discriminator_loss(r64, f64)
    g_real, g_fake = tape.gradient(value, [r64, f64])
    # d/dl [½ softplus(-l)] / n = -½ (1 - sigmoid(l)) / n;  d/dl [½ softplus(l)] / m = ½ sigmoid(l) / m
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    np.testing.assert_allclose(g_real, -0.5 * (1 - sig(r64.numpy())) / 2, rtol=1e-10)
    np.testing.assert_allclose(g_fake, 0.5 * sig(f64.numpy()) / 3, rtol=1e-10)


def test_saturation_gradients_with_respect_to_the_logit():
    """Where D rejects a fake (D = 1/10), minimax's gradient is D/(1-D) = 1/9 of the non-saturating one."""
    x = tf.Variable(np.float64([-math.log(9.0)]))
    grads = {}
    for name in ("minimax", "non_saturating", "maximum_likelihood"):
        with tf.GradientTape() as tape:
            value = losses.generator_cost(name)(x)
        grads[name] = float(tape.gradient(value, x)[0])
    assert grads["minimax"] == pytest.approx(-0.5 * 0.1)
    assert grads["non_saturating"] == pytest.approx(-0.5 * 0.9)
    assert grads["maximum_likelihood"] == pytest.approx(-0.5 / 9)
    assert grads["non_saturating"] / grads["minimax"] == pytest.approx(9.0)


@pytest.mark.parametrize("name,fn", GENERATOR_FNS)
def test_stable_at_extreme_logits(name, fn):
    """No log(0): the costs and their gradients stay finite where D is certain (D = 0 or 1 in float32)."""
    x = tf.Variable(np.float32([-200.0, -50.0, 0.0, 50.0, 80.0]))
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(fn(x, reduction="none"))
    grad = tape.gradient(value, x)
    assert np.isfinite(float(value)) and np.all(np.isfinite(grad.numpy())), (name, value, grad)
    with tf.GradientTape() as tape:
        d = losses.discriminator_loss(x, x)
    d_grads = tape.gradient(d, x)
    assert np.isfinite(float(d)) and np.all(np.isfinite(d_grads.numpy()))


def test_non_saturating_equals_the_seeds_combined_loss():
    """The seed's combined model (BCE against label 1) computes twice the non-saturating cost."""
    logits = np.float32([[-3.0], [0.2], [2.5]])
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    assert float(bce(np.ones((3, 1)), logits)) == pytest.approx(2 * float(losses.non_saturating_generator_loss(logits)))


def test_logit_inverts_sigmoid():
    p = np.float64([1e-3, 0.25, 0.5, 0.9])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(losses.logit(p)), np.log(p / (1 - p)), rtol=1e-9)
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(losses.logit(np.float32([0.0, 1.0])))))


REAL, FAKE = np.float64([1.5, -0.5, 3.0]), np.float64([-2.0, 0.25])


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


HAND = {  # (D's loss, G's loss) written from the papers, on D's raw outputs REAL and FAKE
    "minimax": (-0.5 * np.mean(np.log(sigmoid(REAL))) - 0.5 * np.mean(np.log(1 - sigmoid(FAKE))),
                0.5 * np.mean(np.log(1 - sigmoid(FAKE)))),
    "non_saturating": (-0.5 * np.mean(np.log(sigmoid(REAL))) - 0.5 * np.mean(np.log(1 - sigmoid(FAKE))),
                       -0.5 * np.mean(np.log(sigmoid(FAKE)))),
    "maximum_likelihood": (-0.5 * np.mean(np.log(sigmoid(REAL))) - 0.5 * np.mean(np.log(1 - sigmoid(FAKE))),
                           -0.5 * np.mean(sigmoid(FAKE) / (1 - sigmoid(FAKE)))),
    "least_squares": (0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE ** 2), 0.5 * np.mean((FAKE - 1) ** 2)),
    "hinge": (np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)), -np.mean(FAKE)),
    "wasserstein": (np.mean(FAKE) - np.mean(REAL), -np.mean(FAKE)),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_objective_matches_hand_computed_values(name):
    objective = losses.get(name)
    d_loss, g_loss = HAND[name]
    assert float(objective.d_loss(REAL, FAKE)) == pytest.approx(d_loss, rel=1e-12)
    assert float(objective.g_loss(FAKE)) == pytest.approx(g_loss, rel=1e-12)
    assert float(objective.g_loss(FAKE[:, None])) == pytest.approx(g_loss, rel=1e-12)  # (batch, 1) as D gives it
    if name in ("minimax", "non_saturating", "maximum_likelihood"):  # the same objective on a sigmoid D
        on_probabilities = losses.get(name, from_logits=False)
        assert on_probabilities.output == "probability" and objective.output == "logit"
        assert float(on_probabilities.d_loss(sigmoid(REAL), sigmoid(FAKE))) == pytest.approx(d_loss, rel=1e-6)
        assert float(on_probabilities.g_loss(sigmoid(FAKE))) == pytest.approx(g_loss, rel=1e-6)


def test_what_each_objective_says_d_outputs():
    kinds = {name: (cls().output, cls().threshold) for name, cls in losses.OBJECTIVES.items()}
    assert kinds == {"minimax": ("logit", 0.5), "non_saturating": ("logit", 0.5), "maximum_likelihood": ("logit", 0.5),
                     "least_squares": ("score", 0.5), "hinge": ("score", 0.0), "wasserstein": ("score", 0.0)}
    np.testing.assert_allclose(losses.get("minimax").report(REAL), sigmoid(REAL))  # logits reported as probabilities
    np.testing.assert_allclose(losses.get("hinge").report(REAL), REAL)
    assert losses.get("wasserstein").penalty_weight == 10.0 and losses.get("hinge").penalty_weight == 0.0


def test_probabilities_are_clipped_as_keras_does():
    objective = losses.get("non_saturating", from_logits=False)
    p = np.float32([0.0, 1.0])
    assert np.isfinite(float(objective.d_loss(p, p))) and np.isfinite(float(objective.g_loss(p)))
    bce = keras.losses.BinaryCrossentropy()
    assert float(objective.g_loss(p)) == pytest.approx(0.5 * float(bce(np.ones(2), p)), rel=1e-6)


def test_getting_an_objective():
    assert repr(losses.get("minimax", from_logits=False)) == "Minimax(from_logits=False)"
    mine = losses.Wasserstein(penalty_weight=5)
    assert losses.get(mine) is mine and repr(mine) == "Wasserstein(penalty_weight=5)"
    with pytest.raises(ValueError, match="one of \\['hinge', 'least_squares', 'maximum_likelihood', 'minimax'"):
        losses.get("wgan")
    with pytest.raises(ValueError, match="options .* are for a loss given by name"):
        losses.get(mine, from_logits=True)
    for bad in ("yes", 1):
        with pytest.raises(ValueError, match="from_logits must be True or False"):
            losses.NonSaturating(from_logits=bad)
    for bad in (-1.0, True, "10"):
        with pytest.raises(ValueError, match="penalty_weight must be a number >= 0"):
            losses.Wasserstein(penalty_weight=bad)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="shape"):
        losses.minimax_generator_loss(np.zeros((4, 2), "float32"))
    with pytest.raises(ValueError, match="floating-point"):
        losses.non_saturating_generator_loss(np.zeros(4, "int32"))
    with pytest.raises(ValueError, match="reduction"):
        losses.hinge_generator_loss(np.zeros(4, "float32"), reduction="sum")
    with pytest.raises(ValueError, match="Unknown generator cost 'wgan'") as error:
        losses.generator_cost("wgan")
    assert all(repr(name) in str(error.value) for name in losses.OBJECTIVES)  # it lists the choices
