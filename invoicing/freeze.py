"""What an issued document freezes: the supplier's details as they stand, and the document as canonical JSON."""
from __future__ import annotations

import hashlib
import json

from sqlmodel import Session, select

from provider.organisation.models import AccountPurpose, BankAccount, ProviderSettings


def supplier(db: Session) -> dict:
    settings = db.get(ProviderSettings, 1)
    bank = db.exec(select(BankAccount).where(BankAccount.purpose == AccountPurpose.operating,
                                             BankAccount.is_active)).first()
    return {
        "name": settings.name, "address": settings.address, "phone": settings.phone, "email": settings.email,
        "charity_number": settings.charity_number, "company_number": settings.company_number,
        "registered_office": settings.registered_office, "vat_number": settings.vat_number,
        "bank": None if bank is None else {"account_name": bank.account_name, "sort_code": bank.sort_code,
                                           "account_number": bank.account_number, "bank_name": bank.bank_name},
    }


def frozen(document: dict) -> tuple[str, str]:
    """The document as canonical JSON and its SHA-256: what is stored is what was issued."""
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return data, hashlib.sha256(data.encode()).hexdigest()
