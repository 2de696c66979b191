"""Hardening: a killed or concurrent build never damages the last good PDF, and rendering never
opens a network socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _project import EPOCH
from pypdf import PdfReader

from portrait.errors import InputError
from portrait.publish.atomic import write_atomic

BUILD_PY = Path(__file__).resolve().parents[2] / "build.py"


def test_write_atomic_replaces_whole_files(tmp_path):
    target = tmp_path / "out" / "a.pdf"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["a.pdf"]


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"good")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(InputError, match="no space left"):  # the user's to fix: exit 1, not a bug
        write_atomic(target, b"new")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_rendering_opens_no_socket(project, monkeypatch):
    from portrait.inputs.load import load_inputs
    from portrait.render.renderer import Renderer

    opened: list[tuple] = []

    class NoSocket(socket.socket):
        def __init__(self, *args, **kwargs):
            opened.append(args)
            raise AssertionError("the renderer tried to open a socket")

    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: NoSocket())
    rendered = Renderer(project, load_inputs(project)).portrait()
    assert rendered.pages > 10 and not opened


# Runs the build in a child process whose file writes stop halfway through the first PDF: the
# first half of the bytes is written and flushed to disk, a marker file says where, and the
# process sleeps until the test kills it. It hooks io.open, under every way of writing a file
# (open, Path.write_bytes, os.fdopen), so it catches the build mid-write however the build writes.
_HALF_WRITE = """
import io, os, sys, time
from pathlib import Path

marker = Path(sys.argv[1])
real_open = io.open


class HalfWriter:
    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        if not bytes(data[:5]) == b"%PDF-":
            return self._handle.write(data)
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        os.fsync(self._handle.fileno())
        name = self._handle.name
        path = os.readlink(f"/proc/self/fd/{name}") if isinstance(name, int) else os.path.abspath(name)
        marker.write_text(path)
        time.sleep(600)  # killed here

    def __getattr__(self, attr):
        return getattr(self._handle, attr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)


def hooked_open(file, mode="r", *args, **kwargs):
    handle = real_open(file, mode, *args, **kwargs)
    return HalfWriter(handle) if "w" in mode and "b" in mode else handle


io.open = hooked_open
sys.argv = ["build.py", *sys.argv[2:]]
sys.path.insert(0, SRC)
from portrait.cli import main

sys.exit(main())
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["interrupted", "killed"])
def test_a_build_stopped_while_writing_the_pdf_leaves_the_last_good_pdf(tmp_project, tmp_path, how):
    """Stopped halfway through writing the PDF, the build leaves the old file whole. Interrupted
    (Ctrl-C, SIGINT) it also removes its temporary file; killed (SIGKILL, nothing can run) it
    leaves only a hidden temporary file beside the output, never a half-written one under its name.

    With a plain ``path.write_bytes`` instead of ``write_atomic`` the target holds half a PDF and
    this fails."""
    out = tmp_project.output / "portrait-of-a-leader.pdf"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"%PDF-last-good")
    marker = tmp_path / "writing"
    script = _HALF_WRITE.replace("SRC", repr(str(BUILD_PY.parent / "src")))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(marker), "--root", str(tmp_project.root), "build", "--screen-only"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, f"the build ended before writing: {proc.stderr.read().decode()}"
            assert time.monotonic() < deadline, "the build never started writing its PDF"
            time.sleep(0.1)
        writing = Path(marker.read_text())
        assert writing.parent == out.parent  # half a PDF is on disk now, in the output folder
        proc.send_signal(how)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out.read_bytes() == b"%PDF-last-good"
    left = sorted(p.name for p in out.parent.iterdir())
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert left == ["portrait-of-a-leader.pdf"]
    else:
        assert [name for name in left if not name.startswith(".")] == ["portrait-of-a-leader.pdf"]
        assert all(name.endswith(".tmp") for name in left if name.startswith("."))


@pytest.mark.slow
def test_two_builds_at_once_leave_one_whole_pdf(tmp_project):
    cmd = [sys.executable, str(BUILD_PY), "--root", str(tmp_project.root), "build"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    out = tmp_project.output / "portrait-of-a-leader.pdf"
    assert len(PdfReader(out).pages) > 10
    assert len(PdfReader(out.with_name("portrait-of-a-leader-print.pdf")).pages) > 10
    assert not [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")]
