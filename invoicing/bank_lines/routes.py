"""Bank statement pages for finance: import a file, confirm a held one, match lines to invoices or ignore them;
and the settings page of banks' CSV layouts."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from provider.bank import importing, layouts

from invoicing.bank_lines import views

from invoicing.bank_lines import matching
from provider.bank.models import BankImport, BankLine
from provider.audit.routes import register_history
from provider.clock import today
from provider.db import unit_of_work
from provider.errors import FieldErrors, NotFound
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.forms import form_data, read_upload
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
FINANCE = allow(Role.finance)
MAX_BYTES = 20 * 1024 * 1024
TOO_LARGE = "The file is larger than 20 MB: import a month or a quarter at a time."
register_history("bank_column_maps", Role.finance)


def _index(request: Request, db, errors: dict | None = None, values: dict | None = None, status: int = 200):
    done = request.query_params.get("import")
    record = db.get(BankImport, _uuid(done)) if done and _uuid(done) else None
    accounts = views.accounts(db)
    names = {a.account.id: importing.label(a.account) for a in accounts}
    return render(request, "bank/index.html", {
        "accounts": accounts, "held": views.imports(db, "held"), "imports": views.imports(db),
        "names": names, "errors": errors or {}, "values": values or {},
        "done": importing.summary(record, views.get_account(db, record.bank_account_id)) if record else None}, status)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@router.get("/bank")
def bank_page(request: Request, db: DB, _: User = FINANCE):
    return _index(request, db)


@router.post("/bank/imports")
def bank_import(request: Request, db: DB, user: User = FINANCE):
    data = form_data(request)
    upload, account_id = data.get("file"), _uuid(data.get("account_id"))
    values = {"account_id": data.get("account_id")}
    try:
        if account_id is None:
            raise FieldErrors({"account_id": "choose the account the statement is for"})
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise FieldErrors({"file": "Choose the statement file to import."})
        content = read_upload(upload, "file", MAX_BYTES, TOO_LARGE)
        with unit_of_work(db):
            record = importing.import_file(db, views.get_account(db, account_id), upload.filename, content, user.id)
    except FieldErrors as exc:
        return _index(request, db, exc.errors, values, 422)
    return RedirectResponse(f"/bank?import={record.id}", status_code=303)


def _decide(request: Request, db, import_id: uuid.UUID, decide, user: User):
    try:
        with unit_of_work(db):
            record = decide(db, import_id, user.id)
    except FieldErrors as exc:
        return _index(request, db, exc.errors, {}, 422)
    return RedirectResponse(f"/bank?import={record.id}", status_code=303)


@router.post("/bank/imports/{import_id}/confirm")
def import_confirm(request: Request, db: DB, import_id: uuid.UUID, user: User = FINANCE):
    return _decide(request, db, import_id, importing.confirm, user)


@router.post("/bank/imports/{import_id}/discard")
def import_discard(request: Request, db: DB, import_id: uuid.UUID, user: User = FINANCE):
    return _decide(request, db, import_id, importing.discard, user)


def _lines(request: Request, db, account_id: uuid.UUID, errors: dict | None = None, status: int = 200):
    account = views.get_account(db, account_id)
    rows = views.rows(db, account.id)
    return render(request, "bank/lines.html", {
        "account": account, "label": importing.label(account), "errors": errors or {},
        "to_match": [r for r in rows if r.state == "unmatched" and r.line.amount_pence > 0],
        "other": [r for r in rows if r.state == "unmatched" and r.line.amount_pence <= 0],
        "matched": [r for r in rows if r.state == "matched"], "ignored": [r for r in rows if r.state == "ignored"],
        "done": request.query_params.get("done")}, status)


@router.get("/bank/lines")
def lines_page(request: Request, db: DB, account: uuid.UUID | None = None, _: User = FINANCE):
    if account is None:
        found = views.accounts(db)
        if not found:
            raise NotFound("No bank accounts have been entered: add one in Settings")
        account = max(found, key=lambda a: a.unmatched).account.id
    return _lines(request, db, account)


def _line(db, line_id: uuid.UUID) -> BankLine:
    line = db.get(BankLine, line_id)
    if line is None:
        raise NotFound("No such bank statement line")
    return line


def _on_line(request: Request, db, line_id: uuid.UUID, action: str, change):
    line = _line(db, line_id)
    try:
        with unit_of_work(db):
            change(line)
    except FieldErrors as exc:
        problem = "; ".join(v if k == "suggestion" else f"{k.replace('_', ' ').capitalize()} {v}"
                            for k, v in exc.errors.items())
        return _lines(request, db, line.bank_account_id, {f"line-{line_id}": problem}, 422)
    return RedirectResponse(f"/bank/lines?account={line.bank_account_id}&done={action}#line-{line_id}",
                            status_code=303)


@router.post("/bank/lines/{line_id}/accept")
def line_accept(request: Request, db: DB, line_id: uuid.UUID, user: User = FINANCE):
    data = form_data(request)
    key = f"chosen:{data['invoices']}" if data.get("invoices") else data.get("suggestion") or ""
    return _on_line(request, db, line_id, "matched",
                    lambda line: matching.accept(db, line.id, key, today(db), user.id))


@router.post("/bank/lines/{line_id}/ignore")
def line_ignore(request: Request, db: DB, line_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    return _on_line(request, db, line_id, "ignored", lambda line: matching.ignore(db, line.id, data.get("reason")))


@router.post("/bank/lines/{line_id}/restore")
def line_restore(request: Request, db: DB, line_id: uuid.UUID, _: User = FINANCE):
    return _on_line(request, db, line_id, "restored", lambda line: matching.restore(db, line.id))


def _layouts(request: Request, db, errors: dict | None = None, values: dict | None = None, status: int = 200):
    return render(request, "bank/layouts.html", {
        "layouts": layouts.layouts(db), "accounts": views.accounts(db), "delimiters": layouts.DELIMITERS,
        "separators": layouts.SEPARATORS,
        "errors": errors or {}, "values": values or {"date_format": "%d/%m/%Y", "delimiter": "comma"},
        "saved": request.query_params.get("saved")}, status)


@router.get("/settings/bank-layouts")
def layouts_page(request: Request, db: DB, _: User = FINANCE):
    return _layouts(request, db)


@router.post("/settings/bank-layouts")
def layout_add(request: Request, db: DB, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            layouts.add_layout(db, data)
    except FieldErrors as exc:
        return _layouts(request, db, exc.errors, data, 422)
    return RedirectResponse("/settings/bank-layouts?saved=layout", status_code=303)


@router.post("/settings/bank-layouts/accounts/{account_id}")
def layout_account(request: Request, db: DB, account_id: uuid.UUID, _: User = FINANCE):
    data = form_data(request)
    try:
        with unit_of_work(db):
            layouts.set_account(db, views.get_account(db, account_id), data)
    except FieldErrors as exc:
        return _layouts(request, db, {f"{k}-{account_id}": v for k, v in exc.errors.items()}, None, 422)
    return RedirectResponse("/settings/bank-layouts?saved=account", status_code=303)
