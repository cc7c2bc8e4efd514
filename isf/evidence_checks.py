"""What an uploaded receipt must not hold: a PDF that runs JavaScript, launches a program or carries other files
inside it, and a polyglot (a PDF or an image whose bytes are also a web page a browser could be tricked into
running). Each check reads the bytes in one pass; the PDF's compressed object streams are unpacked, within a bound,
because that is where such an action hides."""
from __future__ import annotations

import re
import zlib

# PDF names that run something or carry files, matched whole: `/JS` but not `/JSON`.
ACTIVE_NAMES = {b"JS": "JavaScript", b"JavaScript": "JavaScript", b"Launch": "an action that launches a program",
                b"EmbeddedFile": "a file embedded in it", b"EmbeddedFiles": "files embedded in it"}
# What makes bytes a web page to a browser that sniffs; never XMP's `<?xml`, which genuine scans carry.
HTML_MARKERS = (b"<html", b"<head", b"<body", b"<script", b"<svg", b"<!doctype", b"<iframe", b"<object", b"<embed")
UNPACKED_MAX_BYTES = 64 * 1024 * 1024

_NAME = re.compile(rb"/([^\s()<>\[\]{}/%]{1,127})")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_MARKERS = re.compile(b"|".join(re.escape(m) for m in HTML_MARKERS), re.IGNORECASE)


def refusal(content_type: str, content: bytes) -> str | None:
    """Why this upload is refused, in words that follow the field's name, or None."""
    marker = _MARKERS.search(content)
    if marker:
        return (f"holds a web page ({marker.group().decode('ascii').lower()}…) as well as a "
                f"{_kind(content_type)}: upload the receipt as a plain scan or photo")
    if content_type == "application/pdf":
        return _pdf_refusal(content)
    return None


def _kind(content_type: str) -> str:
    return content_type.split("/")[-1].upper()


def _pdf_refusal(content: bytes) -> str | None:
    found = _active_name(content)
    unpacked = 0
    for start in _STREAM.finditer(content):
        end = content.find(b"endstream", start.end())
        if end < 0:
            break
        if b"/Image" in _dictionary_before(content, start.start()):
            continue                       # a picture's pixels are never read as objects
        stream = zlib.decompressobj()
        try:
            data = stream.decompress(content[start.end():end], UNPACKED_MAX_BYTES - unpacked + 1)
        except zlib.error:
            continue                       # not compressed, or not by zlib: its raw bytes were read above
        unpacked += len(data)
        if unpacked > UNPACKED_MAX_BYTES:
            return "unpacks to more than 64 MB inside: print it to PDF again, or scan it, and upload that"
        found = found or _active_name(data)
    if found:
        return f"is a PDF holding {found}, which Lantern does not accept: print it to PDF again, or scan it"
    return None


def _dictionary_before(content: bytes, at: int) -> bytes:
    """The stream's dictionary: what lies between its object's `obj` and the word `stream`."""
    begin = content.rfind(b"obj", max(0, at - 4096), at)
    return _decoded_names(content[begin if begin >= 0 else max(0, at - 4096):at])


def _decoded_names(data: bytes) -> bytes:
    """`/J#53` is `/JS`: a name may spell any of its characters as # and two hex digits."""
    if b"#" not in data:
        return data
    return _NAME.sub(lambda m: b"/" + _ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), m.group(1)), data)


def _active_name(data: bytes) -> str | None:
    for match in _NAME.finditer(_decoded_names(data)):
        what = ACTIVE_NAMES.get(match.group(1))
        if what:
            return what
    return None
