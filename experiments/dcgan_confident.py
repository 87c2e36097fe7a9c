"""Notebook 03: which DCGAN recipe raises the confident share within 6,000-8,000 steps? (issue 31)

    python experiments/dcgan_confident.py VARIANT STEPS [EVERY]

Trains notebook 3's DCGAN (its G and dropout D, Adam 5e-4, beta_1 0.5, batch 64, offline MNIST, seed 0)
with ``gk.train.GANTrainer`` and the non-saturating loss, changed by VARIANT, a comma-separated list:
``gfc`` (a Dense 1024 hidden layer before G's projection, as InfoGAN's MNIST generator), ``no77`` (no
stride-1 layer at 7x7), ``r1=W`` (R1 penalty on real images, weight W), ``aug=P`` (random shifts by up to
P pixels before D, both players' steps), ``d1=/d2=/dd=`` (D's widths), ``g7=/g14=`` (G's), ``b=`` (batch),
``relu`` (ReLU in G), ``ttur=F`` (D's rate F times G's), ``lr=``, ``decay`` (cosine to 10 % over STEPS).
Every EVERY steps prints one JSON line: confident share and FD of 1,000 samples from fixed z ("raw"), and
of G's exponential moving average (decay 0.999, "ema"). Results: dcgan_confident_results.jsonl (2-core
CPU, one run at a time; "total_steps" is the run's STEPS, which sets ``decay``'s horizon). Notebook 1's MLP
GAN scores 0.697 / 0.734 / 0.772 at 6k / 8k / 10k steps. At 4k steps base, aug=2, r1=1 and d1=64,d2=128
all stay at 0.63-0.67; gfc,no77 scores 0.714 at 4k, 0.738 at 6k and 0.771 at 8k (12.2 steps/s against base's
16.1), the recipe notebook 3 adopted; gfc=512,no77 0.743 at 8k; cosine decay lowered it (0.693 at 6k).
"""
import json, sys, time, re
import numpy as np
import gankit as gk
import keras
import tensorflow as tf
from keras import layers

V = sys.argv[1]; STEPS = int(sys.argv[2]); EVERY = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
def opt(name, default):
    """VARIANT's value for name=..., else default."""
    m = re.search(name + r"=([0-9.e-]+)", V); return float(m.group(1)) if m else default
LATENT, SEED = 100, 0
BATCH = int(opt("b", 64))
G7, G14 = int(opt("g7", 64)), int(opt("g14", 32))
D1, D2, DD = int(opt("d1", 32)), int(opt("d2", 64)), int(opt("dd", 256))
DROP = opt("drop", 0.3)
ACT = (lambda: layers.ReLU()) if "relu" in V else (lambda: layers.LeakyReLU(negative_slope=0.2))
K = int(opt("k", 4))
def build_generator():
    z = keras.Input((LATENT,))
    x = z
    if "gfc" in V:
        x = ACT()(layers.BatchNormalization()(layers.Dense(int(opt("gfc", 1024)), use_bias=False)(x)))
    x = layers.Dense(7 * 7 * G7, use_bias=False)(x)
    x = ACT()(layers.BatchNormalization()(x))
    x = layers.Reshape((7, 7, G7))(x)
    if "no77" not in V:
        x = layers.Conv2DTranspose(G7, 3, padding="same", use_bias=False)(x)
        x = ACT()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(G14, K, strides=2, padding="same", use_bias=False)(x)
    x = ACT()(layers.BatchNormalization()(x))
    return keras.Model(z, layers.Conv2DTranspose(1, K, strides=2, padding="same", activation="tanh")(x))
SHIFT = opt("aug", 0.0)
def build_d():
    images = keras.Input((28, 28, 1))
    x = images
    if SHIFT:
        x = layers.RandomTranslation(SHIFT / 28, SHIFT / 28, fill_mode="constant", fill_value=-1.0, seed=SEED)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.Conv2D(D1, 4, strides=2, padding="same")(x))
    x = layers.Dropout(DROP)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.Conv2D(D2, 4, strides=2, padding="same")(x))
    x = layers.Dropout(DROP)(layers.Flatten()(x))
    x = layers.Dropout(DROP)(layers.LeakyReLU(negative_slope=0.2)(layers.Dense(DD)(x)))
    return keras.Model(images, layers.Dense(1)(x))

class R1(gk.losses.NonSaturating):
    def __init__(self, weight):
        super().__init__(); self.penalty_weight = weight
    def penalty(self, critic, real, fake, mix):
        real = tf.identity(tf.cast(real, "float32"))
        with tf.GradientTape() as tape:
            tape.watch(real)
            scores = critic(real, training=True)
        g = tape.gradient(scores, real)
        return 0.5 * tf.reduce_mean(tf.reduce_sum(tf.square(g), axis=[1, 2, 3]))
R1W = opt("r1", 0.0)
loss = R1(R1W) if R1W else gk.losses.NonSaturating()
lr0 = opt("lr", 5e-4); dlr = lr0 * opt("ttur", 1.0)
sched = lambda l: keras.optimizers.schedules.CosineDecay(l, STEPS, alpha=0.1) if "decay" in V else l
gk.config.seed_everything(SEED)
g, d = build_generator(), build_d()
gopt = keras.optimizers.Adam(sched(lr0), beta_1=0.5, use_ema=True, ema_momentum=0.999)
gan = gk.train.GANTrainer(g, d, loss, keras.optimizers.Adam(sched(dlr), beta_1=0.5), gopt, seed=SEED)
gan.compile(steps_per_execution=50)
dataset, _ = gk.data.mnist_dataset(BATCH, seed=SEED, dataset="mnist", verbose=False)
x_test_u8, _, _ = gk.data.load_images("mnist", "test", verbose=False)
x_test = gk.data.scale_images(x_test_u8)[:1000, ..., None]
clf = gk.metrics.classifier("mnist")
z_eval = keras.random.normal((1000, LATENT), seed=SEED).numpy()
def score(s):
    return (round(gk.metrics.classifier_scores(s, clf)["confident"], 3), round(gk.metrics.frechet_distance(s, x_test, clf), 2))
def evaluate():
    saved = [v.numpy() for v in g.variables]
    out = {"raw": score(g.predict(z_eval, verbose=0))}
    emas = {id(v): a for v, a in zip(gopt._trainable_variables, gopt._model_variables_moving_average)}
    for v in g.trainable_variables:
        v.assign(emas[id(v)])
    out["ema"] = score(g.predict(z_eval, verbose=0))
    for v, a in zip(g.variables, saved):
        v.assign(a)
    return out
print("params G", g.count_params(), "D", d.count_params(), flush=True)
t0 = time.time()
for k in range(STEPS // EVERY):
    gan.train(dataset, EVERY * (k + 1), log_every=min(250, EVERY), progress=False)
    r = evaluate()
    print(json.dumps({"v": V, "step": gan.step, "s": round(gan.train_seconds), **r}), flush=True)
print("wall", round(time.time() - t0))
