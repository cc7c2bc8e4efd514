"""The ISF client account for finance: its statement lines matched to ISF receipts and payments, and the
reconciliation of its balance with the ISFs' (page and API). Statements are imported on the Bank page."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from isf import banking, reconcile
from provider.db import unit_of_work
from provider.errors import FieldErrors
from provider.users.models import Role, User
from provider.web.deps import API_ERRORS, DB, allow
from provider.web.forms import form_data
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/isf-client-account", responses=API_ERRORS, tags=["isf"])
FINANCE = allow(Role.finance)


def _page(request: Request, db, errors: dict | None = None, status: int = 200):
    account = banking.client_account(db)
    rows = banking.rows(db, account)
    return render(request, "isf/bank.html", {
        "account": account, "errors": errors or {}, "done": request.query_params.get("done"),
        "to_match": [r for r in rows if r.state == "to_match"], "matched": [r for r in rows if r.state == "matched"],
        "ignored": [r for r in rows if r.state == "ignored"], "expected": banking.expected(db),
        "uncleared": banking.uncleared(db), "found": reconcile.reconcile(db)}, status)


@router.get("/isf-client-account")
def client_account_page(request: Request, db: DB, _: User = FINANCE):
    return _page(request, db)


@router.post("/isf-client-account/lines/{line_id}/accept")
def line_accept(request: Request, db: DB, line_id: uuid.UUID, user: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            banking.accept(db, line_id, data.get("chosen") or data.get("suggestion") or "", user.id)
    except FieldErrors as exc:
        return _page(request, db, {f"line-{line_id}": "; ".join(exc.errors.values())}, 422)
    return RedirectResponse(f"/isf-client-account?done=matched#line-{line_id}", status_code=303)


class DetailOut(BaseModel):
    on: date | None
    text: str
    pence: int


class ItemOut(BaseModel):
    label: str
    pence: int
    details: list[DetailOut]


class ReconciliationOut(BaseModel):
    account: str
    last_line_on: date | None
    bank_balance_pence: int = Field(description="The sum of every imported line of the ISF client account")
    isf_balances_pence: int
    items: list[ItemOut] = Field(description="Each added to the ISF balances on the way to the bank's balance")
    unexplained_pence: int


class LineOut(BaseModel):
    id: uuid.UUID
    booked_on: date
    amount_pence: int
    reference: str
    description: str
    state: str
    matched_as: str
    suggestions: list[dict[str, str]]


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(description="receipt:<ISF id>:<instalment>, spend:<spend id> or transfer", max_length=200)


@api.get("/reconciliation", response_model=ReconciliationOut)
def reconciliation(db: DB, _: User = FINANCE):
    found = reconcile.reconcile(db)
    return ReconciliationOut(
        account=found.account.label or found.account.account_name, last_line_on=found.last_line_on,
        bank_balance_pence=found.bank_balance, isf_balances_pence=found.isf_balances,
        items=[ItemOut(label=i.label, pence=i.pence, details=[DetailOut(**vars(d)) for d in i.details])
               for i in found.items], unexplained_pence=found.unexplained)


@api.get("/lines", response_model=list[LineOut])
def lines(db: DB, _: User = FINANCE):
    return [LineOut(id=r.line.id, booked_on=r.line.booked_on, amount_pence=r.line.amount_pence,
                    reference=r.line.reference, description=r.line.description, state=r.state,
                    matched_as=r.matched_as, suggestions=[{"key": s.key, "why": s.why} for s in r.suggestions])
            for r in banking.rows(db, banking.client_account(db))]


@api.post("/lines/{line_id}/accept", response_model=LineOut)
def accept(line_id: uuid.UUID, body: AcceptIn, db: DB, user: User = FINANCE):
    with unit_of_work(db):
        banking.accept(db, line_id, body.key, user.id)
    return next(x for x in lines(db, user) if x.id == line_id)
