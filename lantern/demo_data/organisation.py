"""Willow's legal details, bank accounts, and the bank and school holidays of 2026/27 and 2027/28."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session

from provider.organisation.models import AccountPurpose, BankAccount, Holiday, HolidayKind, ProviderSettings

WILLOW_ADDRESS = "Willow Children's Hospice\nOrchard Lane\nNorthfield\nNorthshire\nNF4 2WL"

# England and Wales. 26 December 2026 and 25-26 December 2027 and 1 January 2028 fall at weekends.
BANK_HOLIDAYS = [
    (date(2026, 4, 3), "Good Friday"),
    (date(2026, 4, 6), "Easter Monday"),
    (date(2026, 5, 4), "Early May bank holiday"),
    (date(2026, 5, 25), "Spring bank holiday"),
    (date(2026, 8, 31), "Summer bank holiday"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 28), "Boxing Day (substitute day)"),
    (date(2027, 1, 1), "New Year's Day"),
    (date(2027, 3, 26), "Good Friday"),
    (date(2027, 3, 29), "Easter Monday"),
    (date(2027, 5, 3), "Early May bank holiday"),
    (date(2027, 5, 31), "Spring bank holiday"),
    (date(2027, 8, 30), "Summer bank holiday"),
    (date(2027, 12, 27), "Christmas Day (substitute day)"),
    (date(2027, 12, 28), "Boxing Day (substitute day)"),
    (date(2028, 1, 3), "New Year's Day (substitute day)"),
    (date(2028, 4, 14), "Good Friday"),
    (date(2028, 4, 17), "Easter Monday"),
]

# Northshire's school terms (Eastvale keeps the same dates).
SCHOOL_HOLIDAYS = [
    (date(2026, 3, 30), date(2026, 4, 10), "Easter holidays 2026"),
    (date(2026, 5, 25), date(2026, 5, 29), "May half term 2026"),
    (date(2026, 7, 22), date(2026, 9, 1), "Summer holidays 2026"),
    (date(2026, 10, 26), date(2026, 10, 30), "October half term 2026"),
    (date(2026, 12, 21), date(2027, 1, 1), "Christmas holidays 2026"),
    (date(2027, 2, 15), date(2027, 2, 19), "February half term 2027"),
    (date(2027, 3, 29), date(2027, 4, 9), "Easter holidays 2027"),
    (date(2027, 5, 31), date(2027, 6, 4), "May half term 2027"),
    (date(2027, 7, 21), date(2027, 9, 1), "Summer holidays 2027"),
    (date(2027, 10, 25), date(2027, 10, 29), "October half term 2027"),
    (date(2027, 12, 20), date(2028, 1, 3), "Christmas holidays 2027"),
    (date(2028, 2, 14), date(2028, 2, 18), "February half term 2028"),
    (date(2028, 4, 10), date(2028, 4, 21), "Easter holidays 2028"),
]


def settings() -> ProviderSettings:
    return ProviderSettings(
        id=1, name="Willow Children's Hospice", address=WILLOW_ADDRESS, phone="01632 960 400",
        email="accounts@willow.example", website="https://www.willow.example", charity_number="1187342",
        company_number="11293847", registered_office=WILLOW_ADDRESS, vat_number=None,
        financial_year_start_month=4, payment_terms_days=30)


def bank_accounts() -> list[BankAccount]:
    return [
        BankAccount(purpose=AccountPurpose.operating, bank_name="Lloyds Bank",
                    account_name="WILLOW CHILDRENS HOSPICE", sort_code="309634", account_number="41872205"),
        BankAccount(purpose=AccountPurpose.isf_client, bank_name="Lloyds Bank",
                    account_name="WILLOW CHILDRENS HOSPICE ISF CLIENT ACCOUNT", sort_code="309634",
                    account_number="41872663"),
    ]


def holidays() -> list[Holiday]:
    rows = [Holiday(kind=HolidayKind.bank_holiday, name=name, starts_on=day, ends_on=day)
            for day, name in BANK_HOLIDAYS]
    rows += [Holiday(kind=HolidayKind.school_holiday, name=name, starts_on=start, ends_on=end)
             for start, end, name in SCHOOL_HOLIDAYS]
    return rows


def build(session: Session) -> None:
    session.add(settings())
    session.add_all(bank_accounts())
    session.add_all(holidays())
