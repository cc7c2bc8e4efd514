"""ISF statements in the app and as PDFs, for finance, key workers and the child's own family; the commissioner's
monitoring return (PDF and CSV) for finance."""
from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from isf import monitoring, service, statements
from isf.models import IsfAgreement
from provider.audit.viewed import record_view
from provider.clock import today
from provider.dates import short_date
from provider.errors import FieldErrors, NotFound
from provider.funding.models import Arrangement
from provider.people.access import child_for
from provider.people.models import Child
from provider.users.models import Role, User
from provider.web.deps import DB, allow
from provider.web.downloads import download
from provider.web.templating import render

router = APIRouter(include_in_schema=False)
READERS = allow(Role.finance, Role.coordinator, Role.family)
FINANCE = allow(Role.finance)


def _isf(db, user: User, agreement_id: uuid.UUID) -> tuple[IsfAgreement, Child]:
    """The ISF, if this user may read it: a family user only their own child's (another's is simply not found)."""
    agreement = service.get_agreement(db, agreement_id)
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    try:
        return agreement, child_for(db, user, arrangement.child_id, scope="statements")
    except NotFound:
        raise NotFound("No such ISF") from None     # another family's ISF answers exactly as a missing one


def _started(agreement: IsfAgreement, day: date) -> list:
    return [p for p in service.periods_of(agreement) if p.starts_on <= day]


def _dates(first: date | None, last: date | None) -> tuple[date, date]:
    errors = {}
    if first is None:
        errors["first"] = "is required: the first day, YYYY-MM-DD"
    if last is None:
        errors["last"] = "is required: the last day, YYYY-MM-DD"
    if not errors and last < first:
        errors["last"] = "must not be before the first day"
    if errors:
        raise FieldErrors(errors)
    return first, last


def _pdf(found: statements.Statement) -> Response:
    return download(statements.render_pdf(found), "application/pdf", statements.filename(found), inline=True)


def _page(request: Request, db, agreement: IsfAgreement, child: Child, found: statements.Statement | None,
          pdf_link: str = ""):
    day = today(db)
    periods = _started(agreement, day)
    whole = {"first": periods[0].starts_on, "last": min(periods[-1].ends_on, day)} if periods else None
    return render(request, "isf/statement.html", {
        "agreement": agreement, "child": child, "first_name": child.preferred_name or child.first_name,
        "periods": periods, "today": day, "statement": found, "pdf_link": pdf_link, "whole": whole})


def _period_statement(db, agreement: IsfAgreement, number: int) -> statements.Statement:
    day = today(db)
    period = statements.period(agreement, number)
    if period.starts_on > day:
        raise NotFound(f"Period {number} has not started yet, so it has no statement.")
    return statements.statement(db, agreement, period.starts_on, period.ends_on, day, period_number=number)


@router.get("/isf/{agreement_id}/statements")
def statement_list(request: Request, db: DB, agreement_id: uuid.UUID, user: User = READERS):
    agreement, child = _isf(db, user, agreement_id)
    record_view(db, user, child.id, "ISF statements", request.url.path)
    return _page(request, db, agreement, child, None)


@router.get("/isf/{agreement_id}/statements/dates")
def statement_for_dates(request: Request, db: DB, agreement_id: uuid.UUID, first: date | None = None,
                        last: date | None = None, user: User = READERS):
    agreement, child = _isf(db, user, agreement_id)
    start, end = _dates(first, last)
    found = statements.statement(db, agreement, start, end, today(db))
    record_view(db, user, child.id, f"ISF statement, {short_date(start)} to {short_date(end)}", request.url.path)
    return _page(request, db, agreement, child, found,
                 f"/isf/{agreement.id}/statements/dates.pdf?first={start.isoformat()}&last={end.isoformat()}")


@router.get("/isf/{agreement_id}/statements/dates.pdf")
def statement_for_dates_pdf(request: Request, db: DB, agreement_id: uuid.UUID, first: date | None = None,
                            last: date | None = None, user: User = READERS):
    agreement, child = _isf(db, user, agreement_id)
    start, end = _dates(first, last)
    found = statements.statement(db, agreement, start, end, today(db))
    record_view(db, user, child.id, f"ISF statement PDF, {short_date(start)} to {short_date(end)}", request.url.path)
    return _pdf(found)


@router.get("/isf/{agreement_id}/statements/{number}.pdf")
def statement_pdf(request: Request, db: DB, agreement_id: uuid.UUID, number: int, user: User = READERS):
    agreement, child = _isf(db, user, agreement_id)
    found = _period_statement(db, agreement, number)
    record_view(db, user, child.id, f"ISF statement PDF, period {number}", request.url.path)
    return _pdf(found)


@router.get("/isf/{agreement_id}/statements/{number}")
def statement_view(request: Request, db: DB, agreement_id: uuid.UUID, number: int, user: User = READERS):
    agreement, child = _isf(db, user, agreement_id)
    found = _period_statement(db, agreement, number)
    record_view(db, user, child.id, f"ISF statement, period {number}", request.url.path)
    return _page(request, db, agreement, child, found, f"/isf/{agreement.id}/statements/{number}.pdf")


def _return(db, first: date | None, last: date | None, funder_id: uuid.UUID | None) -> monitoring.MonitoringReturn:
    start, end = _dates(first, last)
    return monitoring.monitoring_return(db, start, end, today(db), funder_id)


@router.get("/isf-monitoring.pdf")
def monitoring_pdf(db: DB, first: date | None = None, last: date | None = None, funder_id: uuid.UUID | None = None,
                   _: User = FINANCE):
    report = _return(db, first, last, funder_id)
    return download(monitoring.monitoring_pdf(report), "application/pdf", monitoring.filename(report, "pdf"),
                    inline=True)


@router.get("/isf-monitoring.csv")
def monitoring_csv(db: DB, first: date | None = None, last: date | None = None, funder_id: uuid.UUID | None = None,
                   _: User = FINANCE):
    report = _return(db, first, last, funder_id)
    return download(monitoring.monitoring_csv(report), "text/csv; charset=utf-8", monitoring.filename(report, "csv"))
