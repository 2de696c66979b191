"""The command line: ``portrait COMMAND`` (or ``python build.py COMMAND`` in a checkout).

Argument parsing and terminal reports only: every command calls the library API (portrait.api)
and turns its errors into messages and exit codes, never tracebacks (unless ``--debug``).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import sys
import textwrap
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import portrait
from portrait import (
    ALL_VARIANTS,
    MARKER,
    PRINT,
    SCREEN,
    SCREEN_VARIANTS,
    VARIANTS,
    ExitCode,
    InputError,
    PortraitError,
    Problem,
    Project,
    screen_variant,
)

if TYPE_CHECKING:
    from portrait import Artifact


class UsageError(Exception):
    """The command line is wrong: exit 2 with the usage of the command and the message."""

    def __init__(self, message: str, parser: argparse.ArgumentParser | None = None):
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is raised to ``main`` (which prints it on the stream it was
    given) instead of printed on sys.stderr with an exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self)


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _not_negative(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, not {value}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def _dpi(text: str) -> int:
    from portrait import MAX_DPI, MIN_DPI

    value = _integer(text)
    if not MIN_DPI <= value <= MAX_DPI:
        raise argparse.ArgumentTypeError(f"{value} is out of range: use {MIN_DPI} to {MAX_DPI} (72 is good)")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _shard(text: str) -> tuple[int, int]:
    from portrait import parse_shard

    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"--shard {text!r}: ")) from None


FORMATS = portrait.FORMAT_NAMES
FORMAT_HELP = (
    "what to make: screen, print (the PDFs), web (a folder of pages and its zip), epub; repeat the option "
    "or give a comma list (--format web,epub), or all"
)


def _format_list(text: str) -> list[str]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return list(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown format `{(unknown or [text])[0]}`: choose from {', '.join(FORMATS)} (or all)"
        )
    return names


def _conformance_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--conformance",
        choices=tuple(SCREEN_VARIANTS),
        default="ua1",
        help="the screen edition's accessibility standard: ua1 (PDF/UA-1, the default) or ua2 (PDF/UA-2, PDF 2.0)",
    )


def _format_option(command: argparse.ArgumentParser, default: str) -> None:
    command.add_argument(
        "--format",
        dest="formats",
        action="append",
        type=_format_list,
        metavar="FORMAT",
        help=f"{FORMAT_HELP} (default: {default})",
    )


def _chosen_formats(args: argparse.Namespace) -> list[str] | None:
    """The formats asked for with --format, in the order of FORMATS, or None if not given."""
    if not args.formats:
        return None
    asked = {n for names in args.formats for n in names}
    return [n for n in FORMATS if n in asked]


def _global_options(suppress: bool) -> _Parser:
    """Options every command takes, before or after its name. Under a command they default to
    SUPPRESS, so that ``--debug build`` is not undone by the command's own defaults."""
    default = argparse.SUPPRESS if suppress else None
    common = _Parser(add_help=False)
    group = common.add_argument_group("global options")
    group.add_argument(
        "--root",
        type=Path,
        default=default,
        metavar="DIR",
        help="the publication folder (default: the nearest folder upward holding content/publication.yaml)",
    )
    group.add_argument(
        "--debug", action="store_true", default=default or False, help="show a traceback for every error"
    )
    group.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=-1,
        default=default or 0,
        help="print only warnings, errors and failures",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=1,
        default=default or 0,
        help="print more: the preflight rules of each file made, the facts check read, every file written",
    )
    return common


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; ``prog`` names the program in usage lines (default: from
    sys.argv[0], as argparse does)."""
    p = _Parser(
        prog=prog,
        description="Build KnowledgeWorks' Portrait of a Leader and its district editions.",
        parents=[_global_options(suppress=False)],
    )
    p.add_argument("--version", action="store_true", help="print the tool's version and the publication's, then exit")
    p.set_defaults(output=None, force=False, screen_only=False, print_only=False, formats=None, conformance="ua1")
    common = [_global_options(suppress=True)]
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser(
        "build", parents=common, help="build the screen and print editions of the Portrait (the default command)"
    )
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the first edition built here instead (the print edition goes beside it as FILE-print.pdf)",
    )
    only = build.add_mutually_exclusive_group()
    only.add_argument(
        "--screen-only",
        action="store_true",
        help="build only the screen edition (tagged PDF/UA-1 with a fillable worksheet)",
    )
    only.add_argument(
        "--print-only", action="store_true", help="build only the print edition (PDF/X-4, bleed and crop marks)"
    )
    build.add_argument("--force", action="store_true", help="rebuild even if no input changed since the last build")
    _conformance_option(build)
    _format_option(build, "screen,print")

    chk = sub.add_parser(
        "check", parents=common, help="preflight PDF files (a table of rules per file), or check district folders"
    )
    chk.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="PDF files to check, or district folders (or their district.yaml) to check as inputs",
    )
    chk.add_argument(
        "--as",
        dest="profile",
        choices=("auto", *ALL_VARIANTS),
        default="auto",
        help="rules to apply (default: auto: print for PDF/X files, screen-ua2 for PDF/UA-2 ones, screen otherwise)",
    )

    watch = sub.add_parser(
        "watch", parents=common, help="rebuild on every change and serve a live preview (the designer's loop)"
    )
    watch.add_argument("--port", type=_positive, default=8000, help="preview port on 127.0.0.1 (8000)")

    proof = sub.add_parser("proof", parents=common, help="PNG proofs of every page, a contact sheet, a visual diff")
    proof.add_argument(
        "--against",
        metavar="REF",
        default=None,
        help="diff against a git ref (built from that commit) or an earlier PDF's path",
    )
    proof.add_argument("--dpi", type=_dpi, default=72, help="resolution of the page PNGs (72; 10 to 600)")
    proof.add_argument(
        "--pdf",
        type=Path,
        default=None,
        help="proof this PDF instead of building output/portrait-of-a-leader.pdf",
    )
    proof.add_argument(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ (the visual regression references) from this build",
    )
    proof.add_argument(
        "--print",
        dest="print_edition",
        action="store_true",
        help="soft proof of the print edition (as the press prints it, through its output intent) beside the"
        " screen edition, with a ΔE heat map, in output/proofs/print/ (--pdf: a print PDF to proof)",
    )
    district = sub.add_parser(
        "district",
        parents=common,
        help="build district editions: output/districts/<slug>/portrait-of-a-leader-<slug>.pdf",
        description="Build the editions of the districts in content/districts/<slug>/ (or in a CSV file). "
        "An edition whose inputs have not changed since it was built is skipped.",
    )
    district.add_argument("slugs", nargs="*", metavar="SLUG", help="district folder names")
    district.add_argument("--all", action="store_true", help="every folder in content/districts/")
    district.add_argument(
        "--from",
        dest="csv",
        type=Path,
        default=None,
        metavar="FILE.csv",
        help="the districts of a spreadsheet, one row each (columns: see docs/network.md)",
    )
    district.add_argument("--force", action="store_true", help="rebuild editions that are up to date")
    _conformance_option(district)
    district.add_argument(
        "--jobs", "-j", type=_positive, default=None, metavar="N", help="worker processes (default: every core)"
    )
    district.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="K/N",
        help="build only shard K of N: districts sorted by slug, number i (from 0) goes to shard i %% N + 1",
    )
    district.add_argument(
        "--print",
        dest="with_print",
        action="store_true",
        help="also build the print edition (PDF/X-4): portrait-of-a-leader-<slug>-print.pdf",
    )
    _format_option(district, "screen; screen,print with --print")

    new = sub.add_parser(
        "new-district",
        parents=common,
        help="create content/districts/<slug>/ and district.yaml",
        description="Scaffold a district folder: copy the logo in, write district.yaml. "
        "With --from, one folder per row of a spreadsheet.",
    )
    new.add_argument("slug", nargs="?", metavar="SLUG", help="folder name: lower-case letters, digits and -")
    new.add_argument("--name", help="the district's full name, as on the cover (required with SLUG)")
    new.add_argument("--logo", type=Path, metavar="PATH", help="SVG, PNG or JPEG logo file (required with SLUG)")
    new.add_argument(
        "--from",
        dest="csv",
        type=Path,
        default=None,
        metavar="FILE.csv",
        help="create a folder for every row of a spreadsheet (nothing is written if any row is wrong)",
    )

    studio = sub.add_parser(
        "studio",
        parents=common,
        help="serve the district studio: a web page where a district makes its edition",
        description="Serve the district studio (a web page and its HTTP API; see docs/operator.md).",
    )
    studio.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    studio.add_argument("--port", type=_positive, default=8000, help="port to listen on (8000)")
    studio.add_argument(
        "--workers", type=_positive, default=None, metavar="N", help="render processes (default: the cores, at most 4)"
    )
    studio.add_argument(
        "--queue",
        type=_not_negative,
        default=8,
        metavar="N",
        help="requests that may wait for a worker; more get 429 (8)",
    )
    studio.add_argument(
        "--max-renders",
        type=_not_negative,
        default=200,
        metavar="N",
        help="replace a worker by a fresh one after N renders, so that memory stays bounded; 0: never (200)",
    )
    studio.add_argument(
        "--render-timeout",
        type=_positive_seconds,
        default=60.0,
        metavar="S",
        help="seconds of rendering per request; 503 after that (60)",
    )
    studio.add_argument(
        "--shutdown-timeout",
        type=_positive_seconds,
        default=30.0,
        metavar="S",
        help="on SIGTERM or Ctrl-C, seconds running renders may take to finish (30)",
    )

    release = sub.add_parser(
        "release",
        parents=common,
        help="build every edition into output/release/<version>/ with manifest.json and SHA256SUMS",
    )
    release.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        default=None,
        help="build only shard K of N (CI's job matrix); finish with --gather",
    )
    release.add_argument(
        "--gather", action="store_true", help="join the shards' manifest parts into manifest.json and SHA256SUMS"
    )
    release.add_argument(
        "--verify", action="store_true", help="re-hash the files of the current version's release against SHA256SUMS"
    )
    release.add_argument(
        "--final",
        action="store_true",
        help="refuse a draft: exit 1 listing every placeholder and expired valid_until (file:line)",
    )
    return p


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    p = parser()
    try:
        with contextlib.redirect_stdout(out):  # --help
            args = p.parse_args(argv)
    except SystemExit as exc:  # after --help
        return int(exc.code or 0)
    except UsageError as exc:
        return _usage_error(exc, p, err)
    try:
        if args.version:
            return _version(args, out)
        project = Project.at(args.root)
        with _debug_environment(args.debug):
            return COMMANDS[args.command or "build"](project, args, out, err)
    except UsageError as exc:
        return _usage_error(exc, p, err)
    except PortraitError as exc:
        if args.debug:
            traceback.print_exc(file=err)
        print(f"error: {exc}", file=err)
        return int(exc.exit_code)
    except OSError as exc:  # a path or port the system refused: the user's to fix, not a bug
        if args.debug:
            traceback.print_exc(file=err)
        error = InputError(_os_problem(exc))
        print(f"error: {error}", file=err)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except Exception as exc:  # a bug: say so, and how to get the details
        if args.debug:
            traceback.print_exc(file=err)
        else:
            print(f"internal error: {type(exc).__name__}: {exc}\n(run again with --debug for a traceback)", file=err)
        return int(ExitCode.INTERNAL_ERROR)


@contextlib.contextmanager
def _debug_environment(debug: bool) -> Iterator[None]:
    """With ``--debug``, ``PORTRAIT_DEBUG=1`` while the command runs: worker processes (district
    editions, releases) then add tracebacks to the failures they report."""
    if not debug:
        yield
        return
    before = os.environ.get("PORTRAIT_DEBUG")
    os.environ["PORTRAIT_DEBUG"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PORTRAIT_DEBUG", None)
        else:
            os.environ["PORTRAIT_DEBUG"] = before


def _os_problem(exc: OSError) -> Problem:
    from portrait import os_problem

    if exc.errno == errno.EADDRINUSE:
        return Problem("--port", f"the port is in use ({exc.strerror})", fix="choose another --port")
    if exc.filename is None:
        return Problem("(system)", exc.strerror or str(exc), fix="run again with --debug to see where")
    return os_problem(exc, Path(exc.filename), "use")


def _usage_error(exc: UsageError, main_parser: argparse.ArgumentParser, err: TextIO) -> int:
    shown = exc.parser or main_parser
    print(shown.format_usage().rstrip(), file=err)
    print(f"{shown.prog}: error: {exc}", file=err)
    return int(ExitCode.USAGE_ERROR)


def _version(args: argparse.Namespace, out: TextIO) -> int:
    print(f"portrait {portrait.__version__}", file=out)
    try:
        from portrait import load_content

        publication = load_content(Project.at(args.root)).publication
        print(f"{publication.title} {publication.version}", file=out)
    except PortraitError:
        print("(no valid publication here: run inside a publication folder or give --root)", file=out)
    return 0


def _build(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait.cli.report import working

    chosen = _chosen_formats(args)
    if chosen is None:
        variants = [SCREEN] if args.screen_only else [PRINT] if args.print_only else [SCREEN, PRINT]
    elif args.screen_only or args.print_only:
        raise UsageError("--format names every edition to build: use it without --screen-only or --print-only")
    else:
        variants = [v for v in (SCREEN, PRINT) if v.name in chosen]
    variants = [screen_variant(args.conformance) if v is SCREEN else v for v in variants]
    others = [n for n in (chosen or []) if n not in ("screen", "print")]
    if args.output is not None and not variants:
        raise UsageError("-o names the PDF: give --format screen or print with it")
    built = []
    if variants:
        with working(err, "building the Portrait"):
            built = portrait.build_portrait(project, variants, output=args.output, force=args.force)
    for warning in dict.fromkeys(w for file in built for w in file.warnings):  # once, not per file
        print(f"warning: {warning}", file=err)
    for file in built:
        if file.skipped:
            if args.verbosity >= 0:
                print(
                    f"up to date: {project.relative(file.path)} ({file.pages} pages); no input changed "
                    "since it was built (--force rebuilds)",
                    file=out,
                )
        elif args.verbosity >= 0:
            print(
                f"built {project.relative(file.path)}: {file.pages} pages, "
                f"{file.size / 1024:.0f} KiB in {file.seconds:.1f} s (preflight passed)",
                file=out,
            )
            if args.verbosity > 0 and file.report is not None:
                print(file.report.table(), file=out)
    if others:
        with working(err, "building the web and EPUB editions"):
            made = portrait.build_formats(project, others)
        for f in made:
            if args.verbosity >= 0:
                print(_format_line(project, f), file=out)
    return 0


def _format_line(project: Project, f: Any) -> str:
    where = project.relative(f.path)
    if f.format == "web":
        where += f" (and the folder {project.relative(f.path.with_name(f.path.name.removesuffix('.zip')))}/)"
    return f"built {where}: {f.size / 1024:.0f} KiB in {f.seconds:.2f} s (check passed)"


def _check(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    failed = 0
    variant = VARIANTS.get(args.profile)
    for path in args.files:
        if path.is_dir() or path.name == "district.yaml":
            failed += _check_district(project, path, args.verbosity, out, err)
            continue
        report = portrait.check_pdf(path, variant)
        failed += not report.passed
        if not (args.verbosity < 0 and report.passed):
            print(report.table(), file=out)
        if args.verbosity > 0:
            print(_facts_summary(path), file=out)
    if failed:
        print(f"{failed} of {len(args.files)} files fail the check", file=out)
        return int(ExitCode.BUILD_ERROR)
    return 0


def _check_district(project: Project, path: Path, verbosity: int, out: TextIO, err: TextIO) -> bool:
    """A district folder (or its district.yaml): its problems fail, its notices warn."""
    try:
        edition = portrait.check_district(project, path)
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return True
    for notice in edition.notices:  # warnings: shown even when quiet
        print(f"notice: {edition.slug}: {notice}", file=err)
    if verbosity >= 0:
        warned = f", {len(edition.notices)} notice{'s' * (len(edition.notices) != 1)}" if edition.notices else ""
        print(f"{edition.slug}: district inputs check passed{warned}", file=out)
    return False


def _facts_summary(path: Path) -> str:
    """What ``check -v`` adds under a file's table: the facts its rules read."""
    from portrait import read_facts

    try:
        facts = read_facts(path.read_bytes())
    except Exception as exc:  # the table already says the file is not readable
        return f"  (no facts: {type(exc).__name__})"
    fonts = ", ".join(sorted({f"{f.name}{'' if f.embedded else ' (not embedded)'}" for f in facts.fonts}))
    images = "; ".join(f"{i.pixels[0]}×{i.pixels[1]} px at {i.dpi:.0f} dpi on page {i.page + 1}" for i in facts.images)
    return "\n".join(
        [
            f"  PDF {facts.pdf_version}, {facts.pages} pages, language {facts.language or '(none)'}",
            f"  fonts: {fonts or '(none)'}",
            f"  raster images: {images or '(none)'}",
        ]
    )


