"""The admin-editable lists of client records (Administration → Classifiers): add, rename,
reorder, retire and delete an entry. An entry in use is retired rather than deleted: records
keep it, forms no longer offer it."""
from __future__ import annotations

import colander
import sqlalchemy as sa

from models.clients import CLASSIFIER_LISTS, Classifier
from models.errors import UserError
from portal.clients.rules import classifier_usage
from portal.core.forms import id_field
from portal.core.i18n import _

MAX_TITLE = 200
ACTIONS = ("add", "rename", "toggle", "up", "down", "delete")


def _squeeze(value):
    """Spaces as people type them: leading, trailing and repeated ones go."""
    return " ".join(value.split()) if isinstance(value, str) else value


class ClassifierChange(colander.Schema):
    """What a button on the classifiers page posts."""

    list = colander.SchemaNode(colander.String(), missing=CLASSIFIER_LISTS[0],
                               preparer=lambda v: v if v in CLASSIFIER_LISTS else CLASSIFIER_LISTS[0])
    action = colander.SchemaNode(colander.String(), missing="",
                                 preparer=lambda v: v if v in ACTIONS else "")
    title = colander.SchemaNode(colander.String(), missing="", preparer=_squeeze)
    id = id_field("id")


def entries(dbsession, list_name: str) -> list[Classifier]:
    return list(dbsession.scalars(sa.select(Classifier).where(Classifier.list == list_name)
                                  .order_by(Classifier.sort_order, Classifier.title)))


def check_title(dbsession, list_name: str, title: str, entry_id: int | None = None,
                field: str = "new") -> None:
    """A title must be given, fit the column and be new to its list (any case)."""
    if not title:
        raise UserError(_("Enter a title."), field)
    if len(title) > MAX_TITLE:
        raise UserError(_("At most ${n} characters, please.", mapping={"n": MAX_TITLE}), field)
    # Compared in Python: SQLite folds the case of Latin letters only.
    for other in entries(dbsession, list_name):
        if other.id != entry_id and other.title.casefold() == title.casefold():
            raise UserError(_("“${title}” is already in this list.", mapping={"title": title}), field)


def add_entry(dbsession, list_name: str, title: str) -> Classifier:
    check_title(dbsession, list_name, title)
    last = dbsession.scalar(sa.select(sa.func.max(Classifier.sort_order))
                            .where(Classifier.list == list_name)) or 0
    entry = Classifier(list=list_name, title=title, sort_order=last + 10)
    dbsession.add(entry)
    return entry


def rename_entry(dbsession, entry: Classifier, title: str) -> bool:
    """Give the entry a new title; False when it already has it."""
    check_title(dbsession, entry.list, title, entry.id, field=str(entry.id))
    if entry.title == title:
        return False
    entry.title = title
    return True


def toggle_entry(entry: Classifier) -> None:
    """Retire an entry (forms no longer offer it) or offer it again."""
    entry.active = not entry.active


def move_entry(dbsession, entry: Classifier, up: bool) -> None:
    """Swap the entry with the one before (up) or after it, numbering the list anew."""
    listed = entries(dbsession, entry.list)
    i = listed.index(entry)
    j = i - 1 if up else i + 1
    if 0 <= j < len(listed):
        listed[i], listed[j] = listed[j], listed[i]
        for order, e in enumerate(listed):
            if e.sort_order != (order + 1) * 10:
                e.sort_order = (order + 1) * 10


def delete_entry(dbsession, entry: Classifier) -> None:
    """Delete an entry nothing uses; one in use is to be retired instead."""
    used = classifier_usage(dbsession, entry)
    if used:
        raise UserError(_("“${title}” is used by ${n} records: retire it instead.",
                          mapping={"title": _(entry.title), "n": used}))
    dbsession.delete(entry)
