"""The children behind each line of the trustees' income report (care, ISF fees, block contracts), kept month by
month (provider/ledger/income_children.py), filled from the ledger and the charges as they stand.

Revision ID: 0024
Revises: 0023
"""
import datetime
import uuid
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

CARE_KINDS = ("care_delivered", "care_reversed")


def _care(posted_on, child_id, lines, total):
    """Each income line of one care entry counts once for its child, by income account and paired payer account."""
    month = _date(posted_on).replace(day=1)
    payers, taken = defaultdict(list), defaultdict(int)
    for code, debit, credit in sorted(lines):
        if not code.startswith("income:"):
            payers[debit + credit].append(code)
    for code, size in sorted((code, debit + credit) for code, debit, credit in lines if code.startswith("income:")):
        n = taken[size]
        taken[size] += 1
        total[(month, "care", code, payers[size][n] if n < len(payers[size]) else "", _uuid(child_id))] += 1


def upgrade() -> None:
    op.create_table('income_children',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('payer_code', sa.String(length=120), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_income_children')),
    sa.UniqueConstraint('month', 'source', 'code', 'payer_code', 'child_id', name='uq_income_children_key')
    )
    bind = op.get_bind()
    total = defaultdict(int)
    rows = bind.execute(sa.text(
        "SELECT e.id, e.posted_on, c.child_id, a.code, l.debit_pence, l.credit_pence FROM ledger_entries e "
        "JOIN charges c ON c.id = e.group_id JOIN ledger_lines l ON l.entry_id = e.id "
        "JOIN ledger_accounts a ON a.id = l.account_id "
        "WHERE e.kind IN ('care_delivered', 'care_reversed') ORDER BY e.id"))
    current, entry, lines = None, None, []
    for entry_id, posted_on, child_id, code, debit, credit in rows:
        if entry_id != current:
            if entry is not None:
                _care(*entry, lines, total)
            current, entry, lines = entry_id, (posted_on, child_id), []
        lines.append((code, debit, credit))
    if entry is not None:
        _care(*entry, lines, total)
    refs = defaultdict(set)
    for charge_id, child_id, day, ref in bind.execute(sa.text(
            "SELECT c.id, c.child_id, c.day, p.arrangement_ref FROM charges c JOIN charge_parts p ON p.charge_id = c.id "
            "WHERE c.state = 'current' AND p.kind = 'block'")):
        refs[(charge_id, _uuid(child_id), _date(day).replace(day=1))].add(ref)
    isf_children = {f"isf:{_uuid(arrangement)}": _uuid(child) for arrangement, child in bind.execute(sa.text(
        "SELECT id, child_id FROM arrangements"))}
    fee_entries = defaultdict(list)
    for entry_id, posted_on, code in bind.execute(sa.text(
            "SELECT e.id, e.posted_on, a.code FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id "
            "JOIN ledger_accounts a ON a.id = l.account_id WHERE e.id IN (SELECT l2.entry_id FROM ledger_lines l2 "
            "JOIN ledger_accounts a2 ON a2.id = l2.account_id WHERE a2.code = 'income:isf_fees')")):
        fee_entries[(entry_id, _date(posted_on).replace(day=1))].append(code)
    for (_, month), codes in fee_entries.items():
        for code in codes:
            if code in isf_children:
                total[(month, "fee", "income:isf_fees", code, isf_children[code])] += 1
    for (_, child_id, month), found in refs.items():
        for ref in found:
            total[(month, "block", ref.removeprefix("block:"), "", child_id)] += 1
    table = sa.table('income_children', sa.column('id', sa.Uuid()), sa.column('month', sa.Date()),
                     sa.column('source', sa.String()), sa.column('code', sa.String()),
                     sa.column('payer_code', sa.String()), sa.column('child_id', sa.Uuid()),
                     sa.column('count', sa.Integer()))
    found = [{"id": uuid.uuid4(), "month": k[0], "source": k[1], "code": k[2], "payer_code": k[3], "child_id": k[4],
              "count": v} for k, v in total.items() if v]
    if found:
        op.bulk_insert(table, found)


def _date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def downgrade() -> None:
    op.drop_table('income_children')
