"""Charitable income: donations, legacies, events, trading and trust grants, by fund, posted to the ledger."""
