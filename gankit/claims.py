"""Claim checks: what a notebook's text states, measured in this run, beside the stored run.

A lesson's claims cell maps each comparison its text makes ("the DCGAN is ahead of the MLP GAN at
the same steps") to what this run measured: ``True``/``False``, or a pair ``(a, b)`` that holds
when ``a > b`` (``(fd_mlp, fd_dcgan)`` for "the DCGAN's FD is lower"). :func:`check` prints one
table (holds? · this run · stored run · claim) and then

* where the stored outputs are being produced, that is ``GANKIT_STRICT=1`` (``python -m
  tools.run`` sets it) in full mode at the notebook's own CPU budgets, raises
  :class:`ClaimError` if a claim does not hold: a stored run never contradicts its text;
* everywhere else (a learner's run: online data, a GPU budget, another seed) warns
  (:class:`ClaimWarning`) for each claim that does not hold, and the notebook goes on.

A strict run appends what it measured to the file named by ``GANKIT_CLAIMS_RECORD`` (which
``tools.run`` sets), and ``tools.run`` keeps it as ``gankit/assets/claims/<notebook>.json``:
the table's "stored run" column in every later run.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from gankit import checks, config

RECORDS = Path(__file__).resolve().parent / "assets" / "claims"


class ClaimError(AssertionError):
    """A stored run contradicts a claim of its notebook's text."""


class ClaimWarning(UserWarning):
    """A learner's run in which a claim of the text does not hold."""


def strict() -> bool:
    """True where a claim that does not hold must stop the run: ``GANKIT_STRICT=1`` (set by
    ``python -m tools.run``), full mode, the notebook's own CPU budgets (:func:`gankit.config.checks_claims`)."""
    return os.environ.get("GANKIT_STRICT", "").strip() == "1" and config.checks_claims()


def _measured(claim: str, value) -> tuple[bool, str]:
    """``(holds, how it reads)`` for one claim's value; raises ValueError for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value), "yes" if value else "no"
    if isinstance(value, (tuple, list)) and len(value) == 2:
        a, b = (checks.number(v, f"claims[{claim!r}]") for v in value)
        return a > b, f"{a:.4g} > {b:.4g}"
    raise ValueError(f"claims[{claim!r}] must be True/False or a pair (a, b) that holds when a > b, got {value!r}.")


def stored(notebook: str, records: str | os.PathLike | None = None) -> dict[str, str]:
    """What the stored full run of ``notebook`` measured, claim by claim (empty if not recorded)."""
    path = Path(records or RECORDS) / f"{notebook}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def table(rows: list[tuple[bool, str, str, str]]) -> str:
    """The printed table of ``(holds, this run, stored run, claim)`` rows."""
    width = max([len("this run")] + [len(r[1]) for r in rows] + [len(r[2]) for r in rows])
    lines = [f"{'holds?':7s}{'this run':{width + 2}s}{'stored run':{width + 2}s}claim"]
    lines += [f"{'yes' if h else 'NO':7s}{this:{width + 2}s}{then:{width + 2}s}{claim}" for h, this, then, claim in rows]
    return "\n".join(lines)


def check(notebook: str, claims: Mapping[str, object], records: str | os.PathLike | None = None) -> dict[str, bool]:
    """Prints the claims table, then raises (strict runs) or warns for each claim that does not hold.

    Args:
        notebook: the notebook's name, e.g. ``"03_dcgan"`` (where its stored run's values are kept).
        claims: ``{sentence of the text: True/False or (a, b) holding when a > b}``.
        records: where stored runs' values are kept (default ``gankit/assets/claims``).

    Returns:
        ``{claim: holds}``.

    Raises:
        ValueError: if ``claims`` is empty or a value is neither a bool nor a pair of finite numbers.
        ClaimError: in a strict run (:func:`strict`), if any claim does not hold.
    """
    if not isinstance(claims, Mapping) or not claims:
        raise ValueError(f"claims must be a non-empty dict {{sentence: True/False or (a, b)}}, got {claims!r}.")
    then = stored(notebook, records)
    measured = {claim: _measured(claim, value) for claim, value in claims.items()}
    print(table([(holds, this, then.get(claim, "-"), claim) for claim, (holds, this) in measured.items()]))
    _record(notebook, {claim: this for claim, (_, this) in measured.items()})
    failed = [claim for claim, (holds, _) in measured.items() if not holds]
    if failed and strict():
        raise ClaimError(f"The stored run must agree with the text, but these claims do not hold: {failed}")
    if config.is_quick():
        print("(quick mode trains too little for these comparisons: they are checked in full mode)")
    else:
        for claim in failed:
            warnings.warn(f"In this run, this claim of the text does not hold: {claim!r} (this run {measured[claim][1]}; "
                          f"stored run {then.get(claim, 'not recorded')}). Runs differ in data, budget, device and "
                          "seed; the notebook goes on.", ClaimWarning, stacklevel=2)
    return {claim: holds for claim, (holds, _) in measured.items()}


def _record(notebook: str, values: dict[str, str]) -> None:
    """Appends a strict run's values to ``GANKIT_CLAIMS_RECORD`` (if set) for ``tools.run`` to keep."""
    target = os.environ.get("GANKIT_CLAIMS_RECORD")
    if target and strict():
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"notebook": notebook, "values": values}, ensure_ascii=False) + "\n")


def keep(recorded: str, notebook: str, records: str | os.PathLike | None = None) -> Path | None:
    """Stores what a strict run of ``notebook`` recorded as its stored-run values (used by ``tools.run``).

    Args:
        recorded: the text of the run's ``GANKIT_CLAIMS_RECORD`` file (JSON lines).
        notebook: the notebook's name.
        records: where to store them (default ``gankit/assets/claims``).

    Returns:
        The file written, or ``None`` when the run recorded nothing for ``notebook``.
    """
    values = {}
    for entry in map(json.loads, recorded.splitlines()):
        if entry["notebook"] == notebook:
            values.update(entry["values"])
    if not values:
        return None
    path = Path(records or RECORDS) / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
