"""The role matrix (type.permission × role → none/own/department/all) and the department tree,
each read once per request (`request.role_matrix`, `request.department_tree`), and the matrix
changed in one go from its page.

The matrix page posts a select per cell, `s:<role id>:<type>.<permission>`, and a hidden `shown`
field with the cells it showed (JSON). Only cells whose value differs from both what was shown
and what is stored are written, so two admins working at once overwrite each other's cells only
if they changed the same ones."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import colander
import sqlalchemy as sa

from models.generations import SECURITY, GenerationCache, token_of
from models.people import Department
from models.roles import SCOPES, Role, RolePermission
from portal.core.i18n import _

# --- reading it, once per request ----------------------------------------------------------------

@dataclass
class RoleMatrix:
    """Every role's permissions: ``scopes[role][(type, permission)] = scope``."""

    scopes: dict[str, dict[tuple[str, str], str]]
    by_permission: dict[tuple[str, str], list[tuple[str, str]]]
    # What is worked out from the matrix alone (a section's ACL, the sections a set of
    # principals sees), kept as long as the matrix: a new generation is a new matrix.
    derived: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, dbsession) -> RoleMatrix:
        rows = dbsession.execute(
            sa.select(Role.name, RolePermission.type, RolePermission.permission, RolePermission.scope)
            .join(RolePermission, RolePermission.role_id == Role.id)
        ).all()
        scopes: dict = defaultdict(dict)
        by_permission: dict = defaultdict(list)
        for role, type_name, permission, scope in rows:
            scopes[role][(type_name, permission)] = scope
            by_permission[(type_name, permission)].append((role, scope))
        return cls(dict(scopes), dict(by_permission))

    def roles_with(self, type_name: str, permission: str) -> list[tuple[str, str]]:
        return self.by_permission.get((type_name, permission), [])


@dataclass(frozen=True)
class DepartmentName:
    id: int
    name: str


@dataclass
class DepartmentTree:
    parents: dict[int, int | None]
    blocked: set[int]
    children: dict[int, list[int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    ordered: list[int] = field(default_factory=list)  # by sort order, then name

    @classmethod
    def load(cls, dbsession) -> DepartmentTree:
        rows = dbsession.execute(
            sa.select(Department.id, Department.parent_id, Department.block_local_roles,
                      Department.name)
            .order_by(Department.sort_order, Department.name, Department.id)
        ).all()
        children: dict = defaultdict(list)
        for id_, parent_id, _blocked, _name in rows:
            if parent_id is not None:
                children[parent_id].append(id_)
        return cls({r[0]: r[1] for r in rows}, {r[0] for r in rows if r[2]}, dict(children),
                   {r[0]: r[3] for r in rows}, [r[0] for r in rows])

    def walk(self) -> list[tuple[int, int]]:
        """(id, depth) of every department, depth-first in the order the admin gave them."""
        kids: dict[int | None, list[int]] = defaultdict(list)
        for dept in self.ordered:
            parent = self.parents.get(dept)
            kids[parent if parent in self.parents else None].append(dept)
        out: list[tuple[int, int]] = []
        seen: set[int] = set()
        stack = [(dept, 0) for dept in reversed(kids[None])]
        while stack:
            dept, depth = stack.pop()
            if dept in seen:  # a cycle in bad data must not hang the page
                continue
            seen.add(dept)
            out.append((dept, depth))
            stack.extend((child, depth + 1) for child in reversed(kids.get(dept, ())))
        return out

    def choices(self) -> list[DepartmentName]:
        """Every department, in the order the admin gave them (for a filter's choices)."""
        return [DepartmentName(i, self.names[i]) for i in self.ordered]

    def named(self, ids) -> list[DepartmentName]:
        """The departments `ids` with their names, by name."""
        return sorted((DepartmentName(i, self.names[i]) for i in ids if i in self.names),
                      key=lambda d: d.name)

    def with_descendants(self, ids) -> set[int]:
        out, stack = set(), list(ids)
        while stack:
            node = stack.pop()
            if node not in out:
                out.add(node)
                stack.extend(self.children.get(node, ()))
        return out

    def lineage(self, dept_id: int) -> list[int]:
        """The department and every parent up to the top (nearest first)."""
        out: list[int] = []
        node: int | None = dept_id
        while node is not None and node not in out:
            out.append(node)
            node = self.parents.get(node)
        return out

    def local_lineage(self, dept_id: int) -> list[int]:
        """The department and its parents whose local roles reach it (stops at a block)."""
        out: list[int] = []
        node: int | None = dept_id
        while node is not None and node not in out:
            out.append(node)
            if node in self.blocked:
                break
            node = self.parents.get(node)
        return out


# Kept in memory per generation of the roles and departments (models/generations.py).
MATRICES = GenerationCache(RoleMatrix.load)
TREES = GenerationCache(DepartmentTree.load)


def security_token(request) -> str | None:
    """The generation of roles and departments this request sees."""
    known = request.preamble
    if SECURITY not in known:
        known[SECURITY] = request.dbsession.scalar(sa.select(token_of(SECURITY)))
    return known[SECURITY]


def role_matrix(request) -> RoleMatrix:
    return MATRICES.get(request.dbsession, security_token(request))


def department_tree(request) -> DepartmentTree:
    return TREES.get(request.dbsession, security_token(request))


# --- changing it from its page ---------------------------------------------------------------------

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
