"""The ISF client account's statement lines, matched to ISF money: a line of money in becomes the receipt of an
expected instalment; a line of money out clears a supplier's payment or a return already approved, or moves the
hospice's own money (its services drawn down, its fees, advances repaid) to the operating account.

A line is suggested the ISF whose child its reference or description names and the instalment it pays, else the one
instalment expected of exactly its amount; money out is suggested the approved payment of exactly its amount.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, union_all
from sqlmodel import Session, select

from provider import references
from provider.bank.models import BankLine
from invoicing.payments.models import Payment
from isf import service
from isf.models import ClearanceKind, IsfAgreement, IsfClearance, IsfReceipt, IsfSource, IsfSpend, SpendStatus
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.funding.models import Arrangement
from provider.ledger.models import EntryKind
from provider.ledger import accounts
from provider.ledger.post import Line, post
from provider.money import format_gbp
from provider.organisation.models import AccountPurpose, BankAccount
from provider.people.models import Child

OUT_KINDS = ("supplier", "return")        # money that leaves the client account for someone else


def used_line_ids():
    """The statement lines ISF records have used: a select of their ids."""
    return union_all(select(IsfReceipt.bank_line_id).where(IsfReceipt.bank_line_id.is_not(None)),
                     select(IsfClearance.bank_line_id))


def is_used(db: Session, line_id: uuid.UUID) -> bool:
    return bool(db.exec(select(IsfReceipt.id).where(IsfReceipt.bank_line_id == line_id)).first()
                or db.exec(select(IsfClearance.id).where(IsfClearance.bank_line_id == line_id)).first())


def client_account(db: Session) -> BankAccount:
    found = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.isf_client,
                                              BankAccount.is_active)).first()
    if found is None:
        raise NotFound("No ISF client account is set up: add one in Settings")
    return found


@dataclass(frozen=True)
class Expected:
    """An instalment of an open ISF not yet received."""

    agreement_id: uuid.UUID
    child: str
    names: frozenset[str]            # the child's names, as a reference would carry them
    number: int
    starts_on: date
    pence: int


def expected(db: Session) -> list[Expected]:
    received = {(r.agreement_id, r.instalment_number) for r in db.exec(
        select(IsfReceipt).where(IsfReceipt.instalment_number.is_not(None)))}
    found = []
    for agreement, child in db.exec(select(IsfAgreement, Child).join(Arrangement, Arrangement.id ==
                                                                     IsfAgreement.arrangement_id)
                                    .join(Child, Child.id == Arrangement.child_id)
                                    .where(IsfAgreement.closed_on.is_(None))):
        names = frozenset(_words(" ".join(filter(None, (child.first_name, child.last_name, child.preferred_name)))))
        name = f"{child.preferred_name or child.first_name} {child.last_name}"
        found += [Expected(agreement.id, name, names, p.number, p.starts_on, p.pence)
                  for p in service.periods_of(agreement) if (agreement.id, p.number) not in received]
    return sorted(found, key=lambda e: (e.starts_on, e.child, e.number))


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^A-Z0-9]+", (text or "").upper()) if len(w) >= 3}


@dataclass(frozen=True)
class Suggestion:
    key: str            # what Accept sends back
    why: str


def suggest_in(line, waiting: list[Expected]) -> list[Suggestion]:
    if line.amount_pence <= 0 or line.ignored_reason:
        return []
    found = []
    words = _words(f"{line.reference} {line.description}")
    named = [e for e in waiting if e.names & words]
    if named and len({e.agreement_id for e in named}) == 1:
        same = [e for e in named if e.pence == line.amount_pence] or named
        e = _nearest(same, line.booked_on)
        short = "" if e.pence == line.amount_pence else f"; it is {format_gbp(e.pence - line.amount_pence)} " \
            f"{'short of' if e.pence > line.amount_pence else 'more than'} the {format_gbp(e.pence)} expected"
        found.append(Suggestion(f"receipt:{e.agreement_id}:{e.number}",
                                f"The reference names {e.child}: instalment {e.number} of their ISF{short}"))
    same = [e for e in waiting if e.pence == line.amount_pence]
    if same and len({e.agreement_id for e in same}) == 1 and not found:
        e = _nearest(same, line.booked_on)
        found.append(Suggestion(f"receipt:{e.agreement_id}:{e.number}",
                                f"The amount is what {e.child}'s instalment {e.number} expects, and no other ISF's"))
    return found


def _nearest(waiting: list[Expected], day: date) -> Expected:
    """The instalment due nearest the day the money arrived (the earlier of two as near)."""
    return min(waiting, key=lambda e: (abs((e.starts_on - day).days), e.starts_on))


@dataclass(frozen=True)
class Uncleared:
    spend_id: uuid.UUID
    child: str
    spent_on: date
    pence: int
    description: str


def uncleared(db: Session) -> list[Uncleared]:
    """Supplier payments and returns approved and posted, not yet seen leaving the bank."""
    rows = db.exec(select(IsfSpend, Child).join(IsfAgreement, IsfAgreement.id == IsfSpend.agreement_id)
                   .join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .join(Child, Child.id == Arrangement.child_id)
                   .outerjoin(IsfClearance, IsfClearance.spend_id == IsfSpend.id)
                   .where(IsfSpend.kind.in_(OUT_KINDS), IsfSpend.status == SpendStatus.approved,
                          IsfClearance.id.is_(None)).order_by(IsfSpend.spent_on))
    return [Uncleared(s.id, f"{c.preferred_name or c.first_name} {c.last_name}", s.spent_on, s.pence, s.description)
            for s, c in rows]


def to_move(db: Session) -> int:
    """The hospice's own money still in the client account: its services drawn down, its fees and the advances
    repaid to its charitable funds, less what has been moved to the operating account."""
    own = 0
    for agreement in db.exec(select(IsfAgreement)):
        p = service.position(db, agreement, None)
        own += p.drawn + p.fees + p.recovered
    moved = db.exec(select(func.coalesce(func.sum(IsfClearance.pence), 0))
                    .where(IsfClearance.kind == ClearanceKind.transfer)).one()
    return own - int(moved)


def suggest_out(line, waiting: list[Uncleared], movable: int) -> list[Suggestion]:
    if line.amount_pence >= 0 or line.ignored_reason:
        return []
    pence = -line.amount_pence
    found = [Suggestion(f"spend:{u.spend_id}", f"The amount is {u.child}'s payment of {short_date(u.spent_on)}: "
                                               f"{u.description}") for u in waiting if u.pence == pence]
    if pence <= movable:
        found.append(Suggestion("transfer", "The hospice's own money moved to the operating account (draw-downs, "
                                            f"fees and advances repaid: {format_gbp(movable)} is waiting to move)"))
    return found


def _line(db: Session, line_id: uuid.UUID) -> BankLine:
    line = db.exec(select(BankLine).where(BankLine.id == line_id).with_for_update()
                   .execution_options(populate_existing=True)).first()
    if line is None:
        raise NotFound("No such bank statement line")
    account = db.get(BankAccount, line.bank_account_id)
    if account.purpose != AccountPurpose.isf_client:
        raise FieldErrors({"suggestion": "only lines of the ISF client account are matched to ISFs"})
    if line.ignored_reason:
        raise FieldErrors({"suggestion": "this line is ignored: restore it first"})
    if is_used(db, line.id) or db.exec(select(Payment.id).where(Payment.bank_line_id == line.id)).first():
        raise FieldErrors({"suggestion": "this line is matched already"})
    return line


def accept(db: Session, line_id: uuid.UUID, key: str, actor_id: uuid.UUID | None = None):
    """Match the line as its key says: `receipt:<ISF id>:<instalment>`, `spend:<spend id>` or `transfer`."""
    line = _line(db, line_id)
    kind, _, rest = (key or "").partition(":")
    if kind == "receipt" and line.amount_pence > 0:
        return _receipt(db, line, rest, actor_id)
    if kind == "spend" and line.amount_pence < 0:
        return _clear(db, line, rest, actor_id)
    if kind == "transfer" and line.amount_pence < 0:
        return _transfer(db, line, actor_id)
    raise FieldErrors({"suggestion": "choose one of the suggestions: money in pays an instalment, money out clears "
                                     "a payment or moves the hospice's own money"})


def _receipt(db: Session, line: BankLine, rest: str, actor_id) -> IsfReceipt:
    agreement_id, _, number = rest.partition(":")
    try:
        agreement = service.get_agreement(db, uuid.UUID(agreement_id))
    except (ValueError, NotFound):
        raise FieldErrors({"agreement_id": "choose the ISF this money is for"}) from None
    instalment = int(number) if number.isdigit() else None
    received = db.exec(select(IsfReceipt.id).where(IsfReceipt.agreement_id == agreement.id,
                                                   IsfReceipt.instalment_number == instalment)).first()
    if instalment is not None and (received or instalment not in {p.number for p in service.periods_of(agreement)}):
        raise FieldErrors({"instalment_number": f"instalment {instalment} of this ISF is received already, or is not "
                                                "in its schedule"})
    sources = db.exec(select(IsfSource.source).where(IsfSource.agreement_id == agreement.id)).all()
    return service.record_receipt(db, agreement, line.amount_pence, line.booked_on,
                                  sources[0] if len(sources) == 1 else "mixed", line.reference, instalment, actor_id,
                                  bank_line_id=line.id)


def _clear(db: Session, line: BankLine, spend_id: str, actor_id) -> IsfClearance:
    waiting = {str(u.spend_id): u for u in uncleared(db)}
    found = waiting.get(spend_id)
    if found is None:
        raise FieldErrors({"suggestion": "that payment is not waiting to clear: it may be cleared already"})
    if found.pence != -line.amount_pence:
        raise FieldErrors({"suggestion": f"the line is {format_gbp(-line.amount_pence)} but the payment is "
                                         f"{format_gbp(found.pence)}"})
    clearance = IsfClearance(bank_line_id=line.id, kind=ClearanceKind.spend, spend_id=found.spend_id,
                             pence=found.pence, cleared_on=line.booked_on, created_by_id=actor_id)
    db.add(clearance)
    db.flush()
    return clearance


def _transfer(db: Session, line: BankLine, actor_id) -> IsfClearance:
    pence, movable = -line.amount_pence, to_move(db)
    if pence > movable:
        raise FieldErrors({"suggestion": f"{format_gbp(pence)} is more than the hospice's own money in the account "
                                         f"({format_gbp(max(movable, 0))}): the rest belongs to the children's ISFs"})
    operating = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating,
                                                  BankAccount.is_active)).first()
    if operating is None:
        raise FieldErrors({"suggestion": "no operating account is set up to move the money to: add one in Settings"})
    clearance = IsfClearance(bank_line_id=line.id, kind=ClearanceKind.transfer, pence=pence,
                             cleared_on=line.booked_on, created_by_id=actor_id)
    db.add(clearance)
    db.flush()
    post(db, EntryKind.isf_transfer, [Line(accounts.open_account(db, accounts.bank(operating)), debit=pence),
                                      Line(service.client_bank_account(db), credit=pence)],
         service_date=line.booked_on, description="The hospice's own money moved from the ISF client account",
         source_ref=references.source_ref("isf_clearance", clearance.id), group_id=clearance.id, actor_id=actor_id)
    return clearance


@dataclass(frozen=True)
class Row:
    line: BankLine
    state: str                       # to_match, matched, ignored
    matched_as: str                  # what the line was matched to, in words
    suggestions: list[Suggestion]


def rows(db: Session, account: BankAccount) -> list[Row]:
    lines = db.exec(select(BankLine).where(BankLine.bank_account_id == account.id)
                    .order_by(BankLine.booked_on, BankLine.identity)).all()
    names = {a: f"{c.preferred_name or c.first_name} {c.last_name}" for a, c in db.exec(
        select(IsfAgreement.id, Child).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
        .join(Child, Child.id == Arrangement.child_id))}
    receipts = {r.bank_line_id: r for r in db.exec(select(IsfReceipt).where(IsfReceipt.bank_line_id.is_not(None)))}
    clearances = {c.bank_line_id: c for c in db.exec(select(IsfClearance))}
    spends = {s.id: s for s in db.exec(select(IsfSpend).where(IsfSpend.id.in_(
        [c.spend_id for c in clearances.values() if c.spend_id])))} if clearances else {}
    payments = {p.bank_line_id: p for p in db.exec(select(Payment).where(Payment.bank_line_id.in_(
        [x.id for x in lines])))} if lines else {}
    waiting_in, waiting_out, movable = expected(db), uncleared(db), to_move(db)
    found = []
    for x in lines:
        if x.id in receipts:
            r = receipts[x.id]
            found.append(Row(x, "matched", f"{names.get(r.agreement_id, '')}'s ISF, instalment "
                                           f"{r.instalment_number or '(none)'}", []))
        elif x.id in clearances:
            c = clearances[x.id]
            what = "Moved to the operating account" if c.kind == ClearanceKind.transfer else \
                f"{names.get(spends[c.spend_id].agreement_id, '')}'s ISF: {spends[c.spend_id].description}"
            found.append(Row(x, "matched", what, []))
        elif x.id in payments:
            found.append(Row(x, "matched", f"Payment from {payments[x.id].payer_name}, for invoices", []))
        elif x.ignored_reason:
            found.append(Row(x, "ignored", x.ignored_reason, []))
        else:
            found.append(Row(x, "to_match", "", suggest_in(x, waiting_in) + suggest_out(x, waiting_out, movable)))
    return found
