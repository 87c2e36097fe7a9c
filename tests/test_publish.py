"""gankit.publish: one address (pyproject.toml), stamped into every notebook's set-up cell, badge and
the README; the set-up cell installs gankit only where it is missing."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from gankit import publish

ROOT = Path(__file__).resolve().parent.parent
FORK = "https://github.com/example-owner/example-fork"  # a test's stand-in for a fork's address


class FakeIPython:
    """Records the magics a cell runs instead of running them."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line):
        self.magics.append((name, line))


def run_setup_cell(source: str, gankit_installed: bool, monkeypatch) -> FakeIPython:
    """Executes a set-up cell as IPython would, with gankit importable or (faked) not."""
    shell = FakeIPython()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (real_find_spec(name, *a) if gankit_installed or name != "gankit" else None))
    exec(TransformerManager().transform_cell(source), {"get_ipython": lambda: shell})
    return shell


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
    assert len(notebooks) == 6
    for path in notebooks:
        assert first_code_cell(path).startswith(publish.MARKER), path.name


def test_no_file_names_an_address_other_than_pyprojects():
    url, _ = publish.published()
    files = [ROOT / "README.md", *sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    for path in files:
        for address in {a.rstrip(".,)\"'`") for a in re.findall(r"github\.com/[\w.-]+/[\w.-]+", path.read_text())}:
            assert url is not None and address in url, f"{path.name} names {address}, not pyproject.toml's address"


def test_setup_cell_is_a_no_op_where_gankit_is_installed(monkeypatch):
    for url in (None, FORK):
        assert run_setup_cell(publish.setup_cell(url, "v0.1.0"), True, monkeypatch).magics == []
    assert run_setup_cell(first_code_cell(ROOT / "notebooks" / "01_intro_gan.ipynb"), True, monkeypatch).magics == []


def test_setup_cell_installs_gankit_at_the_pinned_tag_where_it_is_missing(monkeypatch):
    shell = run_setup_cell(publish.setup_cell(FORK, "v0.1.0"), False, monkeypatch)
    assert shell.magics == [("pip", f'install -q "gankit @ git+{FORK}@v0.1.0"')]


def test_unpublished_setup_cell_says_what_to_do_where_gankit_is_missing(monkeypatch):
    url, _ = publish.published()
    if url is not None:
        pytest.skip("this copy is published: the cells install")
    with pytest.raises(RuntimeError, match="not installed.*pip install /path/to/the/repository"):
        run_setup_cell(first_code_cell(ROOT / "notebooks" / "05_super_resolution.ipynb"), False, monkeypatch)


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
    # Back to unpublished: the badges go, the cells explain.
    (root / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    publish.stamp(root)
    assert publish.check(root) == [] and "colab-badge" not in path.read_text()


def test_a_repository_address_that_is_not_github_is_refused(tmp_path):
    root = copy_of_repo(tmp_path, "http://example.com/x")
    with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
        publish.published(root)
