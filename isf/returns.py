"""Unspent money going back, and money lent in.

A commissioner's repayment notice is recorded as issued (reasons, amount, deadline, who repays); it may be put to
reconsideration, then repaid from the ISF (posted as a return) or withheld from future instalments (no money
moves; the commissioner pays less next time). An ISF closes only once nothing is left in it.

An ISF never goes below zero unless a named charitable fund advances the money, approved by someone other than the
asker; the advance is recovered from the next instalments as they arrive.
"""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from isf import schedule, service
from isf.models import Advance, IsfAgreement, IsfSpend, NoticeState, RepaymentNotice, SpendStatus
from provider import references
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funders.models import CharitableFund
from provider.funding.models import Arrangement
from provider.ledger import accounts
from provider.ledger.models import EntryKind
from provider.ledger.post import Line, post
from provider.money import format_gbp
from provider.users.models import Role, User


def above_limit(db: Session, agreement: IsfAgreement) -> int:
    """The commissioner's money held above the surplus limit (the family's own contribution is never surplus)."""
    from isf import contributions

    arrangement = db.get(Arrangement, agreement.arrangement_id)
    limit = schedule.surplus_limit(arrangement.yearly_pence or 0, agreement.surplus_weeks, agreement.surplus_pence)
    held = contributions.of(db, agreement).commissioner
    return max(0, held - limit) if limit is not None else 0


def record_notice(db: Session, agreement: IsfAgreement, pence: int | None, reasons: str, deadline: date | None,
                  issued_on: date, repaid_by: str = "hospice", actor_id: uuid.UUID | None = None) -> RepaymentNotice:
    errors = {}
    if agreement.closed_on is not None:
        errors["agreement"] = f"the ISF closed on {short_date(agreement.closed_on)}"
    if pence is None or pence <= 0:
        errors["pence"] = "must be more than nothing"
    if not (reasons or "").strip():
        errors["reasons"] = "are required: the notice's reasons, as the commissioner gave them"
    if deadline is None:
        errors["deadline"] = "is required"
    elif deadline < issued_on:
        errors["deadline"] = "must not be before the notice was issued"
    if repaid_by not in ("hospice", "recipient"):
        errors["repaid_by"] = "must be the hospice (from the ISF) or the recipient"
    if errors:
        raise FieldErrors(errors)
    notice = RepaymentNotice(agreement_id=agreement.id, issued_on=issued_on, pence=pence, reasons=reasons.strip(),
                             deadline=deadline, repaid_by=repaid_by, created_by_id=actor_id)
    db.add(notice)
    db.flush()
    return notice


def _settle(db: Session, notice: RepaymentNotice, state: NoticeState, on: date) -> RepaymentNotice:
    if notice.state not in (NoticeState.open, NoticeState.reconsideration):
        raise FieldErrors({"notice": f"is {notice.state} already"})
    notice.state, notice.settled_on = state, on
    db.add(notice)
    db.flush()
    return notice


def ask_reconsideration(db: Session, notice: RepaymentNotice) -> RepaymentNotice:
    if notice.state != NoticeState.open:
        raise FieldErrors({"notice": "only an open notice can be put to reconsideration"})
    notice.state = NoticeState.reconsideration
    db.add(notice)
    db.flush()
    return notice


def repay(db: Session, notice: RepaymentNotice, on: date, actor_id: uuid.UUID | None = None) -> IsfSpend:
    """Pay the notice's amount back from the ISF to the commissioner: posted as a return."""
    from isf import contributions

    if notice.state not in (NoticeState.open, NoticeState.reconsideration):
        raise FieldErrors({"notice": f"is {notice.state} already"})
    agreement = db.get(IsfAgreement, notice.agreement_id)
    now = service.position(db, agreement, on)
    balance = now.balance
    if notice.pence > balance:
        raise FieldErrors({"notice": f"asks for {format_gbp(notice.pence)} but the ISF holds {format_gbp(balance)}"})
    if notice.pence > now.available_with_contingency:
        raise FieldErrors({"notice": f"asks for {format_gbp(notice.pence)} but {format_gbp(now.reserved)} of the "
                                     f"{format_gbp(balance)} held is reserved for nights and sessions booked: "
                                     f"{format_gbp(max(now.available_with_contingency, 0))} can go back now"})
    theirs = contributions.of(db, agreement)
    if notice.pence > theirs.commissioner:
        raise FieldErrors({"notice": f"asks for {format_gbp(notice.pence)} but {format_gbp(theirs.family)} of the "
                                     f"{format_gbp(balance)} held is the family's own contribution: the commissioner "
                                     f"may have back at most {format_gbp(theirs.commissioner)}"})
    _settle(db, notice, NoticeState.repaid, on)
    back = IsfSpend(agreement_id=agreement.id, kind="return", spent_on=on, pence=notice.pence,
                    description=f"Unspent money returned to the commissioner "
                                f"(notice of {short_date(notice.issued_on)})",
                    status=SpendStatus.approved, decided_on=on, decided_by_id=actor_id, asked_by_id=actor_id)
    db.add(back)
    db.flush()
    post(db, EntryKind.isf_drawdown, [service.held_line(db, agreement, debit=notice.pence),
                                      Line(service.client_bank_account(db), credit=notice.pence)],
         service_date=on, description=back.description, source_ref=references.source_ref("isf_spend", back.id),
         group_id=agreement.id,
         actor_id=actor_id)
    return back


