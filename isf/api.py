"""JSON API for ISFs. The acts the pages have keep the pages' roles; the rules stay in isf.service and isf.returns.

Amounts are whole pence in fields named *_pence (or `pence`). Each act is one unit of work: a refusal (422, naming
the field) changes nothing. A supplier's payment is asked for in two calls: upload the receipt or invoice to
POST /api/isf-evidence (multipart), then send the evidence id it answers with to POST /api/isfs/{id}/spend.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, UploadFile
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlmodel import select

from isf import attention, returns, service
from isf.models import IsfAgreement, IsfOutcome, IsfSource, IsfSpend, RepaymentNotice
from provider.base import Day
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.fields import PenceIn, not_negative
from provider.funding.models import Arrangement
from provider.people.access import child_for
from provider.people.models import Child
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.forms import read_upload

router = APIRouter(prefix="/api", responses=API_ERRORS, tags=["isf"])
STAFF = allow(Role.finance, Role.coordinator)                     # as the pages: outcomes, evidence, asking
# Approvers each up to service.APPROVAL_LIMITS: the administrator, as head of service, approves above finance's
# £5,000 (DOMAIN.md §5), and so reads the ISFs whose spending they decide.
ALL_STAFF = allow(Role.finance, Role.coordinator, Role.admin)
READERS = allow(Role.finance, Role.coordinator, Role.admin, Role.family)   # a family: only their own child's
FINANCE = allow(Role.finance)                                     # ISF money: agreements, receipts, returns


Amount = Annotated[PenceIn, Field(description="Whole pence, more than nothing")]
NotNegative = Annotated[PenceIn, AfterValidator(not_negative), Field(description="Whole pence, not negative")]
Text = Annotated[str, Field(max_length=10_000)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AgreementBody(In):
    """The fields of isf.service.AgreementIn."""

    arrangement_id: uuid.UUID = Field(description="The child's ISF, nominee or managed-account personal budget")
    frequency: Literal["four_weekly", "monthly", "quarterly"]
    first_instalment_on: Day
    instalment_count: int = Field(le=1_000)
    instalment_pence: Amount = Field(description="Each instalment, paid at the start of its period")
    fee_kind: Literal["fixed", "percent"] = "fixed"
    fee_pence: NotNegative = Field(default=0, description="A fixed fee each period")
    fee_basis_points: int = Field(default=0, ge=0, le=10_000, description="Or a share of spend: 500 is 5%")
    surplus_weeks: int | None = Field(default=None, ge=0, le=520, description="The surplus limit in weeks of funding")
    surplus_pence: NotNegative | None = Field(default=None, description="Or as an amount; not both")
    contingency_pence: NotNegative = 0
    owed_to: Literal["commissioner", "recipient"] = "commissioner"
    family_contribution_first: bool = False
    key_worker_id: uuid.UUID | None = None
    next_review_on: Day | None = None


class ReceiptIn(In):
    pence: Amount
    received_on: Day
    source: Literal["social_care", "health", "education", "family_contribution"] = "social_care"
    reference: str = Field(default="", max_length=140)
    instalment_number: int | None = Field(default=None, description="The schedule's instalment it pays")


class OutcomeIn(In):
    text: Text = Field(min_length=1, description="The outcome in the plan's words")
    source: Literal["", "social_care", "health", "education"] = ""
    review_on: Day | None = None


class SpendIn(In):
    pence: Amount
    spent_on: Day
    description: Text = Field(description="What was bought, in words the family will read")
    outcome_id: uuid.UUID | None = Field(default=None, description="The outcome of the child's plan it serves")
    supplier_id: uuid.UUID | None = None
    evidence_id: uuid.UUID | None = Field(default=None, description="From POST /api/isf-evidence")
    from_contingency: bool = False


class DecisionIn(In):
    approve: bool = Field(description="true approves and pays; false refuses")


class NoticeIn(In):
    pence: Amount
    reasons: Text = Field(description="As the commissioner gave them")
    deadline: Day
    issued_on: Day | None = Field(default=None, description="Today when not given")
    repaid_by: Literal["hospice", "recipient"] = "hospice"


class AdvanceIn(In):
    fund_id: uuid.UUID = Field(description="The charitable fund that lends the money")
    pence: Amount
    reason: Text
    asked_by_id: uuid.UUID = Field(description="Who asked for it: the signed-in user approves, and must be another")


class CloseIn(In):
    reason: Text = Field(description="e.g. the agreement ended; the child died")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PositionOut(BaseModel):
    received_pence: int
    advanced_pence: int = Field(description="Lent by a charitable fund")
    drawn_pence: int = Field(description="The hospice's own services, at delivery")
    spent_pence: int = Field(description="Suppliers' payments approved")
    fees_pence: int
    returned_pence: int
    recovered_pence: int = Field(description="Advances paid back to the fund")
    balance_pence: int
    reserved_pence: int = Field(description="Confirmed bookings not yet delivered")
    contingency_pence: int
    available_pence: int = Field(description="Balance less reserved and contingency")


class IsfSummaryOut(BaseModel):
    id: uuid.UUID
    child_name: str
    arrangement_name: str
    balance_pence: int
    reserved_pence: int
    available_pence: int
    closed_on: date | None
    alerts: list[str]


class SourceOut(Out):
    source: str
    law: str
    yearly_pence: int
    permitted: str


class OutcomeOut(Out):
    id: uuid.UUID
    text: str
    source: str
    review_on: date | None


class InstalmentOut(BaseModel):
    number: int
    starts_on: date
    ends_on: date
    due_pence: int
    received_pence: int
    state: str = Field(description="to come, due, received, late, short or missed")


class SpendOut(Out):
    id: uuid.UUID
    kind: str = Field(description="supplier, fee, return or recovery")
    spent_on: date
    pence: int
    description: str
    outcome_id: uuid.UUID | None
    supplier_id: uuid.UUID | None
    evidence_id: uuid.UUID | None
    from_contingency: bool
    status: str = Field(description="asked, approved (and paid) or refused")
    asked_by_id: uuid.UUID | None
    decided_by_id: uuid.UUID | None
    decided_on: date | None


class NoticeOut(Out):
    id: uuid.UUID
    agreement_id: uuid.UUID
    issued_on: date
    pence: int
    reasons: str
    deadline: date
    repaid_by: str
    state: str = Field(description="open, reconsideration, repaid, withheld or withdrawn")
    settled_on: date | None


class AgreementOut(Out):
    id: uuid.UUID
    arrangement_id: uuid.UUID
    frequency: str
    first_instalment_on: date
    instalment_count: int
    instalment_pence: int
    fee_kind: str
    fee_pence: int
    fee_basis_points: int
    surplus_weeks: int | None
    surplus_pence: int | None
    contingency_pence: int
    owed_to: str
    family_contribution_first: bool
    key_worker_id: uuid.UUID | None
    next_review_on: date | None
    closed_on: date | None
    closed_reason: str | None


class IsfOut(AgreementOut):
    child_id: uuid.UUID
    child_name: str
    arrangement_name: str
    sources: list[SourceOut]
    outcomes: list[OutcomeOut]
    position: PositionOut
    instalments: list[InstalmentOut]
    alerts: list[str]
    spend: list[SpendOut]
    notices: list[NoticeOut]


class ReceiptOut(Out):
    id: uuid.UUID
    agreement_id: uuid.UUID
    instalment_number: int | None
    received_on: date
    pence: int
    source: str
    reference: str


class EvidenceOut(Out):
    id: uuid.UUID
    filename: str
    content_type: str
    sha256: str


class AdvanceOut(Out):
    id: uuid.UUID
    agreement_id: uuid.UUID
    fund_id: uuid.UUID
    pence: int
    advanced_on: date
    reason: str
    asked_by_id: uuid.UUID | None
    approved_by_id: uuid.UUID | None


def _position(found: service.Position) -> PositionOut:
    return PositionOut(received_pence=found.received, advanced_pence=found.advanced, drawn_pence=found.drawn,
                       spent_pence=found.spent, fees_pence=found.fees, returned_pence=found.returned,
                       recovered_pence=found.recovered, balance_pence=found.balance, reserved_pence=found.reserved,
                       contingency_pence=found.contingency, available_pence=found.available)


def _rows(db, model, agreement: IsfAgreement, *order) -> list:
    return list(db.exec(select(model).where(model.agreement_id == agreement.id).order_by(*order)))


def _out(db, agreement: IsfAgreement) -> IsfOut:
    day = today(db)
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    child = db.get(Child, arrangement.child_id)
    return IsfOut(
        **{name: getattr(agreement, name) for name in AgreementOut.model_fields}, child_id=child.id,
        child_name=child.display_name, arrangement_name=arrangement.name,
        sources=[SourceOut.model_validate(s) for s in _rows(db, IsfSource, agreement, IsfSource.source)],
        outcomes=[OutcomeOut.model_validate(o) for o in _rows(db, IsfOutcome, agreement, IsfOutcome.text)],
        position=_position(service.position(db, agreement, day)),
        instalments=[InstalmentOut(number=i.period.number, starts_on=i.period.starts_on, ends_on=i.period.ends_on,
                                   due_pence=i.period.pence, received_pence=i.received, state=i.state(day))
                     for i in attention.instalments(db, agreement)],
        alerts=attention.alerts(db, agreement, day),
        spend=[SpendOut.model_validate(s)
               for s in _rows(db, IsfSpend, agreement, IsfSpend.spent_on, IsfSpend.created_at)],
        notices=[NoticeOut.model_validate(n)
                 for n in _rows(db, RepaymentNotice, agreement, RepaymentNotice.issued_on)])


def _readable(db, user: User, agreement_id: uuid.UUID) -> IsfAgreement:
    """The ISF, if this user may read it: another family's answers exactly as one that does not exist. Staff read
    any ISF, the administrator too, to decide the spending above finance's limit."""
    agreement = service.get_agreement(db, agreement_id)
    if user.role == Role.admin:
        return agreement
    try:
        child_for(db, user, db.get(Arrangement, agreement.arrangement_id).child_id, scope="statements")
    except NotFound:
        raise NotFound("No such ISF") from None
    return agreement


