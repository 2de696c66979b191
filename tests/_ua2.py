"""What makes a file a PDF/UA-2 screen edition here, read with pikepdf (not with the preflight's
own facts reader): shared by tests/finish/test_ua2.py and the studio's API tests."""

from __future__ import annotations

import io
import re

import pikepdf


def ua2_properties(data: bytes) -> dict[str, object]:
    """What makes a file PDF/UA-2 here, read with pikepdf (not with our own facts reader)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        part = re.search(r"pdfuaid:part(?:>|=\")(\d+)", xmp)
        rev = re.search(r"pdfuaid:rev(?:>|=\")(\d+)", xmp)
        links = [a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.get("/Subtype") == "/Link"]
        internal = [a for a in links if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
        items = []
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                items.append(item.obj)
                stack.extend(item.children)

        def structure(obj: pikepdf.Dictionary) -> bool:
            sd = obj.get("/A", {}).get("/SD")
            return sd is not None and sd[0].get("/Type") == "/StructElem"

        return {
            "version": pdf.pdf_version,
            "part": part.group(1) if part else None,
            "rev": rev.group(1) if rev else None,
            "namespaces": "/Namespaces" in pdf.Root.StructTreeRoot,
            "internal links": len(internal),
            "links without /SD": sum(not structure(a) for a in internal),
            "bookmarks": len(items),
            "bookmarks without /SD": sum(not structure(o) for o in items),
        }


def assert_ua2(data: bytes) -> None:
    found = ua2_properties(data)
    assert found["version"] == "2.0" and found["part"] == "2" and found["rev"] == "2024", found
    assert found["namespaces"], found
    assert found["internal links"] and found["bookmarks"], found
    assert found["links without /SD"] == 0 and found["bookmarks without /SD"] == 0, found
