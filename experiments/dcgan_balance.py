"""Notebook 03 DCGAN-balance screening (issue 16): python experiments/dcgan_balance.py VARIANT SEED STEPS.

Trains one variant of the course DCGAN (or, variant "mlp", notebook 1's MLP GAN with its settings) with
CombinedGAN (frozen_d_batchnorm="batch"), FD on 1,000 test digits every 750 steps; EMA_M=0.8 adds an
EMA-of-G curve; a "_decay" suffix makes both learning rates follow a cosine to 0 over STEPS. Appends one
JSON line to /tmp/exp/results.jsonl. THREADS=2, one run at a time: about the throughput of two runs with
THREADS=1 each (10 against 2 x 4.5 steps/s), each result twice as soon. Results kept in dcgan_balance_results.jsonl: 6,000-step screening (2026-12-01 early),
then 10,500 steps (the notebook's budget) for gdeep_dropout_nobn (12.9), its _decay (12.8) and mlp (8.8);
gdeep_dropout_nobn_dhead (D with a Dense(256) head): 10.4 at 4,500 steps (mlp 16.0 there), 8.8 at 10,500
(mlp 8.8), last quarter 9.5 (mlp 10.1).
"""
import json, sys, time, os
import numpy as np
import gankit as gk
import keras, tensorflow as tf
from keras import layers
tf.config.threading.set_intra_op_parallelism_threads(int(os.environ.get("THREADS", "1")))
tf.config.threading.set_inter_op_parallelism_threads(1)
variant, SEED, STEPS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
LATENT_DIM, BATCH, N_EVAL = 100, 64, 1000
gk.config.seed_everything(SEED)
x_train_u8, y_train, _ = gk.data.load_images("mnist", "train", verbose=False)
x_test_u8, _, _ = gk.data.load_images("mnist", "test", verbose=False)
x_train = gk.data.scale_images(x_train_u8)[..., None]
x_test = gk.data.scale_images(x_test_u8)[:N_EVAL, ..., None]
x_hold = gk.data.scale_images(x_test_u8)[N_EVAL:N_EVAL + 1000, ..., None]
classifier = gk.metrics.classifier("mnist")

class Translate(layers.Layer):
    """Differentiable random integer shift by up to `shift` pixels, background -1 (DiffAugment-style)."""
    def __init__(self, shift=2, seed=0, **kw):
        super().__init__(**kw); self.shift = shift; self.gen = keras.random.SeedGenerator(seed)
    def call(self, x, training=None):
        if not training:
            return x
        s, n, h = self.shift, tf.shape(x)[0], x.shape[1]
        padded = tf.pad(x, [[0, 0], [s, s], [s, s], [0, 0]], constant_values=-1.0)
        d = tf.cast(keras.random.randint((2, n), 0, 2 * s + 1, seed=self.gen), "int32")
        rows = d[0][:, None] + tf.range(h)[None]
        cols = d[1][:, None] + tf.range(h)[None]
        return tf.gather(tf.gather(padded, rows, batch_dims=1, axis=1), cols, batch_dims=1, axis=2)

def gen(width=64, k=4, momentum=0.99, deep=0):
    z = keras.Input((LATENT_DIM,))
    x = layers.Dense(7 * 7 * width, use_bias=False)(z)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization(momentum=momentum)(x))
    x = layers.Reshape((7, 7, width))(x)
    for _ in range(deep):  # extra stride-1 layers at 7x7: more depth between z and the shapes, cheap at 7x7
        x = layers.Conv2DTranspose(width, 3, strides=1, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization(momentum=momentum)(x))
    x = layers.Conv2DTranspose(width // 2, k, strides=2, padding="same", use_bias=False)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization(momentum=momentum)(x))
    img = layers.Conv2DTranspose(1, k, strides=2, padding="same", activation="tanh")(x)
    return keras.Model(z, img)

def disc(bn=True, dropout=0.0, translate=0, width=32, head=0):
    img = keras.Input((28, 28, 1)); x = img
    if translate:
        x = Translate(translate, seed=SEED)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(layers.Conv2D(width, 4, strides=2, padding="same")(x))
    if dropout: x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=not bn)(x)
    if bn: x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    if dropout: x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    if head:  # a hidden dense layer: cheap capacity (the MLP D has 533k parameters, this conv D 37k)
        x = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(head)(x))
        if dropout: x = layers.Dropout(dropout)(x)
    return keras.Model(img, layers.Dense(1)(x))

