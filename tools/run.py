"""Execute a course notebook in place, so stored outputs always come from a real run.

Usage::

    python -m tools.run notebooks/01_intro_gan.ipynb            # full mode (what is stored)
    python -m tools.run notebooks/01_intro_gan.ipynb --quick    # quick mode (a smoke run)
    python -m tools.run --readme                                # rebuild README's results table

The notebook runs top to bottom in a fresh kernel with ``GANKIT_MODE`` set, from the notebook's
folder. Only a run that finishes without error replaces the file (written to a temporary file and
renamed); a failing run leaves the original untouched and reports the failing cell. A quick run
is written beside it as ``<name>.quick.ipynb`` unless ``--in-place`` is given, so a smoke run
never replaces the stored full-mode outputs by accident.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

from gankit import checks

ROOT = Path(__file__).resolve().parent.parent
"""The repository (this file is ``tools/run.py``)."""
COURSE = ROOT / "notebooks"
"""The course's notebooks: only their stored runs keep claims' values."""
CLAIMS = ROOT / "gankit" / "assets" / "claims"
"""Where the course's notebooks' claims' values are kept (shipped with the package)."""


def execute(path: str | os.PathLike, mode: str = "full", timeout: int = 1800, in_place: bool | None = None) -> Path:
    """Runs a notebook and writes the executed copy.

    Args:
        path: the ``.ipynb`` file.
        mode: ``"full"`` or ``"quick"`` (sets ``GANKIT_MODE`` for the kernel).
        timeout: seconds allowed per cell.
        in_place: overwrite ``path``; defaults to ``True`` in full mode, ``False`` in quick mode.

    The executed copy records the run in its metadata: ``{"gankit": {"mode", "seconds", "executed"}}``
    (the whole run's wall-clock seconds and date), so a stored notebook says how long its full run took.
    A full run in place also ships the generators it saved (:func:`tools.ship.capture`).

    Returns:
        The path written.

    Raises:
        ValueError: if the path is not a notebook, the mode is unknown or the timeout not a positive integer.
        RuntimeError: if a cell fails (the message names it); nothing is overwritten. The outputs
            up to the failing cell are written beside it as ``<name>.failed.ipynb``, so the numbers of
            a long run are not lost.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    if path.suffix != ".ipynb" or not path.exists():
        raise ValueError(f"{path} is not an existing .ipynb file.")
    checks.choice(mode, "mode", ("quick", "full"))
    timeout = checks.integer(timeout, "timeout", minimum=1)
    in_place = (mode == "full") if in_place is None else in_place
    target = path if in_place else path.with_suffix(".quick.ipynb")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start, started_at = time.monotonic(), time.time()
    with kernel_environment(mode) as record:
        try:
            client.execute()
        except CellExecutionError as error:
            failed = path.with_suffix(".failed.ipynb")
            nbformat.write(notebook, failed)
            raise RuntimeError(f"{path} failed in {mode} mode; the file was left unchanged (outputs up to the "
                               f"failure: {failed}).\n{error}") from None
        claims_recorded = record.read_text(encoding="utf-8")
    seconds = time.monotonic() - start
    final_progress_states(notebook)
    notebook.metadata.setdefault("gankit", {}).update(mode=mode, seconds=round(seconds), executed=time.strftime("%Y-%m-%d"))
    with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        nbformat.write(notebook, handle)
    os.chmod(handle.name, (path.stat().st_mode & 0o777) | 0o644)  # keep it readable, like the original
    os.replace(handle.name, target)
    print(f"{path}: executed in {mode} mode in {seconds:.0f} s -> {target}")
    if mode == "full" and target == path:  # the stored run: keep its claims' values, ship its generators
        keep_claims(path, claims_recorded)
        from tools import ship

        for name in ship.capture(path, started_at, read_result(path), notebook.metadata["gankit"]):
            print(f"shipped its generator as gk.pretrained.load({name!r})")
    return target


@contextlib.contextmanager
def kernel_environment(mode: str) -> Iterator[Path]:
    """Sets the kernel's ``GANKIT_`` variables for one run and yields the claims record file.

    ``GANKIT_MODE`` is the run's mode; a full run produces stored outputs, so ``GANKIT_STRICT=1``:
    its claims cells raise on a contradicted claim (:mod:`gankit.claims`) and record what they
    measured in ``GANKIT_CLAIMS_RECORD``. Everything is restored afterwards.
    """
    handle, name = tempfile.mkstemp(prefix="claims-", suffix=".jsonl")
    os.close(handle)
    values = {"GANKIT_MODE": mode, "GANKIT_STRICT": "1" if mode == "full" else "0", "GANKIT_CLAIMS_RECORD": name}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield Path(name)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        os.unlink(name)


def keep_claims(path: Path, recorded: str, records: str | os.PathLike | None = None) -> Path | None:
    """Keeps what a stored run's claims cells measured (:mod:`gankit.claims`) as the stored-run column
    of later runs, for the course's own notebooks only (``notebooks/NN_name.ipynb`` of this repository):
    in :data:`CLAIMS` (``gankit/assets/claims/<notebook>.json``, package data) unless ``records`` says where."""
    from gankit import claims

    if records is None:
        if path.resolve().parent != COURSE:
            return None
        records = CLAIMS
    kept = claims.keep(recorded, path.stem, records)
    if kept is not None:
        print(f"kept the claims' values of this run in {kept}")
    return kept


def final_state(text: str) -> str:
    """What a terminal shows after printing ``text``: each line only after its last carriage return."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def final_progress_states(notebook) -> int:
    """Stores each cell's consecutive stream outputs as one, with progress bars at their final state.

    A live progress bar is hundreds of ``\r`` updates; stored as they came, a reader sees a wall
    of bars. Returns the number of stream outputs removed.
    """
    removed = 0
    for cell in notebook.get("cells", []):
        merged = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream" \
                    and merged[-1].get("name") == output.get("name"):
                merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(output["text"])
                removed += 1
            else:
                merged.append(output)
        for output in merged:
            if output.get("output_type") == "stream":
                output["text"] = final_state("".join(output["text"]))
        if "outputs" in cell:
            cell["outputs"] = merged
    return removed


