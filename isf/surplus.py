"""At the year end, the end of an agreement or a child's death: a surplus statement for the commissioner and a plain
letter to the family about the money left in the ISF and to whom it is owed.

The family's letter is never sent while the family is under a bereavement hold unless a person decides to send
it; the decision is recorded with the message.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

from sqlmodel import Session, select

from invoicing.documents import html_to_pdf, pdf_templates
from invoicing.models import Document
from provider.dates import short_date
from isf import schedule, service
from isf.models import IsfAgreement
from provider import mail, references
from provider.config import Settings
from provider.errors import FieldErrors
from provider.filenames import slug
from provider.funders.models import Funder
from provider.mail import SentMessage
from provider.funding.models import Arrangement
from provider.people.holds import open_hold, who_may_lift
from provider.people.models import Child, ChildRelationship, FamilyMember


@dataclass(frozen=True)
class Surplus:
    child: str
    isf: str
    commissioner: str
    as_of: date
    received: int
    drawn: int
    spent: int
    fees: int
    returned: int
    balance: int
    limit: int | None
    above_limit: int
    owed_to: str
    family_contribution: int = 0     # the family's own money still held: theirs, never surplus


def surplus(db: Session, agreement: IsfAgreement, as_of: date) -> Surplus:
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    child = db.get(Child, arrangement.child_id)
    funder = db.get(Funder, arrangement.funder_id) if arrangement.funder_id else None
    from isf import contributions, returns

    p = service.position(db, agreement, None)
    limit = schedule.surplus_limit(arrangement.yearly_pence or 0, agreement.surplus_weeks, agreement.surplus_pence)
    owed_to = funder.name if agreement.owed_to == "commissioner" and funder else "the direct-payment recipient"
    return Surplus(child.preferred_name or child.first_name, arrangement.name, funder.name if funder else "",
                   as_of, p.received, p.drawn, p.spent, p.fees, p.returned, p.balance, limit,
                   returns.above_limit(db, agreement), owed_to, contributions.of(db, agreement).family)


def _html(found: Surplus, letter: bool) -> str:
    values = {**asdict(found), "as_of": found.as_of.isoformat()}
    return pdf_templates.get_template("isf/surplus_pdf.html").render(s=values, letter=letter)


def statement_pdf(found: Surplus) -> bytes:
    return html_to_pdf(_html(found, letter=False))


def letter_pdf(found: Surplus) -> bytes:
    return html_to_pdf(_html(found, letter=True))


def _parent(db: Session, child_id: uuid.UUID) -> FamilyMember | None:
    return db.exec(select(FamilyMember).join(ChildRelationship, ChildRelationship.family_member_id == FamilyMember.id)
                   .where(ChildRelationship.child_id == child_id, ChildRelationship.parental_responsibility)
                   .order_by(FamilyMember.name)).first()


def send_family_letter(db: Session, settings: Settings, agreement: IsfAgreement, as_of: date,
                       decided_by: str | None = None, actor_id: uuid.UUID | None = None) -> SentMessage:
    """Email (or outbox, or post) the family's plain letter. Under a bereavement hold it goes only when a named
    person has decided it should."""
    arrangement = db.get(Arrangement, agreement.arrangement_id)
    hold = open_hold(db, arrangement.child_id)
    if hold is not None and not (decided_by or "").strip():
        raise FieldErrors({"decided_by": f"the family is under a bereavement hold since {short_date(hold.started_on)}: "
                                         "nothing is sent to them unless a person decides it should be; name who "
                                         f"decided ({who_may_lift(db, hold)} may lift the hold)"})
    parent = _parent(db, arrangement.child_id)
    if parent is None:
        raise FieldErrors({"family": "no one with parental responsibility is recorded for the child"})
    found = surplus(db, agreement, as_of)
    ref = references.letter_ref(agreement.id, as_of)
    pdf = db.exec(select(Document).where(Document.source_ref == ref)).first()
    if pdf is None:
        import hashlib

        content = letter_pdf(found)
        pdf = Document(source_ref=ref, filename=f"letter-{slug(found.child)}-{as_of:%Y%m%d}.pdf", pdf=content,
                       sha256=hashlib.sha256(content).hexdigest())
        db.add(pdf)
        db.flush()
    subject = f"{found.child}'s Individual Service Fund: the money left at {as_of:%d %B %Y}"
    note = f" Sent on the decision of {decided_by.strip()}." if hold is not None else ""
    if not parent.email:
        mail.record(db, ref, "isf_letter", "post", parent.name, None, subject + note, [pdf], actor_id)
    else:
        body = (f"Dear {parent.name},\n\nPlease find attached a letter about {found.child}'s Individual Service "
                f"Fund.\n\nWith kind regards,\n{mail.sender(db, settings)}\n")
        message = mail.message(mail.sender(db, settings), parent.email, subject, body, [pdf], {"pdf": "application/pdf"})
        mail.send(db, settings, ref, "isf_letter", parent.email, message, subject + note, [pdf], actor_id)
    return db.exec(select(SentMessage).where(SentMessage.source_ref == ref).order_by(SentMessage.created_at.desc())).first()
