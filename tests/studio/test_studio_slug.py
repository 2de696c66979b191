"""Continue editing keeps the folder name: a zip the studio made (or a district folder zipped
whole) opens with its slug, not one made again from the district's name."""

from __future__ import annotations

import io
import zipfile

from _project import REPO

from portrait.project import Project
from portrait.studio.engine import _zip, open_folder

CEDAR = REPO / "content" / "districts" / "example-cedar-ridge"


def test_a_studio_zip_opens_with_its_slug():
    text = (CEDAR / "district.yaml").read_text()
    folder = _zip(text, "logo.svg", (CEDAR / "logo.svg").read_bytes(), "pena-valle")
    opened = open_folder(Project.at(REPO), folder=folder, district=None, logo=None)
    assert opened["slug"] == "pena-valle"
    assert opened["logo"]["filename"] == "logo.svg" and not opened["problems"]
    # Unpacked, the zip is still a district folder: district.yaml and the logo at its top.
    assert sorted(zipfile.ZipFile(io.BytesIO(folder)).namelist()) == ["district.yaml", "logo.svg"]


def test_a_folder_zipped_whole_opens_with_the_folder_name():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(CEDAR / "district.yaml", "cedar-north/district.yaml")
        archive.write(CEDAR / "logo.svg", "cedar-north/logo.svg")
    opened = open_folder(Project.at(REPO), folder=buffer.getvalue(), district=None, logo=None)
    assert opened["slug"] == "cedar-north"


def test_a_zip_without_a_valid_slug_gets_one_from_the_name():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.comment = b"portrait-district-slug: Not A Slug!"
        archive.write(CEDAR / "district.yaml", "district.yaml")
        archive.write(CEDAR / "logo.svg", "logo.svg")
    opened = open_folder(Project.at(REPO), folder=buffer.getvalue(), district=None, logo=None)
    assert opened["slug"] == "example-cedar-ridge-usd"