README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"


def course_notebooks(folder: str | os.PathLike = "notebooks") -> list[Path]:
    """The course's notebooks (``NN_name.ipynb``), without quick-run copies."""
    return sorted(p for p in Path(folder).glob("[0-9]*.ipynb") if not p.name.endswith(".quick.ipynb"))


def read_result(path: str | os.PathLike) -> dict | None:
    """The ``RESULT {json}`` card printed by a stored notebook's last code cell, or ``None``."""
    import nbformat

    notebook = nbformat.read(Path(path), as_version=4)
    for cell in reversed(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            match = re.search(r"^RESULT (\{.*\})\s*$", output.get("text", ""), re.M)
            if match:
                return json.loads(match.group(1))
    return None


class _CardFormatter(string.Formatter):
    """``str.format`` for README sentences; ``{key:mean}`` keeps the mean of a ``"0.498 ± 0.011"`` value."""

    def format_field(self, value, format_spec):
        if format_spec == "mean":
            return str(value).split(" ±")[0]
        return super().format_field(value, format_spec)


def headline(path: str | os.PathLike) -> tuple[str, str]:
    """``(title, sentence)`` of a stored notebook for the README's table.

    The sentence is the notebook's ``metadata.gankit.readme`` template filled with its RESULT card,
    e.g. ``"The DCGAN reaches FD {fd_dcgan} ..."``; the title is its first heading without the number.

    Raises:
        ValueError: if the notebook has no template or no RESULT card, or the template names a key
            the card lacks.
    """
    import nbformat

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    template, card = notebook.metadata.get("gankit", {}).get("readme"), read_result(path)
    if template is None or card is None:
        raise ValueError(f"{path.name} needs a RESULT card (a stored full run) and a metadata.gankit.readme sentence.")
    try:
        sentence = _CardFormatter().format(template, **card)
    except KeyError as missing:
        raise ValueError(f"{path.name}: its README sentence names {missing}, which its RESULT card lacks.") from None
    first_line = "".join(notebook.cells[0].source).splitlines()[0]
    return re.sub(r"^#+\s*\d+\.\s*", "", first_line), sentence


def results_table(paths: list[str | os.PathLike]) -> str:
    """The README's Markdown table: one plain sentence per notebook, its numbers from the stored run."""
    rows = ["| # | notebook | what you will see (numbers from the stored full run) |", "|---|---|---|"]
    for number, path in enumerate(sorted(paths, key=lambda p: Path(p).name), start=1):
        title, sentence = headline(path)
        rows.append(f"| {number} | [{title}](notebooks/{Path(path).name}) | {sentence} |")
    return "\n".join(rows)


def update_readme(readme: str | os.PathLike = "README.md", notebooks: str | os.PathLike = "notebooks") -> bool:
    """Rewrites the README's results table (between the ``results`` markers) from the notebooks.

    Returns:
        True if the README changed.
    """
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        raise ValueError(f"{readme} has no {README_START} ... {README_END} markers.")
    table = results_table(course_notebooks(notebooks))
    head, rest = text.split(README_START, 1)
    new = f"{head}{README_START}\n{table}\n{README_END}{rest.split(README_END, 1)[1]}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.run", description="Execute course notebooks so their stored outputs are real.")
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--readme", action="store_true", help="rebuild README.md's results table afterwards")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--full", action="store_true", help="full mode (default): overwrite in place")
    group.add_argument("--quick", action="store_true", help="quick mode: write <name>.quick.ipynb")
    parser.add_argument("--in-place", action="store_true", help="in quick mode, overwrite the notebook too")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    if not args.notebooks and not args.readme:
        parser.error("name at least one notebook, or --readme")
    mode = "quick" if args.quick else "full"
    for nb in args.notebooks:
        try:
            execute(nb, mode, args.timeout, in_place=True if args.in_place else None)
        except (RuntimeError, ValueError) as error:
            print(error, file=sys.stderr)
            return 1
    if args.readme:
        print("README.md results table", "updated" if update_readme() else "unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
