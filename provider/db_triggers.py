"""Rows that are never changed or deleted (ledger lines, issued documents, posted money): the guard triggers.

The migrations create them through these helpers, passing Alembic's `op`; each engine has its own SQL:

- PostgreSQL: one plpgsql function per kind of row raises the message, and each guarded table has one
  `<table>_immutable` trigger, BEFORE UPDATE OR DELETE, that calls it.
- SQLite: each guarded table has two triggers, `<table>_no_update` and `<table>_no_delete`, that abort with the
  message.

The statements are exactly those the migrations have always executed: a migration that has run must give the
same schema when it runs again, so change nothing here without a new migration.
"""
from __future__ import annotations

from typing import Any

# The text of a guard function, as the first migrations wrote it inside an indented triple-quoted string: the
# function's stored body (PostgreSQL's pg_proc.prosrc) keeps this whitespace.
_INDENT = "\n            "


def is_postgresql(op: Any) -> bool:
    return op.get_bind().dialect.name == "postgresql"


# ---------------------------------------------------------------------------------------------------------------
# The SQL of each engine


def postgresql_function(function: str, message: str, *, replace: bool = False) -> str:
    """The plpgsql function that refuses every change with `message`."""
    create = "CREATE OR REPLACE FUNCTION" if replace else "CREATE FUNCTION"
    return (f"{_INDENT}{create} {function}() RETURNS trigger LANGUAGE plpgsql AS $${_INDENT}"
            f"BEGIN RAISE EXCEPTION '{message}'; END $$")


def postgresql_guard(table: str, function: str) -> list[str]:
    return [f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"]


def postgresql_unguard(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}"]


def sqlite_guard(table: str, message: str) -> list[str]:
    return [f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{message}'); END" for action in ("UPDATE", "DELETE")]


def sqlite_unguard(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{action}" for action in ("update", "delete")]


# ---------------------------------------------------------------------------------------------------------------
# What the migrations call


def create_function(op: Any, function: str, message: str, *, replace: bool = False) -> None:
    """PostgreSQL: the guard function the tables' triggers call (SQLite needs none)."""
    if is_postgresql(op):
        op.execute(postgresql_function(function, message, replace=replace))


def drop_function(op: Any, function: str) -> None:
    if is_postgresql(op):
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")


def guard(op: Any, table: str, *, message: str, function: str) -> None:
    """`table`'s rows are never changed or deleted: PostgreSQL calls `function` (which must exist), SQLite aborts
    with `message`."""
    statements = postgresql_guard(table, function) if is_postgresql(op) else sqlite_guard(table, message)
    for statement in statements:
        op.execute(statement)


def unguard(op: Any, table: str) -> None:
    for statement in postgresql_unguard(table) if is_postgresql(op) else sqlite_unguard(table):
        op.execute(statement)
