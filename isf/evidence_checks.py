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
MOST_STREAMS = 20_000                  # far more than a scanned receipt has; bounds the time a check takes
MOST_SPELLED_NAMES = 10_000

_DELIMITER = rb"\s()<>\[\]{}/%"
_ACTIVE = re.compile(rb"/(" + b"|".join(sorted(ACTIVE_NAMES, key=len, reverse=True)) + rb")(?=[" + _DELIMITER + rb"]|\Z)")
_SPELLED = re.compile(rb"/[^" + _DELIMITER + rb"#]{0,126}#[^" + _DELIMITER + rb"]{0,126}")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")


def refusal(content_type: str, content: bytes) -> str | None:
    """Why this upload is refused, in words that follow the field's name, or None."""
    lower = content.lower()
    marker = next((m for m in HTML_MARKERS if m in lower), None)
    if marker:
        return (f"holds a web page ({marker.decode('ascii')}…) as well as a {_kind(content_type)}: upload the "
                "receipt as a plain scan or photo")
    if content_type == "application/pdf":
        return _pdf_refusal(content)
    return None


def _kind(content_type: str) -> str:
    return content_type.split("/")[-1].upper()


def _pdf_refusal(content: bytes) -> str | None:
    found = _active_name(content)
    unpacked, at, streams = 0, 0, 0
    while start := _STREAM.search(content, at):
        end = content.find(b"endstream", start.end())
        if end < 0:
            break
        dictionary, at = _dictionary(content, at, start.start()), end + len(b"endstream")
        streams += 1
        if streams > MOST_STREAMS:
            return f"has more than {MOST_STREAMS:,} parts, more than Lantern checks: print it to PDF again, or scan it"
        packs_objects = b"/ObjStm" in dictionary
        if not packs_objects and (b"/Image" in dictionary or b"Fl" not in dictionary):
            continue                       # a picture's pixels, or bytes not compressed: nothing more to read
        stream = zlib.decompressobj()
        try:
            data = stream.decompress(content[start.end():end], UNPACKED_MAX_BYTES - unpacked + 1)
        except zlib.error:
            if packs_objects:
                return "packs objects in a way Lantern cannot check: print it to PDF again, or scan it"
            continue                       # not compressed by zlib: its raw bytes were read above
        unpacked += len(data)
        if unpacked > UNPACKED_MAX_BYTES:
            return "unpacks to more than 64 MB inside: print it to PDF again, or scan it, and upload that"
        found = found or _active_name(data)
    if found:
        return f"is a PDF holding {found}, which Lantern does not accept: print it to PDF again, or scan it"
    return None


def _dictionary(content: bytes, after: int, at: int) -> bytes:
    """The stream's dictionary: what lies between its object's `obj` and the word `stream`, looked for no further
    back than the end of the stream before, so that each byte is read once."""
    floor = max(after, at - 4096)
    begin = content.rfind(b"obj", floor, at)
    return b"".join(_spelled_out(content[begin if begin >= 0 else floor:at]) or [])


def _spelled_out(data: bytes) -> list[bytes] | None:
    """The data, and each name in it that spells a character as # and two hex digits (`/J#53` is `/JS`) written
    plainly; None when there are more such names than any genuine PDF has."""
    if b"#" not in data:
        return [data]
    spelled = [m.group() for m, _ in zip(_SPELLED.finditer(data), range(MOST_SPELLED_NAMES + 1))]
    if len(spelled) > MOST_SPELLED_NAMES:
        return None
    return [data, *(_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), name) + b" " for name in spelled)]


def _active_name(data: bytes) -> str | None:
    parts = _spelled_out(data)
    if parts is None:
        return f"more than {MOST_SPELLED_NAMES:,} names spelled in code"
    for part in parts:
        found = _ACTIVE.search(part)
        if found:
            return ACTIVE_NAMES[found.group(1)]
    return None
