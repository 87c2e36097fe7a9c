"""Where the course is published, stamped into every notebook (repository tooling, not in the
package: ``python -m tools.publish`` from the repository root).

The repository's address lives in one place: ``[project.urls] Repository`` in ``pyproject.toml``.
From it (and the release tag ``v<version>``) this module writes

* each notebook's **set-up cell**, its first code cell: a no-op where ``gankit`` is importable
  (this repository, CI); elsewhere (Colab, a bare Jupyter) it installs gankit from the first of:
  the repository at the pinned tag (once an address is set), a ``gankit-*.whl`` beside the
  notebook or in Colab's ``/content`` (``make wheel`` builds it), ``GANKIT_SOURCE``; with none of
  them it stops with a message that lists these ways;
* the **Setup** text above that cell, which says the same;
* each notebook's **Colab badge** (the first markdown cell's ``<a href=...>`` line), once an
  address is set;
* the README's *Run on Colab* steps (between ``<!-- publish:colab -->`` markers).

Run ``python -m tools.publish`` after changing the address (a fork) or the version;
``python -m tools.publish --check`` (and ``tests/test_publish.py``) fails when any notebook or
the README disagrees with ``pyproject.toml``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Set-up: Colab or any Jupyter without gankit"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
README_BEGIN, README_END = "<!-- publish:colab -->", "<!-- /publish:colab -->"
NOT_INSTALLED = (
    "gankit, the course's helper package, is not installed. Give this cell one of these, then run it again: "
    "(1) the course's wheel, gankit-*.whl (`make wheel` in the course folder builds it), in this notebook's folder "
    "or uploaded to Colab's Files pane; (2) GANKIT_SOURCE, a folder or pip requirement, e.g. "
    "os.environ['GANKIT_SOURCE'] = '/path/to/the/course'. README: 'Run on Colab'."
)
SETUP_HEADING = "## Setup"


def published(root: Path = ROOT) -> tuple[str | None, str]:
    """``(repository address or None, release tag)`` from ``root/pyproject.toml``."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    url = project.get("urls", {}).get("Repository")
    if url is not None and not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(f"[project.urls] Repository must be https://github.com/OWNER/NAME, got {url!r}.")
    return url, f"v{project['version']}"


def requirement(url: str, tag: str) -> str:
    """The pip requirement that installs gankit from ``url`` at ``tag``."""
    return f"gankit @ git+{url}@{tag}"


def setup_cell(url: str | None, tag: str) -> str:
    """The source of every notebook's first code cell.

    Where gankit is missing it installs it from the first of: the published address (when
    ``pyproject.toml`` has one), a ``gankit-*.whl`` in the notebook's folder or in Colab's
    ``/content``, ``GANKIT_SOURCE``; with none of them it stops with :data:`NOT_INSTALLED`.
    """
    published_way = f"{requirement(url, tag)!r}, " if url else ""
    message = "\n                           ".join(repr(piece) for piece in textwrap.wrap(NOT_INSTALLED, 84, drop_whitespace=False))
    return (f"{MARKER}: installs it; a no-op where it is installed.\n"
            "import glob, importlib.util, os, subprocess, sys\n\n"
            'if importlib.util.find_spec("gankit") is None:\n'
            f'    ways = [{published_way}*sorted(glob.glob("gankit-*.whl") + glob.glob("/content/gankit-*.whl"), reverse=True),\n'
            '            os.environ.get("GANKIT_SOURCE")]\n'
            "    source = next((way for way in ways if way), None)\n"
            "    if source is None:\n"
            f"        raise RuntimeError({message})\n"
            '    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], capture_output=True, text=True)\n'
            "    if done.returncode:\n"
            '        raise RuntimeError(f"pip install {source} failed:\\n{done.stderr[-2000:]}")\n'
            "    importlib.invalidate_caches()  # the next cell imports the package just installed")


def setup_markdown(url: str | None) -> str:
    """The Setup section's text, above the set-up cell: says what that cell does."""
    where = ("from the course's published repository" if url else
             "from the course's wheel, `gankit-*.whl`, in this notebook's folder or uploaded to Colab's Files pane, "
             "or else from `GANKIT_SOURCE` (a folder or pip requirement)")
    return (f"{SETUP_HEADING}\n\n`gankit` is the course's helper package (data, plots, devices, the trainer); each lesson's model "
            f"code stays in the notebook. The first cell installs `gankit` where it is missing (Colab, a fresh Jupyter): {where}. "
            "Where `gankit` is installed it does nothing (README: *Run on Colab*). The second cell holds every import.")


def badge(url: str | None, notebook: str) -> str | None:
    """The Colab badge line for ``notebook`` (a file name), or ``None`` while unpublished."""
    if not url:
        return None
    path = url.removeprefix("https://github.com/")
    return (f'<a href="https://colab.research.google.com/github/{path}/blob/main/notebooks/{notebook}">'
            f'<img src="{BADGE_IMAGE}" alt="Open In Colab"/></a>')


