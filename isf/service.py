"""An ISF's money: the agreement, receipts, fees, supplier spend with approval and evidence, and its position.

Ledger (the money is held for others, a liability, until it pays for the hospice's own services):
- a receipt: debit the ISF client bank account, credit "ISF held for others" for the child;
- the hospice's own services: drawn down at delivery by the charges (provider.charges.posting);
- a fee: debit the ISF, credit the hospice's fee income;
- a supplier's payment: debit the ISF, credit the ISF client bank account.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from isf import evidence_checks, schedule
from isf.models import Evidence, FeeKind, IsfAgreement, IsfOutcome, IsfReceipt, IsfSpend, SpendStatus, Supplier
from provider import references
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.funding.models import Arrangement, ManagementOption
from provider.ledger import accounts
from provider.ledger.models import EntryKind
from provider.ledger.post import Line, post
from provider.money import format_gbp
from provider.organisation.models import AccountPurpose, BankAccount
from provider.users.models import Role, User

# Who may approve a supplier's payment, up to how much (DOMAIN.md §5: a key worker up to £500, a manager up to
# £5,000, the head of service above). Never the person who asked.
APPROVAL_LIMITS = {Role.coordinator: 50_000, Role.finance: 500_000, Role.admin: None}
EVIDENCE_TYPES = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024


def ledger_code(agreement: IsfAgreement) -> str:
    return accounts.isf_held(agreement.arrangement_id, "").code


def held_account(db: Session, agreement: IsfAgreement):
    """The account the who-pays engine's draw-downs use too, under the same name."""
    from provider.people.models import Child

    child = db.get(Child, db.get(Arrangement, agreement.arrangement_id).child_id)
    return accounts.open_account(db, accounts.isf_held(agreement.arrangement_id,
                                                       f"{child.preferred_name or child.first_name}'s ISF"))


def held_line(db: Session, agreement: IsfAgreement, *, debit: int = 0, credit: int = 0) -> Line:
    """A line on the ISF's own account, naming the ISF as payer and its child."""
    child_id = db.get(Arrangement, agreement.arrangement_id).child_id
    return Line(held_account(db, agreement), debit=debit, credit=credit, payer_ref=ledger_code(agreement),
                child_id=child_id)


def client_bank_account(db: Session):
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.isf_client,
                                             BankAccount.is_active)).first()
    if bank is None:
        raise FieldErrors({"bank_account_id": "no ISF client account is set up: add one in Settings"})
    return accounts.open_account(db, accounts.bank(bank))


def get_agreement(db: Session, agreement_id: uuid.UUID) -> IsfAgreement:
    found = db.get(IsfAgreement, agreement_id)
    if found is None:
        raise NotFound("No such ISF")
    return found


def periods_of(agreement: IsfAgreement) -> list[schedule.Period]:
    return schedule.periods(agreement.first_instalment_on, agreement.frequency, agreement.instalment_count,
                            agreement.instalment_pence)


@dataclass(frozen=True)
class AgreementIn:
    arrangement_id: uuid.UUID
    frequency: str
    first_instalment_on: date
    instalment_count: int
    instalment_pence: int
    fee_kind: str = "fixed"
    fee_pence: int = 0
    fee_basis_points: int = 0
    surplus_weeks: int | None = None
    surplus_pence: int | None = None
    contingency_pence: int = 0
    owed_to: str = "commissioner"
    family_contribution_first: bool = False
    key_worker_id: uuid.UUID | None = None
    next_review_on: date | None = None


