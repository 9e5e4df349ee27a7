"""Undo one audited change (one Continuum transaction), itself recorded as a new change.

Rows the transaction created are deleted, rows it deleted are re-created as they were (with
Continuum's `version.revert()`), and the fields it changed get their earlier values back; later
changes to other fields stay. Everything that could break is checked before anything is
written, so a refusal is a clear message and no half-done undo: a login or role name someone
has now, a record that others refer to since, or something the earlier state refers to that has
been deleted since. Undo never leaves the portal without an active administrator.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from models.errors import ConflictError
from models.meta import Base
from models.people import Membership, User
from models.roles import ADMIN_ROLE, Role, RoleGrant
from portal.audit.log import (
    AUDITED,
    DELETE,
    INSERT,
    TABLE_LABELS,
    Names,
    row_label,
    transaction_model,
    versions_of_transaction,
    want_names,
)
from portal.core.i18n import _

INTERNAL = ("transaction_id", "end_transaction_id", "operation_type")

# What refers to a row, said in words, when it stops a deletion.
REFERRER_LABELS = {
    "transaction": _("changes this person made in the portal"),
    "workflow_history": _("workflow history"),
    "notifications": _("notifications"),
    **TABLE_LABELS,
}


class RevertProblem(ConflictError):
    """Why a change cannot be undone (a translation string for the admin)."""


@dataclass
class Step:
    """One row to put back: delete it, re-create it, or set some of its columns."""

    table: str
    action: str  # delete | create | update
    row_id: int
    current: Any = None  # the row as it is now (delete, update)
    previous: Any = None  # the version to re-create from (create)
    values: dict = field(default_factory=dict)  # create: every column; update: the changed ones
    version: Any = None


def _columns(version) -> dict:
    return {c: getattr(version, c) for c in sa.inspect(version.__class__).columns.keys()
            if c not in INTERNAL}


def _last_before(dbsession, version):
    """The version of the same row that was current before `version`'s transaction."""
    version_cls = version.__class__
    return dbsession.scalar(
        sa.select(version_cls).where(version_cls.id == version.id,
                                     version_cls.transaction_id < version.transaction_id)
        .order_by(version_cls.transaction_id.desc()).limit(1))


def plan_revert(dbsession, transaction_id: int) -> tuple[list[Step], Names]:
    """What undoing the transaction would do; raises RevertProblem when it cannot be done."""
    if dbsession.get(transaction_model(), transaction_id) is None:
        raise RevertProblem(_("There is no change number ${id}.", mapping={"id": transaction_id}))
    triples = versions_of_transaction(dbsession, transaction_id)
    names = Names(dbsession)
    for table, version, _previous in triples:
        want_names(names, table, version)
    names.load()
    steps: list[Step] = []
    for table, version, previous in triples:
        current = dbsession.get(AUDITED[table], version.id)
        if version.operation_type == INSERT:
            if current is not None:
                steps.append(Step(table, "delete", version.id, current=current, version=version))
        elif version.operation_type == DELETE:
            if current is None:
                before = _last_before(dbsession, version)
                steps.append(Step(table, "create", version.id, previous=before, version=version,
                                  values=_columns(before if before is not None else version)))
        else:
            if previous is None:
                raise RevertProblem(_("The state before this change was not recorded, so it "
                                      "cannot be undone."))
            if current is None:
                raise RevertProblem(_(
                    "The ${what} has been deleted since. Undo that deletion first.",
                    mapping={"what": row_label(names, table, version)}))
            values = {
                column: old for column, old in _columns(previous).items()
                if old != getattr(version, column) and getattr(current, column) != old
            }
            if values:
                steps.append(Step(table, "update", version.id, current=current, values=values,
                                  version=version))
    steps = _check(dbsession, steps, names)
    return steps, names


def _check(dbsession, steps: list[Step], names: Names) -> list[Step]:
    """Refuse what would break; drop re-creations of things that exist again already."""
    deleting = {(s.table, s.row_id) for s in steps if s.action == "delete"}
    creating = {(s.table, s.row_id) for s in steps if s.action == "create"}
    kept = []
    for step in steps:
        if step.action == "delete":
            _check_nothing_refers_to(dbsession, step, deleting, names)
            kept.append(step)
            continue
        if step.action == "create" and _exists_again(dbsession, step):
            continue
        _check_unique_names(dbsession, step)
        _check_references_exist(dbsession, step, deleting, creating, names)
        kept.append(step)
    return kept


def _cascaded_tables(model) -> set[str]:
    """Tables whose rows the ORM deletes together with a `model` row (memberships of a user)."""
    return {rel.mapper.local_table.name for rel in sa.inspect(model).relationships
            if rel.cascade.delete}


