"""The command line: ``python build.py COMMAND``. A thin layer over the library.

Errors meant for people are printed as messages, never tracebacks (unless ``--debug``).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from portrait.errors import ExitCode, PortraitError
from portrait.project import Project


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="build.py",
        description="Build KnowledgeWorks' Portrait of a Leader and its editions.",
    )
    p.add_argument("--root", type=Path, default=None, help="project folder (default: this checkout)")
    p.add_argument("--debug", action="store_true", help="show a traceback for every error")
    p.set_defaults(output=None)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser("build", help="build output/portrait-of-a-leader.pdf (the default command)")
    build.add_argument("-o", "--output", type=Path, default=None, help="write the PDF here instead")

    district = sub.add_parser(
        "district",
        help="build district editions: output/districts/<slug>/portrait-of-a-leader-<slug>.pdf",
        description="Build the editions of the districts in content/districts/<slug>/.",
    )
    district.add_argument("slugs", nargs="*", metavar="SLUG", help="district folder names")
    district.add_argument("--all", action="store_true", help="every folder in content/districts/")
    district.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                          help="worker processes (default: every core)")
    district.add_argument("--shard", default=None, metavar="K/N",
                          help="build only shard K of N: districts sorted by slug, number i "
                               "(from 0) goes to shard i %% N + 1")

    new = sub.add_parser("new-district", help="create content/districts/<slug>/ and district.yaml",
                         description="Scaffold a district folder: copy the logo in, "
                                     "write district.yaml.")
    new.add_argument("slug", metavar="SLUG", help="folder name: lower-case letters, digits and -")
    new.add_argument("--name", required=True, help="the district's full name, as on the cover")
    new.add_argument("--logo", required=True, type=Path, metavar="PATH",
                     help="SVG, PNG or JPEG logo file")
    return p


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = parser().parse_args(argv)
    command = args.command or "build"
    try:
        project = Project.at(args.root)
        if command == "build":
            return _build(project, args, out)
        if command == "district":
            return _district(project, args, out, err)
        if command == "new-district":
            return _new_district(project, args, out)
        raise AssertionError(f"unhandled command {command}")
    except PortraitError as exc:
        if args.debug:
            traceback.print_exc(file=err)
        print(f"error: {exc}", file=err)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except Exception as exc:  # a bug: say so, and how to get the details
        if args.debug:
            traceback.print_exc(file=err)
        else:
            print(f"internal error: {type(exc).__name__}: {exc}\n(run again with --debug for a traceback)", file=err)
        return int(ExitCode.INTERNAL_ERROR)


def _build(project: Project, args: argparse.Namespace, out: TextIO) -> int:
    from portrait.pipeline import build_portrait

    built = build_portrait(project, args.output)
    print(
        f"built {project.relative(built.path)}: {built.facts.pages} pages, "
        f"{len(built.pdf) / 1024:.0f} KiB in {built.seconds:.1f} s",
        file=out,
    )
    return 0


def _district(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait.batch import build_editions, parse_shard, select_shard
    from portrait.batch_view import print_summary, progress_bar
    from portrait.districts import district_slugs

    if bool(args.slugs) == bool(args.all):
        print("error: name the districts to build (SLUG ...) or use --all, not both", file=err)
        return int(ExitCode.USAGE_ERROR)
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=err)
        return int(ExitCode.USAGE_ERROR)
    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return int(ExitCode.USAGE_ERROR)
    if args.debug:
        os.environ["PORTRAIT_DEBUG"] = "1"  # workers then report internal errors with a traceback
    slugs = select_shard(district_slugs(project) if args.all else args.slugs, shard)
    if not slugs:
        where = " in this shard" if shard else " (content/districts/ is empty)"
        print("no districts to build" + where, file=err)
        return 0
    with progress_bar(err, len(slugs)) as advance:
        batch = build_editions(project, slugs, jobs=args.jobs, on_result=advance)
    print_summary(project, batch, out, err)
    return int(batch.exit_code)


def _new_district(project: Project, args: argparse.Namespace, out: TextIO) -> int:
    from portrait.scaffold import new_district

    folder, logo = new_district(project, args.slug, args.name, args.logo)
    print(f"created {project.relative(folder)}/ with district.yaml and {logo}", file=out)
    print("edit district.yaml to add colours, a foreword and contact details, then build it with:\n"
          f"  python build.py district {args.slug}", file=out)
    return 0
