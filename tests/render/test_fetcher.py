"""ProjectFetcher: WeasyPrint reads files from the project's folders and nothing else."""

import os

import pytest

from portrait.errors import UnsafeResourceError
from portrait.render.fetcher import ProjectFetcher, RefusedResource
from portrait.render.layout import render_document


def test_serves_a_file_inside_the_roots(project):
    fetcher = ProjectFetcher(project.readable_roots)
    response = fetcher.fetch((project.assets / "brand.yaml").as_uri())
    assert b"colors:" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/logo.png",
        "http://127.0.0.1:9/x.css",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "file://remote-host/share/x.png",
    ],
)
def test_refuses_the_network_and_files_outside(project, url):
    with pytest.raises(RefusedResource):
        ProjectFetcher(project.readable_roots).fetch(url)


def test_refuses_dot_dot_escapes(project):
    url = (project.assets / ".." / ".." / "etc" / "passwd").as_uri()
    with pytest.raises(RefusedResource, match="outside the project"):
        ProjectFetcher(project.readable_roots).fetch(url)


def test_refuses_a_symlink_that_leads_out(tmp_project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    os.symlink(secret, tmp_project.assets / "innocent.png")
    with pytest.raises(RefusedResource, match="outside the project"):
        ProjectFetcher(tmp_project.readable_roots).fetch((tmp_project.assets / "innocent.png").as_uri())


@pytest.mark.parametrize(
    "snippet",
    [
        '<img src="https://example.org/tracker.png">',
        '<link rel="stylesheet" href="file:///etc/hosts">',
        '<div style="background: url(http://127.0.0.1:9/x.png)">x</div>',
    ],
)
def test_rendering_stops_with_a_clear_error_on_an_outside_resource(project, snippet):
    html = f"<html><body>{snippet}</body></html>"
    with pytest.raises(UnsafeResourceError, match="refused to"):
        render_document(html, project.templates, project.readable_roots)


def test_data_urls_are_served_without_reading_anything(project):
    response = ProjectFetcher(project.readable_roots).fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert response.read() == b"<svg/>" and response.content_type == "image/svg+xml"


def test_malformed_data_urls_are_refused(project):
    with pytest.raises(RefusedResource, match="malformed data: URL"):
        ProjectFetcher(project.readable_roots).fetch("data:image/png;base64,@@@")


# Each step of the fetcher, so that no part of it can change unnoticed (make mutation).


def test_a_served_file_keeps_its_url_type_and_is_recorded(project):
    fetcher = ProjectFetcher(project.readable_roots)
    path = (project.assets / "portraits" / "portrait-1.svg").resolve()
    response = fetcher.fetch(path.as_uri())
    assert response.url == path.as_uri() and response.content_type == "image/svg+xml"
    assert fetcher.fetched == [path]
    css = fetcher.fetch((project.templates / "styles" / "base.css").as_uri())
    assert css.content_type == "text/css"


def test_a_file_of_unknown_type_is_served_as_bytes(tmp_project):
    (tmp_project.assets / "blob.unknownext").write_bytes(b"\x00\x01")
    response = ProjectFetcher(tmp_project.readable_roots).fetch((tmp_project.assets / "blob.unknownext").as_uri())
    assert response.content_type == "application/octet-stream" and response.read() == b"\x00\x01"
    # one header, as sent: the bare MIME type
    assert list(response.headers.items()) == [("Content-Type", "application/octet-stream")]


def test_localhost_file_urls_are_local_files(project):
    path = (project.assets / "brand.yaml").resolve()
    response = ProjectFetcher(project.readable_roots).fetch(f"file://localhost{path}")
    assert b"colors:" in response.read()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://example.org/a.png",
            "refused to fetch 'https://example.org/a.png': only files inside the project are read",
        ),
        ("file://fileserver/share/a.png", "refused to fetch 'file://fileserver/share/a.png': remote file URL"),
    ],
)
def test_refusals_say_what_and_why(project, url, message):
    with pytest.raises(RefusedResource) as caught:
        ProjectFetcher(project.readable_roots).fetch(url)
    assert caught.value.args == (message,)