def make_agreement(db: Session, shape: AgreementIn) -> IsfAgreement:
    errors = {}
    arrangement = db.get(Arrangement, shape.arrangement_id)
    if arrangement is None or arrangement.management not in (ManagementOption.isf, ManagementOption.nominee,
                                                             ManagementOption.managed_account):
        errors["arrangement_id"] = "must be a personal budget the hospice holds: an ISF, or a direct payment it " \
                                   "holds as nominee or managed account"
    elif db.exec(select(IsfAgreement).where(IsfAgreement.arrangement_id == arrangement.id)).first():
        errors["arrangement_id"] = "has an ISF agreement already"
    try:
        schedule.periods(shape.first_instalment_on, shape.frequency, shape.instalment_count, shape.instalment_pence)
    except schedule.NoInstalments as exc:
        errors["instalment_count"] = f"produces no instalments: {exc}"
    if shape.surplus_weeks is not None and shape.surplus_pence is not None:
        errors["surplus_pence"] = "or weeks of funding: give the surplus limit one way, not both"
    if shape.fee_kind not in FeeKind.__members__:
        errors["fee_kind"] = "must be fixed or percent"
    if shape.key_worker_id is not None:
        worker = db.get(User, shape.key_worker_id)
        if worker is None or not worker.is_active or worker.role not in (Role.coordinator, Role.finance, Role.admin):
            errors["key_worker_id"] = "must be a member of staff using Lantern"
    if errors:
        raise FieldErrors(errors)
    agreement = IsfAgreement(**vars(shape))
    db.add(agreement)
    db.flush()
    return agreement


def record_receipt(db: Session, agreement: IsfAgreement, pence: int | None, received_on: date, source: str,
                   reference: str = "", instalment_number: int | None = None, actor_id: uuid.UUID | None = None,
                   bank_line_id: uuid.UUID | None = None) -> IsfReceipt:
    errors = {}
    if agreement.closed_on is not None:
        errors["agreement"] = f"the ISF closed on {short_date(agreement.closed_on)}: it takes no more money"
    if pence is None or pence <= 0:
        errors["pence"] = "must be more than nothing"
    numbers = {p.number for p in periods_of(agreement)}
    if instalment_number is not None and instalment_number not in numbers:
        errors["instalment_number"] = f"must be one of the schedule's instalments, 1 to {max(numbers)}"
    if errors:
        raise FieldErrors(errors)
    receipt = IsfReceipt(agreement_id=agreement.id, instalment_number=instalment_number, received_on=received_on,
                         pence=pence, source=source, reference=reference, bank_line_id=bank_line_id,
                         created_by_id=actor_id)
    db.add(receipt)
    db.flush()
    post(db, EntryKind.isf_receipt, [Line(client_bank_account(db), debit=pence), held_line(db, agreement, credit=pence)],
         service_date=received_on, description=f"ISF receipt: {reference or source}",
         source_ref=references.source_ref("isf_receipt", receipt.id), group_id=agreement.id, actor_id=actor_id)
    from isf.returns import recover

    recover(db, agreement, pence, received_on, actor_id)   # an advance is paid back from the next money in
    return receipt


def post_fee(db: Session, agreement: IsfAgreement, period: schedule.Period, actor_id: uuid.UUID | None = None,
             spend_in_period: int = 0, today: date | None = None) -> IsfSpend | None:
    """The management fee for one period, by itself, once: fixed at the period's start, or a share of its spend;
    never out of money booked care needs (reserved as of `today`; without it, only the balance is checked)."""
    if db.exec(select(IsfSpend).where(IsfSpend.agreement_id == agreement.id, IsfSpend.kind == "fee",
                                      IsfSpend.period_number == period.number)).first():
        return None
    pence = agreement.fee_pence if agreement.fee_kind == FeeKind.fixed else \
        spend_in_period * agreement.fee_basis_points // 10_000
    if pence <= 0 or agreement.closed_on is not None:
        return None
    free = position(db, agreement, today).available_with_contingency
    if pence > free:
        raise FieldErrors({"fees": f"the fee for period {period.number} is {format_gbp(pence)} but the ISF has "
                                   f"{format_gbp(max(free, 0))} not reserved for bookings: record the period's "
                                   "instalment first"})
    fee = IsfSpend(agreement_id=agreement.id, kind="fee", period_number=period.number, spent_on=period.starts_on,
                   pence=pence, description=f"Management fee, period {period.number}", status=SpendStatus.approved,
                   decided_on=period.starts_on, decided_by_id=actor_id, asked_by_id=actor_id)
    db.add(fee)
    db.flush()
    income = accounts.open_account(db, accounts.isf_fees())
    post(db, EntryKind.isf_drawdown, [held_line(db, agreement, debit=pence), Line(income, credit=pence)],
         service_date=period.starts_on, description=f"ISF management fee, period {period.number}",
         source_ref=references.source_ref("isf_spend", fee.id), group_id=agreement.id, actor_id=actor_id)
    return fee


