"""Every pence column BIGINT on PostgreSQL: one amount is bounded at £20m, but a sum of many (an invoice's total, a
year's ISF, a contract's value) can pass INTEGER's £21,474,836.47. SQLite already keeps every integer in 64 bits.

Revision ID: 0031
Revises: 0030
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

PENCE_COLUMNS = [
    ("income_months", ('pence',)),
    ("provider_settings", ('write_off_limit_pence',)),
    ("charitable_income", ('amount_pence',)),
    ("expected_payments", ('pence',)),
    ("grant_awards", ('amount_pence',)),
    ("invoices", ('total_pence',)),
    ("price_periods", ('price_pence', 'full_cost_pence')),
    ("reminders", ('total_pence', 'interest_pence')),
    ("arrangements", ('cap_pence', 'po_value_pence', 'yearly_pence', 'fees_pence_per_year')),
    ("block_contracts", ('value_pence', 'overage_rate_pence')),
    ("credit_notes", ('total_pence',)),
    ("debt_adjustments", ('pence',)),
    ("invoice_lines", ('unit_price_pence', 'amount_pence')),
    ("ledger_lines", ('debit_pence', 'credit_pence')),
    ("arrangement_rates", ('price_pence',)),
    ("bank_lines", ('amount_pence',)),
    ("billed_grant_instalments", ('pence',)),
    ("contract_settlements", ('overage_billed_pence', 'settled_pence')),
    ("credit_note_lines", ('amount_pence',)),
    ("isf_agreements", ('instalment_pence', 'fee_pence', 'surplus_pence', 'contingency_pence')),
    ("isf_advances", ('pence',)),
    ("isf_receipts", ('pence',)),
    ("isf_repayment_notices", ('pence',)),
    ("isf_sources", ('yearly_pence',)),
    ("payments", ('amount_pence',)),
    ("allocations", ('pence',)),
    ("charge_parts", ('pence', 'memorandum_pence')),
    ("isf_spend", ('pence',)),
    ("refunds", ('pence',)),
    ("isf_clearances", ('pence',)),
]


def _retype(old, new) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in PENCE_COLUMNS:
        for column in columns:
            op.alter_column(table, column, type_=new, existing_type=old)


def upgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer())
