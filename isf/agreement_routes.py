"""Pages for an ISF's agreement and its end: making an agreement with its sources, repayment notices, returns,
advances from a charitable fund, the projection to the end of the schedule, and closing.

The new-agreement page lives at /isf-agreements/new, beside /isf-suppliers: /isf/new would be taken by the ISF page's
/isf/{agreement_id}, which is registered first."""
from __future__ import annotations

import re
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select

from isf import projection, returns, schedule, service
from isf.models import Advance, IsfAgreement, IsfSource, RepaymentNotice
from provider.audit.routes import register_history
from provider.catalogue.models import VAT_LABELS
from provider.clock import today
from provider.dates import short_date
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.funders.models import CharitableFund, Funder
from provider.funding.models import (
    BUDGET_LAW_LABELS, MANAGEMENT_OPTION_LABELS, Arrangement, ArrangementStatus, BudgetSource, ManagementOption,
)
from provider.money import pounds_text
from provider.people.models import Child
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import date_field, form_data, id_field, pounds_field
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
register_history("isf_repayment_notices", Role.finance)

HELD = (ManagementOption.isf, ManagementOption.nominee, ManagementOption.managed_account)
FREQUENCIES = [("four_weekly", "Four-weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")]
SOURCES = [(BudgetSource.social_care, "Social care"), (BudgetSource.health, "Health"),
           (BudgetSource.education, "Education")]
NEW_DEFAULTS = {"frequency": "four_weekly", "fee_kind": "fixed", "fee_vat": "exempt", "owed_to": "commissioner",
                "source-social_care-law": "children_act", "source-health-law": "nhs_direct_payments",
                "source-education-law": "sen_personal_budgets"}
CLOSE_REASONS = {"year_end": "The year's end", "end_of_agreement": "The end of the agreement",
                 "death": "The child's death"}


# --- a new agreement ------------------------------------------------------------------------------------------

def _without_agreement(db) -> list[tuple[str, str]]:
    taken = select(IsfAgreement.arrangement_id)
    rows = db.exec(select(Arrangement, Child).join(Child, Child.id == Arrangement.child_id)
                   .where(Arrangement.management.in_(HELD), Arrangement.status != ArrangementStatus.ended,
                          Arrangement.id.not_in(taken)).order_by(Child.last_name, Child.first_name, Arrangement.name))
    return [(str(a.id), f"{c.display_name}: {a.name} ({MANAGEMENT_OPTION_LABELS[a.management]})") for a, c in rows]


def _new_form(request: Request, db, errors: dict | None = None, values: dict | None = None, status: int = 200):
    coordinators = db.exec(select(User).where(User.role == Role.coordinator, User.is_active).order_by(User.name))
    return render(request, "isf/agreement_new.html", {
        "arrangements": _without_agreement(db), "frequencies": FREQUENCIES, "sources": SOURCES,
        "laws": [(k.value, v) for k, v in BUDGET_LAW_LABELS.items()],
        "vat": [(k.value, v) for k, v in VAT_LABELS.items()],
        "key_workers": [(str(u.id), u.name) for u in coordinators],
        "errors": errors or {}, "values": values or NEW_DEFAULTS}, status)


