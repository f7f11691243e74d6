"""``dystonia batch``: the same analysis over every recording of a folder (a thin shell).

``dystonia batch INPUT_DIR --out results.parquet [--workers N] [--scheduler ADDRESS]
[--kind auto|motion|ink]`` runs :func:`dystonia.batch.run_batch`: serially by default, on ``N``
local processes with ``--workers N``, or on a Dask cluster with ``--scheduler`` (an address such
as ``tcp://10.0.0.5:8786``, or ``local`` for a LocalCluster of ``--workers`` processes on this
machine; needs the optional ``cluster`` extra). A progress bar is drawn on standard error when it
is a terminal. Bad files become error rows; the exit code is 0 when the batch ran to the end,
whatever the rows say (the summary counts them).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from dystonia.cli import app

__all__ = ["batch_command"]

_MAX_ERRORS_SHOWN = 5


@app.command("batch")
def batch_command(
    input_dir: Annotated[
        Path,
        typer.Argument(metavar="INPUT_DIR", help="Folder of recordings (searched recursively)."),
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE.parquet", help="Results: one row per file.")
    ],
    workers: Annotated[
        int, typer.Option("--workers", help="Local worker processes (or local Dask workers).")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Dask scheduler address, or 'local' for a LocalCluster (needs dask[distributed]).",
        ),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="auto (per file), motion or ink.")] = "auto",
) -> None:
    """Analyse every recording under INPUT_DIR: one row per file, with provenance; resumable."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from dystonia.batch import KINDS, make_executor, run_batch
    from dystonia.validation import check_option

    check_option("--kind", kind, KINDS)
    console = Console(stderr=True)
    started = time.perf_counter()
    executor = make_executor(workers=workers, scheduler=scheduler)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[errors]} errors"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )
    state: dict[str, Any] = {"task": None, "errors": 0, "startup_s": 0.0}

    def on_start(n: int) -> None:
        if n:  # start the workers only when there is work (a finished batch spawns nothing)
            t = time.perf_counter()
            executor.start()
            state["startup_s"] = time.perf_counter() - t
        state["task"] = progress.add_task("analysing", total=n, errors=0)

    def on_row(row: dict[str, Any]) -> None:
        if row.get("status") != "ok":
            state["errors"] += 1
        progress.update(state["task"], advance=1, errors=state["errors"])

    try:
        with progress:
            summary = run_batch(
                input_dir,
                out,
                kind=kind,
                executor=executor,
                on_start=on_start,
                on_row=on_row,
            )
    finally:
        executor.close()
    total_s = time.perf_counter() - started
    busy_s = max(summary.elapsed_s - state["startup_s"], 0.0)
    rate = summary.analysed / busy_s if busy_s > 0 else 0.0
    typer.echo(f"{input_dir}: {summary.files} recording(s) -> {out} ({summary.rows} rows)")
    typer.echo(
        f"  analysed {summary.analysed} (ok {summary.ok}, error {summary.errors}); "
        f"already done {summary.already_done}; reused {summary.reused}; "
        f"ignored {summary.ignored} other file(s)"
    )
    typer.echo(
        f"  {busy_s:.1f} s on {summary.executor}"
        + (f", {rate:.2f} files/s" if summary.analysed else "")
        + f"; {total_s:.1f} s in all with start-up and shut-down"
    )
    for name, message in summary.error_rows[:_MAX_ERRORS_SHOWN]:
        typer.echo(f"  error  {name}: {message}")
    if len(summary.error_rows) > _MAX_ERRORS_SHOWN:
        typer.echo(f"  ... and {len(summary.error_rows) - _MAX_ERRORS_SHOWN} more error rows")
