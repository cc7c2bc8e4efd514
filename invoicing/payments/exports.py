"""Accounting exports: Xero's sales-invoice import, Sage 50's audit-trail import and a payments file, as CSV text,
for the documents issued (and the money received) in a period.

Nominal codes are settings (`NominalCode`), one per key: `service:<id>`, `stream:<stream>` (block, spot, joint,
personal_budget:<management>, grant), `bank:<id>`, `debtors`, `bad_debts`, `waived`. An accounting package takes
one nominal code per line, so a line's income code is its funding stream's when set: a charity's accounts analyse
income by its source (the NHS grant, statutory contracts, personal budgets), and that is what the nominal ledger
of Xero or Sage reports. A line whose stream has no code takes its service's, so a hospice that analyses income by
service sets service codes and leaves streams unset; with neither, 4000. The service is in every description too;
Xero's tracking columns and Sage's department stay empty, as both need categories set up in the package first.
Unset codes are Sage 50's default chart: 4000 sales, 1200 bank current account, 1100 debtors control, 8100 bad
debt write-off, 4009 discounts allowed (income waived).

Columns as documented:
- Xero: the "Import sales invoices" template of Xero Central's "Import invoices" help (SalesInvoiceTemplate.csv),
  asterisks marking what is required; DD/MM/YYYY dates; tax rates by Xero's UK display names; at most 500
  invoices a file (walked through in sblive's Xero guide, online.flippingbook.com/view/399081/31). A credit note
  goes in the same file with a negative quantity: Xero imports a document whose total is negative as a credit note.
- Sage 50 Accounts: the "Audit trail transactions" import, columns A to O in the order of Sage's audit trail
  template (makingithappen.co.uk/CI/std/audittrans.htm; sizes from excel2sage.co.uk/HTMLHelp/AuditTrial.html:
  account 8, reference 30, details 60 characters). Sage's knowledge base (gb-kb.sage.com, "Audit trail
  transactions", k2dockey=200427112357427) says a sales receipt (SR) cannot be imported: money received goes in as
  SA, a receipt on account, allocated in Sage. Tax codes: T0 zero-rated, T1 standard, T2 exempt, T9 outside scope.

Lantern charges no VAT amount on any line, so every tax amount is 0.00. Descriptions are the frozen invoice
lines', which name no child on an invoice to an ICB or NHS England; a write-off's reason is never exported.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, select

from invoicing import gather
from invoicing.models import BilledInstalment, BilledPart, CreditNote, CreditNoteLine, Invoice, InvoiceLine
from invoicing.payments.models import Allocation, DebtAdjustment, NominalCode, Payment, Refund
from provider import references
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart
from provider.csv_out import Figure, amount, csv_text
from provider.dates import short_date
from provider.errors import FieldErrors
from provider.funding.models import MANAGEMENT_OPTION_LABELS, Arrangement, ManagementOption
from provider.grants.models import BilledGrantInstalment
from provider.ledger import accounts
from provider.organisation.models import BankAccount

XERO_COLUMNS = [
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4", "POCity",
    "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate", "Total",
    "InventoryItemCode", "*Description", "*Quantity", "*UnitAmount", "Discount", "*AccountCode", "*TaxType",
    "TaxAmount", "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2", "Currency", "BrandingTheme"]
SAGE_COLUMNS = [
    "Type", "Account Reference", "Nominal A/C Ref", "Department Code", "Date", "Reference", "Details", "Net Amount",
    "Tax Code", "Tax Amount", "Exchange Rate", "Extra Reference", "User Name", "Project Refn", "Cost Code Refn"]
PAYMENT_COLUMNS = ["Date", "Payer", "Bank account", "Bank nominal", "Debtors nominal", "Amount", "Method",
                   "Reference", "Invoices", "Allocated", "Refunded", "Credit on account"]
XERO_TAX = {"exempt": "Exempt Income", "outside_scope": "No VAT", "zero": "Zero Rated Income",
            "standard": "20% (VAT on Income)"}
SAGE_TAX = {"exempt": "T2", "outside_scope": "T9", "zero": "T0", "standard": "T1"}
STREAMS = {"block": "Block contracts", "spot": "Spot packages", "joint": "Joint packages",
           **{f"personal_budget:{m.value}": f"Personal budgets: {label.lower()}"
              for m, label in MANAGEMENT_OPTION_LABELS.items()},
           "grant": "NHS children's hospice funding (grant)"}
DEFAULTS = {"income": "4000", "bank": "1200", "debtors": "1100", "bad_debts": "8100", "waived": "4009"}
CODE = re.compile(r"\d{1,8}")


@dataclass(frozen=True)
class CodeKey:
    key: str
    label: str
    group: str
    when_unset: str      # what an unset code means, in words


def code_keys(db: Session) -> list[CodeKey]:
    """Every nominal code the exports use, grouped as the settings page shows them."""
    keys = [CodeKey(f"stream:{s}", label, "Funding streams", f"the service's code, else {DEFAULTS['income']}")
            for s, label in STREAMS.items()]
    keys += [CodeKey(f"service:{s.id}", s.name, "Services", DEFAULTS["income"])
             for s in db.exec(select(Service).order_by(Service.name))]
    keys += [CodeKey(accounts.bank_code(b.id), f"{b.label or b.account_name} ({b.account_number})", "Bank accounts",
                     DEFAULTS["bank"]) for b in db.exec(select(BankAccount).order_by(BankAccount.account_name))]
    keys += [CodeKey("debtors", "Debtors control", "Control accounts", DEFAULTS["debtors"]),
             CodeKey("bad_debts", "Bad debts written off", "Control accounts", DEFAULTS["bad_debts"]),
             CodeKey("waived", "Income waived", "Control accounts", DEFAULTS["waived"])]
    return keys


def saved_codes(db: Session) -> dict[str, str]:
    return {row.key: row.code for row in db.exec(select(NominalCode))}


def save_codes(db: Session, values: dict[str, str | None]) -> None:
    """Set the codes named in `values` (blank: back to unset); refused whole, naming each field, if any is not
    1 to 8 digits."""
    keys = {k.key: k for k in code_keys(db) if k.key in values}
    wanted = {key: (values[key] or "").strip() for key in keys}
    errors = {key: f"must be digits only, 1 to 8 of them: “{code}” is not" for key, code in wanted.items()
              if code and not CODE.fullmatch(code)}
    errors |= {key: "is not a nominal code Lantern uses" for key in values if key not in keys}
    if errors:
        raise FieldErrors(errors)
    held = {row.key: row for row in db.exec(select(NominalCode).where(NominalCode.key.in_(list(keys))))}
    for key, code in wanted.items():
        row = held.get(key)
        if not code and row is not None:
            db.delete(row)
        elif code and row is None:
            db.add(NominalCode(key=key, code=code))
        elif code and row.code != code:
            row.code = code
            db.add(row)
    db.flush()


@dataclass(frozen=True)
class Codes:
    saved: dict[str, str]

    def income(self, stream: str | None, service_id: uuid.UUID | None) -> str:
        return (self.saved.get(f"stream:{stream}") or self.saved.get(f"service:{service_id}")
                or DEFAULTS["income"])

    def of(self, key: str, default: str | None = None) -> str:
        return self.saved.get(key) or DEFAULTS[default or key]


def period(first: str | None, last: str | None) -> tuple[date, date]:
    """The dates of a period from a form, '2026-04-01' or '01/04/2026'; refused naming each field."""
    errors, days = {}, {}
    for field, text in (("from", first), ("to", last)):
        try:
            days[field] = _day((text or "").strip())
        except ValueError:
            errors[field] = ("is required" if not (text or "").strip()
                             else f"is not a date: “{text}” (write it like 31/03/2027)")
    if not errors and days["to"] < days["from"]:
        errors["to"] = f"is before the start ({short_date(days['from'])}): a period cannot end before it starts"
    if errors:
        raise FieldErrors(errors)
    return days["from"], days["to"]


def _day(text: str) -> date:
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        d, m, y = (int(p) for p in text.split("/"))
        return date(y, m, d)
    return date.fromisoformat(text)


@dataclass(frozen=True)
class SaleLine:
    """One line of an invoice (or of a credit against one) as the accounting package takes it; pence positive."""

    kind: str                # invoice, credit_note, write_off, waiver
    number: str
    payer_ref: str
    payer_name: str
    payer_kind: str
    address: str
    issued_on: date
    due_on: date
    reference: str           # an invoice's purchase order or contract; a credit's invoice number
    total_pence: int         # the whole document's
    description: str
    quantity: int
    unit_pence: int
    pence: int
    vat_treatment: str
    code: str

    @property
    def is_credit(self) -> bool:
        return self.kind != "invoice"


def sales_lines(db: Session, first: date, last: date) -> list[SaleLine]:
    """Invoices and credit notes issued in the period, and write-offs and waivers approved in it, line by line."""
    codes = Codes(saved_codes(db))
    issued = (Invoice.issued_on >= first, Invoice.issued_on <= last)
    noted = (CreditNote.issued_on >= first, CreditNote.issued_on <= last)
    own_lines = select(InvoiceLine.id).join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(*issued)
    credited = select(CreditNoteLine.invoice_line_id).join(
        CreditNote, CreditNote.id == CreditNoteLine.credit_note_id).where(*noted)

    def wanted(column):
        return or_(column.in_(own_lines), column.in_(credited))

    lines = {line.id: line for line in db.exec(select(InvoiceLine).where(wanted(InvoiceLine.id))
                                                .order_by(InvoiceLine.invoice_id, InvoiceLine.position))}
    invoices = {i.id: i for i in db.exec(select(Invoice).where(
        Invoice.id.in_(select(InvoiceLine.invoice_id).where(wanted(InvoiceLine.id)))))}
    streams = _streams(db, lines, invoices, wanted)
    by_invoice: dict[uuid.UUID, list[InvoiceLine]] = defaultdict(list)
    for line in lines.values():
        by_invoice[line.invoice_id].append(line)
    result = []
    for invoice in sorted((i for i in invoices.values() if first <= i.issued_on <= last), key=lambda i: i.number):
        head = _head(invoice)
        for line in by_invoice[invoice.id]:
            result.append(SaleLine(**head, kind="invoice", number=invoice.number, issued_on=invoice.issued_on,
                                   due_on=invoice.due_on, reference=invoice.po_number or _contract(invoice),
                                   total_pence=invoice.total_pence, description=line.description,
                                   **_units(line.amount_pence, line.unit_price_pence),
                                   vat_treatment=line.vat_treatment,
                                   code=codes.income(streams.get(line.id), line.service_id)))
    for credit, note in db.exec(select(CreditNoteLine, CreditNote).join(
            CreditNote, CreditNote.id == CreditNoteLine.credit_note_id).where(*noted)
            .order_by(CreditNote.number, CreditNoteLine.id)):
        line = lines[credit.invoice_line_id]
        invoice = invoices[line.invoice_id]
        result.append(SaleLine(**_head(invoice), kind="credit_note", number=note.number, issued_on=note.issued_on,
                               due_on=note.issued_on, reference=invoice.number, total_pence=note.total_pence,
                               description=credit.description, **_units(credit.amount_pence, line.unit_price_pence),
                               vat_treatment=line.vat_treatment,
                               code=codes.income(streams.get(line.id), line.service_id)))
    return result + _adjustments(db, first, last, codes)


def _head(invoice: Invoice) -> dict:
    """Who a document is to, as the invoice froze it."""
    customer = json.loads(invoice.data)["customer"]
    return {"payer_ref": invoice.payer_ref, "payer_name": invoice.payer_name,
            "payer_kind": customer.get("kind", ""), "address": customer.get("address", "")}


def _contract(invoice: Invoice) -> str:
    return json.loads(invoice.data).get("contract_reference") or ""


def _units(pence: int, unit_price: int) -> dict:
    """So many at the unit price when it divides the amount exactly; otherwise one of the whole amount."""
    if unit_price > 0 and pence % unit_price == 0:
        return {"quantity": pence // unit_price, "unit_pence": unit_price, "pence": pence}
    return {"quantity": 1, "unit_pence": pence, "pence": pence}


def _adjustments(db: Session, first: date, last: date, codes: Codes) -> list[SaleLine]:
    """Write-offs and waivers approved in the period: credits to bad debts or income waived, numbered after their
    invoice (INV…-W1, -W2 in the order approved), with no reason given (it may name a family's loss)."""
    found = db.exec(select(DebtAdjustment, Invoice).join(Invoice, Invoice.id == DebtAdjustment.invoice_id)
                    .where(DebtAdjustment.approved_on.is_not(None), DebtAdjustment.approved_on <= last)
                    .order_by(Invoice.number, DebtAdjustment.approved_on, DebtAdjustment.created_at))
    counts: dict[uuid.UUID, int] = defaultdict(int)
    result = []
    for adjustment, invoice in found:
        counts[invoice.id] += 1
        if adjustment.approved_on < first:
            continue
        key = "bad_debts" if adjustment.kind == "write_off" else "waived"
        words = "Bad debt written off" if key == "bad_debts" else "Waived"
        result.append(SaleLine(**_head(invoice), kind=str(adjustment.kind),
                               number=f"{invoice.number}-W{counts[invoice.id]}", issued_on=adjustment.approved_on,
                               due_on=adjustment.approved_on, reference=invoice.number,
                               total_pence=adjustment.pence, description=f"{words}: invoice {invoice.number}",
                               **_units(adjustment.pence, 0), vat_treatment="outside_scope", code=codes.of(key)))
    return result


def _streams(db: Session, lines: dict[uuid.UUID, InvoiceLine], invoices: dict[uuid.UUID, Invoice], wanted) -> dict:
    """Each line's funding stream: a block instalment's or a grant's by what it bills; care by the charge parts it
    bills (the stream with the most pence when a line bills more than one). A line credited in full no longer
    holds its parts, so its stream is read from the charges it covered."""
    streams = {line_id: "block" for line_id in db.exec(
        select(BilledInstalment.line_id).where(wanted(BilledInstalment.line_id)))}
    streams |= {line_id: "grant" for line_id in db.exec(
        select(BilledGrantInstalment.line_id).where(wanted(BilledGrantInstalment.line_id)))}
    streams |= {i: "grant" for i, line in lines.items() if invoices[line.invoice_id].kind == "grant"}
    parts = list(db.exec(select(BilledPart.line_id, ChargePart).join(ChargePart, ChargePart.id == BilledPart.part_id)
                         .where(wanted(BilledPart.line_id))))
    billed = {line_id for line_id, _ in parts}
    for line_id, line in lines.items():
        if line_id not in streams and line_id not in billed and line.service_id:
            parts += [(line_id, part) for part in _parts_covered(db, line, invoices[line.invoice_id])]
    managed = _managements(db, {p.arrangement_ref for _, p in parts})
    pence: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line_id, part in parts:
        pence[line_id][_stream(part, managed)] += part.pence
    for line_id, by_stream in pence.items():
        streams.setdefault(line_id, max(sorted(by_stream), key=lambda s: by_stream[s]))
    return streams


def _parts_covered(db: Session, line: InvoiceLine, invoice: Invoice) -> list[ChargePart]:
    query = (select(ChargePart).join(Charge, Charge.id == ChargePart.charge_id)
             .where(Charge.service_id == line.service_id, Charge.day >= line.first_day, Charge.day <= line.last_day,
                    ChargePart.payer_ref == invoice.payer_ref, ChargePart.pence > 0))
    if line.child_id:
        query = query.where(Charge.child_id == line.child_id)
    return list(db.exec(query))


def _managements(db: Session, refs: set[str]) -> dict[str, str]:
    found = [references.try_arrangement(r) for r in refs if references.is_kind(r, references.ARRANGEMENT)]
    ids = [a.id for a in found if a is not None]
    rows = db.exec(select(Arrangement).where(Arrangement.id.in_(ids))) if ids else []
    return {references.arrangement_ref(references.ARRANGEMENT, a.id): str(a.management) for a in rows if a.management}


def _stream(part: ChargePart, managed: dict[str, str]) -> str:
    if part.kind == "block" or part.rule == "block-overage":
        return "block"
    if part.kind == "personal_budget":
        by_payer = {"isf": "isf", "family": "direct_payment", "nominee": "nominee"}
        management = managed.get(part.arrangement_ref) or by_payer.get(
            references.kind_of(part.payer_ref), ManagementOption.commissioner_managed.value)
        return f"personal_budget:{management}"
    return part.kind


def money(pence: int) -> Figure:
    """Pence as the packages take an amount: plain digits, two decimals, a minus sign when negative."""
    return amount(pence)


def _csv(columns: list[str], rows: list[list]) -> str:
    return csv_text(columns, rows, line_end="\r\n")


_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$", re.IGNORECASE)   # bounded: linear in the line


def _address(text: str) -> list[str]:
    """A UK address as Xero's four lines, city, region, postcode and country."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    city = postcode = ""
    found = _POSTCODE.search(lines[-1]) if lines else None
    if found:
        postcode, city, lines = found.group(1).upper(), lines[-1][:found.start()].strip(" ,"), lines[:-1]
        if not city and lines:
            city = lines.pop()
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    return [*lines, *[""] * (4 - len(lines)), city, "", postcode, ""]


def xero_csv(db: Session, first: date, last: date) -> str:
    lines = sales_lines(db, first, last)
    emails = {ref: facts.email or "" for ref, facts in gather.payers(db, {l.payer_ref for l in lines}).items()}
    rows = [[l.payer_name, emails.get(l.payer_ref, ""), *_address(l.address), l.number, l.reference,
             short_date(l.issued_on), short_date(l.due_on), money(-l.total_pence if l.is_credit else l.total_pence),
             "", l.description, -l.quantity if l.is_credit else l.quantity, money(l.unit_pence), "", l.code,
             XERO_TAX[l.vat_treatment], money(0), "", "", "", "", "GBP", ""] for l in lines]
    return _csv(XERO_COLUMNS, rows)


def sage_account(payer_ref: str, payer_name: str) -> str:
    """The payer's Sage customer account: 8 capitals and digits, the first five of its name and three from its
    reference, the same in every export (create each customer in Sage once, with this A/C reference)."""
    letters = re.sub(r"[^A-Z0-9]", "", payer_name.upper())[:5].ljust(5, "X")
    number = int(hashlib.sha256(payer_ref.encode()).hexdigest(), 16) % 36 ** 3
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters + "".join(digits[number // 36 ** p % 36] for p in (2, 1, 0))


def _cut(text: str, most: int) -> str:
    return text[:most].rstrip(" ,:;(")


def sage_csv(db: Session, first: date, last: date) -> str:
    codes = Codes(saved_codes(db))
    rows = [["SC" if l.is_credit else "SI", sage_account(l.payer_ref, l.payer_name), l.code, "",
             short_date(l.issued_on), l.number[:30], _cut(l.description, 60), money(l.pence),
             SAGE_TAX[l.vat_treatment], money(0), "", l.reference[:30], "", "", ""]
            for l in sales_lines(db, first, last)]
    for kind, day, payment, pence, details in _money_moves(db, first, last):
        rows.append([kind, sage_account(payment.payer_ref, payment.payer_name),
                     codes.of(accounts.bank_code(payment.bank_account_id), "bank"), "", short_date(day),
                     _cut(payment.reference or "", 30), details, money(pence), "T9", money(0), "", "", "", "", ""])
    return _csv(SAGE_COLUMNS, rows)


def _money_moves(db: Session, first: date, last: date) -> list[tuple[str, date, Payment, int, str]]:
    """Payments received (SA) and refunds paid out (SP) in the period, by date."""
    moves = [("SA", p.received_on, p, p.amount_pence, f"Payment received: {p.method.replace('_', ' ')}")
             for p in db.exec(select(Payment).where(Payment.received_on >= first, Payment.received_on <= last))]
    moves += [("SP", r.refunded_on, p, r.pence, "Refund of credit held")
              for r, p in db.exec(select(Refund, Payment).join(Payment, Payment.id == Refund.payment_id)
                                  .where(Refund.refunded_on >= first, Refund.refunded_on <= last))]
    return sorted(moves, key=lambda m: (m[1], m[0], str(m[2].id)))


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    bank: str
    allocations: list[tuple[str, int]]     # invoice number, pence (undone allocations netted off)
    refunded: int

    @property
    def allocated(self) -> int:
        return sum(p for _, p in self.allocations)

    @property
    def on_account(self) -> int:
        return self.payment.amount_pence - self.allocated - self.refunded


def payment_rows(db: Session, first: date, last: date) -> list[PaymentRow]:
    """Payments received in the period, each with what it has been set against so far."""
    received = (Payment.received_on >= first, Payment.received_on <= last)
    payments = list(db.exec(select(Payment).where(*received).order_by(Payment.received_on, Payment.created_at)))
    ids = select(Payment.id).where(*received)
    nets: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for allocation, number in db.exec(select(Allocation, Invoice.number)
                                      .join(Invoice, Invoice.id == Allocation.invoice_id)
                                      .where(Allocation.payment_id.in_(ids))):
        nets[allocation.payment_id][number] += allocation.pence
    refunded: dict[uuid.UUID, int] = defaultdict(int)
    for refund in db.exec(select(Refund).where(Refund.payment_id.in_(ids))):
        refunded[refund.payment_id] += refund.pence
    banks = {b.id: f"{b.label or b.account_name} ({b.account_number})" for b in db.exec(select(BankAccount))}
    return [PaymentRow(p, banks.get(p.bank_account_id, ""), sorted((n, v) for n, v in nets[p.id].items() if v),
                       refunded[p.id]) for p in payments]


def payments_csv(db: Session, first: date, last: date) -> str:
    codes = Codes(saved_codes(db))
    rows = [[short_date(r.payment.received_on), r.payment.payer_name, r.bank,
             codes.of(accounts.bank_code(r.payment.bank_account_id), "bank"), codes.of("debtors"),
             money(r.payment.amount_pence), r.payment.method.replace("_", " ").capitalize(), r.payment.reference,
             "; ".join(f"{number} {money(pence)}" for number, pence in r.allocations), money(r.allocated),
             money(r.refunded), money(r.on_account)] for r in payment_rows(db, first, last)]
    return _csv(PAYMENT_COLUMNS, rows)


@dataclass(frozen=True)
class Summary:
    invoices: int
    invoiced: int
    credits: int
    credited: int
    payments: int
    received: int
    accounts: list[tuple[str, str]]        # payer name, Sage account reference

    @property
    def net(self) -> int:
        return self.invoiced - self.credited


def summary(db: Session, first: date, last: date) -> Summary:
    """What the exports of the period hold, as the page shows it before downloading."""
    lines = sales_lines(db, first, last)
    documents = {(l.number, l.is_credit): l.total_pence for l in lines}
    payments = payment_rows(db, first, last)
    payers = {(l.payer_name, sage_account(l.payer_ref, l.payer_name)) for l in lines}
    payers |= {(r.payment.payer_name, sage_account(r.payment.payer_ref, r.payment.payer_name)) for r in payments}
    return Summary(sum(1 for _, c in documents if not c), sum(v for (_, c), v in documents.items() if not c),
                   sum(1 for _, c in documents if c), sum(v for (_, c), v in documents.items() if c),
                   len(payments), sum(r.payment.amount_pence for r in payments), sorted(payers))