def _release(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.verify:
        folder, problems = portrait.verify_release(project)
        for problem in problems:
            print(f"  {problem}", file=err)
        if problems or args.verbosity >= 0:
            print(
                f"{project.relative(folder)}: " + ("checksums verified" if not problems else "VERIFY FAILED"),
                file=out,
            )
        return 0 if not problems else int(ExitCode.BUILD_ERROR)
    if args.gather:
        from portrait import MANIFEST

        folder, artifacts = portrait.gather_release(project)
        if args.verbosity >= 0:
            print(f"gathered {len(artifacts)} files into {project.relative(folder / MANIFEST)}", file=out)
        return 0

    def done(artifact: Artifact) -> None:
        if args.verbosity >= 0 and not portrait.edition_formats()[artifact.variant].is_pdf:
            print(f"  {artifact.file}: {artifact.bytes / 1024:.0f} KiB, check passed", file=out)
        elif args.verbosity >= 0:
            print(
                f"  {artifact.file}: {artifact.pages} pages, {artifact.bytes / 1024:.0f} KiB, "
                f"{artifact.conformance}, preflight passed",
                file=out,
            )
        if args.verbosity > 0:
            print(f"    sha256 {artifact.sha256}", file=out)

    from portrait import CHANGELOG

    folder, artifacts = portrait.make_release(project, args.shard, on_done=done, final=args.final)
    what = f"shard {args.shard[0]}/{args.shard[1]}" if args.shard else "release"
    if args.verbosity >= 0:
        print(f"{what}: {len(artifacts)} files in {project.relative(folder)}", file=out)
    if not (project.root / CHANGELOG).exists() and (args.shard is None or args.shard[0] == 1):
        print(
            f"note: no {CHANGELOG} in {project.root}: RELEASE-NOTES.md says only the version "
            f"(add a {CHANGELOG} with a `## [VERSION]` section to give the release notes)",
            file=err,
        )
    return 0


def _watch(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return portrait.watch(project, port=args.port, out=_unless_quiet(args, out), err=err)


def _proof(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait import PROOFS

    code = portrait.proof(
        project,
        against=args.against,
        dpi=args.dpi,
        pdf=args.pdf,
        update_golden=args.update_golden,
        out=_unless_quiet(args, out),
        print_edition=args.print_edition,
    )
    if args.verbosity > 0 and not args.update_golden:
        for png in sorted((project.output / PROOFS).rglob("*.png")):
            print(f"  {project.relative(png)}", file=out)
    return code


def _unless_quiet(args: argparse.Namespace, out: TextIO) -> TextIO:
    """``out``, or with ``--quiet`` a stream that drops what a command says when all is well
    (its warnings and errors go to stderr)."""
    return io.StringIO() if args.verbosity < 0 else out


def _district(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait import select_shard
    from portrait.cli.report import print_summary, progress_bar

    given = sum(map(bool, (args.slugs, args.all, args.csv)))
    if given == 0:
        raise UsageError(
            "say which districts to build: their folder names (district SLUG ...), --all or --from FILE.csv"
        )
    if given > 1:
        raise UsageError("name the districts to build (SLUG ...), or use --all, or --from FILE.csv: only one of them")
    if args.all and not project.content.is_dir():  # --root named a folder, but not a publication's
        raise InputError(
            Problem(
                str(project.root),
                f"not a publication folder: it has no content/ (nor {MARKER.as_posix()})",
                fix="give --root the folder that holds content/, templates/ and assets/",
            )
        )
    chosen = _chosen_formats(args)
    if chosen is None:
        variants: tuple[Any, ...] = (SCREEN, PRINT) if args.with_print else (SCREEN,)
    else:
        variants = tuple(v for v in (SCREEN, PRINT) if v.name in chosen or (v is PRINT and args.with_print))
    variants = tuple(screen_variant(args.conformance) if v is SCREEN else v for v in variants)
    others = [n for n in (chosen or []) if n not in ("screen", "print")]
    status = 0
    with contextlib.ExitStack() as stack:
        if args.csv:
            districts: Sequence[str | portrait.Source] = stack.enter_context(
                portrait.districts_from_csv(project, args.csv, args.shard)
            )
            empty = f" ({args.csv} has no rows)"
        else:
            districts = select_shard(portrait.district_slugs(project) if args.all else args.slugs, args.shard)
            empty = " (content/districts/ is empty)"
        if not districts:
            print("no districts to build" + (" in this shard" if args.shard else empty), file=err)
            return 0
        if variants:
            with progress_bar(err, len(districts), quiet=args.verbosity < 0) as advance:
                batch = portrait.build_editions(
                    project, districts, jobs=args.jobs, variants=variants, on_result=advance, force=args.force
                )
            print_summary(project, batch, out, err, verbosity=args.verbosity)
            if args.verbosity > 0:
                for result in batch.results:
                    for path in result.paths:
                        print(f"  {project.relative(path)}", file=out)
            status = int(batch.exit_code)
        if others:
            made = portrait.build_formats(project, others, districts, portrait=False)
            for f in made:
                if f.error is None:
                    if args.verbosity >= 0:
                        print(_format_line(project, f), file=out)
                else:
                    print(f"{f.district}: {f.format} edition not built:", file=err)
                    print(textwrap.indent(str(f.error), "  "), file=err)
                    status = max(status, int(f.error.exit_code))
            failed = sum(f.error is not None for f in made)
            print(f"{len(made) - failed} of {len(made)} web and EPUB files built", file=out)
    return status


def _new_district(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.csv:
        if args.slug or args.name or args.logo:
            raise UsageError("give either SLUG --name NAME --logo PATH, or --from FILE.csv")
        folders = portrait.new_districts_from_csv(project, args.csv)
        if args.verbosity >= 0:
            for folder in folders:
                print(f"created {project.relative(folder)}/", file=out)
            print(
                f"{len(folders)} district folders created from {args.csv}; build them with:\n"
                f"  {command_name()} district --all   (editions that are up to date are skipped)",
                file=out,
            )
        return 0
    missing = [
        option for option, value in (("SLUG", args.slug), ("--name", args.name), ("--logo", args.logo)) if not value
    ]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}: give SLUG --name NAME --logo PATH, or --from FILE.csv")
    folder, logo = portrait.new_district(project, args.slug, args.name, args.logo)
    for notice in portrait.load_edition(project, args.slug).notices:  # warnings: shown even when quiet
        print(f"notice: {args.slug}: {notice}", file=err)
    if args.verbosity >= 0:
        print(f"created {project.relative(folder)}/ with district.yaml and {logo}", file=out)
        print(
            "edit district.yaml to add colours, a foreword and contact details, then build it with:\n"
            f"  {command_name()} district {args.slug}",
            file=out,
        )
    return 0


def command_name() -> str:
    """How the user ran this tool, for the commands it suggests: ``python build.py`` in a
    checkout (sys.argv[0] is build.py), ``portrait`` when installed."""
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python build.py" if script == "build.py" else "portrait"


def _studio(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait.studio.app import serve

    log_level = "warning" if args.verbosity < 0 else "debug" if args.verbosity > 0 else "info"
    return serve(
        project.root,
        args.host,
        args.port,
        workers=args.workers,
        queue_size=args.queue,
        max_renders=args.max_renders,
        timeout=args.render_timeout,
        shutdown_timeout=args.shutdown_timeout,
        log_level=log_level,
    )


COMMANDS = {
    "build": _build,
    "check": _check,
    "watch": _watch,
    "proof": _proof,
    "district": _district,
    "new-district": _new_district,
    "release": _release,
    "studio": _studio,
}
