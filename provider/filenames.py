"""File names made from people's names: a slug that keeps letters and digits in any script and nothing that can
name another folder (no `/`, `\\`, `..`, NUL), and a check that a file written into a folder stays inside it."""
from __future__ import annotations

import unicodedata
from pathlib import Path

SLUG_MAX = 60


def slug(text: str, fallback: str = "unnamed") -> str:
    """`Amira Haddad` -> `amira-haddad`, `José O’Brien` -> `josé-o-brien`, `ليلى` -> `ليلى`; every run of anything
    but a letter or a digit becomes one hyphen, so dots, slashes and control characters never survive."""
    kept = []
    for char in unicodedata.normalize("NFC", text or "").lower():
        kept.append(char if unicodedata.category(char)[0] in "LN" else "-")
    words = [word for word in "".join(kept).split("-") if word]
    return "-".join(words)[:SLUG_MAX].strip("-") or fallback


def inside(folder: Path, name: str) -> Path:
    """The path of `name` directly inside `folder`, refused (ValueError) if it would lead anywhere else or is a
    link already there (writing through it would write wherever it points)."""
    if not name or name in (".", "..") or any(bad in name for bad in ("/", "\\", "\0")):
        raise ValueError(f"{name!r} is not a plain file name")
    target = Path(folder) / name
    if target.is_symlink():
        raise ValueError(f"{target} is a link: Lantern does not write through links")
    if target.resolve().parent != Path(folder).resolve():
        raise ValueError(f"{target} is outside {folder}")
    return target
