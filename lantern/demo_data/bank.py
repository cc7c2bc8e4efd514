"""Willow's banks' CSV layouts and its accounts' labels: "Operating" (statements with separate paid-in and paid-out
columns) and "ISF client" (one signed amount column). Both UK layouts date lines DD/MM/YYYY."""
from __future__ import annotations

from sqlmodel import Session, select

from provider.organisation.models import AccountPurpose, BankAccount, ColumnMap

PAID_IN_AND_OUT = dict(name="Paid in and out", date_column="Date", date_format="%d/%m/%Y", paid_in_column="Paid in",
                       paid_out_column="Paid out", reference_column="Reference", description_column="Description")
SIGNED_AMOUNT = dict(name="Signed amount", date_column="Date", date_format="%d/%m/%Y", amount_column="Amount (GBP)",
                     reference_column="Reference", description_column="Counter Party")
LABELS = {AccountPurpose.operating: ("Operating", PAID_IN_AND_OUT["name"]),
          AccountPurpose.isf_client: ("ISF client", SIGNED_AMOUNT["name"])}


def build(session: Session) -> None:
    """Adds the two layouts (once) and labels the operating and ISF client accounts with one each."""
    layouts = {m.name: m for m in session.exec(select(ColumnMap))}
    for shape in (PAID_IN_AND_OUT, SIGNED_AMOUNT):
        if shape["name"] not in layouts:
            layouts[shape["name"]] = ColumnMap(**shape)
            session.add(layouts[shape["name"]])
    session.flush()
    for account in session.exec(select(BankAccount).where(BankAccount.purpose.in_(list(LABELS)))):
        label, layout = LABELS[AccountPurpose(account.purpose)]
        account.label = account.label or label
        account.column_map_id = account.column_map_id or layouts[layout].id
        session.add(account)
    session.flush()
