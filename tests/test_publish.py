"""tools.publish: one address (pyproject.toml), stamped into every notebook's set-up cell, badge and
the README; the set-up cell installs gankit only where it is missing."""

from __future__ import annotations

import glob
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tools import publish

ROOT = Path(__file__).resolve().parent.parent
REAL_GLOB = glob.glob
FORK = "https://github.com/example-owner/example-fork"  # a test's stand-in for a fork's address


class Installs:
    """Stands in for ``subprocess.run`` in a set-up cell: records each pip command, succeeds."""

    def __init__(self):
        self.commands = []

    def __call__(self, command, **options):
        self.commands.append(command[command.index("install") + 2:])  # what follows ``pip install -q``
        return subprocess.CompletedProcess(command, 0, "", "")


def run_setup_cell(source: str, gankit_installed: bool, monkeypatch, content: Path | None = None) -> list:
    """Executes a set-up cell as Jupyter would, with gankit importable or (faked) not.

    Returns the sources it installed from. ``content`` stands in for Colab's ``/content`` folder.
    """
    installs = Installs()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (real_find_spec(name, *a) if gankit_installed or name != "gankit" else None))
    monkeypatch.setattr(subprocess, "run", installs)
    if content is not None:
        monkeypatch.setattr(glob, "glob", lambda pattern: REAL_GLOB(pattern.replace("/content", str(content), 1)))
    exec(TransformerManager().transform_cell(source), {})
    return installs.commands


def first_code_cell(path: Path) -> str:
    nb = json.loads(path.read_text())
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def copy_of_repo(tmp_path: Path, url: str | None) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("generators", "runs", "*.quick.ipynb"))
    shutil.copy(ROOT / "README.md", root / "README.md")
    text = (ROOT / "pyproject.toml").read_text()
    if url:
        text = text.replace("[tool.setuptools.packages.find]", f'[project.urls]\nRepository = "{url}"\n\n[tool.setuptools.packages.find]')
    (root / "pyproject.toml").write_text(text)
    return root


def test_notebooks_and_readme_agree_with_the_one_address():
    assert publish.check() == []
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) == 7
    for path in notebooks:
        assert first_code_cell(path).startswith(publish.MARKER), path.name


CITED = {"github.com/eriklindernoren/Keras-GAN"}  # other projects the lessons cite (the classic Keras GAN example)


def test_no_file_names_an_address_other_than_pyprojects():
    url, _ = publish.published()
    files = [ROOT / "README.md", *sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    for path in files:
        for address in {a.rstrip(".,)\"'`") for a in re.findall(r"github\.com/[\w.-]+/[\w.-]+", path.read_text())} - CITED:
            assert url is not None and address in url, f"{path.name} names {address}, not pyproject.toml's address"


def test_setup_cell_is_a_no_op_where_gankit_is_installed(monkeypatch):
    for url in (None, FORK):
        assert run_setup_cell(publish.setup_cell(url, "v0.1.0"), True, monkeypatch) == []
    assert run_setup_cell(first_code_cell(ROOT / "notebooks" / "01_intro_gan.ipynb"), True, monkeypatch) == []


def test_setup_cell_installs_from_the_published_address_first(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gankit-0.1.0-py3-none-any.whl").write_text("")
    monkeypatch.setenv("GANKIT_SOURCE", "/somewhere/else")
    assert run_setup_cell(publish.setup_cell(FORK, "v0.1.0"), False, monkeypatch) == [[f"gankit @ git+{FORK}@v0.1.0"]]


def test_unpublished_setup_cell_installs_a_wheel_beside_the_notebook_then_colabs_then_gankit_source(monkeypatch, tmp_path):
    cell = first_code_cell(ROOT / "notebooks" / "05_super_resolution.ipynb")
    here, content = tmp_path / "here", tmp_path / "content"
    here.mkdir(), content.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("GANKIT_SOURCE", "/path/to/the/course")
    (content / "gankit-0.1.0-py3-none-any.whl").write_text("")
    (here / "gankit-0.1.0-py3-none-any.whl").write_text("")
    assert run_setup_cell(cell, False, monkeypatch, content) == [["gankit-0.1.0-py3-none-any.whl"]]
    (here / "gankit-0.1.0-py3-none-any.whl").unlink()
    assert run_setup_cell(cell, False, monkeypatch, content) == [[str(content / "gankit-0.1.0-py3-none-any.whl")]]
    (content / "gankit-0.1.0-py3-none-any.whl").unlink()
    assert run_setup_cell(cell, False, monkeypatch, content) == [["/path/to/the/course"]]


def test_unpublished_setup_cell_without_a_way_stops_with_the_ways(monkeypatch, tmp_path):
    url, _ = publish.published()
    if url is not None:
        pytest.skip("this copy is published: the cells install from its address")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GANKIT_SOURCE", raising=False)
    with pytest.raises(RuntimeError, match=r"not installed.*gankit-\*\.whl.*make wheel.*Files pane.*GANKIT_SOURCE"):
        run_setup_cell(first_code_cell(ROOT / "notebooks" / "05_super_resolution.ipynb"), False, monkeypatch, tmp_path)


def test_a_failed_install_says_what_pip_said(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GANKIT_SOURCE", "/no/such/folder")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    monkeypatch.setattr(subprocess, "run", lambda command, **o: subprocess.CompletedProcess(command, 1, "", "ERROR: no such folder"))
    with pytest.raises(RuntimeError, match="pip install /no/such/folder failed:\nERROR: no such folder"):
        exec(publish.setup_cell(None, "v0.1.0"), {})


def test_the_setup_text_says_what_the_cell_does():
    for url in (None, FORK):
        text = publish.setup_markdown(url)
        assert ("published repository" in text) == bool(url)
        assert ("gankit-*.whl" in text and "GANKIT_SOURCE" in text) == (url is None)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
        assert "".join(cells[code - 1]["source"]) == publish.setup_markdown(publish.published()[0]), path.name


def test_stamping_a_fork_updates_every_cell_badge_and_the_readme(tmp_path):
    root = copy_of_repo(tmp_path, FORK)
    assert publish.check(root)  # the fork's address is not in the copied files yet
    publish.stamp(root)
    assert publish.check(root) == []
    assert publish.stamp(root) == []  # idempotent
    path = root / "notebooks" / "03_dcgan.ipynb"
    assert f"git+{FORK}@v0.1.0" in first_code_cell(path)
    title = "".join(json.loads(path.read_text())["cells"][0]["source"])
    assert "colab.research.google.com/github/example-owner/example-fork/blob/main/notebooks/03_dcgan.ipynb" in title
    assert f"git+{FORK}@v0.1.0" in (root / "README.md").read_text()
    assert "published repository" in "".join(json.loads(path.read_text())["cells"][2]["source"])
    # Back to unpublished: the badges go, the cells explain.
    (root / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    publish.stamp(root)
    assert publish.check(root) == [] and "colab-badge" not in path.read_text()


def test_a_repository_address_that_is_not_github_is_refused(tmp_path):
    root = copy_of_repo(tmp_path, "http://example.com/x")
    with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
        publish.published(root)
