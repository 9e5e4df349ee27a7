"""The role matrix reads in words (issue 15): every type and every type.permission of
config/roles.yaml has a label, and every type has its place in the "what may they do" order, so
that the roles pages never show a code such as "deal.view" or "report.sales"."""
from __future__ import annotations

from portal.security.default_roles import resource_types
from portal.security.explain import ACTION_WORDS, TYPE_ORDER, action_label
from portal.security.labels import PERMISSION_LABELS, TYPE_LABELS


def test_every_type_has_a_label_and_a_place():
    types = resource_types()
    assert sorted(set(types) - set(TYPE_LABELS)) == []
    assert sorted(set(types) - set(TYPE_ORDER)) == []


def test_every_permission_has_words():
    missing = [f"{t}.{p}" for t, perms in resource_types().items() for p in perms
               if f"{t}.{p}" not in PERMISSION_LABELS]
    assert missing == []
    for type_name, perms in resource_types().items():
        for permission in perms:
            assert action_label(type_name, permission) != f"{type_name}.{permission}"


def test_sales_actions_have_may_words():
    assert {"payment", "sales"} <= set(ACTION_WORDS)
