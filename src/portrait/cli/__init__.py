"""The command line: argument parsing and terminal reports, over the library API."""

from portrait.cli.commands import main, parser

__all__ = ["main", "parser"]