def test_a_file_outside_names_the_allowed_folders(project):
    roots = tuple(p.resolve() for p in project.readable_roots)
    with pytest.raises(RefusedResource) as caught:
        ProjectFetcher(project.readable_roots).fetch("file:///etc/hostname")
    assert caught.value.args == (
        f"refused to read /etc/hostname: outside the project's folders ({', '.join(str(r) for r in roots)})",
    )


def test_a_missing_or_unreadable_file_is_named(tmp_project, monkeypatch):
    fetcher = ProjectFetcher(tmp_project.readable_roots)
    missing = (tmp_project.assets / "nope.png").resolve()
    with pytest.raises(RefusedResource) as caught:
        fetcher.fetch(missing.as_uri())
    assert caught.value.args == (f"file not found: {missing}",)
    path = (tmp_project.assets / "brand.yaml").resolve()

    def unreadable(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", unreadable)
    with pytest.raises(RefusedResource) as caught:
        fetcher.fetch(path.as_uri())
    assert caught.value.args == (f"cannot read {path}: Permission denied",)
    assert fetcher.fetched == []


@pytest.mark.parametrize(
    ("url", "body", "content_type"),
    [
        ("data:text/plain,a%20b,c", b"a b,c", "text/plain"),  # the payload may hold commas
        ("data:,hello", b"hello", "text/plain"),  # no type: plain text
        ("data:image/svg+xml;base64,PHN2Zy8+", b"<svg/>", "image/svg+xml"),
        ("data:text/plain;charset=utf-8,%C3%A9", "é".encode(), "text/plain"),
    ],
)
def test_data_urls_are_decoded(project, url, body, content_type):
    response = ProjectFetcher(project.readable_roots).fetch(url)
    assert (response.url, response.read(), response.content_type) == (url, body, content_type)
    assert list(response.headers.items()) == [("Content-Type", content_type)]  # without parameters


@pytest.mark.parametrize("url", ["data:image/png;base64,@@@" + "A" * 40, "data:text/plain" + "x" * 60])
def test_malformed_data_urls_are_quoted_in_the_refusal(project, url):
    with pytest.raises(RefusedResource) as caught:
        ProjectFetcher(project.readable_roots).fetch(url)
    assert caught.value.args == (f"malformed data: URL ({url[:40]}...)",)


def test_the_parent_fetcher_would_read_files_only(project):
    """WeasyPrint's own URLFetcher.fetch is never used (ours replaces it), but were it reached,
    the fetcher is configured to allow the file: protocol alone."""
    from weasyprint.urls import URLFetcher

    fetcher = ProjectFetcher(project.readable_roots)
    with pytest.raises(ValueError, match="disallowed protocol"):
        URLFetcher.fetch(fetcher, "https://example.org/x.png")
    response = URLFetcher.fetch(fetcher, (project.assets / "brand.yaml").as_uri())
    assert b"colors:" in response.read()


def test_an_unexpected_error_in_the_fetcher_stops_rendering(project, monkeypatch):
    """fail_on_errors: any error while fetching stops the build instead of leaving out an image."""

    def broken(self, url, headers=None):
        raise ValueError("a bug in the fetcher")

    monkeypatch.setattr(ProjectFetcher, "fetch", broken)
    html = '<html><body><img src="../assets/portraits/portrait-1.svg" alt="x"></body></html>'
    with pytest.raises(UnsafeResourceError, match="Error fetching"):
        render_document(html, project.templates, project.readable_roots)


def test_a_build_error_carries_the_refusal_text():
    from weasyprint.urls import FatalURLFetchingError

    from portrait.render.fetcher import as_build_error

    assert str(as_build_error(FatalURLFetchingError("refused to read /x", "detail"))) == "refused to read /x"
    assert str(as_build_error(FatalURLFetchingError())) == ""
