"""Changing the role matrix (type.permission × role → none/own/department/all) in one go.

The matrix page posts a select per cell, `s:<role id>:<type>.<permission>`, and a hidden `shown`
field with the cells it showed (JSON). Only cells whose value differs from both what was shown
and what is stored are written, so two admins working at once overwrite each other's cells only
if they changed the same ones."""
from __future__ import annotations

import json
from dataclasses import dataclass

import colander

from models.roles import SCOPES, Role, RolePermission
from portal.core.i18n import _


def cell_key(role_id: int, type_name: str, permission: str) -> str:
    return f"{role_id}:{type_name}.{permission}"


@dataclass(frozen=True)
class CellChange:
    role: Role
    type_name: str
    permission: str
    scope: str  # "" takes the permission away


def _shown_cells(text):
    """The JSON of the cells the page showed; None when it did not send them (or sent junk)."""
    if not isinstance(text, str):
        return None
    try:
        cells = json.loads(text)
    except ValueError:
        return None
    return cells if isinstance(cells, dict) else None


def matrix_schema(roles: list[Role], known: set[tuple[str, str]]) -> colander.SchemaNode:
    """A field per cell of these roles and the known type.permission pairs; a value that is not
    a scope is refused, naming the cell."""
    def scope(node, value):
        if value and value not in SCOPES:
            raise colander.Invalid(node, _(
                "“${value}” is not a scope for ${key}. Choose none, own, department or all.",
                mapping={"value": value, "key": node.name.split(":", 2)[2]}))

    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="shown", missing=None,
                                   preparer=_shown_cells))
    for role in roles:
        for type_name, permission in sorted(known):
            schema.add(colander.SchemaNode(
                colander.String(allow_empty=True), name="s:" + cell_key(role.id, type_name, permission),
                missing=colander.drop, validator=scope))
    return schema


def matrix_changes(roles: list[Role], values: dict) -> list[CellChange]:
    """The cells to write: posted, and different from what the page showed and what is stored."""
    by_id = {role.id: role for role in roles}
    shown_cells = values.get("shown")
    changes = []
    for key, value in values.items():
        if not key.startswith("s:"):
            continue
        role_part, perm_part = key[2:].split(":", 1)
        type_name, permission = perm_part.split(".", 1)
        role = by_id[int(role_part)]
        current = role.scope_of(type_name, permission) or ""
        shown = current if shown_cells is None else shown_cells.get(key[2:], "")
        if value != shown and value != current:
            changes.append(CellChange(role, type_name, permission, value))
    return changes


def apply_matrix_changes(dbsession, changes: list[CellChange]) -> None:
    for change in changes:
        role = change.role
        existing = next((p for p in role.permissions
                         if p.type == change.type_name and p.permission == change.permission), None)
        if not change.scope:
            if existing is not None:
                role.permissions.remove(existing)
                dbsession.delete(existing)
        elif existing is None:
            role.permissions.append(RolePermission(type=change.type_name, permission=change.permission,
                                                   scope=change.scope))
        else:
            existing.scope = change.scope
    dbsession.flush()
