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
    p.set_defaults(output=None, force=False, screen_only=False, print_only=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser("build", help="build the screen and print editions of the Portrait (the default command)")
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
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

    chk = sub.add_parser("check", help="preflight PDF files: print a table of rules per file")
    chk.add_argument("files", nargs="+", type=Path, metavar="FILE", help="PDF files to check")
    chk.add_argument(
        "--as",
        dest="profile",
        choices=("auto", "screen", "print"),
        default="auto",
        help="rules to apply (default: auto: print for PDF/X files, screen otherwise)",
    )
    chk.add_argument("-q", "--quiet", action="store_true", help="print only the files that fail")

    watch = sub.add_parser("watch", help="rebuild on every change and serve a live preview (the designer's loop)")
    watch.add_argument("--port", type=int, default=8000, help="preview port on 127.0.0.1 (8000)")

    proof = sub.add_parser("proof", help="PNG proofs of every page, a contact sheet, a visual diff")
    proof.add_argument(
        "--against",
        metavar="REF",
        default=None,
        help="diff against a git ref (built from that commit) or an earlier PDF's path",
    )
    proof.add_argument("--dpi", type=int, default=72, help="resolution of the page PNGs (72)")
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
    district = sub.add_parser(
        "district",
        help="build district editions: output/districts/<slug>/portrait-of-a-leader-<slug>.pdf",
        description="Build the editions of the districts in content/districts/<slug>/.",
    )
    district.add_argument("slugs", nargs="*", metavar="SLUG", help="district folder names")
    district.add_argument("--all", action="store_true", help="every folder in content/districts/")
    district.add_argument(
        "--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: every core)"
    )
    district.add_argument(
        "--shard",
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

    new = sub.add_parser(
        "new-district",
        help="create content/districts/<slug>/ and district.yaml",
        description="Scaffold a district folder: copy the logo in, write district.yaml.",
    )
    new.add_argument("slug", metavar="SLUG", help="folder name: lower-case letters, digits and -")
    new.add_argument("--name", required=True, help="the district's full name, as on the cover")
    new.add_argument("--logo", required=True, type=Path, metavar="PATH", help="SVG, PNG or JPEG logo file")

    studio = sub.add_parser(
        "studio",
        help="serve the district studio: a web page where a district makes its edition",
        description="Serve the district studio (a web page and its HTTP API; see README, District studio).",
    )
    studio.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    studio.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    studio.add_argument(
        "--workers", type=int, default=None, metavar="N", help="render processes (default: the cores, at most 4)"
    )
    studio.add_argument(
        "--queue", type=int, default=8, metavar="N", help="requests that may wait for a worker; more get 429 (8)"
    )

    release = sub.add_parser(
        "release",
        help="build every edition into output/release/<version>/ with manifest.json and SHA256SUMS",
    )
    release.add_argument(
        "--shard", metavar="K/N", default=None, help="build only shard K of N (CI's job matrix); finish with --gather"
    )
    release.add_argument(
        "--gather", action="store_true", help="join the shards' manifest parts into manifest.json and SHA256SUMS"
    )
    release.add_argument(
        "--verify", action="store_true", help="re-hash the files of the current version's release against SHA256SUMS"
    )
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
        if command == "release":
            return _release(project, args, out, err)
        if command == "check":
            return _check(args, out)
        if command == "watch":
            return _watch(project, args, out, err)
        if command == "proof":
            return _proof(project, args, out)
        if command == "district":
            return _district(project, args, out, err)
        if command == "new-district":
            return _new_district(project, args, out)
        if command == "studio":
            return _studio(project, args)
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
    # The cache check imports nothing heavy: an unchanged build never loads WeasyPrint.
    from portrait.build.cache import build_if_changed

    if args.screen_only:
        variants = ["screen"]
    elif args.print_only:
        variants = ["print"]
    else:
        variants = ["screen", "print"]
    for built in build_if_changed(project, args.output, force=args.force, variants=variants):
        if built.skipped:
            print(
                f"up to date: {project.relative(built.path)} ({built.pages} pages); no input changed "
                "since it was built (--force rebuilds)",
                file=out,
            )
        else:
            print(
                f"built {project.relative(built.path)}: {built.pages} pages, "
                f"{built.size / 1024:.0f} KiB in {built.seconds:.1f} s (preflight passed)",
                file=out,
            )
    return 0


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from portrait.check.preflight import check_file

    failed = 0
    for path in args.files:
        report = check_file(path, args.profile)
        failed += not report.passed
        if not (args.quiet and report.passed):
            print(report.table(), file=out)
    if failed:
        print(f"{failed} of {len(args.files)} files fail the preflight", file=out)
        return int(ExitCode.BUILD_ERROR)
    return 0


def _release(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait.build import release
    from portrait.inputs.content import load_content

    version = load_content(project).publication.version
    folder = release.release_dir(project, version)
    if args.verify:
        problems = release.verify(folder)
        for problem in problems:
            print(f"  {problem}", file=err)
        print(f"{project.relative(folder)}: " + ("checksums verified" if not problems else "VERIFY FAILED"), file=out)
        return 0 if not problems else int(ExitCode.BUILD_ERROR)
    if args.gather:
        artifacts = release.gather(folder)
        print(f"gathered {len(artifacts)} files into {project.relative(folder / release.MANIFEST)}", file=out)
        return 0
    from portrait.build.batch import parse_shard

    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return int(ExitCode.USAGE_ERROR)

    def done(artifact: release.Artifact) -> None:
        print(
            f"  {artifact.file}: {artifact.pages} pages, {artifact.bytes / 1024:.0f} KiB, "
            f"{artifact.conformance}, preflight passed",
            file=out,
        )

    folder, artifacts = release.make_release(project, shard, on_done=done)
    what = f"shard {shard[0]}/{shard[1]}" if shard else "release"
    print(f"{what}: {len(artifacts)} files in {project.relative(folder)}", file=out)
    return 0


def _watch(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait.designer.watch import watch

    return watch(project, port=args.port, out=out, err=err)


def _proof(project: Project, args: argparse.Namespace, out: TextIO) -> int:
    from portrait.designer.proof import run_proof

    return run_proof(
        project,
        against=args.against,
        dpi=args.dpi,
        pdf=args.pdf,
        update_golden=args.update_golden,
        out=out,
    )


def _district(project: Project, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from portrait.build.batch import build_editions, parse_shard, select_shard
    from portrait.cli.report import print_summary, progress_bar
    from portrait.inputs.district import district_slugs

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
        variants = ("screen", "print") if args.with_print else ("screen",)
        batch = build_editions(project, slugs, jobs=args.jobs, variants=variants, on_result=advance)
    print_summary(project, batch, out, err)
    return int(batch.exit_code)


def _new_district(project: Project, args: argparse.Namespace, out: TextIO) -> int:
    from portrait.build.scaffold import new_district

    folder, logo = new_district(project, args.slug, args.name, args.logo)
    print(f"created {project.relative(folder)}/ with district.yaml and {logo}", file=out)
    print(
        "edit district.yaml to add colours, a foreword and contact details, then build it with:\n"
        f"  python build.py district {args.slug}",
        file=out,
    )
    return 0


def _studio(project: Project, args: argparse.Namespace) -> int:
    from portrait.studio.app import serve

    if (args.workers is not None and args.workers < 1) or args.queue < 0:
        print("error: --workers must be at least 1 and --queue at least 0", file=sys.stderr)
        return int(ExitCode.USAGE_ERROR)
    return serve(project.root, args.host, args.port, workers=args.workers, queue_size=args.queue)
