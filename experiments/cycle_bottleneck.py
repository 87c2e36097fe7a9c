"""Notebook 06 (issue 16) screening: does the cycle loss keep the digit when G has a global bottleneck?

python experiments/cycle_bottleneck.py LAMBDA STEPS SEED [CODE] [JIT] (from the repository root).
Runs notebook 06's own cells (data, score, CycleGAN, losses, step) with a generator that goes through a
CODE-d dense code (default 64), for a fixed number of STEPS (a step budget: the result does not depend on
the machine's speed). JIT=1 compiles the step with XLA. Appends a RESULT line to stdout.
12-01 (time budget, 150 s, seed 0): lambda 0 -> 0.124, lambda 1 -> 0.093 (chance; 400-500 steps too few).
12-01 (2,000 steps, XLA, seed 0, code 64): lambda 0 -> 0.111 (chance all along), lambda 10 -> 0.338 at step 1,000 and
0.382 at 2,000 (source only 0.523); 4.5 steps/s. Notebook 06 section 7 uses this generator, 1,000 steps, 3 seeds."""
import json, os, sys, time
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
lam, steps, seed = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
code_dim = int(sys.argv[4]) if len(sys.argv) > 4 else 64
jit = len(sys.argv) > 5 and sys.argv[5] == "1"


def build_bottleneck_generator(name):
    """28x28x3 -> 28x28x3 through a code_dim dense code: every output pixel sees the whole input."""
    x = images = keras.Input((28, 28, 3))
    x = ns["norm_relu"](layers.Conv2D(C, 4, strides=2, padding="same")(x))         # 14
    x = ns["norm_relu"](layers.Conv2D(2 * C, 4, strides=2, padding="same")(x))     # 7
    code = layers.Dense(code_dim, activation="relu")(layers.Flatten()(x))
    x = layers.Reshape((7, 7, 2 * C))(layers.Dense(7 * 7 * 2 * C, activation="relu")(code))
    x = ns["norm_relu"](layers.Conv2D(2 * C, 3, padding="same")(layers.UpSampling2D(2)(x)))  # 14
    x = ns["norm_relu"](layers.Conv2D(C, 3, padding="same")(layers.UpSampling2D(2)(x)))      # 28
    return keras.Model(images, layers.Conv2D(3, 7, padding="same", activation="tanh")(x), name=name)


ns["build_generator"] = build_bottleneck_generator
gk.config.seed_everything(seed)
gan = ns["CycleGAN"](lam)
gan.compile()
gan.jit_compile = jit
every = 250
curve = gk.train.MetricCurve(lambda m: ns["adaptation_accuracy"](m.F.predict(ns["test_y"], verbose=0)))
history = keras.callbacks.History()
start = time.perf_counter()
gan.fit(ns["dataset"], steps_per_epoch=every, epochs=steps // every, callbacks=[curve, history], shuffle=False, verbose=0)
seconds = time.perf_counter() - start
row = ns["score"](gan)
print("RESULT", json.dumps({"lambda": lam, "seed": seed, "steps": curve.seen, "code": code_dim, "jit": jit,
                            "seconds": round(seconds, 1), "source_only": round(ns["SOURCE_ONLY"], 3),
                            **{k: round(v, 3) for k, v in row.items()},
                            "curve": [round(v, 3) for v in curve.values],
                            "cycle": [round(v, 3) for v in history.history["cycle"]]}), flush=True)
