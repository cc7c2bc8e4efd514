"""Willow Children's Hospice: the demo of DOMAIN.md §10, its clock fixed at 10 April 2027."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlmodel import Session, func, select

import provider.audit.recorder  # noqa: F401  (the demo's rows are audited, by "system")
from invoicing.rendering import render_pending
from provider.clock import set_as_of_date
from provider.db import open_session, unit_of_work
from lantern.demo_data import bookings, catalogue, funders, funding, organisation, people
from lantern.demo_data import bank as demo_bank
from lantern.demo_data import charity as demo_charity
from lantern.demo_data import council_budgets
from lantern.demo_data import grants as demo_grants
from lantern.demo_data import invoicing as demo_invoicing
from lantern.demo_data import isf as demo_isf
from lantern.demo_data import payments as demo_payments
from provider.users.models import User
from provider.users.passwords import hash_password
from provider.users.service import create_user

AS_OF = date(2027, 4, 10)
DEMO_PASSWORD = "willow-demo-2027"
DEMO_USERS = [
    ("admin@willow.example", "Alex Admin", "admin"),
    ("finance@willow.example", "Fran Finance", "finance"),
    ("coordinator@willow.example", "Cora Coordinator", "coordinator"),
    ("trustee@willow.example", "Tom Trustee", "trustee"),
    ("leila@family.example", "Leila Haddad", "family"),
]


class NotEmpty(RuntimeError):
    pass


def logins_text() -> str:
    lines = ["Demo logins (password for each: " + DEMO_PASSWORD + "):"]
    lines += [f"  {role:<12} {email}" for email, _name, role in DEMO_USERS]
    return "\n".join(lines)


def load(if_empty: bool = False, session: Session | None = None) -> bool:
    """Build the demo. Returns False (and changes nothing) when `if_empty` and users already exist."""
    own = session is None
    session = session or open_session()
    try:
        with unit_of_work(session):
            if session.exec(select(func.count()).select_from(User)).one() > 0:
                if if_empty:
                    return False
                raise NotEmpty("the database is not empty: the demo loads only into a new database")
            build(session)
        render_pending(session)   # after the commit, as an invoice run renders what it issued
        return True
    finally:
        if own:
            session.close()


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    """Every demo user shares the one published password: hashed once a process, not once a user and a build."""
    return hash_password(DEMO_PASSWORD)


def _demo_user(session: Session, email: str, name: str, role: str) -> User:
    return create_user(session, {"email": email, "name": name, "role": role, "password": DEMO_PASSWORD},
                       password_hash=_demo_password_hash())


def build(session: Session, *, care: bool = True, invoicing: bool = True, grants: bool = True,
          payments: bool = True, isf: bool = True, charity: bool = True) -> None:
    """Every row of the demo, in the caller's unit of work; the audit names the actor "system".

    Without `care` the hospice has its children and their funding but no bookings, attendance or charges yet;
    without `invoicing` the care is charged but nothing is invoiced; without `grants` the NHS children's hospice
    funding is not recorded (tests of care invoicing alone); without `payments` nothing invoiced has been paid;
    without `isf` the ISF arrangements have no agreement yet, no money in and no fees (the ISF's year run by hand);
    without `charity` no donations, legacies, events, trading or trust grants are recorded.
    """
    set_as_of_date(session, AS_OF)
    users = {role: _demo_user(session, email, name, role) for email, name, role in DEMO_USERS}
    organisation.build(session)
    demo_bank.build(session)
    services = catalogue.build(session)
    demo_funders = funders.build(session, services)
    children = people.build(session, demo_funders, key_worker=users["coordinator"], family_user=users["family"])
    session.flush()
    people.holds_for_the_bereaved(session, children["Ellie"], users["coordinator"])
    funding.build(session, services, demo_funders, children)
    scenario = {c.id for c in children.values()}
    demo_isf.other_arrangements(session, services, demo_funders, scenario)
    sen_budgets = council_budgets.arrangements(session, services, demo_funders, scenario)
    if grants:
        demo_grants.build(session, demo_funders, users["finance"])
    if charity:
        demo_charity.build(session, users["finance"])
    session.flush()
    if isf:
        demo_isf.build(session, users["coordinator"], users["finance"], users["admin"], AS_OF)
    if not care:
        return
    bookings.build(session, services, children, users["coordinator"], sen_budgets)
    if invoicing:
        demo_invoicing.invoice_months(session, users["finance"], date(2026, 4, 1), date(2026, 11, 1))
    set_as_of_date(session, date(2026, 12, 1))  # found out, and put right, before December's invoicing
    bookings.correct_the_hospital_day(session, users["coordinator"])
    set_as_of_date(session, AS_OF)
    if invoicing:
        demo_invoicing.invoice_months(session, users["finance"], date(2026, 12, 1), date(2027, 2, 1))
        demo_invoicing.month_end(session, users["finance"], date(2027, 3, 31))
        if payments and grants:
            demo_payments.build(session, users["finance"], AS_OF)
    if isf:
        demo_isf.move_own_money(session, users["finance"], AS_OF)
