"""Lower layers announce through provider.hooks; the composition root answers every hook, and an unanswered
required hook refuses rather than letting a figure go quietly wrong."""
from __future__ import annotations

import pytest

import lantern  # noqa: F401  (wires the hooks)
from provider import hooks
from provider.hooks import Hook, HookNotWired


def test_every_hook_is_answered_once_lantern_is_imported():
    declared = [value for value in vars(hooks).values() if isinstance(value, Hook)]
    assert len(declared) == 9  # issue 18 adds nominations_changed and budgets_without_nominee
    assert [h.name for h in declared if not h._handlers] == []


def test_a_required_hook_nobody_answers_refuses_naming_itself():
    orphan = Hook("orphan", "nobody answers")
    with pytest.raises(HookNotWired, match="orphan"):
        orphan()
    with pytest.raises(HookNotWired, match="orphan"):
        orphan.collect()


def test_answers_come_back_in_the_order_they_were_connected_and_each_handler_once():
    hook = Hook("numbers", "")
    first, second = (lambda n: n + 1), (lambda n: n * 10)
    hook.connect(first)
    hook.connect(second)
    hook.connect(first)
    assert hook.collect(4) == [5, 40]
