"""Notebook 06 (issue 16) screening: does the cycle loss keep the digit when G has a global bottleneck?
python experiments/cycle_bottleneck.py LAMBDA SECONDS SEED (from the repository root). 12-01, seed 0, 150 s: lambda 0 -> 0.124, lambda 1 -> 0.093 (chance; 400-500 steps are too few)"""
import json, sys, os
import matplotlib; matplotlib.use("Agg")
os.environ.setdefault("GANKIT_MODE", "full")
NB = "notebooks/06_cyclegan.ipynb"
CELLS = ["467e8eab", "9ed2e2a1", "f3d65557", "1c4746d8", "135a50a6", "e59c9944", "3ecf4300", "e8c9c9b0",
         "a5ad9ed4", "c6bacd82", "29a3a77e", "2b12b768", "6aa9c1b5"]
cells = {c.get("id"): "".join(c["source"]) for c in json.load(open(NB))["cells"]}
ns = {}
for cid in CELLS:
    exec(compile(cells[cid], cid, "exec"), ns)
layers, keras, gk = ns["layers"], ns["keras"], ns["gk"]
C = ns["CHANNELS"]

def build_bottleneck_generator(name):
    """28x28x3 -> 28x28x3 through a 64-d dense code: every output pixel sees the whole input."""
    x = images = keras.Input((28, 28, 3))
    x = ns["norm_relu"](layers.Conv2D(C, 4, strides=2, padding="same")(x))         # 14
    x = ns["norm_relu"](layers.Conv2D(2 * C, 4, strides=2, padding="same")(x))     # 7
    code = layers.Dense(64, activation="relu")(layers.Flatten()(x))
    x = layers.Reshape((7, 7, 2 * C))(layers.Dense(7 * 7 * 2 * C, activation="relu")(code))
    x = ns["norm_relu"](layers.Conv2D(2 * C, 3, padding="same")(layers.UpSampling2D(2)(x)))  # 14
    x = ns["norm_relu"](layers.Conv2D(C, 3, padding="same")(layers.UpSampling2D(2)(x)))      # 28
    return keras.Model(images, layers.Conv2D(3, 7, padding="same", activation="tanh")(x), name=name)

ns["build_generator"] = build_bottleneck_generator
lam, seconds, seed = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
gk.config.seed_everything(seed)
gan, budget, curve, _ = ns["train_cyclegan"](lam, seconds)
row = ns["score"](gan)
print("RESULT", json.dumps({"lambda": lam, "seed": seed, "seconds": seconds, "steps": curve.seen,
                            "source_only": round(ns["SOURCE_ONLY"], 3), **{k: round(v, 3) for k, v in row.items()},
                            "curve": [round(v, 3) for v in curve.values]}), flush=True)
