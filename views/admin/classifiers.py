"""Administration → Classifiers: the admin-editable lists of client records (the rules:
portal/admin/classifiers.py).

/admin/classifiers?list=industry     the entries of one list: rename, reorder, retire, add, delete
POST /admin/classifiers              action=add|rename|toggle|up|down|delete|required (admins
                                     only; "required": organizations must have an entry of it)

Entries in use are retired rather than deleted: they stay on the records that have them but are
no longer offered in forms.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.clients import CLASSIFIER_LISTS, Classifier
from models.errors import UserError
from portal.admin.classifiers import (
    REQUIRABLE,
    ClassifierChange,
    add_entry,
    delete_entry,
    entries,
    move_entry,
    rename_entry,
    set_required,
    toggle_entry,
)
from portal.clients.import_fields import flash
from portal.clients.rules import CLASSIFIER_LIST_HELP, CLASSIFIER_LIST_LABELS, classifier_usage
from portal.clients.schemas import required_lists
from portal.core.i18n import _
from portal.resources import Admin
from views.forms import read_form


def _list_name(request) -> str:
    name = request.params.get("list", "")
    return name if name in CLASSIFIER_LISTS else CLASSIFIER_LISTS[0]


@view_config(context=Admin, name="classifiers", renderer="admin/classifiers/index.jinja2",
             permission="manage", request_method="GET")
def classifiers_page(context, request, errors=None, status=200):
    db = request.dbsession
    list_name = _list_name(request)
    listed = entries(db, list_name)
    counts = dict(db.execute(sa.select(Classifier.list, sa.func.count())
                             .group_by(Classifier.list)).all())
    request.response.status_int = status
    required = required_lists(db)
    return {
        "title": _("Classifiers"),
        "lists": [(name, CLASSIFIER_LIST_LABELS[name], counts.get(name, 0))
                  for name in CLASSIFIER_LISTS],
        "required_lists": required,
        "list_name": list_name,
        "list_label": CLASSIFIER_LIST_LABELS[list_name],
        "list_help": CLASSIFIER_LIST_HELP[list_name],
        "entries": listed,
        "requirable": list_name in REQUIRABLE,
        "required": list_name in required,
        "usage": {e.id: classifier_usage(db, e) for e in listed},
        "errors": errors or {},
        "posted": request.POST if errors else {},
    }


@view_config(context=Admin, name="classifiers", renderer="admin/classifiers/index.jinja2",
             permission="manage", request_method="POST")
def classifiers_change(context, request):
    db = request.dbsession
    form = read_form(ClassifierChange(), request.params)
    list_name, action, title = form["list"], form["action"], form["title"]
    back = HTTPSeeOther(request.resource_url(context, "classifiers", query={"list": list_name}))
    try:
        if action == "add":
            add_entry(db, list_name, title)
            flash(request, _("Added “${title}”.", mapping={"title": title}))
            return back
        if action == "required":
            set_required(db, list_name, form["required"])
            flash(request, _("Organizations must now have an entry of “${list}”.",
                             mapping={"list": CLASSIFIER_LIST_LABELS[list_name]})
                  if form["required"] else
                  _("“${list}” may now be left empty on organizations.",
                    mapping={"list": CLASSIFIER_LIST_LABELS[list_name]}))
            return back
        entry = db.get(Classifier, form["id"]) if form["id"] is not None else None
        if entry is None or entry.list != list_name:
            flash(request, _("That entry no longer exists."), "error")
            return back
        if action == "rename":
            if rename_entry(db, entry, title):
                flash(request, _("Renamed to “${title}”.", mapping={"title": title}))
        elif action == "toggle":
            toggle_entry(entry)
            flash(request,
                _("“${title}” is offered again.", mapping={"title": _(entry.title)}) if entry.active
                else _("“${title}” is retired: records keep it, forms no longer offer it.",
                       mapping={"title": _(entry.title)}))
        elif action in ("up", "down"):
            move_entry(db, entry, up=action == "up")
        elif action == "delete":
            delete_entry(db, entry)
            flash(request, _("Deleted “${title}”.", mapping={"title": _(entry.title)}))
    except UserError as problem:
        if problem.field is None:
            flash(request, problem.message, "error")
            return back
        field = int(problem.field) if problem.field.isdigit() else problem.field
        return classifiers_page(context, request, {field: problem.message}, 400)
    return back
