"""Connects the higher layers' answers to the hooks the lower layers announce (provider.hooks), once."""
from __future__ import annotations

from provider import hooks

_wired = False


def wire() -> None:
    global _wired
    if _wired:
        return
    from invoicing import instalments, settlement
    from isf import banking, paid_out
    from provider.charges.service import flag_charges
    from provider.funding import nominee_gaps
    from reports import keeping

    hooks.entries_posted.connect(keeping.entries_posted)
    hooks.charges_counted.connect(keeping.charges_counted)
    hooks.prices_changed.connect(flag_charges)
    hooks.nominations_changed.connect(flag_charges)
    hooks.budgets_without_nominee.connect(nominee_gaps.texts_for_child)
    hooks.month_closing.connect(instalments.release_deferred)
    hooks.isf_paid_out.connect(paid_out.by_arrangement)
    hooks.bank_lines_claimed.connect(banking.used_line_ids)
    hooks.contract_settled_on.connect(settlement.settled_on)
    _wired = True
