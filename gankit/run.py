"""Execute a course notebook in place, so stored outputs always come from a real run.

Usage::

    python -m gankit.run notebooks/01_intro_gan.ipynb            # full mode (what is stored)
    python -m gankit.run notebooks/01_intro_gan.ipynb --quick    # quick mode (a smoke run)
    python -m gankit.run --readme                                # rebuild README's results table

The notebook runs top to bottom in a fresh kernel with ``GANKIT_MODE`` set, from the notebook's
folder. Only a run that finishes without error replaces the file (written to a temporary file and
renamed); a failing run leaves the original untouched and reports the failing cell. A quick run
is written beside it as ``<name>.quick.ipynb`` unless ``--in-place`` is given, so a smoke run
never replaces the stored full-mode outputs by accident.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from gankit import checks


def execute(path: str | os.PathLike, mode: str = "full", timeout: int = 1800, in_place: bool | None = None) -> Path:
    """Runs a notebook and writes the executed copy.

    Args:
        path: the ``.ipynb`` file.
        mode: ``"full"`` or ``"quick"`` (sets ``GANKIT_MODE`` for the kernel).
        timeout: seconds allowed per cell.
        in_place: overwrite ``path``; defaults to ``True`` in full mode, ``False`` in quick mode.

    The executed copy records the run in its metadata: ``{"gankit": {"mode", "seconds", "executed"}}``
    (the whole run's wall-clock seconds and date), so a stored notebook says how long its full run took.
    A full run in place also ships the generators it saved (:func:`gankit.pretrained.capture`).

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
    old_mode = os.environ.get("GANKIT_MODE")
    os.environ["GANKIT_MODE"] = mode
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start, started_at = time.monotonic(), time.time()
    try:
        client.execute()
    except CellExecutionError as error:
        failed = path.with_suffix(".failed.ipynb")
        nbformat.write(notebook, failed)
        raise RuntimeError(f"{path} failed in {mode} mode; the file was left unchanged (outputs up to the failure: "
                           f"{failed}).\n{error}") from None
    finally:
        if old_mode is None:
            os.environ.pop("GANKIT_MODE", None)
        else:
            os.environ["GANKIT_MODE"] = old_mode
    seconds = time.monotonic() - start
    final_progress_states(notebook)
    notebook.metadata["gankit"] = {"mode": mode, "seconds": round(seconds), "executed": time.strftime("%Y-%m-%d")}
    with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False, encoding="utf-8") as handle:
        nbformat.write(notebook, handle)
    os.chmod(handle.name, (path.stat().st_mode & 0o777) | 0o644)  # keep it readable, like the original
    os.replace(handle.name, target)
    print(f"{path}: executed in {mode} mode in {seconds:.0f} s -> {target}")
    if mode == "full" and target == path:  # the stored run: ship the generators it saved (gk.pretrained)
        from gankit import pretrained

        for name in pretrained.capture(path, started_at, read_result(path), notebook.metadata["gankit"]):
            print(f"shipped its generator as gk.pretrained.load({name!r})")
    return target


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


def results_table(paths: list[str | os.PathLike]) -> str:
    """A Markdown table of the stored full-mode ``RESULT`` cards, one row per notebook."""
    rows = ["| notebook | mode | steps | train s | device | headline numbers |", "|---|---|---|---|---|---|"]
    for path in sorted(paths):
        card = read_result(path)
        if card is None:
            continue
        fixed = {"notebook", "mode", "steps", "train_seconds", "device"}
        numbers = ", ".join(f"{k}={v}" for k, v in card.items() if k not in fixed)
        rows.append(
            f"| {card['notebook']} | {card['mode']} | {card.get('steps', '')} | {card.get('train_seconds', '')} "
            f"| {card.get('device', '')} | {numbers} |"
        )
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
    parser = argparse.ArgumentParser(description="Execute course notebooks so their stored outputs are real.")
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
