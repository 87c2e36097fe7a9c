"""Starts the course: JupyterLab on the notebooks, as a normal user or as root (``make course``).

JupyterLab refuses to start as root ("Running as root is not recommended. Use --allow-root") —
and root is who runs Docker containers, many cloud notebooks and this project's machines. This
module builds the command line for the user it runs as, says where to open the course, and runs it.

Usage::

    python -m tools.course [--port 8888] [--ip 127.0.0.1] [--dry-run]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def jupyter_command(notebooks: str | os.PathLike = NOTEBOOKS, *, port: int = 8888, ip: str = "127.0.0.1",
                    root: bool | None = None, display: bool | None = None) -> list[str]:
    """The JupyterLab command line for this user and machine.

    Args:
        notebooks: the folder JupyterLab opens.
        port, ip: where it listens (``--ip 0.0.0.0`` to reach a container from outside).
        root: running as root (default: the effective user id is 0): adds ``--allow-root``.
        display: a screen to open a browser on (default: ``DISPLAY`` or macOS/Windows); without
            one, ``--no-browser`` (the URL is printed instead).

    Returns:
        ``argv`` for :func:`subprocess.run`.
    """
    root = (hasattr(os, "geteuid") and os.geteuid() == 0) if root is None else root
    if display is None:
        display = bool(os.environ.get("DISPLAY")) or sys.platform in ("darwin", "win32")
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebooks}", f"--port={port}", f"--ip={ip}"]
    if root:
        command.append("--allow-root")
    if not display:
        command.append("--no-browser")
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.course", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 to reach it from outside a container")
    parser.add_argument("--dry-run", action="store_true", help="print the command line and stop")
    args = parser.parse_args(argv)
    command = jupyter_command(port=args.port, ip=args.ip)
    print("Starting JupyterLab:", " ".join(command))
    print(f"Open the course at the http://{'localhost' if args.ip in ('127.0.0.1', '0.0.0.0') else args.ip}:"
          f"{args.port}/lab?token=... address JupyterLab prints below (start with 01_intro_gan.ipynb).")
    if args.dry_run:
        return 0
    if importlib.util.find_spec("jupyterlab") is None:
        print("JupyterLab is not installed in this Python: run `make setup` (or pip install jupyterlab).", file=sys.stderr)
        return 1
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main())
