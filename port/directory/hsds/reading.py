"""Bytes to text for every directory reader: UTF-8 (with or without a byte-order mark) or UTF-16 with one;
anything else, an empty file, or a workbook sent as text, is refused with a reason."""

from __future__ import annotations

import codecs


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why, in words a person can act on."""


def decode(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise FileRefused(f"{name}: the file is empty.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileRefused(f"{name}: the file starts like UTF-16 text but is damaged.") from exc
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(f"{name}: this is a workbook or a zip file, not text.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileRefused(
            f"{name}: the file is not UTF-8 text (unreadable bytes on line {line}). "
            "Save it again as UTF-8 (in Excel: CSV UTF-8)."
        ) from exc
