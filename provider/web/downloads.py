"""Every download's response: RFC 6266 Content-Disposition naming the file twice, in UTF-8 by RFC 5987
(`filename*=UTF-8''…`, which browsers prefer) and as a quoted ASCII fallback, so that no name (an en dash, Chinese,
a quote, a slash) can break the header or make a 500."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from starlette.responses import Response

# Look-alikes the ASCII fallback can keep readable; anything else outside printable ASCII becomes "_".
_ASCII_LOOKALIKES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": "_", "”": "_", "–": "-", "—": "-",
                                   "‐": "-", "‑": "-", "…": "_", "\u00a0": " "})
_FALLBACK_REFUSED = set('"\\%/')         # would end the quoted string, escape, be percent-decoded, or name a folder


def _visible(name: str) -> str:
    """The name without control or format characters (NUL, newlines, right-to-left overrides) or folders."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    return name.replace("/", "_").replace("\\", "_").strip().strip(".") or "download"


def ascii_fallback(name: str) -> str:
    """`receipt–taxi.pdf` -> `receipt-taxi.pdf`, `Café "Bleu".pdf` -> `Cafe _Bleu_.pdf`, `領収書.pdf` ->
    `download.pdf`."""
    plain = unicodedata.normalize("NFKD", _visible(name).translate(_ASCII_LOOKALIKES))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = "".join(c if " " <= c <= "~" and c not in _FALLBACK_REFUSED else "_" for c in plain)
    stem, dot, extension = plain.rpartition(".")
    if not dot:
        stem, extension = plain, ""
    if not any(c.isalnum() for c in stem):
        stem = "download"
    return f"{stem}.{extension}" if dot else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    name = _visible(filename)
    return (f'{"inline" if inline else "attachment"}; filename="{ascii_fallback(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def download(content: bytes | str, media_type: str, filename: str, *, inline: bool = False) -> Response:
    """A file to save (or, `inline`, one Lantern made itself to show in the browser), under its safe name."""
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": content_disposition(filename, inline=inline),
                             "X-Content-Type-Options": "nosniff"})