def withhold(db: Session, notice: RepaymentNotice, on: date) -> RepaymentNotice:
    """The commissioner keeps the amount back from its next instalments: no money moves now."""
    return _settle(db, notice, NoticeState.withheld, on)


def close(db: Session, agreement: IsfAgreement, reason: str, on: date) -> IsfAgreement:
    """At the end of the agreement, or on a child's death: only once the money is returned to whom it is owed."""
    if agreement.closed_on is not None:
        raise FieldErrors({"agreement": "is closed already"})
    if not (reason or "").strip():
        raise FieldErrors({"reason": "is required"})
    balance = service.position(db, agreement, None).balance
    if balance != 0:
        raise FieldErrors({"agreement": f"still holds {format_gbp(balance)}: return it to whom it is owed first"})
    agreement.closed_on, agreement.closed_reason = on, reason.strip()
    db.add(agreement)
    db.flush()
    return agreement


def _advances_account(db: Session):
    return accounts.open_account(db, accounts.isf_advances())


def advance(db: Session, agreement: IsfAgreement, fund_id: uuid.UUID | None, pence: int | None, reason: str,
            asker: User, approver: User, on: date) -> Advance:
    errors = {}
    if agreement.closed_on is not None:
        errors["agreement"] = f"the ISF closed on {short_date(agreement.closed_on)}"
    fund = db.get(CharitableFund, fund_id) if fund_id else None
    if fund is None or not fund.is_active:
        errors["fund_id"] = "must be a charitable fund in use"
    if pence is None or pence <= 0:
        errors["pence"] = "must be more than nothing"
    if not (reason or "").strip():
        errors["reason"] = "is required"
    if approver.id == asker.id:
        errors["approved_by"] = "must be someone other than the person who asked"
    elif approver.role not in (Role.finance, Role.admin):
        errors["approved_by"] = "must be finance or an administrator"
    if errors:
        raise FieldErrors(errors)
    made = Advance(agreement_id=agreement.id, fund_id=fund.id, pence=pence, advanced_on=on, reason=reason.strip(),
                   asked_by_id=asker.id, approved_by_id=approver.id)
    db.add(made)
    db.flush()
    post(db, EntryKind.isf_receipt, [Line(_advances_account(db), debit=pence),
                                     service.held_line(db, agreement, credit=pence)],
         service_date=on, description=f"Advance from {fund.name}: {made.reason}",
         source_ref=references.source_ref("isf_advance", made.id),
         group_id=agreement.id, actor_id=approver.id)
    return made


def outstanding_advances(db: Session, agreement: IsfAgreement) -> int:
    advanced = db.exec(select(func.coalesce(func.sum(Advance.pence), 0)).where(Advance.agreement_id == agreement.id)).one()
    recovered = db.exec(select(func.coalesce(func.sum(IsfSpend.pence), 0)).where(
        IsfSpend.agreement_id == agreement.id, IsfSpend.kind == "recovery")).one()
    return int(advanced) - int(recovered)


def recover(db: Session, agreement: IsfAgreement, receipt_pence: int, on: date,
            actor_id: uuid.UUID | None = None) -> IsfSpend | None:
    """From an instalment just received, pay back what charitable funds advanced, as far as it goes."""
    pence = min(receipt_pence, outstanding_advances(db, agreement))
    if pence <= 0:
        return None
    back = IsfSpend(agreement_id=agreement.id, kind="recovery", spent_on=on, pence=pence,
                    description="Advance repaid to the charitable fund", status=SpendStatus.approved, decided_on=on,
                    decided_by_id=actor_id, asked_by_id=actor_id)
    db.add(back)
    db.flush()
    post(db, EntryKind.isf_drawdown, [service.held_line(db, agreement, debit=pence),
                                      Line(_advances_account(db), credit=pence)],
         service_date=on, description=back.description, source_ref=references.source_ref("isf_spend", back.id),
         group_id=agreement.id,
         actor_id=actor_id)
    return back
