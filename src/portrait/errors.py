"""The exceptions the pipeline raises, and the exit codes the CLI turns them into.

Every error meant for a person carries what is wrong, where (file, line, key) and how to fix it.
The CLI prints these; a traceback is only shown with ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented in docs/reference/commands.md; CI and scripts rely on them."""

    OK = 0
    INPUT_ERROR = 1  # content, brand or district files are wrong: fix the input
    USAGE_ERROR = 2  # the command line is wrong (argparse uses 2 as well)
    BUILD_ERROR = 3  # the input is valid but the output could not be made or failed a check
    INTERNAL_ERROR = 4  # a bug in portrait: please report it with --debug output


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file."""

    file: str  # path relative to the project root, as the user would type it
    message: str
    line: int | None = None
    key: str | None = None  # dotted key path, e.g. "blocks[2].name"
    fix: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class PortraitError(Exception):
    """Base class: an error the CLI reports without a traceback."""

    exit_code = ExitCode.INTERNAL_ERROR


class InputError(PortraitError):
    """One or more input files are invalid. Holds every problem found, not just the first."""

    exit_code = ExitCode.INPUT_ERROR

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        head = "1 problem in the input" if count == 1 else f"{count} problems in the input"
        return head + ":\n" + "\n".join(f"  {p}" for p in self.problems)


class BuildError(PortraitError):
    """The input is valid, but rendering or a check of the output failed."""

    exit_code = ExitCode.BUILD_ERROR


class UnsafeResourceError(BuildError):
    """A template, stylesheet or content file asked for something outside the project."""
