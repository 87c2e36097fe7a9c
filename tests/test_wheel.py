"""The package installs complete: a notebook's first cell installs the wheel in a fresh venv, and
notebooks 01 and 05 then run outside the repository.

As on Colab: a fresh venv with the pinned TensorFlow and Keras and the other packages Colab has
(gankit's dependencies: Matplotlib, scikit-image, ...), but no gankit, and pip with no index (no
network). A notebook copied into an empty folder stops in its first cell with the message that
lists the ways to install gankit; with the built wheel beside it, the first cell installs gankit
from the wheel. Then, with the test harness (pytest, nbval, ipykernel), both notebooks run whole in
that folder outside the repository under strict nbval in quick mode, offline (their second cell
imports gankit; the wheel must bring the package data: the classifier weights), the MNIST data
given by ``GANKIT_DATA_DIR`` (a copy of the offline digits in the course folder). `make test` checks notebooks 01 and 05 this way only (it sets
``GANKIT_WHEEL_NOTEBOOKS=1``, and the root conftest.py then leaves them out of the in-repository run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("01_intro_gan.ipynb", "05_super_resolution.ipynb")


def pins(*names: str) -> list[str]:
    """``name==version`` lines of requirements.txt for ``names``."""
    found = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s#]+)", line)
        if match:
            found[match[1].lower()] = f"{match[1]}=={match[2]}"
    return [found[name.lower()] for name in names]


def run(command: list, timeout: float, **options) -> subprocess.CompletedProcess:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout, **options)
    assert result.returncode == 0, f"{command[:3]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


FIRST_CELL = """
import json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
exec("".join(cells[0]["source"]), {})
"""


@pytest.mark.slow
def test_the_first_cell_installs_the_wheel_in_a_fresh_venv_and_notebooks_01_and_05_run_outside_the_repository(tmp_path):
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("needs uv, which `make setup` installs into .venv")
    if not (ROOT / "data" / "mnist_offline.npz").exists():
        pytest.skip("needs data/mnist_offline.npz (`make setup`)")
    source = tmp_path / "source"  # build from a copy: setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT / "gankit", source / "gankit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    run([uv, "build", "-q", "--wheel", "--out-dir", tmp_path / "dist", source], 300)
    wheel = next((tmp_path / "dist").glob("gankit-*.whl"))

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    run([uv, "venv", "-q", "--seed", "--python", sys.executable, venv], 120)  # --seed: with pip, as Colab has
    colab = pins("tensorflow", "keras", "numpy", "matplotlib", "tqdm", "imageio", "scikit-image", "tensorboard")
    run([uv, "pip", "install", "-q", "--python", python, *colab], 600)
    run([uv, "pip", "install", "-q", "--python", python, *pins("pytest", "nbval", "ipykernel")], 600)  # the harness
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "GANKIT_", "PIP_"))}
    env.update(GANKIT_MODE="quick", GANKIT_OFFLINE="1", PIP_NO_INDEX="1",  # no network: pip finds only the wheel
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")

    course = tmp_path / "course"  # outside the repository: nothing of it is importable from here
    course.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOKS[0], course / NOTEBOOKS[0])  # a notebook alone in a folder ...
    stopped = subprocess.run([python, "-c", FIRST_CELL, NOTEBOOKS[0]], cwd=course, env=env, capture_output=True,
                             text=True, timeout=120)  # ... stops in its first cell with the ways to install gankit
    assert stopped.returncode != 0 and "RuntimeError: gankit, the course's helper package, is not installed" in stopped.stderr
    assert "gankit-*.whl" in stopped.stderr and "GANKIT_SOURCE" in stopped.stderr, stopped.stderr[-2000:]
    shutil.copy(wheel, course / wheel.name)  # with the wheel beside it, the first cell installs gankit from it
    run([python, "-c", FIRST_CELL, NOTEBOOKS[0]], 300, cwd=course, env=env)
    where = run([python, "-c", "import gankit; print(gankit.__file__)"], 60, cwd=course, env=env).stdout
    assert str(venv) in where, f"gankit installed to {where.strip()}, not into the venv"

    for name in NOTEBOOKS[1:]:  # then the notebooks run whole (their second cell imports gankit) under strict nbval
        shutil.copy(ROOT / "notebooks" / name, course / name)
    shutil.copy(ROOT / "tests" / "nbval_sanitize.cfg", course / "nbval_sanitize.cfg")
    (course / "data").mkdir()
    shutil.copy(ROOT / "data" / "mnist_offline.npz", course / "data" / "mnist_offline.npz")
    env.update(GANKIT_DATA_DIR=str(course / "data"))
    result = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                             "--nbval-sanitize-with", "nbval_sanitize.cfg", *NOTEBOOKS],
                            cwd=course, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "failed" not in result.stdout.splitlines()[-1], result.stdout[-3000:]