def _spend(db, spend_id: uuid.UUID) -> IsfSpend:
    found = db.get(IsfSpend, spend_id)
    if found is None or found.kind != "supplier":
        raise NotFound("No such spend waiting for a decision")
    return found


def _notice(db, notice_id: uuid.UUID) -> RepaymentNotice:
    found = db.get(RepaymentNotice, notice_id)
    if found is None:
        raise NotFound("No such repayment notice")
    return found


@router.get("/isfs", response_model=list[IsfSummaryOut])
def list_isfs(db: DB, _: User = ALL_STAFF):
    day = today(db)
    rows = db.exec(select(IsfAgreement, Arrangement, Child)
                   .join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .join(Child, Child.id == Arrangement.child_id).order_by(Child.last_name, Child.first_name)).all()
    found = []
    for agreement, arrangement, child in rows:
        now = service.position(db, agreement, day)
        found.append(IsfSummaryOut(id=agreement.id, child_name=child.display_name, arrangement_name=arrangement.name,
                                   balance_pence=now.balance, reserved_pence=now.reserved,
                                   available_pence=now.available, closed_on=agreement.closed_on,
                                   alerts=attention.alerts(db, agreement, day)))
    return found


@router.post("/isfs", response_model=IsfOut, status_code=201)
def make_isf(db: DB, body: AgreementBody, _: User = FINANCE):
    """An ISF agreement on a child's personal budget that the hospice holds."""
    if body.key_worker_id is not None and db.get(User, body.key_worker_id) is None:
        raise FieldErrors({"key_worker_id": "is not a known user"})
    with unit_of_work(db):
        agreement = service.make_agreement(db, service.AgreementIn(**body.model_dump()))
    return _out(db, agreement)


