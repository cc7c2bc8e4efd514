"""OFX statements (version 1 SGML and version 2 XML), read with ofxtools: one line per STMTTRN."""
from __future__ import annotations

import io
import re
from datetime import date

from ofxtools.header import OFXHeaderError
from ofxtools.models.base import Aggregate
from ofxtools.Parser import OFXTree, ParseError

from provider.bank.parse import BadFile, StatementLine, amount_pence, bounded_line

TRANSACTION = re.compile(rb"<STMTTRN>", re.IGNORECASE)


def _line_of(data: bytes, start: int, tag: bytes) -> int:
    """The line number of `tag` at or after `start` (or of `start` itself when the tag is not there)."""
    found = data.find(b"<" + tag + b">", start)
    return data.count(b"\n", 0, start if found < 0 else found) + 1


def parse_ofx(data: bytes) -> list[StatementLine]:
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(data))
    except (OFXHeaderError, ParseError, ValueError) as exc:
        raise BadFile(f"the OFX file cannot be read ({str(exc).splitlines()[0]})") from None
    currency = (tree.findtext(".//CURDEF") or "GBP").strip()
    if currency != "GBP":
        raise BadFile(f"the statement is in {currency}: Lantern holds pounds only")
    starts = [m.start() for m in TRANSACTION.finditer(data)]
    lines = []
    for n, element in enumerate(tree.findall(".//STMTTRN")):
        start = starts[n] if n < len(starts) else 0
        lines.append(_transaction(element, data, start, n + 1))
    return lines


def _transaction(element, data: bytes, start: int, n: int) -> StatementLine:
    posted = (element.findtext("DTPOSTED") or "").strip()
    if not re.match(r"\d{8}", posted):
        raise BadFile(f"transaction {n} has DTPOSTED {posted!r}, not a date written YYYYMMDD",
                      _line_of(data, start, b"DTPOSTED"))
    try:
        # The day as the bank wrote it: converting 00:00 British Summer Time to UTC would move it back a day.
        booked_on = date(int(posted[:4]), int(posted[4:6]), int(posted[6:8]))
    except ValueError:
        raise BadFile(f"transaction {n} has DTPOSTED {posted!r}, not a real date",
                      _line_of(data, start, b"DTPOSTED")) from None
    try:
        pence = amount_pence(element.findtext("TRNAMT") or "")
    except ValueError as exc:
        raise BadFile(f"transaction {n} has a bad amount (TRNAMT): {exc}", _line_of(data, start, b"TRNAMT")) from None
    if not (element.findtext("FITID") or "").strip():
        raise BadFile(f"transaction {n} has no FITID (the bank's id for it)", _line_of(data, start, b"STMTTRN"))
    try:
        parsed = Aggregate.from_etree(element)
    except Exception as exc:  # ofxtools raises many kinds; each means the transaction breaks the OFX rules
        raise BadFile(f"transaction {n} is not valid OFX ({type(exc).__name__}: {exc})",
                      _line_of(data, start, b"STMTTRN")) from None
    name = parsed.name or (parsed.payee.name if parsed.payee is not None else "") or ""
    reference = parsed.memo or parsed.refnum or parsed.checknum or ""
    try:
        return bounded_line(StatementLine(booked_on, pence, reference.strip(), name.strip() or parsed.trntype,
                                          parsed.fitid.strip()))
    except ValueError as exc:
        raise BadFile(f"transaction {n}: {exc}", _line_of(data, start, b"STMTTRN")) from None
