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
from pypdf import PdfReader

from portrait.build.atomic import write_atomic

BUILD_PY = Path(__file__).resolve().parents[1] / "build.py"


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
    with pytest.raises(OSError):
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


@pytest.mark.slow
def test_a_build_killed_midway_leaves_the_last_good_pdf(tmp_project):
    out = tmp_project.output / "portrait-of-a-leader.pdf"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"%PDF-last-good")
    proc = subprocess.Popen(
        [sys.executable, str(BUILD_PY), "--root", str(tmp_project.root), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.0)  # well into layout, before the write (a build takes 3 s or more)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.read_bytes() == b"%PDF-last-good"
    assert [p.name for p in out.parent.iterdir()] == ["portrait-of-a-leader.pdf"]


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
