"""Income kept month by month (provider/ledger/income_months.py), filled from the ledger as it stands.

Revision ID: 0022
Revises: 0021
"""
import uuid
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

CARE_KINDS = ("care_delivered", "care_reversed")


def _amounts(kind, posted_on, lines, total):
    """One entry's income lines into `total`, a care line with the payer line of its size (both in code order)."""
    month = _date(posted_on).replace(day=1)
    income = sorted((code, debit + credit, credit - debit) for code, debit, credit in lines
                    if code.startswith("income:"))
    payers, taken = defaultdict(list), defaultdict(int)
    for code, debit, credit in sorted(lines):
        if not code.startswith("income:"):
            payers[debit + credit].append(code)
    for code, size, pence in income:
        if kind not in CARE_KINDS:
            total[(month, code, False, "")] += pence
            continue
        n = taken[size]
        taken[size] += 1
        total[(month, code, True, payers[size][n] if n < len(payers[size]) else "")] += pence


def upgrade() -> None:
    op.create_table('income_months',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('income_code', sa.String(length=120), nullable=False),
    sa.Column('care', sa.Boolean(), nullable=False),
    sa.Column('payer_code', sa.String(length=120), nullable=False),
    sa.Column('pence', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_income_months')),
    sa.UniqueConstraint('month', 'income_code', 'care', 'payer_code', name='uq_income_months_key')
    )
    rows = op.get_bind().execute(sa.text(
        "SELECT e.id, e.kind, e.posted_on, a.code, l.debit_pence, l.credit_pence FROM ledger_entries e "
        "JOIN ledger_lines l ON l.entry_id = e.id JOIN ledger_accounts a ON a.id = l.account_id "
        "WHERE e.id IN (SELECT l2.entry_id FROM ledger_lines l2 JOIN ledger_accounts a2 ON a2.id = l2.account_id "
        "WHERE a2.code LIKE 'income:%') ORDER BY e.id"))
    total, current, lines, kind, posted_on = defaultdict(int), None, [], None, None
    for entry_id, entry_kind, entry_posted_on, code, debit, credit in rows:
        if entry_id != current:
            if current is not None:
                _amounts(kind, posted_on, lines, total)
            current, kind, posted_on, lines = entry_id, entry_kind, entry_posted_on, []
        lines.append((code, debit, credit))
    if current is not None:
        _amounts(kind, posted_on, lines, total)
    table = sa.table('income_months', sa.column('id', sa.Uuid()), sa.column('month', sa.Date()),
                     sa.column('income_code', sa.String()), sa.column('care', sa.Boolean()),
                     sa.column('payer_code', sa.String()), sa.column('pence', sa.Integer()))
    found = [{"id": uuid.uuid4(), "month": _date(k[0]), "income_code": k[1], "care": k[2], "payer_code": k[3],
              "pence": v} for k, v in total.items() if v]
    if found:
        op.bulk_insert(table, found)


def _date(value):
    import datetime
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def downgrade() -> None:
    op.drop_table('income_months')
