"""The database read into the plain data `invoicing.drafting` works on, one query per kind of row."""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from invoicing.drafting import Billable, ChildFacts, Order, PayerFacts, ServiceFacts, Span
from invoicing.models import BilledPart, CreditNote, ExpectedPart, Invoice
from provider import references
from provider.catalogue.models import Service
from provider.charges.models import Charge, ChargePart, ChargeState
from provider.funders.models import Funder, FunderDepartment
from provider.funding.models import Arrangement, ArrangementShare
from provider.people import holds
from provider.people.models import Child, FamilyMember, Nomination, Nominee

INVOICE = "invoice"     # a family's invoice for a month, released from a bereavement hold by a named decision
NOT_INVOICED_KINDS = ("restricted_fund", "unrestricted_fund", "block")  # charity; block: by its instalments


def billables(db: Session, first: date, last: date) -> list[Billable]:
    """Every part of a current charge in the period that an outside payer owes, that no issued invoice bills and
    no expected payment covers."""
    query = (select(ChargePart.id, Charge.child_id, Charge.service_id, Charge.day, ChargePart.units, ChargePart.pence,
                    ChargePart.payer_ref, ChargePart.arrangement_ref)
             .join(Charge, Charge.id == ChargePart.charge_id)
             .join(BilledPart, BilledPart.part_id == ChargePart.id, isouter=True)
             .join(ExpectedPart, ExpectedPart.part_id == ChargePart.id, isouter=True)
             .where(Charge.state == ChargeState.current, Charge.day >= first, Charge.day <= last,
                    ChargePart.pence > 0, ChargePart.kind.not_in(NOT_INVOICED_KINDS),
                    ~ChargePart.payer_ref.startswith(references.prefix(references.ISF)), BilledPart.part_id.is_(None),
                    ExpectedPart.part_id.is_(None)))
    return [Billable(str(part_id), str(child_id), str(service_id), day, units, pence, payer_ref, arrangement_ref)
            for part_id, child_id, service_id, day, units, pence, payer_ref, arrangement_ref in db.exec(query)]


def _arrangement_id(ref: str) -> uuid.UUID | None:
    found = references.try_arrangement(ref)
    return found.id if found is not None and found.kind == references.ARRANGEMENT else None


def invoice_key(payer_ref: str, first: date) -> str:
    """What a named decision releases for a family under a bereavement hold: the payer's invoice for a month."""
    return f"{payer_ref}/{first:%Y-%m}"


def payers(db: Session, refs: set[str], month: date | None = None) -> dict[str, PayerFacts]:
    """Each payer's facts; text that names no payer Lantern invoices is a payer of kind "none". A family under a
    bereavement hold is on hold unless a named decision released its invoice for `month`."""
    parsed = {ref: references.try_payer(ref) for ref in refs}
    by_kind: dict[str, list[references.PayerRef]] = defaultdict(list)
    for p in parsed.values():
        if p is not None:
            by_kind[p.kind].append(p)
    funders = {f.id: f for f in db.exec(select(Funder).where(Funder.id.in_([p.id for p in by_kind["funder"]])))}
    departments = {d.id: d for d in db.exec(select(FunderDepartment).where(
        FunderDepartment.id.in_([p.department for p in by_kind["funder"] if p.department])))}
    members = {m.id: m for m in db.exec(select(FamilyMember).where(
        FamilyMember.id.in_([p.id for p in by_kind["family"]])))}
    nominees = {n.id: n for n in db.exec(select(Nominee).where(Nominee.id.in_([p.id for p in by_kind["nominee"]])))}
    arrangements = {a.id: a for a in db.exec(select(Arrangement).where(
        Arrangement.id.in_([p.id for p in by_kind["arrangement"]])))}
    on_hold = holds.families_on_hold(db, members)
    result = {}
    for ref in refs:
        p = parsed[ref]
        kind, key = (p.kind, p.id) if p is not None else ("", None)
        if kind == "funder" and key in funders:
            funder, department = funders[key], departments.get(p.department)
            name = f"{funder.name}, {department.name}" if department else funder.name
            address = (department.billing_address if department and department.billing_address
                       else funder.billing_address) or ""
            email = (department.invoice_email if department and department.invoice_email else funder.invoice_email)
            result[ref] = PayerFacts(ref, name, str(funder.kind), address, email, funder.payment_terms_days,
                                     funder.po_required, funder.pays_without_invoice,
                                     max_days_ahead=funder.max_days_dated_ahead,
                                     number_max_length=funder.invoice_number_max_length,
                                     po_max_length=funder.po_number_max_length)
        elif kind == "family" and key in members:
            member = members[key]
            hold = on_hold.get(member.id)
            if hold is not None and month is not None and holds.released(db, hold, INVOICE, invoice_key(ref, month)):
                hold = None
            result[ref] = PayerFacts(ref, member.name, "family", member.address or "", member.email,
                                     on_hold_since=hold.started_on if hold else None,
                                     hold_lifted_by=holds.who_may_lift(db, hold) if hold else "")
        elif kind == "nominee" and key in nominees:
            nominee = nominees[key]
            result[ref] = PayerFacts(ref, nominee.name, "nominee", nominee.address or "", nominee.email)
        else:
            arrangement = arrangements.get(key)
            result[ref] = PayerFacts(ref, arrangement.name if arrangement else ref, "none", "")
    return result


