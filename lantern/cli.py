"""The `lantern` command. Every command reads DATABASE_URL; failures exit non-zero with one line."""
from __future__ import annotations

import sys
from datetime import date, timedelta

import typer

from lantern import backup_cli
from provider.config import get_settings
from provider.dates import month_last_day, parse_month, short_date
from provider.errors import FieldErrors
from provider.money import format_gbp

app = typer.Typer(help="Lantern: billing and Individual Service Funds for children's hospices.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
users_app = typer.Typer(help="People who can sign in.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def fail(message: str) -> None:
    typer.echo("lantern: " + " ".join(line.strip() for line in message.splitlines() if line.strip()), err=True)
    raise typer.Exit(1)


def _reason(exc: Exception) -> str:
    """The driver's own first line ("unable to open database file"), without SQLAlchemy's wrapping."""
    inner = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema up to date with the migrations."""
    from provider.migrate import upgrade

    try:
        upgrade(get_settings().database_url)
    except Exception as exc:  # a one-line reason, not a traceback
        fail(f"could not upgrade the database: {_reason(exc)}")
    typer.echo("Database schema is up to date.")


@users_app.command("create")
def users_create(email: str = typer.Option(...), name: str = typer.Option(...),
                 role: str = typer.Option(..., help="admin, finance, coordinator, trustee or family"),
                 password: str = typer.Option(..., prompt=True, hide_input=True)) -> None:
    """Add a user who can sign in."""
    from provider.db import open_session, unit_of_work
    from provider.errors import FieldErrors

    _require_schema()
    session = open_session()
    try:
        with unit_of_work(session):
            from provider.users.service import create_user

            user = create_user(session, {"email": email, "name": name, "role": role, "password": password})
    except FieldErrors as exc:
        fail(str(exc))
    finally:
        session.close()
    typer.echo(f"Created {user.role} user {user.email}.")


@app.command("demo")
def demo(if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the database has users.")) -> None:
    """Load Willow Children's Hospice, the demo from DOMAIN.md, into an empty database."""
    from lantern import demo as demo_data

    _require_schema()
    try:
        loaded = demo_data.load(if_empty=if_empty)
    except demo_data.NotEmpty as exc:
        fail(str(exc))
    if loaded:
        typer.echo("Loaded the Willow Children's Hospice demo.")
    typer.echo(demo_data.logins_text())


def _month(period: str) -> tuple[date, date]:
    try:
        first = parse_month(period, "--period")
    except FieldErrors as exc:
        fail(f"--period {exc.errors['--period']} (got {period!r})")
    return first, month_last_day(first)


@app.command("allocate")
def allocate(period: str = typer.Option(..., help="The month, YYYY-MM"),
             apply: bool = typer.Option(False, "--apply", help="Store what the recalculation would change.")) -> None:
    """Print a month's allocation per child and payer, and what a recalculation would change."""
    from provider.charges import report, service as charges
    from provider.db import open_session, unit_of_work

    first, last = _month(period)
    _require_schema()
    session = open_session()
    try:
        with unit_of_work(session):
            recalculation = charges.recalculate(session, first, last)
            typer.echo(report.summary_text(session, first, last, recalculation))
            if apply and recalculation.differences:
                changed = charges.apply(session, recalculation, None)
                typer.echo(f"Stored {changed} change(s).")
            elif recalculation.differences:
                typer.echo("Nothing was changed: run again with --apply to store these changes.")
    finally:
        session.close()


@app.command("invoice-run")
def invoice_run(period: str = typer.Option(..., help="The month of supply, YYYY-MM"),
                issue: bool = typer.Option(False, "--issue", help="Issue every draft that has no exception.")) -> None:
    """Print a month's draft invoices and their exceptions; with --issue, issue those without one."""
    from invoicing import credits, report, runs
    from provider.db import open_session, unit_of_work

    first, last = _month(period)
    _require_schema()
    session = open_session()
    try:
        with unit_of_work(session):
            typer.echo(report.run_text(first, last, runs.draft_run(session, first, last),
                                       credits.pending_corrections(session)))
            if issue:
                result = runs.issue_run(session, first, last)
                for note in result.credit_notes:
                    typer.echo(f"Issued credit note {note.number} to {note.payer_name}: {format_gbp(note.total_pence)}")
                for invoice in result.issued:
                    typer.echo(f"Issued {invoice.number} to {invoice.payer_name}: {format_gbp(invoice.total_pence)}")
                for expected in result.expected:
                    typer.echo(f"Expected payment recorded from {expected.payer_name}: {format_gbp(expected.pence)} "
                               f"by {short_date(expected.expected_on)}")
                typer.echo(f"Issued {len(result.issued)} invoice(s) and {len(result.credit_notes)} credit note(s); "
                           f"{len(result.skipped)} left with exceptions or paid on a schedule.")
            else:
                typer.echo("Nothing was issued: run again with --issue to issue the drafts without exceptions.")
        if issue:
            from invoicing import progress

            from invoicing import rendering

            # After the issuing commit, from the frozen data, each committed, saying how far it has got; any
            # documents an earlier run left unrendered are rendered too.
            for failure in progress.render(session, rendering.pending(session), lambda done, total: typer.echo(
                    f"Rendered {done} of {total} documents", err=True)):
                typer.echo(failure, err=True)
    finally:
        session.close()


@app.command("render-pending")
def render_pending() -> None:
    """Render and store every issued document left unrendered (a crash between issuing and rendering); print how
    many. Exit status 1 if any cannot be made."""
    from invoicing import rendering
    from provider.db import open_session

    _require_schema()
    session = open_session()
    try:
        result = rendering.render_pending(session)
    finally:
        session.close()
    for failure in result.failures:
        typer.echo(failure, err=True)
    typer.echo(f"Rendered {result.stored} pending document(s).")
    if result.failures:
        raise typer.Exit(1)


@app.command("invoices")
def invoices(period: str = typer.Option(..., help="The month of supply, YYYY-MM")) -> None:
    """List a month's issued invoices and credit notes: number, payer, total."""
    from invoicing import report
    from provider.db import open_session

    first, last = _month(period)
    _require_schema()
    session = open_session(read_only=True)
    try:
        typer.echo(report.documents_text(session, first, last))
    finally:
        session.close()


@app.command("year-end")
def year_end(year: int = typer.Option(..., help="The financial year by the year it starts in: 2026 for 2026/27")) -> None:
    """Print the year-end schedules, each tied to the ledger: aged debtors, accrued and deferred income, ISF money
    held and credit balances."""
    from invoicing import year_end as schedules
    from provider.db import open_session
    from provider.organisation.models import ProviderSettings

    if not 2000 <= year <= 2100:
        fail(f"--year must be the year a financial year starts in, like 2026 (got {year})")
    _require_schema()
    session = open_session(read_only=True)
    try:
        settings = session.get(ProviderSettings, 1)
        start_month = settings.financial_year_start_month if settings else 4
        last_day = date(year + 1, start_month, 1) - timedelta(days=1)
        typer.echo(schedules.schedules_text(session, last_day))
    finally:
        session.close()


@app.command("aged-debt")
def aged_debt(as_of: str = typer.Option(None, "--as-of", help="The date, YYYY-MM-DD; default today")) -> None:
    """Print aged debt by payer type and payer (current, 1-30, 31-60, 61-90, over 90 days), disputed debt apart,
    tied to the debtor accounts in the ledger."""
    import lantern.models  # noqa: F401  (every table, for the foreign keys)
    from invoicing.payments import debt
    from provider.clock import today
    from provider.db import open_session

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of must be a date written YYYY-MM-DD, like 2027-04-10 (got {as_of!r})")
    _require_schema()
    session = open_session(read_only=True)
    try:
        typer.echo(debt.aged_debt_text(debt.aged_debt(session, day or today(session))))
    finally:
        session.close()


@app.command("activity-return")
def activity_return(contract: str = typer.Option(..., help="The block contract's reference, e.g. NCC-SB-2627"),
                    quarter: str = typer.Option(..., help="The financial-year quarter, e.g. 2026-Q3"),
                    csv: bool = typer.Option(False, "--csv", help="Print the return as CSV for the commissioner."),
                    ) -> None:
    """Print a block contract's quarterly activity return: the units it paid for, against its volume."""
    from sqlmodel import select

    from invoicing import activity
    from provider.db import open_session
    from provider.errors import FieldErrors
    from provider.funding.models import BlockContract

    _require_schema()
    session = open_session(read_only=True)
    try:
        found = session.exec(select(BlockContract).where(BlockContract.reference == contract)).first()
        if found is None:
            fail(f"--contract: no block contract has the reference {contract!r}")
        try:
            first, last = activity.quarter_bounds(quarter)
        except FieldErrors:
            fail(f"--quarter must be a financial-year quarter written like 2026-Q3 (got {quarter!r})")
        report = activity.activity_return(session, found, first, last)
        typer.echo(activity.activity_csv(report) if csv else activity.activity_text(report), nl=not csv)
    finally:
        session.close()


@app.command("close-month")
def close_month(period: str = typer.Option(..., help="The month to close, YYYY-MM"),
                year: bool = typer.Option(False, "--year", help="Close every open month of the financial year this "
                                                                "month is in, in order.")) -> None:
    """Close a month (or a whole financial year) of the ledger: nothing more posts in it; a late change posts in
    the first open month, its service date kept. Months close in order, and only once they have ended."""
    import lantern.models  # noqa: F401  (every table, for the foreign keys)
    from provider.clock import today
    from provider.db import open_session, unit_of_work
    from provider.errors import FieldErrors
    from provider.ledger import periods

    first, _ = _month(period)
    _require_schema()
    session = open_session()
    try:
        with unit_of_work(session):
            if year:
                closed = periods.close_year(session, periods.year_of(session, first), today(session), None)
            else:
                closed = periods.close(session, [first], today(session), None)
    except FieldErrors as exc:
        fail("; ".join(f"{'the financial year' if field == 'year' else '--period'} {message}"
                       for field, message in exc.errors.items()))
    finally:
        session.close()
    typer.echo(f"Closed {', '.join(f'{date(p.year, p.month, 1):%B %Y}' for p in closed)}.")


@app.command("bank-import")
def bank_import(file: str = typer.Argument(..., help="The statement: CSV in the account's layout, OFX or camt.053"),
                account: str = typer.Option(..., help="The account's label, e.g. Operating")) -> None:
    """Import a bank statement into an account: prints the lines in the file, how many are new and how many were
    held already, or that the file is held for a person to confirm. A bad file changes nothing and exits 1."""
    from pathlib import Path

    import lantern.models  # noqa: F401  (every table, for the foreign keys)
    from provider.bank import importing
    from provider.db import open_session, unit_of_work
    from provider.errors import FieldErrors

    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    _require_schema()
    session = open_session()
    try:
        with unit_of_work(session):
            found = importing.account_by_label(session, account)
            record = importing.import_file(session, found, path.name, data)
        typer.echo(importing.summary(record, found))
    except FieldErrors as exc:
        fail(f"{path.name}: " + " ".join(exc.errors.values()))
    finally:
        session.close()


@app.command("statements")
def isf_statements(period: str = typer.Option(..., help="The month the statements' periods end in, YYYY-MM"),
                   out: str = typer.Option(None, "--out", help="The folder for the PDFs; default statements/YYYY-MM"),
                   ) -> None:
    """Write every ISF statement whose period ends in the month as a PDF; print one line for each ISF: the child and
    the money left at the end of its last period ending in the month. A family under a bereavement hold gets none
    (unless a named decision released it): it is listed as held, with who may lift the hold."""
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress

    import lantern.models  # noqa: F401  (every table, for the foreign keys)
    from isf import statement_batch, statements
    from provider.clock import today
    from provider.db import open_session
    from provider.filenames import inside

    first, last = _month(period)
    _require_schema()
    folder = Path(out or f"statements/{first:%Y-%m}")
    session = open_session(read_only=True)
    closing, written, held = {}, set(), []
    try:
        found_batch = statement_batch.batch(session, first, last)
        if not found_batch.items:
            typer.echo(f"No ISF statement has a period ending in {first:%B %Y}.")
            return
        held = [f"held: {item.child_name}'s statement for period {item.period.number}: {item.held_because}"
                for item in found_batch.held]
        due = found_batch.to_send
        if due:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                fail(f"--out: cannot make the folder {folder}: {exc.strerror or exc}")
        day = today(session)
        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task(f"ISF statements for {first:%B %Y}", total=len(due))
            for item in due:
                agreement, p = item.agreement, item.period
                found = statements.statement(session, agreement, p.starts_on, p.ends_on, day, p.number)
                name = statements.filename(found)
                if name in written:    # a second ISF of the same child
                    name = f"{name[:-4]}-{str(agreement.id)[:8]}.pdf"
                try:
                    inside(folder, name).write_bytes(statements.render_pdf(found))
                except ValueError as exc:
                    fail(f"--out: {exc}")
                written.add(name)
                closing[agreement.id] = (found.child, format_gbp(found.closing))
                if item.release is not None:
                    held.append(f"released: {item.child_name}'s statement for period {p.number}, on the decision "
                                f"of {item.release.decided_by}: {item.release.reason}")
                progress.advance(task)
    finally:
        session.close()
    width = max((len(child) for child, _ in closing.values()), default=0)
    for child, pounds in closing.values():
        typer.echo(f"{child:<{width}}  {pounds:>12}")
    for line in held:
        typer.echo(line)
    typer.echo(f"Wrote {len(written)} statement(s) to {folder}", err=True)


@app.command("report")
def report(year: int = typer.Option(..., help="The financial year by the year it starts in: 2026 for 2026/27"),
           csv: bool = typer.Option(False, "--csv", help="Print the table as CSV, amounts like 150000.00.")) -> None:
    """Print the statutory income table for a financial year, tied to the ledger."""
    from reports.cli import report as income_report

    _require_schema()
    income_report(year, csv)


@app.command("check")
def check() -> None:
    """Verify the whole database: every failure printed, exit status 1 if there is any."""
    from lantern import check as checks
    from provider.db import open_session

    _require_schema()
    session = open_session(read_only=True)
    try:
        failures = checks.everything(session)
    finally:
        session.close()
    for failure in failures:
        typer.echo(failure)
    if failures:
        typer.echo(f"{len(failures)} problem(s) found.", err=True)
        raise typer.Exit(1)
    typer.echo("Every check passed: ledger entries balance, no unit of care is charged or billed twice, debtors "
               "match the documents, numbers have no gaps, no issued document has changed and every one is stored.")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve Lantern over HTTP."""
    import uvicorn

    from lantern.app import create_app

    _require_schema()
    typer.echo(f"Lantern is at http://{host}:{port}/")
    uvicorn.run(create_app(), host=host, port=port, proxy_headers=False, log_level="info")


backup_cli.register(app)


def _require_schema() -> None:
    from provider.db import get_engine
    from provider.migrate import SchemaOutOfDate, ensure_up_to_date

    try:
        ensure_up_to_date(get_engine())
    except SchemaOutOfDate as exc:
        fail(str(exc))
    except Exception as exc:
        fail(f"cannot reach the database: {_reason(exc)}")


def main() -> None:  # pragma: no cover
    sys.exit(app())
