"""ISO 20022 camt.053 bank-to-customer statements (any version of the schema): one line per booked entry (Ntry).

Money in is CRDT, money out DBIT; the day is BookgDt; the bank's id for the entry is AcctSvcrRef, else NtryRef;
the payer's reference is the unstructured remittance information (RmtInf/Ustrd), else a structured creditor
reference, else the end-to-end id.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from provider.bank.parse import BadFile, StatementLine, UnknownLayout, bounded_line, decimal_pence

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053."


def _line_of(data: bytes, start: int, tag: str) -> int:
    found = re.compile(rb"<(?:[\w.-]+:)?" + tag.encode() + rb"[\s>/]").search(data, start)
    return data.count(b"\n", 0, found.start() if found else start) + 1


def parse_camt053(data: bytes) -> list[StatementLine]:
    try:   # the parser reads the file's own encoding first, so a DOCTYPE is found whatever the encoding
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:   # a DOCTYPE, and so any entity: refused before anything is expanded
        raise BadFile("the XML file declares a DOCTYPE, which a camt.053 statement never does") from None
    except ParseError as exc:
        raise BadFile(f"the XML cannot be read ({exc})", exc.position[0]) from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if not ns.startswith(NAMESPACE):
        raise UnknownLayout(f"This XML file is not an ISO 20022 camt.053 statement: expected the namespace "
                            f"{NAMESPACE}001.xx, found {ns or 'none'}.")
    q = lambda path: "/".join(f"{{{ns}}}{part}" for part in path.split("/"))  # noqa: E731
    starts = [m.start() for m in re.finditer(rb"<(?:[\w.-]+:)?Ntry[\s>]", data)]
    lines = []
    for n, entry in enumerate(root.iter(q("Ntry"))):
        line = _Entry(entry, q, data, starts[n] if n < len(starts) else 0, n + 1).read()
        if line is not None:
            lines.append(line)
    return lines


class _Entry:
    def __init__(self, entry, q, data: bytes, start: int, n: int):
        self.entry, self.q, self.data, self.start, self.n = entry, q, data, start, n

    def text(self, path: str) -> str:
        return (self.entry.findtext(self.q(path)) or "").strip()

    def texts(self, path: str) -> list[str]:
        return [e.text.strip() for e in self.entry.iterfind(".//" + self.q(path)) if e.text and e.text.strip()]

    def bad(self, problem: str, tag: str) -> BadFile:
        return BadFile(f"entry {self.n} {problem}", _line_of(self.data, self.start, tag))

    def read(self) -> StatementLine | None:
        status = self.text("Sts") or self.text("Sts/Cd")
        if status and status != "BOOK":
            return None   # pending or for information only: it comes again, booked, on a later statement
        amount = self.entry.find(self.q("Amt"))
        if amount is None or not (amount.text or "").strip():
            raise self.bad("has no amount (Amt)", "Ntry")
        if amount.get("Ccy", "GBP") != "GBP":
            raise self.bad(f"is in {amount.get('Ccy')}: Lantern holds pounds only", "Amt")
        try:
            pence = decimal_pence(Decimal(amount.text.strip()), amount.text.strip())
        except ValueError as exc:
            raise self.bad(f"has a bad amount (Amt): {exc}", "Amt") from None
        if pence < 0:
            raise self.bad("has a negative amount (Amt): camt.053 gives the direction in CdtDbtInd", "Amt")
        direction = self.text("CdtDbtInd")
        if direction not in ("CRDT", "DBIT"):
            raise self.bad(f"has CdtDbtInd {direction!r}, neither CRDT (money in) nor DBIT (money out)",
                           "CdtDbtInd" if direction else "Ntry")
        line = StatementLine(self.booked_on(), pence if direction == "CRDT" else -pence, self.reference(),
                             self.description(direction), self.text("AcctSvcrRef") or self.text("NtryRef") or None)
        try:
            return bounded_line(line)
        except ValueError as exc:
            raise self.bad(f"is refused: {exc}", "Ntry") from None

    def booked_on(self) -> date:
        shown = self.text("BookgDt/Dt") or self.text("BookgDt/DtTm")[:10]
        if not shown:
            raise self.bad("has no booking date (BookgDt)", "Ntry")
        try:
            return date.fromisoformat(shown)
        except ValueError:
            raise self.bad(f"has the booking date {shown!r}, not a date written YYYY-MM-DD", "BookgDt") from None

    def reference(self) -> str:
        found = self.texts("RmtInf/Ustrd") or self.texts("CdtrRefInf/Ref") or \
            [r for r in self.texts("Refs/EndToEndId") if r.upper() != "NOTPROVIDED"]
        return " ".join(found)

    def description(self, direction: str) -> str:
        party = "Dbtr" if direction == "CRDT" else "Cdtr"
        names = self.texts(f"RltdPties/{party}/Nm") or self.texts(f"RltdPties/{party}/Pty/Nm")
        return " ".join([*names, *self.texts("AddtlTxInf"), self.text("AddtlNtryInf")]).strip()
