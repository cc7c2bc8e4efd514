"""Announcements a lower layer makes and a higher layer answers, so that nothing imports upwards.

A lower module calls a hook ("an entry was posted", "a price changed"); the composition root
(`lantern.wiring.wire`) connects the higher layers' answers once at start. A required hook that nobody
answered is a wiring mistake that would change figures silently, so calling it raises instead.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


class HookNotWired(RuntimeError):
    pass


class Hook:
    def __init__(self, name: str, doc: str, *, required: bool = True) -> None:
        self.name, self.__doc__, self.required = name, doc, required
        self._handlers: list[Callable[..., Any]] = []

    def connect(self, handler: Callable[..., Any]) -> None:
        if handler not in self._handlers:
            self._handlers.append(handler)

    def _ready(self) -> list[Callable[..., Any]]:
        if self.required and not self._handlers:
            raise HookNotWired(f"Nothing answers the hook {self.name!r}: call lantern.wiring.wire() at start.")
        return self._handlers

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        for handler in self._ready():
            handler(*args, **kwargs)

    def collect(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Every handler's answer, in the order they were connected."""
        return [handler(*args, **kwargs) for handler in self._ready()]


entries_posted = Hook("entries_posted", """Ledger entries were written: (db, [(kind, posted_on, group_id,
    [(account code, debit, credit)])]). The reports keep their income and children by month.""")

charges_counted = Hook("charges_counted", """Charges paid in part by block contracts became current (sign 1) or
    were superseded (sign -1): (db, [(child_id, day, block refs)], sign).""")

prices_changed = Hook("prices_changed", """A service's prices changed from a day on: (db, after, reason,
    service_ids). Charges already stored from then on are flagged for a person to recalculate.""")

nominations_changed = Hook("nominations_changed", """A child's written nomination was recorded or withdrawn, in
    force from a day on: (db, after, reason, child_ids). Charges already stored from then on are flagged.""")

budgets_without_nominee = Hook("budgets_without_nominee", """What a child's page says of each budget paid to a
    nominee that has no written nomination in force from some day on: (db, child_id, on) -> [text].""")

month_closing = Hook("month_closing", """Accounting months are about to close: (db, last day closing, today,
    actor_id). Block contracts' deferred income up to then is released first.""")

isf_paid_out = Hook("isf_paid_out", """What each ISF arrangement has paid out to other suppliers:
    (db, arrangement ids) -> {arrangement id: pence}. The who-pays engine caps an ISF by it.""")

bank_lines_claimed = Hook("bank_lines_claimed", """A query of the ids of bank lines that some record other than a
    payment has claimed (an ISF receipt, say): () -> select statement of BankLine ids.""")

contract_settled_on = Hook("contract_settled_on", """The day a block contract was settled, if it has been:
    (db, contract) -> date | None.""")
