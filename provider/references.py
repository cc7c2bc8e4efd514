"""Every kind of reference between records, parsed and formatted here and nowhere else.

Links between records are stored as text ("funder:<id>:<department>", "block:<id>", "charge:<id>", ...): in charge
parts, invoices, payments, ledger entries, documents and sent mail. The text is kept exactly as it always was;
this module is the one place that glues it together and takes it apart.

Parsing is strict: a known kind, ids that are UUIDs, nothing extra, no more than `MAX_LENGTH` characters. It takes
time linear in the length of the text (one bounded regular expression without backtracking over ids), and refuses
anything else with a ValueError that says what was wrong.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

MAX_LENGTH = 200
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# --- payers: who owes the money for a part of a charge -----------------------------------------------------------

FUNDER, FAMILY, NOMINEE, ISF, ARRANGEMENT, FUND = "funder", "family", "nominee", "isf", "arrangement", "fund"
PAYER_KINDS = (FUNDER, FAMILY, NOMINEE, ISF, ARRANGEMENT, FUND)
UNRESTRICTED_FUND = "fund:unrestricted"     # the charity's unrestricted funds: a fund with no id
_PAYER = re.compile(rf"({'|'.join(PAYER_KINDS)}):({_UUID})(?::({_UUID}))?")


def _checked(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise ValueError(f"{what} must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"{what} is longer than {MAX_LENGTH} characters")
    return text


def _show(text: str) -> str:
    return repr(text[:60] + ("..." if len(text) > 60 else ""))


def prefix(kind: str) -> str:
    """The start every reference of this kind has ("isf:"), for a query over stored text."""
    return f"{kind}:"


def is_kind(text: str | None, kind: str) -> bool:
    """Whether stored text names a reference of this kind (without checking the rest of it)."""
    return text is not None and text.startswith(prefix(kind))


def kind_of(text: str) -> str:
    """The kind a reference's text names ("funder" of "funder:<id>:<department>"); "" when it names none."""
    kind, colon, _ = text.partition(":")
    return kind if colon else ""


@dataclass(frozen=True)
class PayerRef:
    """A payer: a funder (or one of its departments), a family member, a nominee, a child's ISF, an arrangement no
    outside payer is named for, or a charitable fund (id None: the unrestricted funds)."""
    kind: str
    id: uuid.UUID | None
    department: uuid.UUID | None = None

    def __post_init__(self):
        if self.kind not in PAYER_KINDS:
            raise ValueError(f"{self.kind!r} is not a kind of payer ({', '.join(PAYER_KINDS)})")
        if not isinstance(self.id, uuid.UUID) and not (self.id is None and self.kind == FUND):
            raise ValueError("a payer's id is a UUID (only the unrestricted funds have none)")
        if self.department is not None and (self.kind != FUNDER or not isinstance(self.department, uuid.UUID)):
            raise ValueError("only a funder has departments, each a UUID")

    def __str__(self) -> str:
        if self.id is None:
            return UNRESTRICTED_FUND
        if self.department is not None:
            return f"{self.kind}:{self.id}:{self.department}"
        return f"{self.kind}:{self.id}"

    @property
    def whole_funder(self) -> PayerRef:
        """A funder's departments are one payer for its remittances: the funder itself, department dropped."""
        return PayerRef(self.kind, self.id)


def parse_payer(text: str) -> PayerRef:
    if _checked(text, "a payer reference") == UNRESTRICTED_FUND:
        return PayerRef(FUND, None)
    match = _PAYER.fullmatch(text)
    if match is None:
        raise ValueError(f"{_show(text)} is not a payer reference (funder:<id>[:<department>], family:<id>, "
                         f"nominee:<id>, isf:<id>, arrangement:<id> or fund:<id>)")
    kind, key, department = match.groups()
    if department is not None and kind != FUNDER:
        raise ValueError(f"{_show(text)}: only a funder's reference names a department")
    return PayerRef(kind, uuid.UUID(key), uuid.UUID(department) if department else None)


def try_payer(text: str | None) -> PayerRef | None:
    """The payer stored text names, or None when it names none (text typed in, or an unknown kind)."""
    try:
        return parse_payer(text) if text is not None else None
    except ValueError:
        return None


def payer_ref(kind: str, id: uuid.UUID | None, department: uuid.UUID | None = None) -> str:
    return str(PayerRef(kind, id, department))


def funder_payer(funder_id: uuid.UUID, department_id: uuid.UUID | None = None) -> str:
    return payer_ref(FUNDER, funder_id, department_id)


