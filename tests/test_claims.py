"""gk.claims: a claims cell fails the stored run (tools.run, GANKIT_STRICT=1) and only warns a learner."""

from __future__ import annotations

import json
import warnings

import nbformat
import pytest

import gankit as gk
from gankit import claims
from tools import run

CLAIMS = {"the DCGAN is ahead (MLP FD > DCGAN FD)": (17.18, 9.41), "every class drawn": False}


@pytest.fixture
def full_mode(monkeypatch):
    monkeypatch.setenv("GANKIT_MODE", "full")
    monkeypatch.setenv("GANKIT_BUDGET", "cpu")
    for name in ("GANKIT_BUDGET_SCALE", "GANKIT_STRICT", "GANKIT_CLAIMS_RECORD"):
        monkeypatch.delenv(name, raising=False)


def test_a_learners_run_prints_the_table_warns_and_goes_on(full_mode, tmp_path, capsys):
    (tmp_path / "03_dcgan.json").write_text(json.dumps({"every class drawn": "yes"}))
    with pytest.warns(claims.ClaimWarning, match="'every class drawn' .*this run no; stored run yes.*goes on"):
        holds = gk.claims.check("03_dcgan", CLAIMS, records=tmp_path)
    assert holds == {"the DCGAN is ahead (MLP FD > DCGAN FD)": True, "every class drawn": False}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["holds?", "this", "run", "stored", "run", "claim"]
    assert lines[1].split()[:4] == ["yes", "17.18", ">", "9.41"] and lines[1].endswith("the DCGAN is ahead (MLP FD > DCGAN FD)")
    assert lines[2].split()[:3] == ["NO", "no", "yes"]


def test_a_stored_run_raises_on_a_claim_that_does_not_hold(full_mode, monkeypatch, tmp_path):
    monkeypatch.setenv("GANKIT_STRICT", "1")
    with pytest.raises(claims.ClaimError, match=r"these claims do not hold: \['every class drawn'\]"):
        gk.claims.check("03_dcgan", CLAIMS, records=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a strict run whose claims hold neither raises nor warns
        assert all(gk.claims.check("03_dcgan", {"ahead": (2, 1), "drawn": True}, records=tmp_path).values())


def test_strict_only_at_the_stored_runs_budgets(full_mode, monkeypatch, tmp_path):
    monkeypatch.setenv("GANKIT_STRICT", "1")
    for name, value in (("GANKIT_BUDGET", "gpu"), ("GANKIT_BUDGET_SCALE", "0.25")):
        monkeypatch.setenv(name, value)
        with pytest.warns(claims.ClaimWarning):
            gk.claims.check("x", CLAIMS, records=tmp_path)
        monkeypatch.delenv(name)
    monkeypatch.setenv("GANKIT_BUDGET", "cpu")
    monkeypatch.setenv("GANKIT_MODE", "quick")  # quick mode: the table and a note, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gk.claims.check("x", CLAIMS, records=tmp_path)


def test_bad_claims_are_refused(full_mode, tmp_path):
    for bad, match in (({}, "non-empty"), ({"a": 1.0}, "True/False or a pair"), ({"a": (1.0, float("nan"))}, "finite"),
                       ({"a": (1, 2, 3)}, "pair")):
        with pytest.raises(ValueError, match=match):
            gk.claims.check("x", bad, records=tmp_path)


def test_a_strict_run_records_its_values_and_tools_run_keeps_them(full_mode, monkeypatch, tmp_path):
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv("GANKIT_STRICT", "1")
    monkeypatch.setenv("GANKIT_CLAIMS_RECORD", str(record))
    gk.claims.check("03_dcgan", {"ahead": (17.18, 9.41)}, records=tmp_path)
    gk.claims.check("03_dcgan", {"slerp better": True}, records=tmp_path)  # a second claims cell
    assert claims.keep(record.read_text(), "03_dcgan", tmp_path) == tmp_path / "03_dcgan.json"
    assert claims.stored("03_dcgan", tmp_path) == {"ahead": "17.18 > 9.41", "slerp better": "yes"}
    assert claims.keep(record.read_text(), "04_cgan", tmp_path) is None


@pytest.mark.slow
def test_the_same_claims_cell_raises_under_tools_run_and_warns_in_a_plain_kernel(tmp_path, write_notebook, monkeypatch):
    for name in ("GANKIT_MODE", "GANKIT_STRICT", "GANKIT_BUDGET_SCALE", "GANKIT_CLAIMS_RECORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GANKIT_BUDGET", "cpu")
    cell = "import gankit as gk\nholds = gk.claims.check('nb', {'every class drawn': False})\nprint('went on', holds)"
    path = write_notebook(tmp_path / "nb.ipynb", cell)
    with pytest.raises(RuntimeError, match="ClaimError"):
        run.execute(path, "full", timeout=600)
    from nbclient import NotebookClient  # a learner's Jupyter: no GANKIT_ variables

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    assert "went on {'every class drawn': False}" in "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    assert "ClaimWarning" in "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
