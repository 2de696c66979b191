"""The watcher survives bad input, keeps the last good PDF, and tells the preview."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from _project import REPO
from conftest import edited

from portrait.designer.preview import PreviewServer, PreviewState, preview_page
from portrait.designer.watch import changed_inputs
from portrait.project import Project


def test_bad_yaml_is_reported_with_file_and_line_and_the_last_good_pdf_stays(watched):
    why = watched.project.content / "sections" / "why.yaml"
    good = watched.pdf.read_bytes()
    build = watched.state.snapshot().build
    with edited(why, lambda text: text.replace("kind: chapter", "kind: chapter: oops")):
        outcome = watched.rebuild()
        assert not outcome.ok
        assert "content/sections/why.yaml:2: invalid YAML" in outcome.message
        assert watched.pdf.read_bytes() == good
        snapshot = watched.state.snapshot()
        assert snapshot.build == build + 1
        assert snapshot.error is not None and "content/sections/why.yaml:2" in snapshot.error
        assert snapshot.html is not None  # the preview keeps showing the last good build
        page = preview_page(watched.project, snapshot)
        assert 'id="portrait-preview-error"' in page
        assert "content/sections/why.yaml:2: invalid YAML" in page
    outcome = watched.rebuild()
    assert outcome.ok, outcome.message
    assert watched.state.snapshot().error is None
    assert watched.pdf.read_bytes() == good


def test_template_error_names_the_template_and_line(watched):
    template = watched.project.templates / "sections" / "chapter.html.j2"
    with edited(template, lambda text: text.replace("section.blocks", "section.blokcs")):
        outcome = watched.rebuild()
        assert not outcome.ok
        assert "templates/sections/chapter.html.j2:" in outcome.message
        assert "blokcs" in outcome.message
    assert watched.rebuild().ok


def test_editor_droppings_do_not_trigger_a_build(tmp_path: Path):
    project = Project.at(tmp_path)
    changes = [
        (1, str(tmp_path / "content" / ".why.yaml.swp")),
        (1, str(tmp_path / "content" / "why.yaml~")),
        (2, str(tmp_path / "content" / "sections" / "why.yaml")),
    ]
    assert changed_inputs(project, changes) == ["content/sections/why.yaml"]


@pytest.fixture
def server(tmp_path: Path):
    project = Project.at(REPO)
    state = PreviewState()
    html = (
        f'<html><head><link rel="stylesheet" href="{project.templates.as_uri()}/styles/base.css">'
        "</head><body><section>Hello</section></body></html>"
    )
    state.succeeded(html, 0.5)
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(b"%PDF-1.7 test")
    running = PreviewServer(project, state, pdf, port=0).start()
    yield running
    running.stop()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_preview_serves_the_page_build_number_project_files_and_the_pdf(server: PreviewServer):
    assert server.httpd.server_address[0] == "127.0.0.1"
    status, mime, body = get(server.url)
    assert status == 200 and mime.startswith("text/html")
    page = body.decode()
    assert '<link rel="stylesheet" href="/files/templates/styles/base.css">' in page
    assert 'fetch("/__build"' in page and "<section>Hello</section>" in page
    status, _, body = get(server.url + "__build")
    assert json.loads(body) == {"build": 1, "ok": True, "error": None, "seconds": 0.5}
    status, mime, body = get(server.url + "files/templates/styles/base.css")
    assert status == 200 and mime == "text/css" and b"@page" in body
    assert get(server.url + "publication.pdf")[2] == b"%PDF-1.7 test"
    server.state.failed("content/x.yaml:2: bad", 0.1)
    assert json.loads(get(server.url + "__build")[2])["build"] == 2


@pytest.mark.parametrize(
    "path",
    [
        "files/pyproject.toml",
        "files/src/portrait/cli.py",
        "files/content/../pyproject.toml",
        "files/%2E%2E/%2E%2E/etc/passwd",
        "files/content/missing.yaml",
    ],
)
def test_preview_serves_nothing_outside_content_templates_assets(server: PreviewServer, path: str):
    # urllib would normalise "..": send the raw request line.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(f"GET /{path} HTTP/1.0\r\n\r\n".encode())
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    status = int(reply.split(b" ", 2)[1])
    assert status in (403, 404)
    assert b"[project]" not in reply and b"def main" not in reply and b"root:" not in reply


@pytest.mark.slow
def test_watch_command_rebuilds_on_an_edit_and_survives_bad_yaml(tmp_path: Path):
    """End to end: `build.py watch` on a free port, edits on disk, the preview polled."""
    from conftest import EPOCH, copy_inputs

    project = copy_inputs(tmp_path / "project")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"SOURCE_DATE_EPOCH": EPOCH, "PATH": "/usr/bin:/bin"}
    command = [
        sys.executable,
        str(REPO / "build.py"),
        "--root",
        str(project.root),
        "watch",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/__build"

    def state_after(build: int, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = json.loads(get(url)[2])
                if state["build"] > build:
                    return state
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"no build after #{build} within {timeout} s")

    try:
        first = state_after(0)
        assert first["ok"], first
        pdf = project.output / "portrait-of-a-leader.pdf"
        good = pdf.read_bytes()
        why = project.content / "sections" / "why.yaml"
        original = why.read_text(encoding="utf-8")
        why.write_text(original.replace("kind: chapter", "kind: chapter: oops"), encoding="utf-8")
        failed = state_after(first["build"])
        assert not failed["ok"] and "content/sections/why.yaml:2" in failed["error"]
        assert pdf.read_bytes() == good
        why.write_text(original.replace("capacity", "capacity today"), encoding="utf-8")
        fixed = state_after(failed["build"])
        assert fixed["ok"], fixed
        assert process.poll() is None
        assert pdf.read_bytes() != good
        assert "capacity today" in get(f"http://127.0.0.1:{port}/")[2].decode()
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert b"content/sections/why.yaml:2" in err
    assert b"still watching" in err


def test_a_busy_port_is_a_clear_error(server: PreviewServer):
    from portrait.errors import BuildError

    with pytest.raises(BuildError, match="choose another port with --port"):
        PreviewServer(server.project, PreviewState(), server.pdf, port=server.port)


def test_preview_before_any_good_build_shows_the_error_escaped():
    from portrait.designer.preview import Snapshot

    page = preview_page(Project.at(REPO), Snapshot(1, None, "content/x.yaml:3: bad <b>"))
    assert "there is no good build yet" in page
    assert "content/x.yaml:3: bad &lt;b&gt;" in page


def test_preview_serves_the_web_edition_of_the_last_good_build(watched):
    """watch makes the web edition after each build and serves it under /web/, from memory."""
    server = PreviewServer(watched.project, watched.state, watched.pdf, port=0).start()
    try:
        status, mime, body = get(server.url + "web/")
        assert status == 200 and mime.startswith("text/html") and b'class="skip-link"' in body
        status, mime, body = get(server.url + "web/reflection.html")
        assert status == 200 and b"<table" in body
        assert get(server.url + "web/portrait.css")[1] == "text/css"
        assert get(server.url + "web/missing.html")[0] == 404
    finally:
        server.stop()


def test_preview_contents_carry_the_pdf_page_numbers(watched):
    snapshot = watched.state.snapshot()
    assert snapshot.anchor_pages["introduction"] == 3
    page = preview_page(watched.project, snapshot)
    assert '<a href="#introduction" data-page-number="3">' in page
    assert "a[data-page-number]::after" in page


def test_page_view_shows_the_real_pages_of_the_built_pdf(portrait_build, tmp_path: Path):
    built_pdf = tmp_path / "portrait-of-a-leader.pdf"
    built_pdf.write_bytes(portrait_build.pdf)
    """/pages: the built PDF's pages in the district studio's page viewer, made once per build."""
    import base64
    import io

    from PIL import Image

    state = PreviewState()
    state.succeeded("<html><body></body></html>", 0.5)
    server = PreviewServer(Project.at(REPO), state, built_pdf, port=0).start()
    try:
        status, mime, body = get(server.url + "pages")
        assert status == 200 and mime.startswith("text/html")
        assert b"/static/pages.js" in body and b"/static/watch.js" in body
        for name in ("pages.js", "pages.css", "watch.js", "watch.css"):
            assert get(server.url + "static/" + name)[0] == 200
        assert get(server.url + "static/app.py")[0] == 404  # only the static folder's files
        pages = json.loads(get(server.url + "__pages")[2])
        assert pages["build"] == 1 and pages["pages"] == len(pages["images"]) == 16
        assert [i["label"] for i in pages["images"][:2]] == ["Cover", "Contents"]
        cover = Image.open(io.BytesIO(base64.b64decode(pages["images"][0]["src"].split(",", 1)[1]))).convert("RGB")
        assert cover.width == 480
        r, g, b = cover.getpixel((5, 5))
        assert r > 200 and g < 120  # the cover's pink corner
        assert json.loads(get(server.url + "__pages")[2]) == pages  # the same build: not rendered again
        assert 'href="/pages"' in get(server.url)[2].decode()
    finally:
        server.stop()


@pytest.mark.slow
def test_a_file_saved_during_the_first_build_is_built(tmp_path: Path):
    from conftest import EPOCH, copy_inputs

    project = copy_inputs(tmp_path / "project")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"SOURCE_DATE_EPOCH": EPOCH, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, str(REPO / "build.py"), "--root", str(project.root), "watch", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        while b"watching" not in process.stdout.readline():
            pass
        time.sleep(1.0)  # the watcher is running and the first build is under way (it takes seconds)
        assert not (project.output / "portrait-of-a-leader.pdf").exists()
        why = project.content / "sections" / "why.yaml"
        why.write_text(why.read_text(encoding="utf-8").replace("capacity", "capacity today"), encoding="utf-8")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                page = get(f"http://127.0.0.1:{port}/")[2].decode()
                if "capacity today" in page:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the edit saved during the first build was never built")
    finally:
        process.terminate()
        process.communicate(timeout=20)