@router.get("/isfs/{agreement_id}", response_model=IsfOut)
def read_isf(db: DB, agreement_id: uuid.UUID, user: User = READERS):
    """Staff read any ISF; a family user only their own child's (any other is 404, as if it did not exist)."""
    return _out(db, _readable(db, user, agreement_id))


@router.post("/isfs/{agreement_id}/receipts", response_model=ReceiptOut, status_code=201)
def record_receipt(db: DB, agreement_id: uuid.UUID, body: ReceiptIn, user: User = FINANCE):
    """Money in; an advance from a charitable fund is paid back from it first, as far as it goes."""
    agreement = service.get_agreement(db, agreement_id)
    with unit_of_work(db):
        receipt = service.record_receipt(db, agreement, body.pence, body.received_on, body.source, body.reference,
                                         body.instalment_number, user.id)
    return ReceiptOut.model_validate(receipt)


@router.post("/isfs/{agreement_id}/outcomes", response_model=OutcomeOut, status_code=201)
def add_outcome(db: DB, agreement_id: uuid.UUID, body: OutcomeIn, _: User = STAFF):
    agreement = service.get_agreement(db, agreement_id)
    with unit_of_work(db):
        outcome = IsfOutcome(agreement_id=agreement.id, text=body.text, source=body.source, review_on=body.review_on)
        db.add(outcome)
    return OutcomeOut.model_validate(outcome)


@router.post("/isf-evidence", response_model=EvidenceOut, status_code=201)
def upload_evidence(db: DB, evidence: UploadFile = File(description="The receipt or invoice: PDF, JPEG or PNG, "
                                                                           "at most 5 MB"), _: User = STAFF):
    """Multipart upload of a spend's evidence; send the id it answers with as `evidence_id` when asking to spend."""
    content = read_upload(evidence, "evidence", service.EVIDENCE_MAX_BYTES)
    with unit_of_work(db):
        found = service.store_evidence(db, evidence.filename or "evidence", evidence.content_type or "", content)
    return EvidenceOut.model_validate(found)


