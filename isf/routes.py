"""ISF pages for finance and key workers: the list needing attention, one ISF's money, receipts, asking for and
approving a supplier's payment with its evidence, outcomes, fees, and suppliers' bank details."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.datastructures import UploadFile

from isf import attention, contributions, projection, service
from isf.models import Evidence, IsfAgreement, IsfOutcome, IsfReceipt, IsfSpend, SpendStatus, Supplier
from isf.suppliers import confirm_bank_details, propose_bank_details
from provider.audit.routes import register_history
from provider.audit.viewed import record_view
from provider.clock import today
from provider.dates import short_date
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.filenames import slug
from provider.catalogue.models import Service
from provider.funding.models import Arrangement, ArrangementService
from provider.people.models import Child
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.downloads import download
from provider.web.forms import date_field, form_data, id_field, pounds_field, read_upload
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
STAFF = allow(Role.finance, Role.coordinator)
APPROVERS = allow(Role.finance, Role.coordinator, Role.admin)
for _table in ("isf_agreements", "isf_sources", "isf_outcomes", "isf_suppliers"):
    register_history(_table, Role.finance)


def _names(db) -> dict[uuid.UUID, tuple[Arrangement, Child]]:
    rows = db.exec(select(IsfAgreement, Arrangement, Child).join(Arrangement, Arrangement.id == IsfAgreement.arrangement_id)
                   .join(Child, Child.id == Arrangement.child_id)).all()
    return {a.id: (arr, child) for a, arr, child in rows}


@router.get("/isf")
def isf_list(request: Request, db: DB, _: User = STAFF):
    day = today(db)
    agreements = db.exec(select(IsfAgreement)).all()
    return render(request, "isf/list.html", {
        "rows": [(a, service.position(db, a, day), attention.alerts(db, a, day)) for a in agreements],
        "names": _names(db)})


def _own_services(db, agreement: IsfAgreement) -> list[Service]:
    """The hospice's services this ISF pays for, as the family agreed them."""
    return db.exec(select(Service).join(ArrangementService, ArrangementService.service_id == Service.id)
                   .where(ArrangementService.arrangement_id == agreement.arrangement_id)
                   .order_by(Service.name)).all()


def _page(request: Request, db, agreement: IsfAgreement, user: User, errors: dict | None = None,
          values: dict | None = None, status: int = 200):
    day = today(db)
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    spend = db.exec(select(IsfSpend).where(IsfSpend.agreement_id == agreement.id)
                    .order_by(IsfSpend.spent_on.desc(), IsfSpend.created_at.desc())).all()
    return render(request, "isf/view.html", {
        "agreement": agreement, "arrangement": arrangement, "child": db.get(Child, arrangement.child_id),
        "position": service.position(db, agreement, day), "alerts": attention.alerts(db, agreement, day),
        "instalments": attention.instalments(db, agreement), "today": day,
        "receipts": db.exec(select(IsfReceipt).where(IsfReceipt.agreement_id == agreement.id)
                            .order_by(IsfReceipt.received_on)).all(),
        "spend": spend, "outcomes": db.exec(select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id)).all(),
        "suppliers": db.exec(select(Supplier).order_by(Supplier.name)).all(),
        "names": {u.id: u.name for u in db.exec(select(User))}, "me": user,
        "instalment_choices": [("", "Not an instalment")] + [(str(p.number), f"{p.number}: {short_date(p.starts_on)}")
                                                             for p in service.periods_of(agreement)],
        "supplier_choices": [("", "Choose a supplier")] + [(str(s.id), s.name) for s in
                                                           db.exec(select(Supplier).order_by(Supplier.name))],
        "outcome_choices": [("", "Choose an outcome")] + [(str(o.id), o.text) for o in db.exec(
            select(IsfOutcome).where(IsfOutcome.agreement_id == agreement.id))],
        "service_choices": [("", "None: money paid to other suppliers")] + [
            (str(s.id), s.name) for s in _own_services(db, agreement)],
        "service_names": {s.id: s.name for s in _own_services(db, agreement)},
        "split": contributions.of(db, agreement), "projection": projection.for_agreement(db, agreement, day), "errors": errors or {}, "values": values or {}}, status)