def store_evidence(db: Session, filename: str, content_type: str, content: bytes) -> Evidence:
    """A PDF or an image, checked by its first bytes as well as its stated type, at most 5 MB, with nothing in it
    that runs or hides a web page (isf.evidence_checks)."""
    magic = EVIDENCE_TYPES.get(content_type)
    if magic is None:
        raise FieldErrors({"evidence": "must be a PDF, a JPEG or a PNG"})
    if not content.startswith(magic):
        raise FieldErrors({"evidence": f"is not the {content_type.split('/')[1].upper()} it says it is"})
    if len(content) > EVIDENCE_MAX_BYTES:
        raise FieldErrors({"evidence": f"is {len(content) / 1_048_576:.1f} MB: at most 5 MB"})
    refused = evidence_checks.refusal(content_type, content)
    if refused:
        raise FieldErrors({"evidence": refused})
    found = Evidence(filename=filename[:200], content_type=content_type, content=content,
                     sha256=hashlib.sha256(content).hexdigest())
    db.add(found)
    db.flush()
    return found


def ask_spend(db: Session, agreement: IsfAgreement, pence: int | None, spent_on: date, description: str,
              outcome_id: uuid.UUID | None, supplier_id: uuid.UUID | None, evidence_id: uuid.UUID | None,
              asker: User, from_contingency: bool = False) -> IsfSpend:
    errors = {}
    if agreement.closed_on is not None:
        errors["agreement"] = f"the ISF closed on {short_date(agreement.closed_on)}"
    if pence is None or pence <= 0:
        errors["pence"] = "must be more than nothing"
    if not (description or "").strip():
        errors["description"] = "is required: say what was bought, in words the family will read"
    outcome = db.get(IsfOutcome, outcome_id) if outcome_id else None
    if outcome is None or outcome.agreement_id != agreement.id:
        errors["outcome_id"] = "is required: name the outcome of the child's plan this spend serves"
    supplier = db.get(Supplier, supplier_id) if supplier_id else None
    if supplier is None:
        errors["supplier_id"] = "is required: choose the supplier"
    if evidence_id is None or db.get(Evidence, evidence_id) is None:
        errors["evidence"] = "is required: attach the receipt or invoice (PDF or image)"
    if errors:
        raise FieldErrors(errors)
    spend = IsfSpend(agreement_id=agreement.id, kind="supplier", spent_on=spent_on, pence=pence,
                     description=description.strip(), outcome_id=outcome_id, supplier_id=supplier_id,
                     evidence_id=evidence_id, from_contingency=from_contingency, asked_by_id=asker.id)
    db.add(spend)
    db.flush()
    return spend


def approve_spend(db: Session, spend: IsfSpend, approver: User, on: date, today: date) -> IsfSpend:
    """Approve and post a supplier's payment: by someone allowed that amount who did not ask, never beyond what is
    available."""
    if spend.status != SpendStatus.asked:
        raise FieldErrors({"spend": "has been decided already"})
    if approver.id == spend.asked_by_id:
        raise FieldErrors({"spend": "must be approved by someone other than the person who asked"})
    limit = APPROVAL_LIMITS.get(Role(approver.role), 0)
    if limit is not None and spend.pence > limit:
        raise FieldErrors({"spend": f"is {format_gbp(spend.pence)}: a {approver.role} may approve up to "
                                    f"{format_gbp(limit or 0)}"})
    agreement = db.exec(select(IsfAgreement).where(IsfAgreement.id == spend.agreement_id).with_for_update()
                        .execution_options(populate_existing=True)).one()    # two approvals at once never overdraw
    now = position(db, agreement, today)
    available = now.available_with_contingency if spend.from_contingency else now.available
    if spend.pence > available:
        raise FieldErrors({"spend": f"is {format_gbp(spend.pence)}, more than the ISF has available "
                                    f"({format_gbp(max(available, 0))}); a charitable fund may advance the rest, "
                                    "with approval"})
    spend.status, spend.decided_by_id, spend.decided_on = SpendStatus.approved, approver.id, on
    db.add(spend)
    db.flush()
    post(db, EntryKind.isf_drawdown, [held_line(db, agreement, debit=spend.pence),
                                      Line(client_bank_account(db), credit=spend.pence)],
         service_date=spend.spent_on, description=f"ISF spend: {spend.description}",
         source_ref=references.source_ref("isf_spend", spend.id), group_id=agreement.id, actor_id=approver.id, on=on)
    return spend