def _check_nothing_refers_to(dbsession, step: Step, deleting, names: Names) -> None:
    table = AUDITED[step.table].__table__
    cascaded = _cascaded_tables(AUDITED[step.table])
    for other in Base.metadata.sorted_tables:
        if other.name.endswith("_version") or other.name in cascaded:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is not table:
                continue
            query = sa.select(other.c.id).where(fk.parent == step.row_id)
            going = [rid for (t, rid) in deleting if t == other.name]
            if going:
                query = query.where(other.c.id.not_in(going))
            if dbsession.execute(query.limit(1)).first() is not None:
                raise RevertProblem(_(
                    "Undoing would delete the ${what}, but other records refer to it now "
                    "(${referrer}). Change or deactivate it instead.",
                    mapping={"what": row_label(names, step.table, step.current),
                             "referrer": REFERRER_LABELS.get(other.name, other.name)}))


def _unique_column_sets(table) -> list[tuple[str, ...]]:
    sets = [tuple(c.name for c in con.columns) for con in table.constraints
            if isinstance(con, sa.UniqueConstraint)]
    sets += [(c.name,) for c in table.columns if c.unique]
    return sets


def _exists_again(dbsession, step: Step) -> bool:
    """Whether a row equal to the one to re-create exists now (re-added since, another id)."""
    table = AUDITED[step.table].__table__
    for columns in _unique_column_sets(table):
        if len(columns) < 2:
            continue
        where = [table.c[c].is_(None) if step.values.get(c) is None
                 else table.c[c] == step.values[c] for c in columns]
        if dbsession.execute(sa.select(table.c.id).where(*where).limit(1)).first():
            return True
    return False


def _check_unique_names(dbsession, step: Step) -> None:
    """A login or role name the earlier state had may belong to someone else by now."""
    login = step.values.get("login") if step.table == "users" else None
    if login:
        other = dbsession.scalar(sa.select(User).where(User.login == login, User.id != step.row_id))
        if other is not None:
            raise RevertProblem(_(
                "The login “${login}” is now used by ${name}, so the earlier state cannot be "
                "restored. Change that person's login first.",
                mapping={"login": login, "name": other.full_name}))
    name = step.values.get("name") if step.table == "roles" else None
    if name:
        other = dbsession.scalar(sa.select(Role).where(Role.name == name, Role.id != step.row_id))
        if other is not None:
            raise RevertProblem(_(
                "The role name “${name}” is now used by another role, so the earlier state cannot "
                "be restored.", mapping={"name": name}))


def _check_references_exist(dbsession, step: Step, deleting, creating, names: Names) -> None:
    """What the earlier state points to (a department, a person, a role) must still be there."""
    table = AUDITED[step.table].__table__
    for fk in table.foreign_keys:
        column = fk.parent.name
        if column not in step.values or step.values[column] is None:
            continue
        target_table = fk.column.table
        target_id = step.values[column]
        if (target_table.name, target_id) in creating:
            continue
        gone = (target_table.name, target_id) in deleting or dbsession.execute(
            sa.select(fk.column).where(fk.column == target_id).limit(1)).first() is None
        if gone:
            raise RevertProblem(_(
                "The earlier state of the ${what} refers to something deleted since "
                "(${kind} #${id}). Undo that deletion first.",
                mapping={"what": row_label(names, step.table, step.version),
                         "kind": TABLE_LABELS.get(target_table.name, target_table.name),
                         "id": target_id}))


def admins_left(dbsession) -> int:
    """Active people holding the admin role, directly or through a department."""
    admin_grants = sa.select(RoleGrant).join(Role, Role.id == RoleGrant.role_id).where(
        Role.name == ADMIN_ROLE).subquery()
    direct = sa.select(admin_grants.c.user_id).where(admin_grants.c.user_id.is_not(None))
    through_department = sa.select(Membership.user_id).join(
        admin_grants, admin_grants.c.department_id == Membership.department_id)
    return dbsession.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.active, sa.or_(User.id.in_(direct), User.id.in_(through_department))))


def revert_transaction(dbsession, transaction_id: int) -> int:
    """Undo one audit transaction; returns how many records changed. Raises RevertProblem.

    Callers answer a RevertProblem with a 4xx, so that the request's transaction is rolled
    back should anything have been written before the last check.
    """
    steps, _names = plan_revert(dbsession, transaction_id)
    if not steps:
        raise RevertProblem(_("Nothing to undo: these records are already as they were before "
                              "this change."))
    order = list(AUDITED)
    # Children are deleted before their parents, parents re-created before their children.
    for step in sorted((s for s in steps if s.action == "delete"),
                       key=lambda s: -order.index(s.table)):
        dbsession.delete(step.current)
    dbsession.flush()
    for step in sorted((s for s in steps if s.action != "delete"),
                       key=lambda s: (order.index(s.table), s.row_id)):
        if step.action == "create":
            if step.previous is not None and step.previous.operation_type != DELETE:
                step.previous.revert()  # Continuum re-creates the row as it was
            else:
                dbsession.add(AUDITED[step.table](**step.values))
        else:
            for column, value in step.values.items():
                setattr(step.current, column, value)
    dbsession.flush()
    if admins_left(dbsession) == 0:
        raise RevertProblem(_("Undoing this change would leave the portal without an active "
                              "administrator."))
    return len(steps)
