"""The package's shape: one idea per module, no class over ~150 lines, no function over ~50; and the
wheel holds only what a learner imports (the repository's tooling stays in tools/).

Lines are counted without docstrings (docstrings can be as long as they need to be).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gankit"
TOOLING = ("run", "publish", "course", "testing")  # tools/*.py: run from the repository, never imported by a learner
MAX_FUNCTION, MAX_CLASS = 50, 150


def _docstring_lines(node: ast.AST) -> int:
    lines = 0
    for child in ast.walk(node):
        body = getattr(child, "body", None)
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) and isinstance(first.value.value, str):
                lines += first.end_lineno - first.lineno + 1
    return lines


def _sizes():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                size = node.end_lineno - node.lineno + 1 - _docstring_lines(node)
                limit = MAX_CLASS if isinstance(node, ast.ClassDef) else MAX_FUNCTION
                yield f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}", size, limit


def test_no_class_over_150_and_no_function_over_50_lines():
    too_long = [f"{where}: {size} lines (limit {limit})" for where, size, limit in _sizes() if size > limit]
    assert not too_long, "\n".join(too_long)


def test_the_counter_counts():
    """The check above must be able to fail: a 60-line function is caught."""
    source = "def f():\n    '''doc\n    more'''\n" + "    x = 1\n" * 60
    node = ast.parse(source).body[0]
    assert node.end_lineno - node.lineno + 1 - _docstring_lines(node) == 61


@pytest.mark.parametrize("module", ["_env", "checks", "config", "losses", "train/base", "train/noise"])
def test_modules_say_their_idea_first(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    assert ast.get_docstring(tree), f"gankit/{module}.py has no module docstring"


def test_the_wheel_holds_no_repository_tooling(tmp_path):
    """Built from the package, tools/ and pyproject.toml as `make wheel` builds it (about 2 s)."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("needs uv, which `make setup` installs into .venv")
    source = tmp_path / "source"  # a copy: setuptools writes build/ and *.egg-info beside the sources
    for folder in ("gankit", "tools"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run([uv, "build", "-q", "--wheel", "--out-dir", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    with zipfile.ZipFile(next((tmp_path / "dist").glob("gankit-*.whl"))) as wheel:
        names = wheel.namelist()
        pretrained = ast.parse(wheel.read("gankit/pretrained.py"))
    assert "gankit/__init__.py" in names and "gankit/train/__init__.py" in names
    assert not [name for name in names if name.startswith("tools/")], names
    assert not {f"gankit/{module}.py" for module in TOOLING} & set(names), names
    functions = {node.name for node in ast.walk(pretrained) if isinstance(node, ast.FunctionDef)}
    assert {"load", "card", "available"} <= functions and "capture" not in functions, functions
    assert not any((PACKAGE / f"{module}.py").exists() for module in TOOLING)
    assert all((ROOT / "tools" / f"{module}.py").exists() for module in (*TOOLING, "ship"))
