"""A supplier's bank details change only when a second person confirms what the first entered: a common fraud is
a message asking to pay a familiar supplier into a new account."""
from __future__ import annotations

import re

from sqlmodel import Session

from isf.models import Supplier
from provider.errors import FieldErrors
from provider.users.models import User


def propose_bank_details(db: Session, supplier: Supplier, sort_code: str, account_number: str, by: User) -> Supplier:
    sort_code, account_number = re.sub(r"[\s-]", "", sort_code), re.sub(r"\s", "", account_number)
    errors = {}
    if not re.fullmatch(r"\d{6}", sort_code):
        errors["sort_code"] = "must be six digits, like 20-00-00"
    if not re.fullmatch(r"\d{8}", account_number):
        errors["account_number"] = "must be eight digits"
    if errors:
        raise FieldErrors(errors)
    supplier.pending_sort_code, supplier.pending_account_number, supplier.pending_by_id = sort_code, account_number, by.id
    db.add(supplier)
    db.flush()
    return supplier


def confirm_bank_details(db: Session, supplier: Supplier, by: User) -> Supplier:
    if supplier.pending_sort_code is None:
        raise FieldErrors({"confirm": "there is no change of bank details waiting to be confirmed"})
    if supplier.pending_by_id == by.id:
        raise FieldErrors({"confirm": "must be confirmed by someone other than the person who entered the change"})
    supplier.sort_code, supplier.account_number = supplier.pending_sort_code, supplier.pending_account_number
    supplier.pending_sort_code = supplier.pending_account_number = supplier.pending_by_id = None
    db.add(supplier)
    db.flush()
    return supplier
