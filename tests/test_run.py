"""Tests of tools.run: executing notebooks in place, and the README's results table."""

import json
import time
from pathlib import Path

import nbformat
import pytest

from gankit import claims
from tools import run

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_writes_a_separate_executed_copy(tmp_path, write_notebook):
    path = write_notebook(tmp_path / "nb.ipynb", "import os\nprint(os.environ['GANKIT_MODE'])", 'print("RESULT " + \'{"notebook": "x", "mode": "quick"}\')')
    start = time.monotonic()
    out = run.execute(path, "quick", timeout=600)
    wall = time.monotonic() - start
    assert out.name == "nb.quick.ipynb"
    executed = nbformat.read(out, as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "quick\n"
    assert [c.execution_count for c in executed.cells] == [1, 2]
    assert nbformat.read(path, as_version=4).cells[0].outputs == []  # original untouched
    assert run.read_result(out) == {"notebook": "x", "mode": "quick"}
    record = executed.metadata["gankit"]
    # the recorded seconds are the run's own (rounded), measured inside the call timed here
    assert record["mode"] == "quick" and 0 <= record["seconds"] <= wall + 1, (record, wall)
    assert time.strptime(record["executed"], "%Y-%m-%d")


def test_failing_notebook_leaves_the_file_unchanged_and_keeps_the_outputs_beside_it(tmp_path, write_notebook):
    path = write_notebook(tmp_path / "bad.ipynb", "print('measured 42')\nraise ValueError('boom')")
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="left unchanged.*bad.failed.ipynb"):
        run.execute(path, "full", timeout=600)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.failed.ipynb", "bad.ipynb"]
    assert "measured 42" in (tmp_path / "bad.failed.ipynb").read_text()


def test_bad_arguments(tmp_path, write_notebook):
    with pytest.raises(ValueError, match="ipynb"):
        run.execute(tmp_path / "missing.ipynb")
    with pytest.raises(ValueError, match="mode must be one of 'quick', 'full'; got 'fast'"):
        run.execute(write_notebook(tmp_path / "a.ipynb", "1"), "fast")
    for timeout in (0, 1.5, True):
        with pytest.raises(ValueError, match="timeout must be a positive integer"):
            run.execute(tmp_path / "a.ipynb", "quick", timeout=timeout)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ipynb"]  # nothing ran, nothing written


def test_readme_results_table_matches_the_stored_notebooks(tmp_path):
    """The README's table is generated from the stored RESULT cards: regenerate it to update."""
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    changed = run.update_readme(readme, ROOT / "notebooks")
    assert not changed, "README.md results table is stale: run `python -m tools.run --readme`"
    table = run.results_table(run.course_notebooks(ROOT / "notebooks"))
    for path in run.course_notebooks(ROOT / "notebooks"):
        card = run.read_result(path)
        assert card is not None and card["mode"] == "full", f"{path.name}: store a full-mode run"
        assert card["notebook"] == path.stem, f"{path.name}: its card names {card['notebook']!r}"
        assert isinstance(card["steps"], int) and card["steps"] > 0, (path.name, card["steps"])
        assert card["train_seconds"] > 0 and card["device"], (path.name, card)
        title, sentence = run.headline(path)
        assert f"[{title}](notebooks/{path.name}) | {sentence} |" in table
        template = nbformat.read(path, as_version=4).metadata["gankit"]["readme"]
        assert "=" not in sentence and template.count("{") <= 3, (path.name, sentence)  # plain words, three numbers at most


def test_a_readme_sentence_is_its_notebooks_template_filled_from_its_card(tmp_path, write_notebook):
    path = write_notebook(tmp_path / "07_x.ipynb", 'print(\'RESULT {"fd": 9.414, "spread": "0.498 ± 0.011"}\')')
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell("# 7. A lesson\n\nmore"))
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text='RESULT {"fd": 9.414, "spread": "0.498 ± 0.011"}\n')]
    with pytest.raises(ValueError, match="needs a RESULT card .* metadata.gankit.readme"):
        nbformat.write(notebook, path) or run.headline(path)
    notebook.metadata["gankit"] = {"readme": "FD {fd:.1f}, share {spread:mean}."}
    nbformat.write(notebook, path)
    assert run.headline(path) == ("A lesson", "FD 9.4, share 0.498.")
    notebook.metadata["gankit"] = {"readme": "FD {kid}."}
    nbformat.write(notebook, path)
    with pytest.raises(ValueError, match="07_x.ipynb: its README sentence names 'kid', which its RESULT card lacks"):
        run.headline(path)


def test_progress_bars_are_stored_at_their_final_state():
    from tools.run import final_progress_states, final_state

    assert final_state("\r  0%| 0/10\r 50%| 5/10\r100%| 10/10\ndone\n") == "100%| 10/10\ndone\n"
    notebook = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "\r  0%| 0/10"},
        {"output_type": "stream", "name": "stdout", "text": "\r100%| 10/10"},
        {"output_type": "stream", "name": "stdout", "text": "\n10 steps in 1 s\n"},
        {"output_type": "display_data", "data": {}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "after the figure\n"}]}]}
    assert final_progress_states(notebook) == 2
    outputs = notebook["cells"][0]["outputs"]
    assert [o.get("text") for o in outputs] == ["100%| 10/10\n10 steps in 1 s\n", None, "after the figure\n"]


def test_claims_are_kept_in_the_package_for_the_course_notebooks_only(tmp_path, monkeypatch):
    """tools/run.py finds the repository from its own file and keeps claims where gk.claims reads them."""
    assert run.ROOT == ROOT and run.COURSE == ROOT / "notebooks" and run.CLAIMS == claims.RECORDS.resolve()
    recorded = json.dumps({"notebook": "07_x", "values": {"ahead": "yes"}}) + "\n"
    assert run.keep_claims(tmp_path / "07_x.ipynb", recorded) is None  # not one of the course's notebooks
    assert not (run.CLAIMS / "07_x.json").exists()
    monkeypatch.setattr(run, "CLAIMS", tmp_path / "claims")
    assert run.keep_claims(ROOT / "notebooks" / "07_x.ipynb", recorded) == tmp_path / "claims" / "07_x.json"
    assert claims.stored("07_x", tmp_path / "claims") == {"ahead": "yes"}
    assert run.keep_claims(tmp_path / "07_x.ipynb", recorded, tmp_path / "given") == tmp_path / "given" / "07_x.json"
