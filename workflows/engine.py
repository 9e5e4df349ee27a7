"""A small declarative workflow engine (DESIGN.md §6).

A workflow is a finite-state machine: states carry permission rules that narrow the role
matrix for rows in that state, transitions carry the permission (and an optional guard) that a
user needs to take them. A definition is checked when it is made and again when it is bound to
its types (`config.add_workflow(workflow, *classes)`, the directive workflows/__init__.py
adds), so a broken one stops the application at start-up, not in production; two workflows of
one name, or two workflows for one type, are a configuration conflict.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.i18n import TranslationStringFactory
from zope.interface import Interface, classImplements

from models.errors import UserError
from models.registry import Registry
from models.workflow import WorkflowHistory

_ = TranslationStringFactory("portal")

# Local-role names a state rule may use besides role names.
LOCAL_NAMES = frozenset({"Owner", "Assignee", "Author"})


class WorkflowError(UserError):
    """A transition that is unknown, not allowed from this state, or refused by its guard; the
    message is for the person who tried (an error page, a flash, a 409 in the API)."""

    status = 409


class WorkflowDefinitionError(Exception):
    """A workflow definition that cannot work (raised at start-up)."""


@dataclass(frozen=True)
class State:
    title: str
    # permission -> None (matrix as it is), () (nobody but admin) or a tuple of role names.
    permissions: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    name: str
    from_: tuple[str, ...]
    to: str
    permission: str
    title: str = ""
    guard: Callable | None = None  # guard(request, obj) -> None or a message why not
    needs_comment: bool = False

    def __post_init__(self):
        if isinstance(self.from_, str):
            object.__setattr__(self, "from_", (self.from_,))


@dataclass(frozen=True)
class Transitioned:
    """Event sent after a transition: subscribers add notifications, timers, search updates."""

    request: object
    obj: object
    workflow: Workflow
    transition: Transition
    from_state: str
    to_state: str
    comment: str


@dataclass
class Workflow:
    name: str
    initial: str
    states: dict[str, State]
    transitions: list[Transition]
    type_permissions: tuple[str, ...] = ()
    state_attr: str = "state"

    def __post_init__(self):
        self.check()

    def check(self) -> None:
        """Refuse unknown or unreachable states and transitions naming unknown permissions."""
        problems = []
        if self.initial not in self.states:
            problems.append(f"initial state {self.initial!r} is not defined")
        names = set()
        known_perms = set(self.type_permissions)
        for t in self.transitions:
            if t.name in names:
                problems.append(f"transition {t.name!r} is defined twice")
            names.add(t.name)
            for s in (*t.from_, t.to):
                if s not in self.states:
                    problems.append(f"transition {t.name!r} names unknown state {s!r}")
            if known_perms and t.permission not in known_perms:
                problems.append(f"transition {t.name!r} needs unknown permission {t.permission!r}")
        for name, state in self.states.items():
            for perm in state.permissions:
                if known_perms and perm not in known_perms:
                    problems.append(f"state {name!r} names unknown permission {perm!r}")
        reachable, frontier = {self.initial}, [self.initial]
        while frontier:
            current = frontier.pop()
            for t in self.transitions:
                if current in t.from_ and t.to not in reachable:
                    reachable.add(t.to)
                    frontier.append(t.to)
        for name in self.states:
            if name not in reachable:
                problems.append(f"state {name!r} cannot be reached from {self.initial!r}")
        if problems:
            raise WorkflowDefinitionError(f"workflow {self.name!r}: " + "; ".join(problems))

    def state_permissions(self, state: str) -> dict[str, tuple[str, ...]]:
        s = self.states.get(state)
        return dict(s.permissions) if s else {}

    def get(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise WorkflowError(name)

    def available(self, request, obj) -> list[Transition]:
        """Transitions from the object's state that this user may take now."""
        state = getattr(obj, self.state_attr)
        return [
            t for t in self.transitions
            if state in t.from_ and request.has_permission(t.permission, obj)
            and (t.guard is None or t.guard(request, obj) is None)
        ]

    def transition(self, request, obj, name: str, comment: str = ""):
        """Take transition `name`: check permission and guard, set state, write history, notify."""
        # Titles inside a message are put in the person's language now: a translation string's
        # mapping is not translated with it.
        translate = request.localizer.translate
        try:
            t = self.get(name)
        except WorkflowError:
            raise WorkflowError(_("Unknown action “${name}”.", mapping={"name": name})) from None
        action = translate(t.title or t.name)
        from_state = getattr(obj, self.state_attr)
        if from_state not in t.from_:
            raise WorkflowError(_("“${action}” is not possible in the state “${state}”.", mapping={
                "action": action, "state": translate(self.states[from_state].title)}))
        if not request.has_permission(t.permission, obj):
            raise WorkflowError(_("You are not allowed to do “${action}” here.",
                                  mapping={"action": action}))
        if t.guard is not None:
            why = t.guard(request, obj)
            if why:
                raise WorkflowError(why)
        if t.needs_comment and not comment.strip():
            raise WorkflowError(_("Please say why in the comment."), "comment")
        self._claim(request.dbsession, obj, from_state, t.to)
        setattr(obj, self.state_attr, t.to)
        identity = request.identity
        entry = WorkflowHistory(
            object_type=obj.security_type, object_id=obj.id, transition=t.name,
            from_state=from_state, to_state=t.to, comment=comment.strip()[:2000],
            actor_id=identity.user.id if identity else None,
        )
        request.dbsession.add(entry)
        request.dbsession.flush()
        request.registry.notify(Transitioned(request, obj, self, t, from_state, t.to, comment))
        return entry


    def _claim(self, dbsession, obj, from_state: str, to_state: str) -> None:
        """Move the row's state in one guarded UPDATE (… WHERE state = the one left): of two
        people taking a step at the same instant (two taps on "Complete"), the second finds the
        state moved on and is told, instead of the step being taken twice."""
        dbsession.flush()
        mapper = sa.inspect(type(obj))
        column = mapper.attrs[self.state_attr].columns[0]
        (key,) = mapper.primary_key
        table = column.table
        done = dbsession.execute(
            sa.update(table).where(table.c[key.key] == sa.inspect(obj).identity[0],
                                   column == from_state)
            .values({column.key: to_state}))
        if done.rowcount != 1:
            raise WorkflowError(_("Someone changed this a moment ago: look at it again."))


