"""The family's own pages (issue 9 item 1): every booking, an invoice as a PDF, a question to the key worker; and the
staff's form granting a family member access. The family's home page is `/` (lantern.pages)."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from invoicing.documents import pdf_for_reading
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.family.view import family_view, invoice_for
from provider.people import family
from provider.people.access import child_for
from provider.people.family_access import BASIS_LABELS, SCOPES, grants_for_child, save_grant
from provider.people.questions import ask
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.downloads import download
from provider.web.forms import date_field, form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FAMILY = allow(Role.family)
GRANTING = allow(Role.coordinator)


@router.get("/family/children/{child_id}/bookings")
def bookings_page(request: Request, db: DB, child_id: uuid.UUID, user: User = FAMILY):
    child = child_for(db, user, child_id, scope="bookings")
    view = next(c for c in family_view(db, user, today(db), every_booking=True).children if c.child.id == child.id)
    return render(request, "family/bookings.html", {"c": view})


@router.get("/family/invoices/{invoice_id}.pdf")
def invoice_pdf(db: DB, invoice_id: uuid.UUID, user: User = FAMILY):
    invoice = invoice_for(db, user, invoice_id)
    if invoice is None:
        raise NotFound("No such invoice.")
    filename, pdf = pdf_for_reading(db, invoice)      # the PDF as issued, the same one the payer was sent
    return download(pdf, "application/pdf", filename, inline=True)


@router.post("/family/children/{child_id}/questions")
def ask_key_worker(request: Request, db: DB, child_id: uuid.UUID, user: User = FAMILY):
    data = form_data(request)
    child = child_for(db, user, child_id)
    try:
        with unit_of_work(db):
            ask(db, child, user, data)
    except FieldErrors as exc:
        view = family_view(db, user, today(db))
        return render(request, "home/family.html", {"f": view, "asking": child.id, "values": data,
                                                    "errors": exc.errors}, 422)
    return RedirectResponse(f"/?asked={child.id}#child-{child.id}", status_code=303)


def _grant_form(request: Request, db, child, member, values: dict, errors: dict, status: int = 200):
    return render(request, "family/grant_form.html", {
        "child": child, "member": member, "values": values, "errors": errors, "scopes": SCOPES,
        "bases": BASIS_LABELS}, status)


@router.get("/children/{child_id}/family/{member_id}/access")
def grant_page(request: Request, db: DB, child_id: uuid.UUID, member_id: uuid.UUID, user: User = GRANTING):
    child = child_for(db, user, child_id)
    member = family.get_family_member(db, member_id)
    grant = grants_for_child(db, child).get(member.id)
    values = {"basis": grant.basis, "consent_on": grant.consent_on, "note": grant.note,
              "address_withheld": grant.address_withheld, **{s: getattr(grant, s) for s in SCOPES}} if grant else {}
    return _grant_form(request, db, child, member, values, {})


@router.post("/children/{child_id}/family/{member_id}/access")
def grant_save(request: Request, db: DB, child_id: uuid.UUID, member_id: uuid.UUID, user: User = GRANTING):
    data = form_data(request)
    child = child_for(db, user, child_id)
    member = family.get_family_member(db, member_id)
    try:
        values = {**data, "consent_on": date_field(data.get("consent_on"), "consent_on")}
        with unit_of_work(db):
            save_grant(db, child, member, values, user, today(db))
    except FieldErrors as exc:
        return _grant_form(request, db, child, member, data, exc.errors, 422)
    return RedirectResponse(f"/children/{child.id}?saved=1#family", status_code=303)
