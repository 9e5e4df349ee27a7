"""Data every request reads and few change (roles, departments, KB folders, client lists) is kept
in memory per generation (models/generations.py): a change replaces the generation's token in
its own flush, so the next request reads it again; other changes leave the token alone."""
from __future__ import annotations

import sqlalchemy as sa

from models.generations import CLASSIFIERS, SECURITY, token_of
from models.roles import RolePermission


def token(dbsession, name: str) -> str:
    return dbsession.scalar(sa.select(token_of(name)))


def test_a_department_or_role_change_replaces_the_security_token(dbsession, factory):
    dept = factory.department("Склад")
    before = token(dbsession, SECURITY)
    dept.name = "Склад и логистика"
    dbsession.flush()
    renamed = token(dbsession, SECURITY)
    assert renamed != before
    role = factory.role("sales")
    role.permissions.append(RolePermission(type="person", permission="manage", scope="own"))
    dbsession.flush()
    assert token(dbsession, SECURITY) != renamed


def test_other_changes_leave_the_tokens_alone(dbsession, factory):
    person = factory.user()
    dbsession.flush()
    before = (token(dbsession, SECURITY), token(dbsession, CLASSIFIERS))
    person.full_name = "Другое Имя"
    person.phone = "+7 495 000-00-00"
    dbsession.flush()
    assert (token(dbsession, SECURITY), token(dbsession, CLASSIFIERS)) == before


def test_the_next_request_sees_a_role_changed_since(dbsession, factory, request_for):
    viewer = factory.user()
    first = request_for(viewer)
    assert ("person", "manage") not in first.role_matrix.scopes.get("employee", {})
    factory.role("employee").permissions.append(
        RolePermission(type="person", permission="manage", scope="all"))
    dbsession.flush()
    assert request_for(viewer).role_matrix.scopes["employee"][("person", "manage")] == "all"
