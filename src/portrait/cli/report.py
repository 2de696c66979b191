"""What a person sees while a batch of editions builds: a progress bar, then a summary table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from portrait import Project

if TYPE_CHECKING:  # the batch's models import pydantic, which a no-op build never needs
    from portrait import BatchResult, EditionResult

# Files and pipes are read by scripts and logs: no line is ever wrapped there.
UNWRAPPED = 100_000


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty() if hasattr(stream, "isatty") else False


def console_for(stream: TextIO) -> Console:
    terminal = is_terminal(stream)
    return Console(file=stream, width=None if terminal else UNWRAPPED, highlight=False, soft_wrap=not terminal)


@contextmanager
def working(stream: TextIO, what: str) -> Iterator[None]:
    """A spinner with ``what`` while a long step runs, on a terminal only: a pipe stays quiet."""
    if not is_terminal(stream):
        yield
        return
    with console_for(stream).status(what + "…"):
        yield


@contextmanager
def progress_bar(stream: TextIO, total: int, quiet: bool = False) -> Iterator[Callable[[EditionResult], None]]:
    """A progress bar on a terminal; in a pipe, one line per edition (none when ``quiet``)."""
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
        mark = "skipped, up to date" if result.skipped else "ok" if result.ok else f"FAILED ({result.failure} error)"
        progress.update(task, advance=1, description=f"{result.slug}: {mark}")
        if not console.is_terminal and not quiet:
            done = int(progress.tasks[0].completed)
            console.print(f"[{done}/{total}] {result.slug}: {mark}", markup=False)

    with progress:
        yield advance


def print_summary(project: Project, batch: BatchResult, out: TextIO, err: TextIO, verbosity: int = 0) -> None:
    """The table of editions (unless quiet), notices, then every failure in full on ``err``."""
    console = console_for(out)
    if verbosity >= 0:
        _print_table(console, project, batch)
    notices = [(r.slug, n) for r in batch.results for n in r.notices]
    if notices:  # warnings: shown even when quiet
        console.print("notices:")
        for slug, notice in notices:
            console.print(f"  {slug}: {notice}", markup=False)
    _print_failures(console_for(err), batch)


def _print_table(console: Console, project: Project, batch: BatchResult) -> None:
    table = Table(title="District editions", title_justify="left", show_lines=False)
    table.add_column("District")
    table.add_column("Result")
    table.add_column("Pages", justify="right")
    table.add_column("Size", justify="right")
    table.add_column("Time", justify="right")
    table.add_column("Output or reason", overflow="fold")
    for r in batch.results:
        where = project.relative(r.path.parent) + "/" if r.path else ""
        if r.skipped:
            table.add_row(
                Text(r.slug),
                Text("skipped, up to date", "cyan"),
                str(r.pages),
                f"{r.size / 1024:.0f} KiB",
                "",
                Text(f"{where} (no input changed; --force rebuilds)"),
            )
        elif r.ok:
            table.add_row(
                Text(r.slug),
                Text("built", "green"),
                str(r.pages),
                f"{r.size / 1024:.0f} KiB",
                f"{r.seconds:.2f} s",
                Text(where),
            )
        else:
            # The first problem itself, not the "N problems in the input:" line above it.
            lines = [line.strip() for line in (r.message or "").splitlines() if line.strip()]
            first = lines[1] if len(lines) > 1 and lines[0].endswith("in the input:") else (lines or [""])[0]
            table.add_row(
                Text(r.slug),
                Text(f"{r.failure} error", "red"),
                "",
                "",
                f"{r.seconds:.2f} s",
                Text(first),
            )
    console.print(table)
    skipped = len(batch.skipped)
    also = f", {skipped} skipped (up to date)" if skipped else ""
    console.print(f"{len(batch.built)} of {len(batch.results)} editions built{also} in {batch.seconds:.1f} s")


def _print_failures(err_console: Console, batch: BatchResult) -> None:
    if batch.failed:
        for r in batch.failed:
            err_console.print(f"error: district {r.slug} failed ({r.failure} error):", markup=False)
            err_console.print("  " + (r.message or "").replace("\n", "\n  "), markup=False)
        names = ", ".join(r.slug for r in batch.failed)
        err_console.print(
            f"error: {len(batch.failed)} of {len(batch.results)} district editions failed: {names}",
            markup=False,
        )
