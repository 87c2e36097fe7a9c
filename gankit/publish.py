"""Where the course is published, stamped into every notebook (set-up tooling; ``import gankit``
does not import it).

The repository's address lives in one place: ``[project.urls] Repository`` in ``pyproject.toml``.
From it (and the release tag ``v<version>``) this module writes

* each notebook's **set-up cell**, its first code cell: a no-op where ``gankit`` is importable
  (this repository, CI); elsewhere (Colab, a bare Jupyter) ``%pip install`` of gankit from the
  repository at the pinned tag, then the notebook goes on;
* each notebook's **Colab badge** (the first markdown cell's ``<a href=...>`` line);
* the README's Colab install line (between ``<!-- publish:colab -->`` markers).

Until the address is set, the set-up cell says so in words (where gankit is missing) and the
badges are left out. Run ``python -m gankit.publish`` after changing the address (a fork) or the
version; ``python -m gankit.publish --check`` (and ``tests/test_publish.py``) fails when any
notebook or the README disagrees with ``pyproject.toml``.
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
NOT_PUBLISHED = (
    "gankit, the course's helper package, is not installed, and this copy of the course does not say where it "
    "is published (pyproject.toml has no [project.urls] Repository). Install it from your copy of the "
    "repository: pip install /path/to/the/repository (README: 'Run on Colab')."
)


def published(root: Path = ROOT) -> tuple[str | None, str]:
    """``(repository address or None, release tag)`` from ``root/pyproject.toml``."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    url = project.get("urls", {}).get("Repository")
    if url is not None and not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(f"[project.urls] Repository must be https://github.com/OWNER/NAME, got {url!r}.")
    return url, f"v{project['version']}"


def install_line(url: str, tag: str) -> str:
    """The pip requirement that installs gankit from ``url`` at ``tag``."""
    return f'%pip install -q "gankit @ git+{url}@{tag}"'


def setup_cell(url: str | None, tag: str) -> str:
    """The source of every notebook's first code cell."""
    if url:
        action = install_line(url, tag)
    else:
        pieces = textwrap.wrap(NOT_PUBLISHED, 90, drop_whitespace=False)
        action = "raise RuntimeError(" + "\n                       ".join(repr(piece) for piece in pieces) + ")"
    return (f"{MARKER}: installs it (the README says from where); a no-op where it is installed.\n"
            "import importlib.util\n\n"
            'if importlib.util.find_spec("gankit") is None:\n'
            f"    {action}")


def badge(url: str | None, notebook: str) -> str | None:
    """The Colab badge line for ``notebook`` (a file name), or ``None`` while unpublished."""
    if not url:
        return None
    path = url.removeprefix("https://github.com/")
    return (f'<a href="https://colab.research.google.com/github/{path}/blob/main/notebooks/{notebook}">'
            f'<img src="{BADGE_IMAGE}" alt="Open In Colab"/></a>')


def readme_block(url: str | None, tag: str) -> str:
    """The README's Colab install instructions."""
    if not url:
        return ("This copy of the course is not published yet: `pyproject.toml` has no `[project.urls] Repository`.\n"
                "Set it to the repository's GitHub address (your fork's, for a fork), tag the release `" + tag +
                "`,\nand run `python -m gankit.publish`: every notebook's set-up cell and Colab badge then install from it.")
    return ("Each notebook's first cell installs gankit where it is missing (Colab has TensorFlow and Keras 3):\n\n"
            f"```python\n{install_line(url, tag)}\n```\n\n"
            f"The address is `[project.urls] Repository` in `pyproject.toml` ({url}); for a fork, change it there and run\n"
            "`python -m gankit.publish`.")


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
    title = cells[_first(cells, "markdown")]
    lines = [line for line in "".join(title["source"]).split("\n") if BADGE_IMAGE not in line]
    line = badge(url, name)
    if line is not None:
        lines = lines[:1] + ["", line] + [rest for rest in lines[1:] if rest]
    title["source"] = "\n".join(lines).rstrip("\n").splitlines(keepends=True)
    return nb


def stamp(root: Path = ROOT) -> list[Path]:
    """Writes the set-up cell, badge and README block from ``pyproject.toml``; returns changed files."""
    url, tag = published(root)
    changed = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = path.read_text()
        new = json.dumps(_stamp_notebook(json.loads(text), path.name, url, tag), indent=1, ensure_ascii=False) + "\n"
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
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = path.read_text()
        nb, expected = json.loads(text), _stamp_notebook(json.loads(text), path.name, url, tag)
        if nb["cells"] != expected["cells"]:
            problems.append(f"{path.name}: set-up cell or Colab badge differ from pyproject.toml's address")
    readme = (root / "README.md").read_text()
    if README_BEGIN not in readme or readme_block(url, tag) not in readme:
        problems.append("README.md: the Colab block differs from pyproject.toml's address")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gankit.publish", description=__doc__.split("\n\n")[0])
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