@router.get("/isf/{agreement_id}")
def isf_view(request: Request, db: DB, agreement_id: uuid.UUID, user: User = STAFF):
    agreement = service.get_agreement(db, agreement_id)
    record_view(db, user, db.get(Arrangement, agreement.arrangement_id).child_id, "ISF", request.url.path)
    return _page(request, db, agreement, user)


@router.post("/isf/{agreement_id}/receipts")
def isf_receipt(request: Request, db: DB, agreement_id: uuid.UUID, user: User = allow(Role.finance)):
    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    try:
        pence = pounds_field(data.get("receipt_amount"), "pence")
        received = date_field(data.get("received_on"), "received_on", required=True)
        number = int(data["instalment_number"]) if (data.get("instalment_number") or "").isdigit() else None
        with unit_of_work(db):
            service.record_receipt(db, agreement, pence, received, data.get("source") or "social_care",
                                   data.get("reference") or "", number, user.id)
    except FieldErrors as exc:
        return _page(request, db, agreement, user, {{"pence": "receipt_amount"}.get(k, k): v
                                                    for k, v in exc.errors.items()}, data, 422)
    return RedirectResponse(f"/isf/{agreement.id}", status_code=303)


@router.post("/isf/{agreement_id}/spend")
def isf_spend(request: Request, db: DB, agreement_id: uuid.UUID, user: User = STAFF):
    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    upload = data.get("evidence")
    try:
        pence = pounds_field(data.get("spend_amount"), "pence")
        spent_on = date_field(data.get("spent_on"), "spent_on", required=True)
        with unit_of_work(db):
            evidence = None
            if isinstance(upload, UploadFile) and upload.filename:
                evidence = service.store_evidence(db, upload.filename, upload.content_type or "",
                                                  read_upload(upload, "evidence", service.EVIDENCE_MAX_BYTES))
            service.ask_spend(db, agreement, pence, spent_on, data.get("description") or "",
                              id_field(data.get("outcome_id")), id_field(data.get("supplier_id")),
                              evidence.id if evidence else None, user, data.get("from_contingency") == "true")
    except FieldErrors as exc:
        shown = {k: v for k, v in data.items() if not isinstance(v, UploadFile)}
        return _page(request, db, agreement, user, {{"pence": "spend_amount"}.get(k, k): v
                                                    for k, v in exc.errors.items()}, shown, 422)
    return RedirectResponse(f"/isf/{agreement.id}?asked=1", status_code=303)


@router.post("/isf/spend/{spend_id}/decision")
def isf_decide(request: Request, db: DB, spend_id: uuid.UUID, user: User = APPROVERS):
    spend = db.get(IsfSpend, spend_id)
    if spend is None or spend.kind != "supplier":
        raise NotFound("No such spend waiting for a decision")
    agreement = db.get(IsfAgreement, spend.agreement_id)
    data = form_data(request)
    try:
        with unit_of_work(db):
            if data.get("decision") == "refuse":
                service.refuse_spend(db, spend, user, today(db))
            else:
                service.approve_spend(db, spend, user, today(db), today(db))
    except FieldErrors as exc:
        return _page(request, db, agreement, user, exc.errors, {}, 422)
    return RedirectResponse(f"/isf/{agreement.id}", status_code=303)


@router.post("/isf/{agreement_id}/outcomes")
def isf_outcome(request: Request, db: DB, agreement_id: uuid.UUID, user: User = STAFF):
    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    text = (data.get("outcome_text") or "").strip()
    if not text:
        return _page(request, db, agreement, user, {"outcome_text": "is required: the outcome in the plan's words"},
                     data, 422)
    review = None
    try:
        review = date_field(data["review_on"], "review_on", required=True) if data.get("review_on") else None
    except FieldErrors as exc:
        return _page(request, db, agreement, user, exc.errors, data, 422)
    served_by = None
    if data.get("outcome_service_id"):
        served_by = next((s.id for s in _own_services(db, agreement) if str(s.id) == data["outcome_service_id"]), None)
        if served_by is None:
            return _page(request, db, agreement, user, {"outcome_service_id": "must be one of the services this ISF "
                                                                              "pays for"}, data, 422)
    with unit_of_work(db):
        db.add(IsfOutcome(agreement_id=agreement.id, text=text, source=data.get("outcome_source") or "",
                          review_on=review, service_id=served_by))
    return RedirectResponse(f"/isf/{agreement.id}", status_code=303)