V = {  # name: (gen kwargs, disc kwargs, g lr, d lr, label smoothing)
    "base": ({}, {}, 5e-4, 5e-4, 0),
    "mlp": ({}, {}, 2e-4, 2e-4, 0),  # notebook 1's MLP GAN and its settings (XLA on)
    "dropout_nobn": ({}, dict(bn=False, dropout=0.3), 5e-4, 5e-4, 0),
    "dropout_bn": ({}, dict(dropout=0.3), 5e-4, 5e-4, 0),
    "smooth": ({}, {}, 5e-4, 5e-4, 0.2),
    "dlr_half": ({}, {}, 5e-4, 2.5e-4, 0),
    "gwide": (dict(width=128), {}, 5e-4, 5e-4, 0),
    "translate": ({}, dict(translate=2), 5e-4, 5e-4, 0),
    "translate_nobn": ({}, dict(translate=2, bn=False), 5e-4, 5e-4, 0),
    "k5": (dict(k=5), {}, 5e-4, 5e-4, 0),
    "gmom": (dict(momentum=0.8), {}, 5e-4, 5e-4, 0),
    "gdeep": (dict(deep=1), {}, 5e-4, 5e-4, 0),
    "gdeep_dropout_nobn": (dict(deep=1), dict(bn=False, dropout=0.3), 5e-4, 5e-4, 0),
    "gdeep_dropout_nobn_dwide": (dict(deep=1), dict(bn=False, dropout=0.3, width=64), 5e-4, 5e-4, 0),
    "gdeep_dropout_nobn_dhead": (dict(deep=1), dict(bn=False, dropout=0.3, head=256), 5e-4, 5e-4, 0),
    "wide_dropout_nobn": (dict(width=128, deep=1), dict(bn=False, dropout=0.3, width=64), 5e-4, 5e-4, 0),  # TF-tutorial-like widths
    "gmom_translate_nobn": (dict(momentum=0.8), dict(translate=2, bn=False), 5e-4, 5e-4, 0),
}
DECAY = variant.endswith("_decay")  # Adam's learning rate follows a cosine from its value to 0 over STEPS
gkw, dkw, glr, dlr, smooth = V[variant.removesuffix("_decay")]
lr = lambda value: keras.optimizers.schedules.CosineDecay(value, STEPS) if DECAY else value
def mlp_disc():  # notebook 1's MLP D (the seed's), with logits: the notebook's MLP GAN baseline
    seed_d = gk.reference.seed002_discriminator()
    return keras.Model(seed_d.inputs, layers.Dense(1)(seed_d.layers[-2].output))

if variant.startswith("mlp"):
    generator, discriminator = gk.reference.seed002_generator(), mlp_disc()
else:
    generator, discriminator = gen(**gkw), disc(**dkw)
discriminator.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=smooth),
                      optimizer=keras.optimizers.Adam(lr(dlr), beta_1=0.5))
discriminator.trainable = False
z = keras.Input((LATENT_DIM,))
combined = keras.Model(z, discriminator(generator(z)))
combined.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True), optimizer=keras.optimizers.Adam(lr(glr), beta_1=0.5))
gan = gk.train.CombinedGAN(generator, discriminator, combined, frozen_d_batchnorm="batch", seed=SEED)
gan.compile(steps_per_execution=50, jit_compile=variant.startswith("mlp"))
dataset, _ = gk.data.mnist_dataset(BATCH, seed=SEED, verbose=False)
z_eval = keras.random.normal((N_EVAL, LATENT_DIM), seed=SEED).numpy()
curve = gk.metrics.FrechetCurve(x_test, z_eval, classifier=classifier, every=3)
ema_model = keras.models.clone_model(generator); ema_model.set_weights(generator.get_weights())
fd_ema = []
class EMA(keras.callbacks.Callback):
    def __init__(self, m): super().__init__(); self.m = m; self.calls = 0
    def on_train_batch_end(self, batch, logs=None):
        for e, w in zip(ema_model.weights, generator.weights):
            e.assign(self.m * e + (1 - self.m) * w)
    def on_epoch_end(self, epoch, logs=None):
        self.calls += 1
        if self.calls % 3 == 0:
            fd_ema.append(round(gk.metrics.frechet_distance(ema_model.predict(z_eval, verbose=0), x_test, classifier), 2))
t = time.time()
ema = [EMA(float(os.environ["EMA_M"]))] if os.environ.get("EMA_M") else []  # an EMA of G (per call of 50 steps): no help at 6k steps
gan.train(dataset, STEPS, log_every=250, callbacks=[curve, *ema])
logs = gan.logs()
samples = generator.predict(z_eval, verbose=0)
sc = gk.metrics.classifier_scores(samples, classifier)
d_train = float(tf.sigmoid(discriminator(x_train[:1000], training=False)).numpy().mean())
d_hold = float(tf.sigmoid(discriminator(x_test, training=False)).numpy().mean())
n = len(curve.fd)
train_mode = np.concatenate([generator(z_eval[i:i + 100], training=True).numpy() for i in range(0, N_EVAL, 100)])
fd_train_mode = gk.metrics.frechet_distance(train_mode, x_test, classifier)
generator.save(f"/tmp/exp/g_{variant}_{SEED}.keras")
out = dict(variant=variant, seed=SEED, steps=gan.step, wall=round(time.time() - t), fd=[round(v, 2) for v in curve.fd],
           fd_steps=curve.steps, fd_ema=fd_ema, fd_train_mode=round(fd_train_mode, 2), last_q=round(float(np.mean(curve.fd[-max(1, n // 4):])), 2),
           d_acc_real=round(float(np.mean(logs["d_acc_real"][-8:])), 3), d_acc_fake=round(float(np.mean(logs["d_acc_fake"][-8:])), 3),
           d_train_vs_hold=(round(d_train, 3), round(d_hold, 3)), classes=sc["classes"], confident=round(sc["confident"], 3),
           params=(generator.count_params(), discriminator.count_params()))
print(json.dumps(out))
with open("/tmp/exp/results.jsonl", "a") as f:
    f.write(json.dumps(out) + "\n")
