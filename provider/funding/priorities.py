"""The provider's order of priority: which kind of arrangement pays first, for every service or for one service
(DEFAULT_PRIORITY until the provider sets its own), and one child's own order with the reason for it.

The engine's loader may call `priority_order(db)` and `child_overrides(db)`.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, select

from provider import references
from provider.catalogue.models import Service
from provider.charges.service import flag_charges
from provider.errors import FieldErrors
from provider.funders.models import CharitableFund
from provider.funding.contracts import contracts_covering
from provider.funding.models import (
    ARRANGEMENT_KIND_LABELS, DEFAULT_PRIORITY, Arrangement, ArrangementKind, BlockContract, ChildPriority,
    PriorityRule,
)
from provider.fields import check
from provider.funding.schemas import ChildOrderIn, PrioritiesIn
from provider.funding.service import arrangements_for_child
from provider.people.models import Child

KINDS = tuple(k.value for k in DEFAULT_PRIORITY)


def _parsed(ref: str) -> references.ArrangementRef | None:
    """An arrangement, block contract or restricted fund a child's order may name; None for anything else."""
    found = references.try_arrangement(ref) if isinstance(ref, str) else None
    return found if found is not None and found.id is not None else None


# --- reading ---------------------------------------------------------------------------------------------------

def priority_order(db: Session) -> tuple[list[str], dict[uuid.UUID, list[str]]]:
    """(the order for every service, {service_id: that service's own order}); DEFAULT_PRIORITY when none is set."""
    default: list[str] = []
    by_service: dict[uuid.UUID, list[str]] = {}
    for rule in db.exec(select(PriorityRule).order_by(PriorityRule.rank, PriorityRule.kind)):
        if rule.service_id is None:
            default.append(str(rule.kind))
        else:
            by_service.setdefault(rule.service_id, []).append(str(rule.kind))
    return default or list(KINDS), by_service


def child_overrides(db: Session) -> dict[uuid.UUID, list[str]]:
    """{child_id: ["arrangement:<uuid>", "block:<uuid>", "fund:<uuid>", ...]} tried first, in this order."""
    found: dict[uuid.UUID, list[str]] = {}
    for row in db.exec(select(ChildPriority).order_by(ChildPriority.child_id, ChildPriority.rank)):
        found.setdefault(row.child_id, []).append(row.arrangement_ref)
    return found


def child_override(db: Session, child_id: uuid.UUID) -> tuple[list[str], str]:
    rows = db.exec(select(ChildPriority).where(ChildPriority.child_id == child_id).order_by(ChildPriority.rank)).all()
    return [r.arrangement_ref for r in rows], (rows[0].reason if rows else "")


def priorities_out(db: Session) -> dict[str, Any]:
    default, by_service = priority_order(db)
    children: dict[uuid.UUID, dict] = {}
    for row in db.exec(select(ChildPriority).order_by(ChildPriority.child_id, ChildPriority.rank)):
        entry = children.setdefault(row.child_id, {"order": [], "reason": row.reason})
        entry["order"].append(row.arrangement_ref)
    return {"default": default, "by_service": by_service, "children": children}


def candidates(db: Session, child: Child) -> list[tuple[str, str]]:
    """What may go into a child's own order: (reference, label)."""
    found = [(references.arrangement_ref(references.ARRANGEMENT, d.arrangement.id), d.arrangement.name)
             for d in arrangements_for_child(db, child.id)]
    found += [(references.block_ref(c.id), f"Block contract {c.reference}") for c in contracts_covering(db, child)]
    funds = db.exec(select(CharitableFund).where(CharitableFund.restricted).order_by(CharitableFund.name))
    found += [(references.arrangement_ref(references.FUND, f.id), f"{f.name} (restricted fund)") for f in funds]
    return found


def ref_label(db: Session, ref: str) -> str:
    parsed = _parsed(ref)
    if parsed is None:
        return ref
    kind, key = parsed.kind, parsed.id
    if kind == "arrangement":
        row = db.get(Arrangement, key)
        return row.name if row else "an arrangement no longer recorded"
    if kind == "block":
        row = db.get(BlockContract, key)
        return f"Block contract {row.reference}" if row else "a contract no longer recorded"
    row = db.get(CharitableFund, key)
    return row.name if row else "a fund no longer recorded"


# --- checks and writing ---------------------------------------------------------------------------------------------

def order_problem(order: list[str]) -> str | None:
    kinds = [str(k) for k in order]
    twice = sorted({k for k in kinds if kinds.count(k) > 1})
    if twice:
        return "lists " + ", ".join(ARRANGEMENT_KIND_LABELS[ArrangementKind(k)] for k in twice) + " more than once"
    missing = [k for k in KINDS if k not in kinds]
    if missing:
        return ("must list every kind once: " + ", ".join(ARRANGEMENT_KIND_LABELS[ArrangementKind(k)] for k in missing)
                + (" is" if len(missing) == 1 else " are") + " missing")
    return None