def readme_block(url: str | None, tag: str) -> str:
    """The README's Colab instructions (between the ``publish:colab`` markers)."""
    wheel = f"gankit-{tag.removeprefix('v')}-py3-none-any.whl"
    steps = (f"1. In the course folder, run `make wheel`: it builds `dist/{wheel}`.\n"
             "2. In Colab, *File → Upload notebook*: choose one of `notebooks/*.ipynb`.\n"
             "3. In Colab's Files pane (the folder icon on the left), upload the wheel; it lands in `/content`.\n"
             "4. Run the first cell: it installs gankit from the wheel (Colab already has TensorFlow and Keras 3),\n"
             "   then run the rest. *Runtime → Change runtime type → GPU* makes training much faster.\n\n"
             "The wheel can also lie elsewhere (Google Drive, say): set `GANKIT_SOURCE` to its path, or to any pip\n"
             "requirement, before the first cell (`import os; os.environ[\"GANKIT_SOURCE\"] = \"/content/drive/MyDrive/"
             f"{wheel}\"`).")
    if not url:
        return ("This copy of the course has no published address, so Colab gets gankit from the course's wheel:\n\n"
                f"{steps}\n\nTo publish a copy (a fork), set `[project.urls] Repository` in `pyproject.toml` to its GitHub\n"
                f"address, tag the release `{tag}` and run `python -m tools.publish`: every first cell then installs from\n"
                "that address, and every notebook gets an *Open in Colab* badge.")
    return (f"Open a notebook from its *Open in Colab* badge and run it: the first cell installs `{requirement(url, tag)}`\n"
            f"where gankit is missing. Without that address (a copy of your own), use the wheel:\n\n{steps}\n\n"
            f"The address is `[project.urls] Repository` in `pyproject.toml`; for a fork, change it there and run\n"
            "`python -m tools.publish`.")


def _first(cells: list[dict], kind: str) -> int | None:
    return next((i for i, cell in enumerate(cells) if cell["cell_type"] == kind), None)


def _stamp_notebook(nb: dict, name: str, url: str | None, tag: str) -> dict:
    cells = nb["cells"]
    code = _first(cells, "code")
    cell = {"cell_type": "code", "execution_count": None, "id": "gankit-setup", "metadata": {}, "outputs": [],
            "source": setup_cell(url, tag).splitlines(keepends=True)}
    if code is not None and "".join(cells[code]["source"]).startswith(MARKER):
        cells[code]["source"] = cell["source"]
    else:
        cells.insert(code if code is not None else len(cells), cell)
    setup = code if code is not None else len(cells) - 1
    if setup > 0 and "".join(cells[setup - 1]["source"]).startswith(SETUP_HEADING):
        cells[setup - 1]["source"] = setup_markdown(url).splitlines(keepends=True)
    title = cells[_first(cells, "markdown")]
    lines = [line for line in "".join(title["source"]).split("\n") if BADGE_IMAGE not in line]
    line = badge(url, name)
    if line is not None:
        lines = lines[:1] + ["", line] + [rest for rest in lines[1:] if rest]
    title["source"] = "\n".join(lines).rstrip("\n").splitlines(keepends=True)
    return nb


def _stamped(root: Path, url: str | None, tag: str):
    """``(path, text, stamped notebook)`` for each course notebook."""
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = path.read_text()
        yield path, text, _stamp_notebook(json.loads(text), path.name, url, tag)


def stamp(root: Path = ROOT) -> list[Path]:
    """Writes the set-up cell, badge and README block from ``pyproject.toml``; returns changed files."""
    url, tag = published(root)
    changed = []
    for path, text, stamped in _stamped(root, url, tag):
        new = json.dumps(stamped, indent=1, ensure_ascii=False) + "\n"
        if new != text:
            path.write_text(new)
            changed.append(path)
    readme = root / "README.md"
    text = readme.read_text()
    begin, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    new = text[:begin] + "\n" + readme_block(url, tag) + "\n" + text[end:]
    if new != text:
        readme.write_text(new)
        changed.append(readme)
    return changed


def check(root: Path = ROOT) -> list[str]:
    """What disagrees with ``pyproject.toml``'s address (empty when all agree)."""
    url, tag = published(root)
    problems = []
    for path, text, expected in _stamped(root, url, tag):
        if json.loads(text)["cells"] != expected["cells"]:
            problems.append(f"{path.name}: set-up cell or Colab badge differ from pyproject.toml's address")
    readme = (root / "README.md").read_text()
    if README_BEGIN not in readme or readme_block(url, tag) not in readme:
        problems.append("README.md: the Colab block differs from pyproject.toml's address")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report what disagrees; exit 1 if anything does")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        print("\n".join(problems) or "notebooks and README agree with pyproject.toml")
        return 1 if problems else 0
    for path in stamp():
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
