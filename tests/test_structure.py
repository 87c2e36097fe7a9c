"""The package's shape: one idea per module, no class over ~150 lines, no function over ~50.

Lines are counted without docstrings (docstrings can be as long as they need to be).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gankit"
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