def payer_group(text: str) -> str:
    """The payer whose invoices a payment from `text` may pay: a funder's departments are the funder; anyone else
    only themselves (text that names no payer is its own group)."""
    found = try_payer(text)
    return str(found.whole_funder) if found is not None and found.kind == FUNDER else text


def departments_prefix(funder_ref: str) -> str:
    """The start of the references of a funder's departments ("funder:<id>:"), for a query over stored text."""
    return f"{funder_ref}:"


# --- arrangements: what pays for a part of a charge --------------------------------------------------------------

BLOCK = "block"
ARRANGEMENT_KINDS = (ARRANGEMENT, BLOCK, FUND)
_ARRANGEMENT = re.compile(rf"({'|'.join(ARRANGEMENT_KINDS)}):({_UUID})")


@dataclass(frozen=True)
class ArrangementRef:
    """A funding arrangement, a block contract or a charitable fund (id None: the unrestricted funds)."""
    kind: str
    id: uuid.UUID | None

    def __post_init__(self):
        if self.kind not in ARRANGEMENT_KINDS:
            raise ValueError(f"{self.kind!r} is not a kind of arrangement ({', '.join(ARRANGEMENT_KINDS)})")
        if not isinstance(self.id, uuid.UUID) and not (self.id is None and self.kind == FUND):
            raise ValueError("an arrangement's id is a UUID (only the unrestricted funds have none)")

    def __str__(self) -> str:
        return UNRESTRICTED_FUND if self.id is None else f"{self.kind}:{self.id}"


def parse_arrangement(text: str) -> ArrangementRef:
    if _checked(text, "an arrangement reference") == UNRESTRICTED_FUND:
        return ArrangementRef(FUND, None)
    match = _ARRANGEMENT.fullmatch(text)
    if match is None:
        raise ValueError(f'{_show(text)} is not "arrangement:<id>", "block:<id>" or "fund:<id>"')
    return ArrangementRef(match.group(1), uuid.UUID(match.group(2)))


def try_arrangement(text: str | None) -> ArrangementRef | None:
    try:
        return parse_arrangement(text) if text is not None else None
    except ValueError:
        return None


def arrangement_ref(kind: str, id: uuid.UUID | None) -> str:
    return str(ArrangementRef(kind, id))


def block_ref(contract_id: uuid.UUID) -> str:
    return arrangement_ref(BLOCK, contract_id)


def contract_of(text: str) -> uuid.UUID:
    """The block contract a block reference names; ValueError for any other text."""
    found = parse_arrangement(text)
    if found.kind != BLOCK:
        raise ValueError(f"{_show(text)} is not a block contract's reference")
    return found.id


def id_span(kind: str) -> tuple[int, int]:
    """Where the id is in a reference of this kind, as SQL's substr takes it: (first character from 1, length)."""
    return len(prefix(kind)) + 1, 36


# --- sources: the record a ledger entry, a document or a sent message comes from ---------------------------------

SOURCE_KINDS = ("charge", "invoice", "credit_note", "payment", "allocation", "refund", "adjustment", "grant",
                "charitable_income", "isf_receipt", "isf_spend", "isf_advance", "isf_clearance", "reminder",
                "backing", "backing-csv", "family_member", "user")
_SOURCE = re.compile(rf"({'|'.join(re.escape(k) for k in SOURCE_KINDS)}):({_UUID})")


@dataclass(frozen=True)
class SourceRef:
    kind: str
    id: uuid.UUID

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"{self.kind!r} is not a kind of source ({', '.join(SOURCE_KINDS)})")
        if not isinstance(self.id, uuid.UUID):
            raise ValueError("a source's id is a UUID")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def parse_source(text: str) -> SourceRef:
    match = _SOURCE.fullmatch(_checked(text, "a source reference"))
    if match is None:
        raise ValueError(f"{_show(text)} is not a source reference (<kind>:<id>, the kind one of "
                         f"{', '.join(SOURCE_KINDS)})")
    return SourceRef(match.group(1), uuid.UUID(match.group(2)))


def source_ref(kind: str, id: uuid.UUID) -> str:
    return str(SourceRef(kind, id))


@dataclass(frozen=True)
class ReleaseRef:
    """One month's release of a block instalment paid in advance, from deferred income to income."""
    contract_id: uuid.UUID
    number: int
    month: date          # its first day

    def __post_init__(self):
        if not isinstance(self.contract_id, uuid.UUID) or not 1 <= self.number < 10_000 or self.month.day != 1 \
                or not 1000 <= self.month.year <= 9999:
            raise ValueError("a release names a contract's UUID, an instalment numbered 1 to 9999 and a month of a "
                             "year from 1000 to 9999")

    def __str__(self) -> str:
        return f"{release_prefix(self.contract_id, self.number)}{self.month:%Y-%m}"