@router.post("/isfs/{agreement_id}/spend", response_model=SpendOut, status_code=201)
def ask_spend(db: DB, agreement_id: uuid.UUID, body: SpendIn, user: User = STAFF):
    """Ask to pay a supplier from the ISF, with an outcome and evidence (an id from POST /api/isf-evidence). Nothing
    is paid until someone else allowed the amount approves it at POST /api/isf-spend/{id}/decision."""
    agreement = service.get_agreement(db, agreement_id)
    try:
        with unit_of_work(db):
            spend = service.ask_spend(db, agreement, body.pence, body.spent_on, body.description, body.outcome_id,
                                      body.supplier_id, body.evidence_id, user, body.from_contingency)
    except FieldErrors as exc:
        raise FieldErrors({{"evidence": "evidence_id"}.get(k, k): v for k, v in exc.errors.items()}) from None
    return SpendOut.model_validate(spend)


@router.post("/isf-spend/{spend_id}/decision", response_model=SpendOut)
def decide_spend(db: DB, spend_id: uuid.UUID, body: DecisionIn, user: User = ALL_STAFF):
    """Approve (and pay) or refuse a supplier's payment: never by the person who asked; a key worker up to £500.00,
    finance up to £5,000.00, an administrator above; never beyond what the ISF has available."""
    spend = _spend(db, spend_id)
    with unit_of_work(db):
        if body.approve:
            service.approve_spend(db, spend, user, today(db), today(db))
        else:
            service.refuse_spend(db, spend, user, today(db))
    return SpendOut.model_validate(spend)


@router.post("/isfs/{agreement_id}/fees", response_model=list[SpendOut])
def post_fees(db: DB, agreement_id: uuid.UUID, user: User = FINANCE):
    """Post the fee of every period begun and not yet charged, each by itself; answers the fees posted now."""
    agreement, day = service.get_agreement(db, agreement_id), today(db)
    with unit_of_work(db):
        posted = [service.post_fee(db, agreement, period, user.id, today=day) for period in service.periods_of(agreement)
                  if period.starts_on <= day]
    return [SpendOut.model_validate(fee) for fee in posted if fee is not None]


@router.post("/isfs/{agreement_id}/notices", response_model=NoticeOut, status_code=201)
def record_notice(db: DB, agreement_id: uuid.UUID, body: NoticeIn, user: User = FINANCE):
    """A commissioner's statutory repayment notice, recorded as issued."""
    agreement = service.get_agreement(db, agreement_id)
    with unit_of_work(db):
        notice = returns.record_notice(db, agreement, body.pence, body.reasons, body.deadline,
                                       body.issued_on or today(db), body.repaid_by, user.id)
    return NoticeOut.model_validate(notice)


@router.post("/isf-notices/{notice_id}/reconsideration", response_model=NoticeOut)
def ask_reconsideration(db: DB, notice_id: uuid.UUID, _: User = FINANCE):
    notice = _notice(db, notice_id)
    with unit_of_work(db):
        returns.ask_reconsideration(db, notice)
    return NoticeOut.model_validate(notice)


@router.post("/isf-notices/{notice_id}/repay", response_model=NoticeOut)
def repay(db: DB, notice_id: uuid.UUID, user: User = FINANCE):
    """Pay the notice's amount back from the ISF today."""
    notice = _notice(db, notice_id)
    with unit_of_work(db):
        returns.repay(db, notice, today(db), user.id)
    return NoticeOut.model_validate(notice)


@router.post("/isf-notices/{notice_id}/withhold", response_model=NoticeOut)
def withhold(db: DB, notice_id: uuid.UUID, _: User = FINANCE):
    """The commissioner keeps the amount back from its next instalments: no money moves."""
    notice = _notice(db, notice_id)
    with unit_of_work(db):
        returns.withhold(db, notice, today(db))
    return NoticeOut.model_validate(notice)


@router.post("/isfs/{agreement_id}/advances", response_model=AdvanceOut, status_code=201)
def advance(db: DB, agreement_id: uuid.UUID, body: AdvanceIn, user: User = FINANCE):
    """A charitable fund lends the ISF money, recovered from its next instalments. The signed-in user approves it
    and must not be the person who asked (`asked_by_id`)."""
    agreement = service.get_agreement(db, agreement_id)
    asker = db.get(User, body.asked_by_id)
    if asker is None:
        raise FieldErrors({"asked_by_id": "is not a known user"})
    with unit_of_work(db):
        made = returns.advance(db, agreement, body.fund_id, body.pence, body.reason, asker, user, today(db))
    return AdvanceOut.model_validate(made)


@router.post("/isfs/{agreement_id}/close", response_model=IsfOut)
def close(db: DB, agreement_id: uuid.UUID, body: CloseIn, _: User = FINANCE):
    """Close the ISF today: only once nothing is left in it."""
    agreement = service.get_agreement(db, agreement_id)
    with unit_of_work(db):
        returns.close(db, agreement, body.reason, today(db))
    return _out(db, agreement)
