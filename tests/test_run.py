"""Tests of gankit.run: executing notebooks in place, and the README's results table."""

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from gankit import run

ROOT = Path(__file__).resolve().parents[1]


def write(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_quick_run_writes_a_separate_executed_copy(tmp_path):
    path = write(tmp_path / "nb.ipynb", "import os\nprint(os.environ['GANKIT_MODE'])", 'print("RESULT " + \'{"notebook": "x", "mode": "quick"}\')')
    out = run.execute(path, "quick", timeout=120)
    assert out.name == "nb.quick.ipynb"
    executed = nbformat.read(out, as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "quick\n"
    assert [c.execution_count for c in executed.cells] == [1, 2]
    assert nbformat.read(path, as_version=4).cells[0].outputs == []  # original untouched
    assert run.read_result(out) == {"notebook": "x", "mode": "quick"}
    record = executed.metadata["gankit"]
    assert record["mode"] == "quick" and 0 <= record["seconds"] < 120 and len(record["executed"]) == 10


def test_failing_notebook_leaves_the_file_unchanged(tmp_path):
    path = write(tmp_path / "bad.ipynb", "raise ValueError('boom')")
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="left unchanged"):
        run.execute(path, "full", timeout=120)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ipynb"]


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="ipynb"):
        run.execute(tmp_path / "missing.ipynb")
    with pytest.raises(ValueError, match="mode"):
        run.execute(write(tmp_path / "a.ipynb", "1"), "fast")


def test_readme_results_table_matches_the_stored_notebooks(tmp_path):
    """The README's table is generated from the stored RESULT cards: regenerate it to update."""
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    changed = run.update_readme(readme, ROOT / "notebooks")
    assert not changed, "README.md results table is stale: run `python -m gankit.run --readme`"
    for path in run.course_notebooks(ROOT / "notebooks"):
        card = run.read_result(path)
        assert card is not None and card["mode"] == "full", f"{path.name}: store a full-mode run"
        assert json.dumps(card)  # a valid JSON card