_RELEASE = re.compile(rf"release:({_UUID}):([1-9][0-9]{{0,3}}):([0-9]{{4}})-(0[1-9]|1[0-2])")


def release_prefix(contract_id: uuid.UUID, number: int) -> str:
    """The start of each monthly release of one instalment: "release:<contract>:<number>:"."""
    return f"release:{contract_id}:{number}:"


def parse_release(text: str) -> ReleaseRef:
    match = _RELEASE.fullmatch(_checked(text, "a release reference"))
    if match is None or match.group(3) < "1000":
        raise ValueError(f"{_show(text)} is not release:<contract>:<instalment>:<YYYY-MM>")
    return ReleaseRef(uuid.UUID(match.group(1)), int(match.group(2)),
                      date(int(match.group(3)), int(match.group(4)), 1))


def release_ref(contract_id: uuid.UUID, number: int, month: date) -> str:
    return str(ReleaseRef(contract_id, number, month.replace(day=1)))


@dataclass(frozen=True)
class LetterRef:
    """The letter to a family about their child's ISF as it stood on a day."""
    agreement_id: uuid.UUID
    as_of: date

    def __post_init__(self):
        if not isinstance(self.agreement_id, uuid.UUID) or not isinstance(self.as_of, date):
            raise ValueError("a letter names an ISF agreement's UUID and a day")

    def __str__(self) -> str:
        return f"isf-letter:{self.agreement_id}:{self.as_of.isoformat()}"


_LETTER = re.compile(rf"isf-letter:({_UUID}):([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})")


def letter_ref(agreement_id: uuid.UUID, as_of: date) -> str:
    return str(LetterRef(agreement_id, as_of))


def parse_letter(text: str) -> LetterRef:
    match = _LETTER.fullmatch(_checked(text, "a letter reference"))
    try:
        if match is None:
            raise ValueError
        return LetterRef(uuid.UUID(match.group(1)), date.fromisoformat(match.group(2)))
    except ValueError:
        raise ValueError(f"{_show(text)} is not isf-letter:<agreement>:<YYYY-MM-DD>") from None


# --- what an invoice line bills: charge parts, block instalments, grant instalments ------------------------------

@dataclass(frozen=True)
class InstalmentRef:
    """A block contract's instalment, billed by an invoice line."""
    contract_id: uuid.UUID
    number: int
    in_advance: bool

    def __post_init__(self):
        if not isinstance(self.contract_id, uuid.UUID) or not 1 <= self.number < 10_000 \
                or not isinstance(self.in_advance, bool):
            raise ValueError("an instalment names a contract's UUID, a number from 1 to 9999 and in advance or not")

    def __str__(self) -> str:
        return f"instalment:{self.contract_id}:{self.number}:{int(self.in_advance)}"


@dataclass(frozen=True)
class GrantInstalmentRef:
    """An NHS grant award's instalment, billed by an invoice line."""
    award_id: uuid.UUID
    number: int

    def __post_init__(self):
        if not isinstance(self.award_id, uuid.UUID) or not 1 <= self.number < 10_000:
            raise ValueError("a grant instalment names an award's UUID and a number from 1 to 9999")

    def __str__(self) -> str:
        return f"grant:{self.award_id}:{self.number}"


_NUMBER = "([1-9][0-9]{0,3})"
_INSTALMENT = re.compile(rf"instalment:({_UUID}):{_NUMBER}:([01])")
_GRANT_INSTALMENT = re.compile(rf"grant:({_UUID}):{_NUMBER}")
_PART = re.compile(_UUID)


def instalment_ref(contract_id: uuid.UUID, number: int, in_advance: bool) -> str:
    return str(InstalmentRef(contract_id, number, in_advance))


def grant_instalment_ref(award_id: uuid.UUID, number: int) -> str:
    return str(GrantInstalmentRef(award_id, number))


def parse_billed(text: str) -> uuid.UUID | InstalmentRef | GrantInstalmentRef:
    """What an invoice line bills: a charge part (its id), a block instalment or a grant instalment."""
    _checked(text, "what a line bills")
    if match := _INSTALMENT.fullmatch(text):
        return InstalmentRef(uuid.UUID(match.group(1)), int(match.group(2)), match.group(3) == "1")
    if match := _GRANT_INSTALMENT.fullmatch(text):
        return GrantInstalmentRef(uuid.UUID(match.group(1)), int(match.group(2)))
    if _PART.fullmatch(text):
        return uuid.UUID(text)
    raise ValueError(f"{_show(text)} is not a charge part's id, instalment:<contract>:<number>:<0|1> or "
                     f"grant:<award>:<number>")