class IWorkflowAware(Interface):
    """Objects that follow a workflow: the transition view and history panel apply to them."""


# Every workflow by name, filled when the application is configured (`add_workflow`).
WORKFLOWS: Registry[Workflow] = Registry("workflows")


def add_workflow(config, workflow: Workflow, *classes: type) -> None:
    """The directive `config.add_workflow(workflow, *classes)`: check the definition now, and
    when the configuration is committed register it and bind it to the model classes that
    follow it (`cls.workflow`; the transition view and history panel apply to them).

    One name is one workflow and one type follows one workflow: a second registration of
    either refuses to start, naming both places."""
    workflow.check()

    def bind() -> None:
        WORKFLOWS.add(workflow.name, workflow)
        for cls in classes:
            cls.workflow = workflow
            classImplements(cls, IWorkflowAware)

    # One order for all, so that a conflict stops the start before anything is bound.
    config.action(("workflow", workflow.name), bind, order=-100)
    for cls in classes:
        config.action(("workflow of", cls), None, order=-100)


def history(dbsession, obj) -> list:
    """The object's workflow history, newest first."""
    return list(dbsession.scalars(
        sa.select(WorkflowHistory)
        .where(WorkflowHistory.object_type == obj.security_type,
               WorkflowHistory.object_id == obj.id)
        .order_by(WorkflowHistory.at.desc(), WorkflowHistory.id.desc())
    ))
