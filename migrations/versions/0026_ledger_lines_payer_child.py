"""Ledger lines say whom they concern: the payer and, where there is one, the child.

Filled from the ledger as it stands: a line on an account kept for one payer (its debtor, accrued income, credit
held, or an ISF's own account) names that payer; each income line of a care entry names the payer of the line it
was posted with (paired, one last time, as the reports paired them: the n-th income line of a size with the n-th
other line of that size, both in account-code order) and, like every line of the entry, the child of its charge;
an ISF account's lines name the ISF's child. Posted lines are never changed, so the guard is lifted for the fill
and put back exactly as it was.

Revision ID: 0026
Revises: 0025
"""
import uuid
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from provider import db_triggers

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

CARE_KINDS = ("care_delivered", "care_reversed")
PAYER_ACCOUNTS = ("debtor:", "accrued:", "credit:")
MESSAGE = "ledger rows are never changed or deleted: post a reversing entry"   # as migration 0005 guards them
BATCH = 1000


def _payer_of(code):
    for prefix in PAYER_ACCOUNTS:
        if code.startswith(prefix):
            return code[len(prefix):]
    return code if code.startswith("isf:") else None


def _uuid(value):
    return None if value is None else value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _care_payers(lines):
    """Each income line's id with the payer of the line paired with it; `lines` as (id, code, debit, credit)."""
    payers, taken, found = defaultdict(list), defaultdict(int), {}
    for _, code, debit, credit in sorted(lines, key=lambda line: line[1]):
        if not code.startswith("income:"):
            payers[debit + credit].append(code)
    for line_id, code, size in sorted(((i, c, d + k) for i, c, d, k in lines if c.startswith("income:")),
                                      key=lambda line: (line[1], line[2])):
        n = taken[size]
        taken[size] += 1
        found[line_id] = _payer_of(payers[size][n]) if n < len(payers[size]) else None
    return found


def _fill(bind) -> None:
    charges = {_uuid(i): _uuid(c) for i, c in bind.execute(sa.text("SELECT id, child_id FROM charges"))}
    isf_children = {f"isf:{_uuid(a)}": _uuid(c) for a, c in bind.execute(sa.text("SELECT id, child_id FROM arrangements"))}
    rows = bind.execute(sa.text(
        "SELECT l.id, e.id, e.kind, e.group_id, a.code, l.debit_pence, l.credit_pence FROM ledger_lines l "
        "JOIN ledger_entries e ON e.id = l.entry_id JOIN ledger_accounts a ON a.id = l.account_id ORDER BY e.id"))
    entries = defaultdict(list)
    meta = {}
    for line_id, entry_id, kind, group_id, code, debit, credit in rows:
        entries[entry_id].append((_uuid(line_id), code, debit, credit))
        meta[entry_id] = (kind, _uuid(group_id))
    updates = []
    for entry_id, lines in entries.items():
        kind, group_id = meta[entry_id]
        care = kind in CARE_KINDS
        paired = _care_payers(lines) if care else {}
        child_of_charge = charges.get(group_id) if care else None
        for line_id, code, _, _ in lines:
            payer = paired.get(line_id) if line_id in paired else _payer_of(code)
            child = child_of_charge if care else isf_children.get(code)
            if payer is not None or child is not None:
                updates.append({"line_id": line_id, "payer": payer, "child": child})
    table = sa.table('ledger_lines', sa.column('id', sa.Uuid()), sa.column('payer_ref', sa.String()),
                     sa.column('child_id', sa.Uuid()))
    statement = (table.update().where(table.c.id == sa.bindparam('line_id'))
                 .values(payer_ref=sa.bindparam('payer'), child_id=sa.bindparam('child', type_=sa.Uuid())))
    for start in range(0, len(updates), BATCH):
        bind.execute(statement, updates[start:start + BATCH])


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column('ledger_lines', sa.Column('payer_ref', sa.String(length=120), nullable=True))
    if db_triggers.is_postgresql(op):
        op.add_column('ledger_lines', sa.Column('child_id', sa.Uuid(), nullable=True))
        op.create_foreign_key(op.f('fk_ledger_lines_child_id_children'), 'ledger_lines', 'children', ['child_id'],
                              ['id'])
    else:   # SQLite adds a column with its reference in place, keeping the table as it is
        op.execute("ALTER TABLE ledger_lines ADD COLUMN child_id CHAR(32) "
                   "CONSTRAINT fk_ledger_lines_child_id_children REFERENCES children (id)")
    db_triggers.unguard(op, 'ledger_lines')
    _fill(bind)
    db_triggers.guard(op, 'ledger_lines', message=MESSAGE, function="ledger_immutable")


def downgrade() -> None:
    db_triggers.unguard(op, 'ledger_lines')
    if db_triggers.is_postgresql(op):
        op.drop_constraint(op.f('fk_ledger_lines_child_id_children'), 'ledger_lines', type_='foreignkey')
        op.drop_column('ledger_lines', 'child_id')
        op.drop_column('ledger_lines', 'payer_ref')
    else:
        with op.batch_alter_table('ledger_lines') as batch_op:
            batch_op.drop_column('child_id')
            batch_op.drop_column('payer_ref')
    db_triggers.guard(op, 'ledger_lines', message=MESSAGE, function="ledger_immutable")