def _ref_problem(db: Session, child: Child, ref: str) -> str | None:
    parsed = _parsed(ref)
    if parsed is None:
        return f'"{ref}" must be "arrangement:<id>", "block:<id>" or "fund:<id>"'
    kind, key = parsed.kind, parsed.id
    if kind == "arrangement":
        row = db.get(Arrangement, key)
        if row is None or row.child_id != child.id:
            return f"{ref} is not one of this child's arrangements"
    elif kind == "block":
        if key not in {c.id for c in contracts_covering(db, child)}:
            return f"{ref} is not a block contract covering this child"
    else:
        fund = db.get(CharitableFund, key)
        if fund is None or not fund.restricted:
            return f"{ref} is not a restricted charitable fund"
    return None


def _child_problems(db: Session, child_id: uuid.UUID, entry: ChildOrderIn, prefix: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    child = db.get(Child, child_id)
    if child is None:
        return {prefix.rstrip("."): "is not a known child"}
    if not entry.order:
        return errors
    for ref in entry.order:
        if problem := _ref_problem(db, child, ref):
            errors.setdefault(f"{prefix}order", problem)
    if len(set(entry.order)) != len(entry.order):
        errors.setdefault(f"{prefix}order", "lists an arrangement more than once")
    if not entry.reason:
        errors[f"{prefix}reason"] = "is required: say why this child's order differs from the provider's"
    return errors


def save_priorities(db: Session, data: dict | PrioritiesIn) -> None:
    """Apply every part sent, after checking all of it."""
    shape: PrioritiesIn = check(PrioritiesIn, data)
    errors: dict[str, str] = {}
    if shape.default is not None and (problem := order_problem(shape.default)):
        errors["default"] = problem
    for service_id, order in (shape.by_service or {}).items():
        if db.get(Service, service_id) is None:
            errors[f"by_service.{service_id}"] = "is not a service in the catalogue"
        elif order and (problem := order_problem(order)):
            errors[f"by_service.{service_id}"] = problem
    for child_id, entry in (shape.children or {}).items():
        errors.update(_child_problems(db, child_id, entry, f"children.{child_id}."))
    if errors:
        raise FieldErrors(errors)
    reason = "The order of priority was changed."
    if shape.default is not None or shape.by_service:
        flag_charges(db, after=date.min, reason=reason)
    elif shape.children:
        flag_charges(db, after=date.min, reason=reason, child_ids=set(shape.children))
    if shape.default is not None:
        _set_order(db, None, shape.default)
    for service_id, order in (shape.by_service or {}).items():
        _set_order(db, service_id, order or [])
    for child_id, entry in (shape.children or {}).items():
        _set_child(db, child_id, entry)


def _set_order(db: Session, service_id: uuid.UUID | None, order: list) -> None:
    have = {str(r.kind): r for r in db.exec(select(PriorityRule).where(PriorityRule.service_id == service_id))}
    wanted = {str(kind): rank for rank, kind in enumerate(order, start=1)}
    for kind in have.keys() - wanted.keys():
        db.delete(have[kind])
    for kind, rank in wanted.items():
        row = have.get(kind) or PriorityRule(service_id=service_id, kind=kind, rank=rank)
        if row.rank != rank:
            row.rank = rank
        db.add(row)
    db.flush()


def _set_child(db: Session, child_id: uuid.UUID, entry: ChildOrderIn) -> None:
    have = {r.arrangement_ref: r for r in db.exec(select(ChildPriority).where(ChildPriority.child_id == child_id))}
    wanted = {ref: rank for rank, ref in enumerate(entry.order, start=1)}
    for ref in have.keys() - wanted.keys():
        db.delete(have[ref])
    for ref, rank in wanted.items():
        row = have.get(ref) or ChildPriority(child_id=child_id, arrangement_ref=ref, rank=rank, reason="")
        row.rank, row.reason = rank, entry.reason or ""
        db.add(row)
    db.flush()


def set_child_override(db: Session, child_id: uuid.UUID, order: list[str], reason: str | None) -> None:
    """One child's own order (empty removes it), with the reason; refuses what does not fund this child."""
    try:
        save_priorities(db, {"children": {child_id: {"order": order, "reason": reason}}})
    except FieldErrors as exc:
        prefix = f"children.{child_id}."
        raise FieldErrors({k.removeprefix(prefix) or "order": v for k, v in exc.errors.items()}) from None


def set_order(db: Session, service_id: uuid.UUID | None, order: list[str]) -> None:
    """The order for every service (service_id None) or for one service (an empty order removes it)."""
    try:
        if service_id is None:
            save_priorities(db, {"default": order})
        else:
            save_priorities(db, {"by_service": {service_id: order}})
    except FieldErrors as exc:
        raise FieldErrors({"order": next(iter(exc.errors.values()))}) from None