def refuse_spend(db: Session, spend: IsfSpend, approver: User, on: date) -> IsfSpend:
    if spend.status != SpendStatus.asked:
        raise FieldErrors({"spend": "has been decided already"})
    spend.status, spend.decided_by_id, spend.decided_on = SpendStatus.refused, approver.id, on
    db.add(spend)
    db.flush()
    return spend


@dataclass(frozen=True)
class Position:
    received: int
    drawn: int              # the hospice's own services, at delivery
    spent: int              # suppliers' payments approved
    fees: int
    returned: int
    reserved: int           # confirmed bookings not yet delivered
    contingency: int        # held back: spent only from the contingency, with approval
    advanced: int = 0       # lent by a charitable fund
    recovered: int = 0      # paid back to it from later instalments

    @property
    def balance(self) -> int:
        return self.received + self.advanced - self.drawn - self.spent - self.fees - self.returned - self.recovered

    @property
    def available(self) -> int:
        """What may be spent without touching the contingency."""
        return self.balance - self.reserved - self.contingency

    @property
    def available_with_contingency(self) -> int:
        return self.balance - self.reserved


def drawn_down(db: Session, agreement: IsfAgreement) -> int:
    """What the hospice's own services drew from the ISF at delivery, from the ledger's ISF account."""
    from provider.ledger.models import LedgerEntry, LedgerLine, LedgerAccount

    rows = db.exec(select(func.coalesce(func.sum(LedgerLine.debit_pence - LedgerLine.credit_pence), 0))
                   .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                   .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                   .where(LedgerAccount.code == ledger_code(agreement),
                          LedgerEntry.kind.in_(("care_delivered", "care_reversed")))).one()
    return int(rows)


def reserved(db: Session, agreement: IsfAgreement, today: date) -> int:
    """What confirmed bookings not yet delivered would draw from this ISF, as the who-pays engine allocates them."""
    from provider.funding import usage

    arrangement = db.get(Arrangement, agreement.arrangement_id)
    for item in usage.arrangement_usage(db, arrangement.child_id, today):
        if item.ref == references.arrangement_ref(references.ARRANGEMENT, arrangement.id):
            return item.reserved_pence
    return 0


def position(db: Session, agreement: IsfAgreement, today: date | None) -> Position:
    """Balance, reserved and available; without `today`, nothing is counted as reserved."""
    spend = dict(db.exec(select(IsfSpend.kind, func.sum(IsfSpend.pence))
                         .where(IsfSpend.agreement_id == agreement.id, IsfSpend.status == SpendStatus.approved)
                         .group_by(IsfSpend.kind)).all())
    received = db.exec(select(func.coalesce(func.sum(IsfReceipt.pence), 0))
                       .where(IsfReceipt.agreement_id == agreement.id)).one()
    from isf.models import Advance

    advanced = db.exec(select(func.coalesce(func.sum(Advance.pence), 0)).where(Advance.agreement_id == agreement.id)).one()
    return Position(int(received), drawn_down(db, agreement), int(spend.get("supplier") or 0),
                    int(spend.get("fee") or 0), int(spend.get("return") or 0),
                    reserved(db, agreement, today) if today else 0, agreement.contingency_pence, int(advanced),
                    int(spend.get("recovery") or 0))


def ledger_balance(db: Session, agreement: IsfAgreement) -> int:
    """The ISF account's balance in the ledger, as money held (credit positive)."""
    from provider.ledger.models import LedgerAccount, LedgerLine

    return int(db.exec(select(func.coalesce(func.sum(LedgerLine.credit_pence - LedgerLine.debit_pence), 0))
                       .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
                       .where(LedgerAccount.code == ledger_code(agreement))).one())