def services(db: Session) -> dict[str, ServiceFacts]:
    return {str(s.id): ServiceFacts(str(s.id), s.name, str(s.unit), str(s.vat_treatment))
            for s in db.exec(select(Service))}


def children(db: Session, ids: set[str]) -> dict[str, ChildFacts]:
    rows = db.exec(select(Child).where(Child.id.in_([uuid.UUID(i) for i in ids]))) if ids else []
    return {str(c.id): ChildFacts(str(c.id), c.preferred_name or c.first_name, c.council_reference) for c in rows}


def orders(db: Session, parts: list[Billable]) -> dict[tuple[str, str], Order]:
    """The purchase order each (payer, arrangement) quotes, with what issued invoices have billed against it."""
    wanted = {(p.payer_ref, p.arrangement_ref) for p in parts
              if references.is_kind(p.arrangement_ref, references.ARRANGEMENT)}
    ids = {_arrangement_id(a) for _, a in wanted}
    arrangements = {a.id: a for a in db.exec(select(Arrangement).where(Arrangement.id.in_(ids)))} if ids else {}
    shares = defaultdict(list)
    for share in db.exec(select(ArrangementShare).where(ArrangementShare.arrangement_id.in_(ids))) if ids else []:
        shares[share.arrangement_id].append(share)
    numbers = {a.po_number for a in arrangements.values() if a.po_number}
    billed: dict[str, int] = defaultdict(int)
    if numbers:
        for number, total in db.exec(select(Invoice.po_number, func.sum(Invoice.total_pence))
                                     .where(Invoice.po_number.in_(numbers)).group_by(Invoice.po_number)):
            billed[number] += int(total)
        for number, total in db.exec(select(Invoice.po_number, func.sum(CreditNote.total_pence))
                                     .join(Invoice, Invoice.id == CreditNote.invoice_id)
                                     .where(Invoice.po_number.in_(numbers)).group_by(Invoice.po_number)):
            billed[number] -= int(total)
    result = {}
    for payer_ref, arrangement_ref in wanted:
        a = arrangements.get(_arrangement_id(arrangement_ref))
        if a is None:
            continue
        share = _share_paid_by(shares[a.id], references.try_payer(payer_ref))
        if share is not None:
            result[(payer_ref, arrangement_ref)] = Order(arrangement_ref, a.name, share.po_number,
                                                         contract_reference=share.contract_reference)
        else:
            result[(payer_ref, arrangement_ref)] = Order(arrangement_ref, a.name, a.po_number, a.po_value_pence,
                                                         a.po_starts_on, a.po_ends_on,
                                                         int(billed.get(a.po_number) or 0))
    return result


def _share_paid_by(shares: list[ArrangementShare], payer: references.PayerRef | None) -> ArrangementShare | None:
    """The joint package's share this payer pays: the same funder and the same department (or none)."""
    if payer is None or payer.kind != references.FUNDER:
        return None
    return next((s for s in shares if s.funder_id == payer.id and s.department_id == payer.department), None)


def nominations(db: Session, parts: list[Billable]) -> dict[tuple[str, str], tuple[Span, ...]]:
    """(nominee payer ref, child id): the days each written nomination is in force, (received, withdrawn or None)."""
    found = [references.try_payer(p.payer_ref) for p in parts if references.is_kind(p.payer_ref, references.NOMINEE)]
    ids = {p.id for p in found if p is not None}
    if not ids:
        return {}
    spans: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for n in db.exec(select(Nomination).where(Nomination.nominee_id.in_(ids))):
        spans[(references.payer_ref(references.NOMINEE, n.nominee_id), str(n.child_id))].append(
            (n.received_on, n.withdrawn_on))
    return {key: tuple(sorted(found)) for key, found in spans.items()}
