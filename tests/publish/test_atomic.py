"""portrait.publish.atomic.write_atomic, step by step: the data goes to a hidden temporary file in
the target's folder, is flushed and synced to disk, given the usual permissions and renamed over
the target; on any failure the temporary file is removed and the target is untouched.

(tests/publish/test_nothing_lost.py stops a real build halfway through writing its PDF.)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from portrait.errors import InputError
from portrait.publish.atomic import write_atomic


def test_writes_the_bytes_into_new_folders_and_returns_the_path(tmp_path: Path):
    target = tmp_path / "a" / "b" / "c.pdf"
    assert write_atomic(target, b"%PDF-1.7 whole") == target
    assert target.read_bytes() == b"%PDF-1.7 whole"
    assert write_atomic(target, b"again") == target  # the folders exist now: no error
    assert target.read_bytes() == b"again"


def test_the_file_is_readable_by_everyone_like_any_output(tmp_path: Path):
    old = os.umask(0o077)  # even under a strict umask (mkstemp makes 0600 files)
    try:
        target = write_atomic(tmp_path / "a.pdf", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_the_temporary_file_is_hidden_beside_the_target_and_synced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    events: list[tuple[str, object]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).read_bytes()))
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        events.append(("replace", (Path(str(src)), Path(str(dst)))))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "book.pdf"
    write_atomic(target, b"all of it")
    assert [e[0] for e in events] == ["fsync", "replace"]
    assert events[0][1] == b"all of it"  # every byte flushed to the file before it is synced
    src, dst = events[1][1]  # type: ignore[misc]
    assert dst == target and src.parent == target.parent
    assert src.name.startswith(".book.pdf.") and src.name.endswith(".tmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


@pytest.mark.parametrize("failing", ["fsync", "replace", "chmod"])
def test_a_failure_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch, failing: str):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"good")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, broken)
    # The user's to fix, not a bug: an InputError naming the target (exit 1), never an OSError.
    with pytest.raises(InputError, match=f"{target}: cannot write: no space left on the device"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_an_interrupt_while_writing_leaves_no_temporary_file(tmp_path: Path, monkeypatch):
    """Ctrl-C is a KeyboardInterrupt, not an Exception: it must clean up too."""
    target = tmp_path / "a.pdf"

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert list(tmp_path.iterdir()) == []


def test_the_first_error_is_the_one_reported_even_when_the_temporary_file_is_gone(tmp_path: Path, monkeypatch):
    """A rename that fails after the temporary file went (a cross-device move half done, another
    process cleaning the folder): the error the user sees is the rename's, not the clean-up's."""
    target = tmp_path / "a.pdf"

    def vanishing_replace(src: object, dst: object) -> None:
        Path(str(src)).unlink()
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", vanishing_replace)
    with pytest.raises(InputError, match="Invalid cross-device link"):
        write_atomic(target, b"new")
    assert list(tmp_path.iterdir()) == []