def _count(value, field: str, errors: dict, required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = "is required"
        return None
    if not re.fullmatch(r"\d{1,6}", value):
        errors[field] = "must be a whole number"
        return None
    return int(value)


def _field(errors: dict, read, *args, **kwargs):
    """A form field read by one of provider.web.forms's readers, its refusal kept in `errors`."""
    try:
        return read(*args, **kwargs)
    except FieldErrors as exc:
        errors.update(exc.errors)
        return None


def _basis_points(value, errors: dict) -> int | None:
    """A percentage such as 5 or 2.5, to basis points (500, 250)."""
    if value in (None, ""):
        errors["fee_percent"] = "is required for a fee that is a share of spend"
        return None
    match = re.fullmatch(r"(\d{1,3})(?:\.(\d{1,2}))?%?", value)
    points = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0")) if match else None
    if points is None or points > 10_000:
        errors["fee_percent"] = "must be a percentage from 0 to 100, like 5 or 2.5"
    return points


def _fee(data: dict, errors: dict) -> tuple[str, int, int]:
    kind = data.get("fee_kind") or "fixed"
    if kind == "fixed":
        if data.get("fee_percent"):
            errors["fee_percent"] = "is for a fee that is a share of spend: leave it blank for a fixed fee"
        pence = _field(errors, pounds_field, data.get("fee_amount"), "fee_amount") or 0
        if pence < 0:
            errors["fee_amount"] = "must not be negative"
        return kind, max(pence, 0), 0
    if kind == "percent":
        if data.get("fee_amount"):
            errors["fee_amount"] = "is for a fixed fee: leave it blank for a fee that is a share of spend"
        return kind, 0, _basis_points(data.get("fee_percent"), errors) or 0
    errors["fee_kind"] = "must be a fixed amount or a share of spend"
    return "fixed", 0, 0


def _sources(data: dict, errors: dict) -> list[IsfSource]:
    """A row for each source given a yearly amount; at least one."""
    found = []
    for source, label in SOURCES:
        key = f"source-{source.value}"
        yearly = _field(errors, pounds_field, data.get(f"{key}-yearly"), f"{key}-yearly")
        law, permitted = data.get(f"{key}-law"), (data.get(f"{key}-permitted") or "").strip()
        if yearly is None:
            if permitted and f"{key}-yearly" not in errors:
                errors[f"{key}-yearly"] = "is required for a source of money: give its yearly amount"
            continue
        if yearly <= 0:
            errors[f"{key}-yearly"] = "must be more than nothing"
        if law not in BUDGET_LAW_LABELS:
            errors[f"{key}-law"] = "is required: the law the budget falls under"
        if not permitted:
            errors[f"{key}-permitted"] = "are required: what the money may be spent on"
        found.append(IsfSource(source=source.value, law=law or "", yearly_pence=yearly, permitted=permitted))
    if not found and not any(k.startswith("source-") for k in errors):
        errors["sources"] = "are required: give the yearly amount of at least one source"
    return found


def _shape(db, data: dict, errors: dict) -> service.AgreementIn | None:
    arrangement_id = id_field(data.get("arrangement_id"))
    if arrangement_id is None:
        errors["arrangement_id"] = "is required: choose the personal budget the hospice holds"
    frequency = data.get("frequency")
    if frequency not in dict(FREQUENCIES):
        errors["frequency"] = "must be four-weekly, monthly or quarterly"
    first = _field(errors, date_field, data.get("first_instalment_on"), "first_instalment_on", required=True)
    count = _count(data.get("instalment_count"), "instalment_count", errors, required=True)
    pence = _field(errors, pounds_field, data.get("instalment_amount"), "instalment_amount")
    if pence is None and "instalment_amount" not in errors:
        errors["instalment_amount"] = "is required"
    elif pence is not None and pence <= 0:
        errors["instalment_amount"] = "must be more than nothing"
    fee_kind, fee_pence, fee_basis_points = _fee(data, errors)
    weeks = _count(data.get("surplus_weeks"), "surplus_weeks", errors)
    limit = _field(errors, pounds_field, data.get("surplus_amount"), "surplus_amount")
    if limit is not None and limit < 0:
        errors["surplus_amount"] = "must not be negative"
    contingency = _field(errors, pounds_field, data.get("contingency"), "contingency") or 0
    if contingency < 0:
        errors["contingency"] = "must not be negative"
    owed_to = data.get("owed_to")
    if owed_to not in ("commissioner", "recipient"):
        errors["owed_to"] = "must be the commissioner or the direct-payment recipient"
    key_worker = _key_worker(db, data, errors)
    review = _field(errors, date_field, data.get("next_review_on"), "next_review_on")
    if data.get("fee_vat") not in VAT_LABELS:
        errors["fee_vat"] = "must be one of the VAT treatments"
    if errors.keys() & {"arrangement_id", "frequency", "first_instalment_on", "instalment_count", "instalment_amount"}:
        return None
    return service.AgreementIn(arrangement_id, frequency, first, count, pence, fee_kind, fee_pence, fee_basis_points,
                               weeks, limit, max(contingency, 0), owed_to or "commissioner",
                               data.get("family_contribution_first") == "true", key_worker, review)


def _key_worker(db, data: dict, errors: dict) -> uuid.UUID | None:
    chosen = id_field(data.get("key_worker_id"))
    worker = db.get(User, chosen) if chosen else None
    if worker is None or worker.role != Role.coordinator or not worker.is_active:
        errors["key_worker_id"] = "is required: the named key worker, a care coordinator"
        return None
    return worker.id


@router.get("/isf-agreements/new")
def agreement_new(request: Request, db: DB, _: User = FINANCE):
    return _new_form(request, db)


@router.post("/isf-agreements/new")
def agreement_create(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    errors: dict[str, str] = {}
    shape, sources = _shape(db, data, errors), _sources(data, errors)
    try:
        with unit_of_work(db):
            if shape is not None:
                try:
                    agreement = service.make_agreement(db, shape)
                except FieldErrors as exc:
                    errors.update({{"surplus_pence": "surplus_amount"}.get(k, k): v for k, v in exc.errors.items()})
            if errors:
                raise FieldErrors(errors)
            agreement.fee_vat = data["fee_vat"]
            for source in sources:
                source.agreement_id = agreement.id
                db.add(source)
            db.add(agreement)
    except FieldErrors as exc:
        return _new_form(request, db, exc.errors, data, 422)
    return RedirectResponse(f"/isf/{agreement.id}", status_code=303)


# --- the ISF's end: notices, returns, advances, closing -------------------------------------------------------

def _returns_page(request: Request, db, agreement: IsfAgreement, user: User, errors: dict | None = None,
                  values: dict | None = None, status: int = 200):
    day = today(db)
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    above = returns.above_limit(db, agreement)
    users = {u.id: u for u in db.exec(select(User))}
    funds = db.exec(select(CharitableFund).where(CharitableFund.is_active).order_by(CharitableFund.name)).all()
    return render(request, "isf/returns_page.html", {
        "agreement": agreement, "arrangement": arrangement, "child": db.get(Child, arrangement.child_id),
        "position": service.position(db, agreement, day), "above": above, "today": day,
        "limit": schedule.surplus_limit(arrangement.yearly_pence or 0, agreement.surplus_weeks,
                                        agreement.surplus_pence),
        "projection": projection.for_agreement(db, agreement, day),
        "notices": db.exec(select(RepaymentNotice).where(RepaymentNotice.agreement_id == agreement.id)
                           .order_by(RepaymentNotice.issued_on, RepaymentNotice.id)).all(),
        "advances": db.exec(select(Advance).where(Advance.agreement_id == agreement.id)
                            .order_by(Advance.advanced_on, Advance.created_at)).all(),
        "outstanding": returns.outstanding_advances(db, agreement), "owed_to": _owed_to(db, agreement, arrangement),
        "fund_names": {f.id: f.name for f in db.exec(select(CharitableFund))},
        "fund_choices": [("", "Choose a fund")] + [(str(f.id), f.name) for f in funds],
        "approver_choices": [("", "Choose who approved it")] + [
            (str(u.id), f"{u.name} ({u.role_label})") for u in sorted(users.values(), key=lambda u: u.name)
            if u.role in (Role.finance, Role.admin) and u.is_active and u.id != user.id],
        "close_reasons": list(CLOSE_REASONS.items()), "names": {k: u.name for k, u in users.items()},
        "errors": errors or {},
        "values": values if values is not None else {
            "notice_amount": pounds_text(above) if above else None, "issued_on": day.isoformat(),
            "repaid_on": day.isoformat(), "closed_on": day.isoformat(), "repaid_by": "hospice"}}, status)


def _owed_to(db, agreement: IsfAgreement, arrangement: Arrangement) -> str:
    funder = db.get(Funder, arrangement.funder_id) if arrangement.funder_id else None
    if agreement.owed_to == "commissioner":
        return funder.name if funder else "the commissioner"
    return "the direct-payment recipient"


def _refused(request: Request, db, agreement: IsfAgreement, user: User, exc: FieldErrors, data: dict, renames: dict):
    return _returns_page(request, db, agreement, user, {renames.get(k, k): v for k, v in exc.errors.items()}, data, 422)


def _open(agreement: IsfAgreement) -> None:
    if agreement.closed_on is not None:
        raise FieldErrors({"agreement": f"the ISF closed on {short_date(agreement.closed_on)}"})


def _back(agreement: IsfAgreement, done: str) -> RedirectResponse:
    return RedirectResponse(f"/isf/{agreement.id}/returns?done={done}", status_code=303)


@router.get("/isf/{agreement_id}/returns")
def returns_view(request: Request, db: DB, agreement_id: uuid.UUID, user: User = FINANCE):
    return _returns_page(request, db, service.get_agreement(db, agreement_id), user)


@router.post("/isf/{agreement_id}/returns/notices")
def notice_record(request: Request, db: DB, agreement_id: uuid.UUID, user: User = FINANCE):
    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    try:
        errors: dict[str, str] = {}
        pence = _field(errors, pounds_field, data.get("notice_amount"), "pence")
        issued = _field(errors, date_field, data.get("issued_on"), "issued_on", required=True)
        deadline = _field(errors, date_field, data.get("deadline"), "deadline")
        if errors:
            raise FieldErrors(errors)
        with unit_of_work(db):
            _open(agreement)
            returns.record_notice(db, agreement, pence, data.get("reasons") or "", deadline, issued,
                                  data.get("repaid_by") or "", user.id)
    except FieldErrors as exc:
        return _refused(request, db, agreement, user, exc, data, {"pence": "notice_amount"})
    return _back(agreement, "notice")


@router.post("/isf/{agreement_id}/returns/notices/{notice_id}")
def notice_act(request: Request, db: DB, agreement_id: uuid.UUID, notice_id: uuid.UUID,
                     user: User = FINANCE):
    """Ask for reconsideration, repay from the ISF, or record that the commissioner withholds it instead."""
    agreement = service.get_agreement(db, agreement_id)
    notice = db.get(RepaymentNotice, notice_id)
    if notice is None or notice.agreement_id != agreement.id:
        raise NotFound("No such repayment notice")
    data = form_data(request)
    action = data.get("action")
    try:
        on = date_field(data.get("repaid_on"), "repaid_on", required=True) if action in ("repay", "withhold") \
            else None
        with unit_of_work(db):
            if action == "reconsider":
                returns.ask_reconsideration(db, notice)
            elif action == "repay":
                returns.repay(db, notice, on, user.id)
            elif action == "withhold":
                returns.withhold(db, notice, on)
            else:
                raise FieldErrors({"notice": "choose to ask for reconsideration, repay, or record it withheld"})
    except FieldErrors as exc:
        return _refused(request, db, agreement, user, exc, data, {})
    return _back(agreement, action)


@router.post("/isf/{agreement_id}/returns/advances")
def advance_record(request: Request, db: DB, agreement_id: uuid.UUID, user: User = FINANCE):
    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    approver_id = id_field(data.get("approved_by"))
    approver = db.get(User, approver_id) if approver_id else None
    try:
        pence = pounds_field(data.get("advance_amount"), "pence")
        if approver is None or not approver.is_active:
            raise FieldErrors({"approved_by": "is required: the person in finance or an administrator who approved "
                                              "it, not you"})
        with unit_of_work(db):
            _open(agreement)
            returns.advance(db, agreement, id_field(data.get("fund_id")), pence, data.get("advance_reason") or "",
                            user, approver, today(db))
    except FieldErrors as exc:
        return _refused(request, db, agreement, user, exc, data, {"pence": "advance_amount", "reason": "advance_reason"})
    return _back(agreement, "advance")


@router.post("/isf/{agreement_id}/returns/close")
def agreement_close(request: Request, db: DB, agreement_id: uuid.UUID, user: User = FINANCE):
    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    try:
        reason = CLOSE_REASONS.get(data.get("close_reason") or "")
        if reason is None:
            raise FieldErrors({"close_reason": "is required: the year's end, the end of the agreement, or the "
                                               "child's death"})
        on = date_field(data.get("closed_on"), "closed_on", required=True)
        with unit_of_work(db):
            returns.close(db, agreement, reason, on)
    except FieldErrors as exc:
        return _refused(request, db, agreement, user, exc, data, {"reason": "close_reason"})
    return _back(agreement, "closed")
