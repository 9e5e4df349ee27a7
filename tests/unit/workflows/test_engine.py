"""The workflow engine: permission and guard checked, history written, event sent, bad
definitions refused at start-up."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.workflow import WorkflowHistory
from workflows.account import ACCOUNT
from workflows.engine import (
    State,
    Transition,
    Transitioned,
    Workflow,
    WorkflowDefinitionError,
    WorkflowError,
    history,
)
from workflows.task import TASK


def traversed(request, user):
    """`user` as reached by traversal under /admin/users (so its ACL sees the request)."""
    return request.root["admin"]["users"][str(user.id)]


def test_admin_deactivates_a_person_and_history_is_written(factory, request_for, dbsession):
    admin = factory.user(roles=["admin"])
    person = factory.user()
    request = request_for(admin)
    events = []
    request.registry.registerHandler(events.append, (Transitioned,))
    try:
        target = traversed(request, person)
        ACCOUNT.transition(request, target, "deactivate", "left the company")
    finally:
        request.registry.unregisterHandler(events.append, (Transitioned,))
    assert person.state == "deactivated" and not person.active
    row = dbsession.scalars(sa.select(WorkflowHistory).where(WorkflowHistory.object_id == person.id)).one()
    assert (row.object_type, row.from_state, row.to_state, row.transition) == (
        "person", "active", "deactivated", "deactivate")
    assert row.actor_id == admin.id and row.comment == "left the company"
    assert [e.to_state for e in events] == ["deactivated"]
    assert history(dbsession, person)[0].id == row.id


def test_transition_without_permission_is_refused_and_nothing_changes(factory, request_for, dbsession):
    employee = factory.user()
    person = factory.user()
    request = request_for(employee)
    with pytest.raises(WorkflowError, match="not allowed"):
        ACCOUNT.transition(request, traversed(request, person), "deactivate")
    assert person.state == "active"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(WorkflowHistory)
                            .where(WorkflowHistory.object_id == person.id)) == 0


def test_guard_refuses_deactivating_yourself(factory, request_for):
    admin = factory.user(roles=["admin"])
    request = request_for(admin)
    with pytest.raises(WorkflowError, match="your own account"):
        ACCOUNT.transition(request, traversed(request, admin), "deactivate")
    assert admin.active


def test_transition_from_the_wrong_state_is_refused(factory, request_for):
    admin = factory.user(roles=["admin"])
    person = factory.user()
    request = request_for(admin)
    with pytest.raises(WorkflowError, match="not possible"):
        ACCOUNT.transition(request, traversed(request, person), "reactivate")


def test_only_allowed_transitions_are_offered(factory, request_for):
    admin = factory.user(roles=["admin"])
    employee = factory.user()
    person = factory.user()
    as_admin = request_for(admin)
    assert [t.name for t in ACCOUNT.available(as_admin, traversed(as_admin, person))] == ["deactivate"]
    assert [t.name for t in ACCOUNT.available(as_admin, traversed(as_admin, admin))] == []
    as_employee = request_for(employee)
    assert ACCOUNT.available(as_employee, traversed(as_employee, person)) == []


def test_task_workflow_definition():
    assert TASK.initial == "open"
    moves = {(t.name, f, t.to) for t in TASK.transitions for f in t.from_}
    assert ("start", "open", "in_progress") in moves
    assert ("finish", "in_progress", "done") in moves
    assert ("cancel", "in_progress", "cancelled") in moves
    assert ("reopen", "done", "open") in moves and ("reopen", "cancelled", "open") in moves


@pytest.mark.parametrize("broken, message", [
    (dict(initial="nowhere"), "initial state 'nowhere'"),
    (dict(transitions=[Transition("go", "a", "z", "edit")]), "unknown state 'z'"),
    (dict(transitions=[Transition("go", "a", "b", "fly")]), "unknown permission 'fly'"),
    (dict(transitions=[]), "state 'b' cannot be reached"),
    (dict(states={"a": State("A"), "b": State("B", permissions={"swim": ()})}), "unknown permission 'swim'"),
])
def test_broken_definitions_are_refused_at_start_up(broken, message):
    spec = dict(name="t", initial="a", states={"a": State("A"), "b": State("B")},
                transitions=[Transition("go", "a", "b", "edit")], type_permissions=("view", "edit"))
    spec.update(broken)
    with pytest.raises(WorkflowDefinitionError, match=message):
        Workflow(**spec)


def test_state_rule_narrows_the_role_matrix(factory, request_for):
    """A state rule () leaves only admin; a tuple leaves only the named roles."""
    from portal.security.acl import row_acl

    admin = factory.user(roles=["admin"])
    person = factory.user()
    request = request_for(admin)
    target = traversed(request, person)
    original = ACCOUNT.states["deactivated"]
    ACCOUNT.states["deactivated"] = State("Deactivated", permissions={"view": ()})
    try:
        person.state = "deactivated"
        acl = row_acl(target)
        assert not [ace for ace in acl if ace[2] == "view"]
        ACCOUNT.states["deactivated"] = State("Deactivated", permissions={"view": ("director",)})
        assert {ace[1] for ace in row_acl(target) if ace[2] == "view"} <= {"role:director", "local:director"}
    finally:
        ACCOUNT.states["deactivated"] = original
