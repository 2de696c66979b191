"""The district studio's HTTP API, in process (Starlette's TestClient) with real render workers.

One studio for the module, on a copy of the project, with one worker and no waiting line, so
that a second request while one renders is refused with 429.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import shutil
import threading
import time
import zipfile
from pathlib import Path

import pytest
from _project import REPO
from PIL import Image
from pypdf import PdfReader

from portrait.project import Project

starlette_testclient = pytest.importorskip("starlette.testclient")

SVG_LOGO = (REPO / "content/districts/example-cedar-ridge/logo.svg").read_bytes()
PNG_LOGO = (REPO / "content/districts/example-lakeshore/logo.png").read_bytes()
NAME = "Distrito Escolar de Peña & Valle"
DISTRICT = f"""\
name: "{NAME}"
short_name: "Peña & Valle"
colors:
  primary: "#c0392b"
  secondary: "#f6c445"
foreword:
  title: "Un mensaje de la superintendente"
  body: |
    Our leaders *grow* together.
  signed:
    - name: "María José Núñez"
      role: "Superintendente"
contact:
  website: "https://www.example.org/pena-valle"
"""


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory):
    from starlette.testclient import TestClient

    from portrait.studio.app import create_app

    root = tmp_path_factory.mktemp("studio") / "project"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    app = create_app(root, workers=1, queue_size=0, body_timeout=1.0)
    with TestClient(app) as client:
        client.root = root  # type: ignore[attr-defined]
        client.engine = app.state.engine  # type: ignore[attr-defined]
        client.app_ = app  # type: ignore[attr-defined]
        yield client


def post(client, path: str, district: str = DISTRICT, logo: tuple[str, bytes] | None = ("logo.svg", SVG_LOGO), **data):
    files = {"logo": (logo[0], logo[1], "application/octet-stream")} if logo else None
    return client.post(path, data={"district": district, **data}, files=files)


def fields(response) -> dict[str, dict]:
    assert response.status_code == 422, response.text
    return {p["field"]: p for p in response.json()["problems"]}


def test_health_schema_and_page(studio):
    assert studio.get("/healthz").text == "ok"
    schema = studio.get("/api/schema").json()
    assert {"name", "logo", "short_name", "colors", "foreword", "contact"} <= set(schema["properties"])
    assert schema["required"] == ["name", "logo"]
    page = studio.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "http" not in csp
    assert "<form" in page.text and "studio.js" in page.text
    assert studio.get("/static/studio.js").status_code == 200
    assert studio.get("/fonts/Inter-Regular.otf").status_code == 200
    assert studio.get("/fonts/..%2Fbrand.yaml").status_code == 404


def test_screen_edition_is_a_pdf_with_the_districts_name(studio):
    response = post(studio, "/api/editions")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="portrait-of-a-leader-pena-valle.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 17  # the Portrait's 16 and a one-page foreword
    cover = reader.pages[0].extract_text()
    assert NAME in cover.replace("\n", " ")
    assert "María José Núñez" in reader.pages[1].extract_text()
    assert "PEÑA & VALLE EDITION" in reader.pages[5].extract_text()  # the running footer of a shared page
    assert NAME in str(reader.metadata.title)


def test_print_edition_named_print(studio):
    response = post(studio, "/api/editions?variant=print", logo=("crest.png", PNG_LOGO))
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('-pena-valle-print.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) % 4 == 0
    assert "GTS_PDFX" in str(reader.trailer["/Root"]["/OutputIntents"][0]["/S"])


def test_web_and_epub_editions(studio):
    """The same request gives the web edition (zip) and the EPUB; nothing is written into the
    project (the EPUB's page numbers come from the worker's own layout of the Portrait)."""
    from portrait.formats.epub import check_epub
    from portrait.formats.web import check_web

    root = Path(studio.root)
    epub = post(studio, "/api/editions?variant=epub")
    assert epub.status_code == 200, epub.text
    assert epub.headers["content-type"] == "application/epub+zip"
    assert epub.headers["content-disposition"] == 'attachment; filename="portrait-of-a-leader-pena-valle.epub"'
    assert check_epub(epub.content) == []
    archive = zipfile.ZipFile(io.BytesIO(epub.content))
    assert "María José Núñez" in archive.read("EPUB/foreword.xhtml").decode()
    assert 'aria-label="i"' in archive.read("EPUB/foreword.xhtml").decode()  # the foreword's printed page
    web = post(studio, "/api/editions?variant=web", logo=("crest.png", PNG_LOGO))
    assert web.status_code == 200, web.text
    assert web.headers["content-type"] == "application/zip"
    assert web.headers["content-disposition"].endswith('-pena-valle-web.zip"')
    assert check_web(web.content) == []
    assert "images/logo.png" in zipfile.ZipFile(io.BytesIO(web.content)).namelist()
    assert not (root / "output").exists()


def test_previews_are_the_real_pages(studio):
    response = post(studio, "/api/previews")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["label"] for i in body["images"]] == [
        "Cover",
        "Foreword",
        "A page of the Portrait, with your name in its footer",
        "Back cover",
    ]
    assert [i["page"] for i in body["images"]] == [1, 2, 4, 17]
    # The primary colour's darker shade for text is announced.
    assert any("colors.primary #c0392b" in n for n in body["notices"]) or body["notices"] == []
    cover = Image.open(io.BytesIO(base64.b64decode(body["images"][0]["src"].split(",", 1)[1]))).convert("RGB")
    assert cover.width == 600
    # The district's primary colour (the ring and band) is on the cover.
    assert _near(cover, (0xC0, 0x39, 0x2B)) > 500
    # ... and what the print edition prints for it, beside it in the page (docs/print.md).
    printed = body["print_colors"][0]
    assert printed["field"] == "colors.primary" and printed["screen"] == "#c0392b"
    assert printed["print"].startswith("#") and printed["cmyk"].startswith("C") and printed["delta_e"] < 2


def _near(image: Image.Image, color: tuple[int, int, int], tolerance: int = 12) -> int:
    return sum(
        1 for px in image.get_flattened_data() if all(abs(a - b) <= tolerance for a, b in zip(px, color, strict=True))
    )


@pytest.mark.parametrize(
    ("district", "logo", "field", "words"),
    [
        (DISTRICT.replace('"#c0392b"', '"#c0392"'), ("logo.svg", SVG_LOGO), "colors.primary", "#rrggbb"),
        (DISTRICT.replace("short_name:", "shortname:"), ("logo.svg", SVG_LOGO), "shortname", "short_name"),
        (DISTRICT.replace(f'name: "{NAME}"\n', ""), ("logo.svg", SVG_LOGO), "name", "required"),
        (DISTRICT, None, "logo", "required"),
        (DISTRICT, ("logo.gif", b"GIF89a" + b"\0" * 64), "logo", "SVG, PNG or JPEG"),
        (
            DISTRICT,
            ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
            "logo",
            "script",
        ),
        (DISTRICT + "logo: logo.svg\n", ("logo.png", PNG_LOGO), "logo", "PNG"),
        (
            DISTRICT.replace('website: "https://', 'website: "http://'),
            ("logo.svg", SVG_LOGO),
            "contact.website",
            "https",
        ),
        (DISTRICT.replace("    - name:", "    - nom:"), ("logo.svg", SVG_LOGO), "foreword.signed[0].nom", "unknown"),
        ('name: "A: b: c"\n  bad: [', ("logo.svg", SVG_LOGO), "district", "invalid YAML"),
        (DISTRICT.replace("Our leaders", "x" * 7000), ("logo.svg", SVG_LOGO), "foreword.body", "characters"),
        (
            DISTRICT.replace("    Our leaders *grow* together.\n", "".join(f"    - item {i}\n" for i in range(150))),
            ("logo.svg", SVG_LOGO),
            "foreword.body",
            "pages",
        ),
        ("name: Ok\ncover_line: 'Ⴀ Georgian'\n", ("logo.svg", SVG_LOGO), "cover_line", "U+10A0"),
    ],
    ids=[
        "colour",
        "unknown-key",
        "no-name",
        "no-logo",
        "gif-logo",
        "svg-script",
        "png-named-svg",
        "http-website",
        "signer-key",
        "yaml-syntax",
        "foreword-chars",
        "foreword-pages",
        "unprintable",
    ],
)
def test_bad_input_names_the_field(studio, district, logo, field, words):
    problems = fields(post(studio, "/api/editions", district=district, logo=logo))
    assert field in problems, problems
    problem = problems[field]
    assert words in problem["message"] + " " + (problem["fix"] or "")
    assert "Traceback" not in str(problems) and ".studio-" not in str(problems)


def test_same_words_as_the_command_line(studio):
    """A field's message is the one `build.py district` prints for that key (the CLI prints the
    InputError that load_district raises)."""
    from portrait.errors import InputError
    from portrait.inputs.district import load_district

    bad = DISTRICT.replace('"#c0392b"', '"#c0392"').replace("https://", "http://")
    api = fields(post(studio, "/api/editions", district=bad))
    root = Path(studio.root)
    folder = root / "content" / "districts" / "cli-words"
    folder.mkdir()
    try:
        (folder / "district.yaml").write_text(bad + "logo: logo.svg\n", encoding="utf-8")
        (folder / "logo.svg").write_bytes(SVG_LOGO)
        with pytest.raises(InputError) as raised:
            load_district(Project.at(root), "cli-words")
    finally:
        shutil.rmtree(folder)
    cli = {p.key: (p.message, p.fix, p.line) for p in raised.value.problems}
    assert set(cli) == set(api) == {"colors.primary", "contact.website"}
    for key, (message, fix, line) in cli.items():
        assert (api[key]["message"], api[key]["fix"], api[key]["line"]) == (message, fix, line)


def test_other_bad_requests(studio):
    assert fields(post(studio, "/api/editions?variant=poster"))["variant"]
    assert fields(post(studio, "/api/editions", district="  "))["district"]
    assert fields(post(studio, "/api/editions", slug="Not A Slug"))["slug"]
    root = Path(studio.root)
    escape = fields(post(studio, "/api/editions", slug="../../escape"))["slug"]
    assert "not a valid district folder name" in escape["message"]
    assert not (root / "escape").exists() and not (root / "content" / "escape").exists()
    # A district.yaml whose logo key names district.yaml itself cannot overwrite it.
    logo_is_yaml = fields(post(studio, "/api/editions", district=DISTRICT + "logo: district.yaml\n"))["logo"]
    assert "not an SVG, PNG or JPEG file name" in logo_is_yaml["message"]


def test_too_large_is_413(studio):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024 + 10)
    response = post(studio, "/api/editions", logo=("logo.png", big))
    assert response.status_code == 413
    assert response.json()["problems"][0]["field"] == "logo"


def test_district_folder_builds_as_it_is(studio, tmp_path):
    from portrait.inputs.district import load_edition

    response = post(studio, "/api/district-folder", logo=("my logo.PNG", PNG_LOGO))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="pena-valle.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["district.yaml", "logo.png"]
    assert archive.read("logo.png") == PNG_LOGO
    root = tmp_path / "project"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    archive.extractall(root / "content" / "districts" / "pena-valle")
    edition = load_edition(Project.at(root), "pena-valle")
    assert edition.name == NAME and edition.foreword is not None

    # Opening it again gives the form its values back.
    opened = studio.post("/api/open", files={"folder": ("pena-valle.zip", response.content, "application/zip")})
    assert opened.status_code == 200
    values = opened.json()
    assert values["district"]["name"] == NAME
    assert values["district"]["foreword"]["signed"][0]["name"] == "María José Núñez"
    assert values["slug"] == "pena-valle" and values["problems"] == []
    assert base64.b64decode(values["logo"]["data"]) == PNG_LOGO and values["logo"]["type"] == "image/png"


def test_nothing_outlives_a_request(studio):
    root = Path(studio.root)
    # Every request's folder is made in this studio's scratch folder (by worker); only that one
    # is watched: other tests' studios make and remove theirs in the same /tmp at the same time.
    scratch = studio.engine.scratch

    def ours() -> list[Path]:
        return sorted(scratch.rglob("*"))

    before = sorted(root.rglob("*")), ours()
    assert post(studio, "/api/previews", logo=("logo.png", PNG_LOGO)).status_code == 200
    assert fields(post(studio, "/api/editions", district=DISTRICT.replace("#c0392b", "red")))
    folder = post(studio, "/api/district-folder")
    assert folder.status_code == 200
    for files in (
        {"folder": ("pena-valle.zip", folder.content, "application/zip")},
        {"folder": ("broken.zip", b"PK\x03\x04broken", "application/zip")},
        {"district": ("district.yaml", DISTRICT.encode()), "logo": ("logo.svg", SVG_LOGO)},
        {"district": ("district.yaml", b"name: [x\n")},
        {"district": ("district.yaml", b"name: " + b"[" * 3000 + b"]" * 3000 + b"\n")},
    ):
        assert studio.post("/api/open", files=files).status_code == 200
    # Nothing written into the project (not even output/), no temporary folder left behind.
    assert (sorted(root.rglob("*")), ours()) == before


def test_queue_full_is_429(studio):
    engine = studio.engine
    first: dict = {}
    thread = threading.Thread(target=lambda: first.setdefault("r", post(studio, "/api/editions")))
    thread.start()
    deadline = time.monotonic() + 30
    while engine.in_flight < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert engine.in_flight == 1
    refused = post(studio, "/api/previews")
    thread.join()
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert first["r"].status_code == 200


def test_timeout_is_503(studio):
    engine = studio.engine
    engine.timeout = 0.05
    try:
        response = post(studio, "/api/editions")
    finally:
        engine.timeout = 60.0
    assert response.status_code == 503
    assert "longer than" in response.json()["error"] and response.headers["retry-after"]
    assert post(studio, "/api/editions").status_code == 200  # the worker renders again afterwards


def test_unexpected_error_is_500_with_request_id(studio, monkeypatch, caplog):
    async def broken(job):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(studio.engine, "run", broken)
    with caplog.at_level(logging.ERROR, logger="portrait.studio"):
        response = post(studio, "/api/editions")
    assert response.status_code == 500
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert body["request_id"] == request_id
    assert "secret" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and "secret internal detail" in (logged[0].exc_text or str(logged[0].exc_info))


# Bounded work before parsing.


def _nested_svg(depth: int) -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        + b"<g>" * depth
        + b'<rect width="5" height="5"/>'
        + b"</g>" * depth
        + b"</svg>"
    )


@pytest.mark.parametrize("path", ["/api/editions", "/api/previews", "/api/district-folder"])
def test_a_deeply_nested_svg_is_a_422(studio, path):
    response = post(studio, path, logo=("logo.svg", _nested_svg(1000)))
    assert response.status_code == 422, response.text
    problem = response.json()["problems"][0]
    assert problem["field"] == "logo" and "levels deep" in problem["message"]


@pytest.mark.parametrize("path", ["/api/editions", "/api/open"])
def test_yaml_nested_too_deeply_is_a_422(studio, path):
    deep = "name: " + "[" * 3000 + "]" * 3000 + "\n"
    response = studio.post(path, files={"district": ("district.yaml", deep.encode()), "logo": ("logo.svg", SVG_LOGO)})
    problems = response.json()["problems"] if path == "/api/open" else fields(response).values()
    assert "nested too deeply" in str(problems)


def test_a_huge_district_text_is_refused_before_it_is_parsed(studio):
    huge = DISTRICT + "".join(f"k{i}: [{', '.join(['x'] * 40)}]\n" for i in range(36_000))
    assert 4_000_000 < len(huge) < 5_000_000
    start = time.monotonic()
    response = studio.post(
        "/api/editions",
        files={
            "district": ("district.yaml", huge.encode(), "application/yaml"),
            "logo": ("logo.svg", SVG_LOGO, "image/svg+xml"),
        },
    )
    assert response.status_code == 422
    assert "characters" in response.json()["problems"][0]["message"]
    assert time.monotonic() - start < 3
    assert studio.get("/healthz").status_code == 200


def _call(app, receive, path: str = "/api/editions", headers: list | None = None) -> list[dict]:
    """One request straight into the ASGI app, bounded by 10 s; the messages it sent back."""
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"5000")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }

    async def bounded() -> None:
        await asyncio.wait_for(app(scope, receive, send), 10)

    asyncio.run(bounded())
    return sent


def test_a_body_shorter_than_its_length_is_a_408(studio):
    chunks = [{"type": "http.request", "body": b"--x\r\n", "more_body": True}]

    async def receive() -> dict:
        if chunks:
            return chunks.pop()
        await asyncio.sleep(3600)  # the rest never comes
        return {"type": "http.disconnect"}

    start = time.monotonic()
    sent = _call(studio.app_, receive)
    assert sent[0]["status"] == 408
    assert time.monotonic() - start < 5


def test_a_client_that_leaves_is_logged_at_info_without_a_traceback(studio, caplog):
    async def receive() -> dict:
        return {"type": "http.disconnect"}

    with caplog.at_level(logging.INFO, logger="portrait.studio"):
        sent = _call(studio.app_, receive)
    assert not [m for m in sent if m["type"] == "http.response.start" and m["status"] >= 500]
    mine = [r for r in caplog.records if r.name == "portrait.studio"]
    assert [r for r in mine if "disconnected" in r.getMessage() and r.levelno == logging.INFO]
    assert not [r for r in mine if r.levelno >= logging.ERROR or r.exc_info]


def test_a_district_file_that_is_not_utf8_names_the_encoding(studio):
    latin1 = DISTRICT.encode("latin-1", "replace")
    response = studio.post(
        "/api/editions",
        files={
            "district": ("district.yaml", latin1, "application/yaml"),
            "logo": ("logo.svg", SVG_LOGO, "image/svg+xml"),
        },
    )
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["field"] == "district"
    assert "not UTF-8" in problem["message"] and "district.yaml" in problem["message"]
    assert "UTF-8" in problem["fix"] and "U+FFFD" not in response.text
    opened = studio.post("/api/open", files={"district": ("district.yaml", latin1, "application/yaml")})
    assert "UTF-8" in str(opened.json()["problems"])


def test_a_timeout_replaced_by_another_exception_is_still_a_timeout(monkeypatch):
    """C code running when the alarm fires may replace its exception with one of its own (numpy
    turned it into a TypeError, and the studio answered 500): the render still timed out (503)."""
    import time

    from portrait.studio import engine

    def swallows_the_alarm(root, job):
        try:
            time.sleep(5)
        except BaseException:
            raise TypeError("Cannot compare structured arrays unless they have a common dtype") from None

    monkeypatch.setattr(engine, "_do", swallows_the_alarm)
    answer = engine._work("unused", engine.Job(action="pdf", variant="screen", district="", logo=None), 0.05)
    assert answer.timed_out and "longer than" in (answer.error or "")


def test_previews_warn_of_a_foreword_in_another_language_than_its_tag(studio):
    # A test text (no district wrote it); untagged, so announced as English: the same notice as
    # `check` and `district` give (portrait.inputs.language).
    spanish = (
        "Nos alegra compartir este retrato con todas nuestras escuelas. Cada directora y cada maestro "
        "trabaja cada día para que los estudiantes aprendan con confianza, con curiosidad y con alegría."
    )
    response = post(studio, "/api/previews", district=DISTRICT.replace("Our leaders *grow* together.", spanish))
    assert response.status_code == 200, response.text
    (notice,) = [n for n in response.json()["notices"] if " reads as " in n]
    assert notice.startswith("district.yaml: foreword.body reads as Spanish (es, confidence")
    assert "set `foreword.lang: es`" in notice


def test_conformance_ua2_makes_a_pdf_ua_2_edition(studio):
    from _ua2 import assert_ua2

    response = post(studio, "/api/editions", conformance="ua2")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="portrait-of-a-leader-pena-valle.pdf"'
    assert_ua2(response.content)
    default = post(studio, "/api/editions")
    assert PdfReader(io.BytesIO(default.content)).pdf_header == "%PDF-1.7"
    problem = fields(post(studio, "/api/editions", conformance="ua3"))["conformance"]
    assert "ua3" in problem["message"] and "conformance=ua1 or conformance=ua2" in problem["fix"]
