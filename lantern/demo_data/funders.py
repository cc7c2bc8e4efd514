"""Who pays Willow: two councils, two ICBs, NHS England; and its charitable funds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from provider.catalogue.models import Service
from provider.funders.models import (CharitableFund, CodeKind, DepartmentKind, Funder, FunderCode,
                                     FunderDepartment, FunderKind, FundService)

CODES_FROM = date(2024, 4, 1)
SBS_ADDRESS = "PO Box 9999\nPhoenix House\nTopcliffe Lane\nWakefield\nWF3 1WE"


@dataclass
class DemoFunders:
    northshire: Funder
    eastvale: Funder
    riverside: Funder
    hillshire: Funder
    nhs_england: Funder
    sibling_appeal: CharitableFund
    general_fund: CharitableFund


def _icb(name: str, legal_name: str, org_code: str, payables: str, phone: str) -> tuple[Funder, list[FunderCode]]:
    slug = name.lower().replace(" ", "")
    funder = Funder(
        kind=FunderKind.icb, name=name, billing_address=f"{legal_name}\n{org_code} Payables {payables}\n{SBS_ADDRESS}",
        contact_name="Children's commissioning team", phone=phone,
        invoice_email=f"{slug}.invoices@nhs.example", secure_email=f"{slug}.invoice-validation@nhs.example",
        payment_terms_days=30, invoice_number_max_length=30, max_days_dated_ahead=14)
    codes = [FunderCode(funder_id=funder.id, kind=CodeKind.organisation_code, value=org_code, starts_on=CODES_FROM),
             FunderCode(funder_id=funder.id, kind=CodeKind.payables_code, value=payables, starts_on=CODES_FROM)]
    return funder, codes


def build(session: Session, services: dict[str, Service]) -> DemoFunders:
    northshire = Funder(
        kind=FunderKind.local_authority, name="Northshire County Council",
        billing_address="Northshire County Council\nCounty Hall\nMarket Square\nNorthfield\nNF1 1CH",
        contact_name="Short Breaks Commissioning", phone="01632 960 100",
        invoice_email="accounts.payable@northshire.example", payment_terms_days=30)
    eastvale = Funder(
        kind=FunderKind.local_authority, name="Eastvale Council",
        billing_address="Eastvale Council\nCivic Centre\nStation Road\nEastvale\nEV2 3CC",
        contact_name="Children with Disabilities Team", phone="01632 960 200",
        invoice_email="invoices@eastvale.example", payment_terms_days=30, po_required=True)
    riverside, riverside_codes = _icb("Riverside ICB", "NHS Riverside Integrated Care Board", "QRV", "K9R1",
                                      "0113 496 0310")
    hillshire, hillshire_codes = _icb("Hillshire ICB", "NHS Hillshire Integrated Care Board", "QHL", "K9H4",
                                      "0113 496 0420")
    nhs_england = Funder(
        kind=FunderKind.nhs_england, name="NHS England",
        billing_address=f"NHS England\nX24 Payables K005\n{SBS_ADDRESS}", contact_name="Specialised Commissioning",
        invoice_email="england.invoices@nhs.example", secure_email="england.invoice-validation@nhs.example",
        payment_terms_days=30, invoice_number_max_length=30, max_days_dated_ahead=14)
    session.add_all([northshire, eastvale, riverside, hillshire, nhs_england])
    session.flush()  # the rows have no ORM relationships: parents are written before the rows that refer to them
    session.add_all([*riverside_codes, *hillshire_codes])
    session.add_all([
        FunderDepartment(funder_id=northshire.id, kind=DepartmentKind.social_care, name="Children's Social Care",
                         invoice_email="csc.invoices@northshire.example"),
        FunderDepartment(funder_id=northshire.id, kind=DepartmentKind.education,
                         name="Education (Special Educational Needs)", invoice_email="send.finance@northshire.example"),
        FunderDepartment(funder_id=eastvale.id, kind=DepartmentKind.social_care, name="Children's Social Care Team",
                         invoice_email="csc.invoices@eastvale.example"),
    ])
    appeal = CharitableFund(name="Sibling Support Appeal", restricted=True,
                            purpose="Sibling support sessions for the brothers and sisters of the children we care for")
    general = CharitableFund(name="General Fund", restricted=False, purpose="Unrestricted income")
    session.add_all([appeal, general])
    session.flush()  # fund_services refers to both rows
    session.add(FundService(fund_id=appeal.id, service_id=services["SIBLING_SUPPORT"].id))
    return DemoFunders(northshire, eastvale, riverside, hillshire, nhs_england, appeal, general)