@router.post("/isf/{agreement_id}/fees")
def isf_fees(request: Request, db: DB, agreement_id: uuid.UUID, user: User = allow(Role.finance)):
    """Post the fee of every period begun and not yet charged, each by itself."""
    agreement = service.get_agreement(db, agreement_id)
    try:
        with unit_of_work(db):
            for period in service.periods_of(agreement):
                if period.starts_on <= today(db):
                    service.post_fee(db, agreement, period, user.id, today=today(db))
    except FieldErrors as exc:
        return _page(request, db, agreement, user, exc.errors, None, 422)
    return RedirectResponse(f"/isf/{agreement.id}", status_code=303)


@router.get("/isf/evidence/{evidence_id}")
def isf_evidence(db: DB, evidence_id: uuid.UUID, _: User = STAFF):
    found = db.get(Evidence, evidence_id)
    if found is None:
        raise NotFound("No such evidence")
    return download(found.content, found.content_type, found.filename)      # an upload: saved, never shown


@router.get("/isf-suppliers")
def suppliers(request: Request, db: DB, user: User = STAFF, errors: dict | None = None):
    return _suppliers(request, db, user, {}, {})


def _suppliers(request: Request, db, user: User, errors: dict, values: dict, status: int = 200):
    return render(request, "isf/suppliers.html", {
        "suppliers": db.exec(select(Supplier).order_by(Supplier.name)).all(), "me": user,
        "names": {u.id: u.name for u in db.exec(select(User))}, "errors": errors, "values": values}, status)


@router.post("/isf-suppliers")
def supplier_add(request: Request, db: DB, user: User = STAFF):
    data = form_data(request)
    name = (data.get("name") or "").strip()
    if not name:
        return _suppliers(request, db, user, {"name": "is required"}, data, 422)
    if db.exec(select(Supplier).where(Supplier.name == name)).first():
        return _suppliers(request, db, user, {"name": "is already a supplier"}, data, 422)
    with unit_of_work(db):
        db.add(Supplier(name=name))
    return RedirectResponse("/isf-suppliers", status_code=303)


@router.post("/isf-suppliers/{supplier_id}/bank")
def supplier_bank(request: Request, db: DB, supplier_id: uuid.UUID, user: User = STAFF):
    supplier = db.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("No such supplier")
    data = form_data(request)
    try:
        with unit_of_work(db):
            if data.get("confirm") == "yes":
                confirm_bank_details(db, supplier, user)
            else:
                propose_bank_details(db, supplier, data.get("sort_code") or "", data.get("account_number") or "",
                                     user)
    except FieldErrors as exc:
        return _suppliers(request, db, user, exc.errors, data, 422)
    return RedirectResponse("/isf-suppliers", status_code=303)


@router.get("/isf/{agreement_id}/surplus.pdf")
def isf_surplus_pdf(db: DB, agreement_id: uuid.UUID, _: User = allow(Role.finance)):
    from isf import surplus

    found = surplus.surplus(db, service.get_agreement(db, agreement_id), today(db))
    return download(surplus.statement_pdf(found), "application/pdf", f"surplus-{slug(found.child)}.pdf",
                    inline=True)


@router.post("/isf/{agreement_id}/letter")
def isf_letter(request: Request, db: DB, agreement_id: uuid.UUID, user: User = allow(Role.finance)):
    from isf import surplus

    agreement = service.get_agreement(db, agreement_id)
    data = form_data(request)
    try:
        with unit_of_work(db):
            surplus.send_family_letter(db, request.app.state.settings, agreement, today(db),
                                       data.get("decided_by"), user.id)
    except FieldErrors as exc:
        return _page(request, db, agreement, user, exc.errors, data, 422)
    return RedirectResponse(f"/isf/{agreement.id}?letter=1", status_code=303)
