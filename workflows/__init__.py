"""Workflows of the portal's content types; each module registers its definition."""
from workflows import account, article, task  # noqa: F401
from workflows.engine import REGISTRY, Transitioned, Workflow, WorkflowError  # noqa: F401


def includeme(config) -> None:
    # Importing the modules above has already checked every definition; a broken one has
    # raised WorkflowDefinitionError before the application could start.
    for workflow in REGISTRY.values():
        workflow.check()
