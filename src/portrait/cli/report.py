"""What a person sees while a batch of editions builds: a progress bar, then a summary table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from portrait.build.batch import BatchResult, EditionResult
from portrait.project import Project


def console_for(stream: TextIO) -> Console:
    # Files and pipes get a fixed width so that logs and tests see whole lines.
    terminal = stream.isatty() if hasattr(stream, "isatty") else False
    return Console(file=stream, width=None if terminal else 110, highlight=False, soft_wrap=False)


@contextmanager
def progress_bar(stream: TextIO, total: int) -> Iterator[Callable[[EditionResult], None]]:
    console = console_for(stream)
    progress = Progress(
        TextColumn("[bold]editions"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    task = progress.add_task("", total=total)

    def advance(result: EditionResult) -> None:
        mark = "ok" if result.ok else f"FAILED ({result.failure} error)"
        progress.update(task, advance=1, description=f"{result.slug}: {mark}")
        if not console.is_terminal:
            done = int(progress.tasks[0].completed)
            console.print(f"[{done}/{total}] {result.slug}: {mark}", markup=False)

    with progress:
        yield advance


def print_summary(project: Project, batch: BatchResult, out: TextIO, err: TextIO) -> None:
    console = console_for(out)
    table = Table(title="District editions", title_justify="left", show_lines=False)
    table.add_column("District")
    table.add_column("Result")
    table.add_column("Pages", justify="right")
    table.add_column("Size", justify="right")
    table.add_column("Time", justify="right")
    table.add_column("Output or reason", overflow="fold")
    for r in batch.results:
        if r.ok:
            where = project.relative(r.path.parent) + "/" if r.path else ""
            table.add_row(
                Text(r.slug),
                Text("built", "green"),
                str(r.pages),
                f"{r.size / 1024:.0f} KiB",
                f"{r.seconds:.2f} s",
                Text(where),
            )
        else:
            first = (r.message or "").splitlines()[0] if r.message else ""
            table.add_row(
                Text(r.slug),
                Text(f"{r.failure} error", "red"),
                "",
                "",
                f"{r.seconds:.2f} s",
                Text(first),
            )
    console.print(table)
    built = len(batch.results) - len(batch.failed)
    console.print(f"{built} of {len(batch.results)} editions built in {batch.seconds:.1f} s")
    notices = [(r.slug, n) for r in batch.results for n in r.notices]
    if notices:
        console.print("notices:")
        for slug, notice in notices:
            console.print(f"  {slug}: {notice}", markup=False, soft_wrap=True)
    if batch.failed:
        err_console = console_for(err)
        for r in batch.failed:
            err_console.print(f"error: district {r.slug} failed ({r.failure} error):", markup=False)
            err_console.print("  " + (r.message or "").replace("\n", "\n  "), markup=False)
        names = ", ".join(r.slug for r in batch.failed)
        err_console.print(
            f"error: {len(batch.failed)} of {len(batch.results)} district editions failed: {names}",
            markup=False,
        )
