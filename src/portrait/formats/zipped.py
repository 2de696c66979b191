"""Reproducible zip files (the EPUB's OCF container, the web edition's zip), written by hand.

zipfile would do, but it compresses every entry again for every edition: hundreds of district
editions share all but a few of their entries. Here each entry's deflated bytes are kept (by
name and content) and reused, and the archive is laid out as zipfile would: local headers,
data, central directory, no extra fields, every entry dated ``built``, Unix permissions 0644.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import UTC, datetime

STORED, DEFLATED = 0, 8
_KEPT: dict[tuple[str, bytes, bool], tuple[bytes, int]] = {}  # (name, sha1, stored) → (payload, crc)
_KEPT_MAX = 4096


def _payload(name: str, data: bytes, stored: bool) -> tuple[bytes, int]:
    key = (name, hashlib.sha1(data, usedforsecurity=False).digest(), stored)
    kept = _KEPT.get(key)
    if kept is None:
        if stored:
            payload = data
        else:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload = compressor.compress(data) + compressor.flush()
        kept = (payload, zlib.crc32(data))
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        _KEPT[key] = kept
    return kept


def dos_time(built: datetime) -> tuple[int, int]:
    t = built.astimezone(UTC)
    year = max(t.year, 1980)
    return (t.hour << 11) | (t.minute << 5) | (t.second // 2), ((year - 1980) << 9) | (t.month << 5) | t.day


def zip_bytes(entries: list[tuple[str, bytes, bool]], built: datetime) -> bytes:
    """A zip of ``entries`` (name, data, stored?) in the order given, each dated ``built``."""
    time_, date = dos_time(built)
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data, stored in entries:
        raw_name = name.encode("utf-8")
        payload, crc = _payload(name, data, stored)
        method = STORED if stored else DEFLATED
        flags = 0x800 if not raw_name.isascii() else 0
        header = struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, flags, method, time_, date, crc, len(payload), len(data), len(raw_name), 0
        )
        local += [header, raw_name, payload]
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                (3 << 8) | 20,  # made by Unix, version 2.0
                20,
                flags,
                method,
                time_,
                date,
                crc,
                len(payload),
                len(data),
                len(raw_name),
                0,
                0,
                0,
                0,
                0o100644 << 16,
                offset,
            )
            + raw_name
        )
        offset += len(header) + len(raw_name) + len(payload)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(local) + directory + end
