"""Willow's payers have paid most of 2026/27 up to February: some on time, some late, some in part, one remittance
paying two of Leila's invoices; Riverside queries a night of Ben's stay. March's money is in the demo's bank
statement, left for a new user to import and match."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from invoicing.models import Invoice
from invoicing.payments import service
from provider.organisation.models import BankAccount
from provider.users.models import User

# (received on, invoice numbers and the amount paid on each, payer's reference)
PAID = [
    (date(2026, 4, 28), {"INV2627000001": 3_750_000}, "NCC SB BLOCK Q1"),
    (date(2026, 4, 30), {"INV2627000002": 7_750_000}, "INV2627000002"),
    (date(2026, 7, 20), {"INV2627000003": 6_000, "INV2627000004": 6_000}, "HADDAD HYDRO MAY JUN"),
    (date(2026, 7, 30), {"INV2627000005": 3_750_000}, "NCC SB BLOCK Q2"),
    (date(2026, 8, 14), {"INV2627000006": 7_750_000}, "INV2627000006"),         # two weeks late
    (date(2026, 8, 20), {"INV2627000007": 12_000}, "INV2627000007"),
    (date(2026, 9, 25), {"INV2627000008": 54_000}, "BRIGHTWAY CHLOE W"),
    (date(2026, 10, 29), {"INV2627000012": 7_750_000}, "INV2627000012"),
    (date(2026, 11, 10), {"INV2627000009": 100_000}, "EV-PO-7781 PART"),         # late, and £300 short
    (date(2026, 11, 20), {"INV2627000011": 3_750_000}, "NCC SB BLOCK Q3"),      # three weeks late
    (date(2026, 11, 25), {"INV2627000010": 6_000, "INV2627000013": 6_000}, "HADDAD HYDRO"),
    (date(2027, 1, 15), {"INV2627000014": 144_000}, "INV2627000014 2 OF 3 NIGHTS"),
    (date(2027, 2, 10), {"INV2627000016": 6_000}, "INV2627000016"),
    # One council remittance for three children's activity days (lantern.demo_data.council_budgets).
    (date(2027, 3, 24), {"INV2627000020": 54_000}, "NCC SEN REMITTANCE 0314"),
]


def build(session: Session, finance: User, today: date) -> None:
    bank = session.exec(select(BankAccount).where(BankAccount.purpose == "operating")).one()
    invoices = {i.number: i for i in session.exec(select(Invoice))}
    for received, paid, reference in PAID:
        first = invoices[next(iter(paid))]
        payment = service.record_payment(session, service.PaymentIn(first.payer_ref, bank.id, received,
                                                                    sum(paid.values()), "bank_transfer", reference),
                                         today, finance.id)
        service.allocate(session, payment, {invoices[n].id: pence for n, pence in paid.items()}, received, finance.id)
    service.open_dispute(session, invoices["INV2627000014"], "Riverside's validation team queries the night of "
                         "8 October: not on their authorisation.", date(2027, 1, 15), finance.id)
