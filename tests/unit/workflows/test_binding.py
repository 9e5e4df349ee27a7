"""Workflows are bound to their types when the application is configured, not when a module is
imported; a broken definition, two workflows of one name or two for one type stop the start."""
from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError

from models.errors import UserError
from models.kb import Article
from models.people import User
from models.tasks import Task
from workflows.account import ACCOUNT
from workflows.article import ARTICLE
from workflows.engine import (
    WORKFLOWS,
    IWorkflowAware,
    State,
    Transition,
    Workflow,
    WorkflowDefinitionError,
    WorkflowError,
    add_workflow,
)
from workflows.task import TASK


def small(name: str = "parcel") -> Workflow:
    return Workflow(name=name, initial="packed", type_permissions=("view", "edit"),
                    states={"packed": State("Packed"), "sent": State("Sent")},
                    transitions=[Transition("send", ("packed",), "sent", "edit")])


class Parcel:
    pass


class Letter:
    pass


def configurator() -> Configurator:
    config = Configurator(settings={})
    config.add_directive("add_workflow", add_workflow)
    return config


def test_the_portal_binds_each_workflow_to_its_type(app):
    assert (User.workflow, Article.workflow, Task.workflow) == (ACCOUNT, ARTICLE, TASK)
    assert all(IWorkflowAware.implementedBy(cls) for cls in (User, Article, Task))
    assert [WORKFLOWS[name] for name in ("account", "article", "task")] == [ACCOUNT, ARTICLE, TASK]


def test_a_workflow_is_bound_when_the_configuration_is_committed():
    parcel = small()
    config = configurator()
    config.add_workflow(parcel, Parcel)
    assert not hasattr(Parcel, "workflow") and "parcel" not in WORKFLOWS
    try:
        config.commit()
        assert Parcel.workflow is parcel and IWorkflowAware.implementedBy(Parcel)
        assert WORKFLOWS["parcel"] is parcel
    finally:
        WORKFLOWS.remove("parcel")


def test_two_workflows_of_one_name_refuse_to_start():
    config = configurator()
    config.add_workflow(small(), Parcel)
    config.add_workflow(small(), Letter)
    with pytest.raises(ConfigurationConflictError, match="'workflow', 'parcel'"):
        config.commit()
    assert not hasattr(Letter, "workflow") and "parcel" not in WORKFLOWS


def test_two_workflows_for_one_type_refuse_to_start():
    config = configurator()
    config.add_workflow(small("parcel"), Letter)
    config.add_workflow(small("letter"), Letter)
    with pytest.raises(ConfigurationConflictError, match="workflow of"):
        config.commit()
    assert not hasattr(Letter, "workflow")


def test_a_definition_broken_after_it_was_made_is_refused_when_it_is_bound():
    parcel = small()
    parcel.states["lost"] = State("Lost")
    with pytest.raises(WorkflowDefinitionError, match="'lost' cannot be reached"):
        configurator().add_workflow(parcel, Parcel)


def test_a_refused_transition_is_a_user_error_with_its_field():
    error = WorkflowError("Please say why in the comment.", "comment")
    assert isinstance(error, UserError) and error.field == "comment" and error.status == 409
