"""Hand-over of a person's work (issue 14, point 2): /admin/users/{id}/handover.

GET lists what the person holds, group by group (portal/people/handover.py), with a colleague
picker for all of it and one per group; POST passes the chosen groups on in one transaction (one
audit change, undone by the audit log's undo), optionally deactivating the person in the same
step. Administrators only (there is no person.edit permission in the role matrix).
"""
from __future__ import annotations

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults

from models.errors import UserError
from models.people import Department, User
from portal.audit.log import translate_deep
from portal.core.forms import flag_field, id_field, schema_of
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.people.handover import MOVABLE, SPECS, hand_over, headless_departments, holdings
from portal.resources import AdminUsers
from views.forms import FormProblems, read_form
from workflows.engine import WorkflowError

KEEP = "keep"


def _choice(value):
    """A group's picker: "" (as for everything), "keep", or a person's id; else refused."""
    if value is colander.null or value in ("", KEEP):
        return value
    return parse_int(value) if isinstance(value, str) else None


def _valid_choice(node, value):
    if value is None:
        raise colander.Invalid(node, _("Choose a colleague from the list."))


def handover_schema() -> colander.SchemaNode:
    groups = [colander.SchemaNode(colander.String(), name=f"to_{name}", missing="",
                                  preparer=_choice, validator=_valid_choice)
              for name in MOVABLE]
    return schema_of(id_field("to_all"), flag_field("deactivate"), *groups)


def colleagues(dbsession, person: User) -> list[User]:
    """Active people who can take the work over (everyone but the person), by name."""
    return list(dbsession.scalars(sa.select(User).where(User.active, User.id != person.id)
                                  .order_by(User.full_name, User.id)))


@view_defaults(context=User, containment=AdminUsers, name="handover", permission="manage")
class Handover:
    template = "admin/users/handover.jinja2"

    def __init__(self, context: User, request):
        self.context = context
        self.request = request
        self.db = request.dbsession

    def headed(self) -> list[int]:
        """Ids of the departments the person heads."""
        return list(self.db.scalars(sa.select(Department.id).where(Department.head_id == self.context.id)))

    def data(self, error=None, errors=None, form=None) -> dict:
        user = self.context
        return {
            "title": _("Hand over the work of ${name}", mapping={"name": user.full_name}),
            "user": user,
            "groups": holdings(self.db, user),
            "colleagues": colleagues(self.db, user),
            "keep": KEEP,
            # Departments left with nobody (or a deactivated person) at their head.
            "headless": headless_departments(self.db, self.headed()) if not user.active else [],
            "error": error,
            "errors": errors or {},
            "form": form or {},
            "may_deactivate": user.active and user.id != self.request.identity.user.id,
            "tr": lambda value: translate_deep(self.request, value),
        }

    @view_config(request_method="GET", renderer="admin/users/handover.jinja2")
    def view(self):
        return self.data()

    @view_config(request_method="POST")
    def post(self):
        request, user = self.request, self.context
        try:
            form = read_form(handover_schema(), request.POST)
        except FormProblems as problems:
            return self.refuse(problems.message, problems.errors, dict(request.POST))
        targets = {}
        people: dict[int, User | None] = {}

        def person(number):
            if number not in people:
                people[number] = self.db.get(User, number)
            if people[number] is None:
                raise UserError(_("Choose a colleague from the list."), "to")
            return people[number]

        try:
            everything = person(form["to_all"]) if form["to_all"] is not None else None
            for name in MOVABLE:
                choice = form[f"to_{name}"]
                if choice == KEEP:
                    continue
                targets[name] = everything if choice == "" else person(choice)
            result = hand_over(self.db, request.identity.user, user, targets,
                               registry=request.registry)
            if form["deactivate"] and user.active:
                user.workflow.transition(request, user, "deactivate")
        except (UserError, WorkflowError) as problem:
            # Nothing written stays: a 4xx answer rolls the request's transaction back.
            return self.refuse(problem.message, {problem.field or "to": problem.message},
                               dict(request.POST))
        translate = request.translate
        parts = [translate(_("${group}: ${n} to ${name}", mapping={
            "group": translate(SPECS[name].title), "n": n, "name": result.to[name].full_name}))
            for name, n in result.moved.items() if n]
        if parts:
            request.session.flash(translate(_("Handed over. ${what}.", mapping={
                "what": "; ".join(parts)})))
        else:
            request.session.flash(translate(_("There was nothing to hand over in the chosen "
                                              "groups.")))
        headless = {d.id: d for d in result.departments_without_head}
        if not user.active:  # deactivated just now: what they still head has nobody at its head
            headless.update((d.id, d) for d in headless_departments(self.db, self.headed()))
        for dept in headless.values():
            request.session.flash(translate(_(
                "The department “${name}” has no active head: choose one.",
                mapping={"name": dept.name})), "warning")
        return HTTPSeeOther(request.resource_url(user, "handover"))

    def refuse(self, message, errors, form):
        response = render_to_response(self.template, self.data(message, errors, form),
                                      request=self.request)
        response.status_int = 400
        return response
