"""The admin-editable lists of client records (Administration → Classifiers): add, rename,
reorder, retire and delete an entry. An entry in use is retired rather than deleted: records
keep it, forms no longer offer it."""
from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

import colander
import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager
from zope.sqlalchemy import mark_changed

from models.clients import CLASSIFIER_LISTS, Classifier, ClassifierList, shown_key
from models.errors import UserError
from portal.clients.rules import classifier_usage
from portal.core.forms import id_field, without_controls
from portal.core.i18n import LANGUAGES, _

MAX_TITLE = 200
ACTIONS = ("add", "rename", "toggle", "up", "down", "delete", "required")
# Lists an organization may be made to need an entry of (the interaction results are not).
REQUIRABLE = ("category", "group", "region", "source", "industry")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def _squeeze(value):
    """Spaces as people type them: leading, trailing and repeated ones go; so do control
    characters (nobody types them, and PostgreSQL refuses a NUL)."""
    return " ".join(without_controls(value).split()) if isinstance(value, str) else value


class ClassifierChange(colander.Schema):
    """What a button on the classifiers page posts."""

    list = colander.SchemaNode(colander.String(), missing=CLASSIFIER_LISTS[0],
                               preparer=lambda v: v if v in CLASSIFIER_LISTS else CLASSIFIER_LISTS[0])
    action = colander.SchemaNode(colander.String(), missing="",
                                 preparer=lambda v: v if v in ACTIONS else "")
    title = colander.SchemaNode(colander.String(), missing="", preparer=_squeeze)
    id = id_field("id")
    required = colander.SchemaNode(colander.Boolean(), missing=False)


def entries(dbsession, list_name: str) -> list[Classifier]:
    return list(dbsession.scalars(sa.select(Classifier).where(Classifier.list == list_name)
                                  .order_by(Classifier.sort_order, Classifier.title)))


@lru_cache(maxsize=8)
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation("portal", LOCALE_DIR, languages=[language], fallback=True)


def shown_titles(title: str) -> dict[str, str]:
    """{language: the title as its readers see it}: a built-in title is a message id ("Moscow"
    reads «Москва» in Russian), so one entry may read differently in each language."""
    return {language: _catalog(language).gettext(title) if title else ""
            for language in LANGUAGES}


def shown_keys(title: str) -> dict[str, str]:
    """{"shown_en": ..., "shown_ru": ...}: the folded titles the unique indexes compare."""
    return {f"shown_{language}": shown_key(text) for language, text in shown_titles(title).items()}


def _set_keys(entry: Classifier) -> None:
    for column, key in shown_keys(entry.title).items():
        if getattr(entry, column) != key:
            setattr(entry, column, key)


def check_title(dbsession, list_name: str, title: str, entry_id: int | None = None,
                field: str = "new") -> None:
    """A title must be given, fit the column and read differently from every other entry of
    its list in every language (case and spaces aside): «Москва» is refused next to the
    built-in "Moscow", which Russian readers see as «Москва»."""
    if not title:
        raise UserError(_("Enter a title."), field)
    if len(title) > MAX_TITLE:
        raise UserError(_("At most ${n} characters, please.", mapping={"n": MAX_TITLE}), field)
    # Compared in Python: SQLite folds the case of Latin letters only.
    mine = set(shown_keys(title).values())
    for other in entries(dbsession, list_name):
        if other.id != entry_id and mine & set(shown_keys(other.title).values()):
            raise _already(title, field)


def _already(title: str, field: str) -> UserError:
    return UserError(_("“${title}” is already in this list.", mapping={"title": title}), field)


def _write(dbsession, entry: Classifier, title: str, field: str) -> None:
    """Give `entry` the title (and its shown keys) and flush it in a savepoint: when another
    admin saved the same shown title at the same instant, the unique index refuses it and the
    user gets the same words as the check.

    The audit transaction is begun before the savepoint: begun inside it, Continuum's own
    savepoint would be left dangling when ours rolls back."""
    uow = versioning_manager.unit_of_work(dbsession)
    if uow.current_transaction is None:
        mark_changed(dbsession)
        uow.create_transaction(dbsession)
    try:
        # The change is made inside the savepoint: made before, beginning the savepoint would
        # flush it outside, and the refusal would spoil the whole transaction.
        with dbsession.begin_nested():
            entry.title = title
            _set_keys(entry)
            dbsession.add(entry)
            dbsession.flush()
    except sa.exc.IntegrityError:
        raise _already(title, field) from None


def fill_keys(dbsession, list_name: str) -> int:
    """Give the shown keys to the entries of a list that have none (seeded after the
    migration that made them, e.g. by `portal demo`), so that the unique index guards them
    too; an entry repeating another one's shown title keeps none. Returns how many got them."""
    listed = sorted(entries(dbsession, list_name), key=lambda e: e.id)
    taken = {(column, getattr(e, column)) for e in listed for column in ("shown_en", "shown_ru")
             if getattr(e, column)}
    filled = 0
    for entry in listed:
        if entry.shown_en is not None and entry.shown_ru is not None:
            continue
        keys = set(shown_keys(entry.title).items())
        if keys & taken:
            continue
        try:
            with dbsession.begin_nested():
                _set_keys(entry)
                dbsession.flush()
        except sa.exc.IntegrityError:
            continue  # another admin's request gave the same keys meanwhile
        taken |= keys
        filled += 1
    return filled


def add_entry(dbsession, list_name: str, title: str) -> Classifier:
    fill_keys(dbsession, list_name)
    check_title(dbsession, list_name, title)
    last = dbsession.scalar(sa.select(sa.func.max(Classifier.sort_order))
                            .where(Classifier.list == list_name)) or 0
    entry = Classifier(list=list_name, sort_order=last + 10)
    _write(dbsession, entry, title, "new")
    return entry


def rename_entry(dbsession, entry: Classifier, title: str) -> bool:
    """Give the entry a new title; False when it already has it."""
    fill_keys(dbsession, entry.list)
    check_title(dbsession, entry.list, title, entry.id, field=str(entry.id))
    if entry.title == title:
        return False
    _write(dbsession, entry, title, str(entry.id))
    return True


def set_required(dbsession, list_name: str, required: bool) -> None:
    """Make organizations need an entry of the list (or not); only REQUIRABLE lists."""
    if list_name not in REQUIRABLE:
        raise UserError(_("This list cannot be made required."))
    row = dbsession.get(ClassifierList, list_name)
    if row is None:
        row = ClassifierList(list=list_name, required=required)
        dbsession.add(row)
    elif row.required != required:
        row.required = required
    dbsession.flush()


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
