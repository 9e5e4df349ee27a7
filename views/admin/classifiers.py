"""Administration → Classifiers: the admin-editable lists of client records (issue 3).

/admin/classifiers?list=industry     the entries of one list: rename, reorder, retire, add, delete
POST /admin/classifiers              action=add|rename|toggle|up|down|delete (admins only)

Entries in use are retired rather than deleted: they stay on the records that have them but are
no longer offered in forms.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.clients import CLASSIFIER_LISTS, Classifier
from portal.clients.rules import CLASSIFIER_LIST_HELP, CLASSIFIER_LIST_LABELS, classifier_usage
from portal.core.i18n import _
from portal.resources import Admin

MAX_TITLE = 200


def _entries(dbsession, list_name: str) -> list[Classifier]:
    return list(dbsession.scalars(sa.select(Classifier).where(Classifier.list == list_name)
                                  .order_by(Classifier.sort_order, Classifier.title)))


def _list_name(request) -> str:
    name = request.params.get("list", "")
    return name if name in CLASSIFIER_LISTS else CLASSIFIER_LISTS[0]


@view_config(context=Admin, name="classifiers", renderer="admin/classifiers/index.jinja2",
             permission="manage", request_method="GET")
def classifiers_page(context, request, errors=None, status=200):
    db = request.dbsession
    list_name = _list_name(request)
    entries = _entries(db, list_name)
    counts = dict(db.execute(sa.select(Classifier.list, sa.func.count())
                             .group_by(Classifier.list)).all())
    request.response.status_int = status
    return {
        "title": _("Classifiers"),
        "lists": [(name, CLASSIFIER_LIST_LABELS[name], counts.get(name, 0))
                  for name in CLASSIFIER_LISTS],
        "list_name": list_name,
        "list_label": CLASSIFIER_LIST_LABELS[list_name],
        "list_help": CLASSIFIER_LIST_HELP[list_name],
        "entries": entries,
        "usage": {e.id: classifier_usage(db, e) for e in entries},
        "errors": errors or {},
        "posted": request.POST if errors else {},
    }


def _title_problem(dbsession, list_name: str, title: str, entry_id: int | None = None):
    if not title:
        return _("Enter a title.")
    if len(title) > MAX_TITLE:
        return _("At most ${n} characters, please.", mapping={"n": MAX_TITLE})
    # Compared in Python: SQLite folds the case of Latin letters only.
    for other in _entries(dbsession, list_name):
        if other.id != entry_id and other.title.casefold() == title.casefold():
            return _("“${title}” is already in this list.", mapping={"title": title})
    return None


@view_config(context=Admin, name="classifiers", renderer="admin/classifiers/index.jinja2",
             permission="manage", request_method="POST")
def classifiers_change(context, request):
    db = request.dbsession
    list_name = _list_name(request)
    action = request.POST.get("action", "")
    back = HTTPSeeOther(request.resource_url(context, "classifiers", query={"list": list_name}))
    title = " ".join(request.POST.get("title", "").split())
    if action == "add":
        problem = _title_problem(db, list_name, title)
        if problem:
            return classifiers_page(context, request, {"new": problem}, 400)
        last = db.scalar(sa.select(sa.func.max(Classifier.sort_order))
                         .where(Classifier.list == list_name)) or 0
        db.add(Classifier(list=list_name, title=title, sort_order=last + 10))
        request.session.flash(_("Added “${title}”.", mapping={"title": title}))
        return back
    entry_id = request.POST.get("id", "")
    entry = db.get(Classifier, int(entry_id)) if entry_id.isdigit() else None
    if entry is None or entry.list != list_name:
        request.session.flash(_("That entry no longer exists."), "error")
        return back
    if action == "rename":
        problem = _title_problem(db, list_name, title, entry.id)
        if problem:
            return classifiers_page(context, request, {entry.id: problem}, 400)
        if entry.title != title:
            entry.title = title
            request.session.flash(_("Renamed to “${title}”.", mapping={"title": title}))
    elif action == "toggle":
        entry.active = not entry.active
        request.session.flash(
            _("“${title}” is offered again.", mapping={"title": _(entry.title)}) if entry.active
            else _("“${title}” is retired: records keep it, forms no longer offer it.",
                   mapping={"title": _(entry.title)}))
    elif action in ("up", "down"):
        entries = _entries(db, list_name)
        i = entries.index(entry)
        j = i - 1 if action == "up" else i + 1
        if 0 <= j < len(entries):
            entries[i], entries[j] = entries[j], entries[i]
            for order, e in enumerate(entries):
                if e.sort_order != (order + 1) * 10:
                    e.sort_order = (order + 1) * 10
    elif action == "delete":
        used = classifier_usage(db, entry)
        if used:
            request.session.flash(_("“${title}” is used by ${n} records: retire it instead.",
                                    mapping={"title": _(entry.title), "n": used}), "error")
            return back
        db.delete(entry)
        request.session.flash(_("Deleted “${title}”.", mapping={"title": _(entry.title)}))
    return back
