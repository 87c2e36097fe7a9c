"""Notebook 06 (issue 16) screening: does the cycle loss keep the digit when G has a global bottleneck?

python experiments/cycle_bottleneck.py LAMBDA STEPS SEED (from the repository root).
Runs notebook 06's own cells (data, score, CycleGAN, losses, step, and section 7's generator with a 64-d
dense code) for a fixed number of STEPS (full mode: XLA on). Prints a RESULT line.
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
gk = ns["gk"]
lam, steps, seed = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
exec(compile(cells["global-generator"], "global-generator", "exec"), ns)  # the notebook's own bottleneck generator
gk.config.seed_everything(seed)
start = time.perf_counter()
gan, _, curve, history = ns["train_cyclegan"](lam, steps, make_generator=ns["build_bottleneck_generator"])
seconds = time.perf_counter() - start
row = ns["score"](gan)
probe = ns["build_bottleneck_generator"]("probe")  # the code size, read from the notebook's generator
code = next(layer.units for layer in probe.layers if isinstance(layer, ns["keras"].layers.Dense))
print("RESULT", json.dumps({"lambda": lam, "seed": seed, "steps": curve.seen, "code": code, "jit": ns["JIT_COMPILE"],
                            "seconds": round(seconds, 1), "source_only": round(ns["SOURCE_ONLY"], 3),
                            **{k: round(v, 3) for k, v in row.items()},
                            "curve": [round(v, 3) for v in curve.values],
                            "cycle": [round(v, 3) for v in history.history["cycle"]]}), flush=True)
