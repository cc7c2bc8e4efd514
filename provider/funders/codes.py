"""Funder codes (an ICB's organisation code and payables code), effective-dated; a council's departments."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, select

from provider.dated import DAY, in_force, period_to_close
from provider.errors import NotFound
from provider.funders.models import CodeKind, DepartmentKind, Funder, FunderCode, FunderDepartment
from provider.funders.schemas import CodeIn, DepartmentIn, DepartmentPatch
from provider.organisation.changes import validate_change, validate_new, values_of

CODE_KIND_LABELS = {CodeKind.organisation_code: "Organisation code", CodeKind.payables_code: "Payables code"}
DEPARTMENT_KIND_LABELS = {DepartmentKind.social_care: "Children's social care", DepartmentKind.education: "Education",
                          DepartmentKind.health: "Health", DepartmentKind.other: "Other"}


def code_on(codes: Iterable[FunderCode], kind: CodeKind | str, day: date) -> FunderCode | None:
    """The code of `kind` in force on `day`, or None."""
    return in_force((c for c in codes if c.kind == kind), day)


def codes_of(db: Session, funder: Funder) -> list[FunderCode]:
    query = select(FunderCode).where(FunderCode.funder_id == funder.id)
    return list(db.exec(query.order_by(FunderCode.kind, FunderCode.starts_on.desc())))


def add_code(db: Session, funder: Funder, data: dict | CodeIn) -> FunderCode:
    """A new code; the open-ended code of the same kind it follows is closed the day before it starts."""
    shape: CodeIn = validate_new(CodeIn, data)
    db.exec(select(Funder.id).where(Funder.id == funder.id).with_for_update())  # one code change at a time
    same_kind = [c for c in codes_of(db, funder) if c.kind == shape.kind]
    to_close = period_to_close(same_kind, shape.starts_on, shape.ends_on, "code")
    if to_close is not None:
        to_close.ends_on = shape.starts_on - DAY
        db.add(to_close)
    code = FunderCode(funder_id=funder.id, **shape.model_dump())
    db.add(code)
    db.flush()
    return code


def departments_of(db: Session, funder: Funder) -> list[FunderDepartment]:
    query = select(FunderDepartment).where(FunderDepartment.funder_id == funder.id)
    return list(db.exec(query.order_by(FunderDepartment.name)))


def get_department(db: Session, funder: Funder, department_id: uuid.UUID) -> FunderDepartment:
    department = db.get(FunderDepartment, department_id)
    if department is None or department.funder_id != funder.id:
        raise NotFound("No such department of this funder.")
    return department


def save_department(db: Session, funder: Funder, data: dict | DepartmentIn | DepartmentPatch,
                    department: FunderDepartment | None = None) -> FunderDepartment:
    if department is None:
        shape: DepartmentIn = validate_new(DepartmentIn, data)
        department = FunderDepartment(funder_id=funder.id, **shape.model_dump())
    else:
        shape = validate_change(DepartmentIn, values_of(department, DepartmentIn), data)
        for name, value in shape.model_dump().items():
            if getattr(department, name) != value:
                setattr(department, name, value)
    db.add(department)
    db.flush()
    return department
