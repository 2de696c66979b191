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
