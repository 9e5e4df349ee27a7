"""Tasks in the audit log, in words (portal/audit/log.py's extension points).

Registers tasks, their checklists, comments, watchers and attachments, and task series, so that
the admin audit log tells "Changed task #12 “Prepare the report”: due … → …", "Ticked “Call
the bank” in the checklist of …", and a task's page shows its history (`history_for(task)`).

The lines of a task's own activity feed (comments of kind "change") are left out: the task's
versions tell the same change.
"""

from __future__ import annotations

from pyramid.i18n import TranslationString

from models.tasks import (
    Task,
    TaskAttachment,
    TaskChecklistItem,
    TaskComment,
    TaskRecurrence,
    TaskWatcher,
)
from portal.audit.log import (
    DELETE,
    INSERT,
    UPDATE,
    AuditedTable,
    FieldChange,
    _field_changes,
    name_of,
    register_name_kind,
    register_related,
    register_table,
)
from portal.core.i18n import _
from portal.tasks.activity import PRIORITY_LABELS

# Bookkeeping of `portal tick` (notices, reminders) and of the lists; never told.
HIDDEN = ("notice_stage", "remind_at", "reminded_at", "next_on", "sha256")
# Columns told by others of the same row (a done task says "done", not when to the second).
QUIET = {
    "tasks": {"done_at", "due_has_time", "occurrence_on", "recurrence_id"},
    "task_checklist_items": {"done_by_id", "done_at", "position"},
    "task_attachments": {"content_type"},
}

STATE_LABELS = {"open": _("Open"), "in_progress": _("In progress"), "done": _("Done"),
                "cancelled": _("Cancelled")}
FREQUENCY_LABELS = {"daily": _("Daily"), "weekly": _("Weekly"), "monthly": _("Monthly")}
LINK_LABELS = {"organization": _("Organization"), "contact": _("Contact"), "ticket": _("Ticket"),
               "job": _("Service job"), "deal": _("Deal")}

FIELDS = {
    "tasks": {
        "title": _("title"), "description": _("description"), "state": _("status"),
        "priority": _("priority"), "author_id": _("author"), "assignee_id": _("assignee"),
        "department_id": _("department"), "due_at": _("due"), "due_on": _("due"),
        "remind_before": _("reminder, minutes before"), "daily": _("every day until done"),
        "link_type": _("about"), "link_id": _("record number"),
    },
    "task_recurrences": {
        "title": _("title"), "description": _("description"), "priority": _("priority"),
        "author_id": _("author"), "assignee_id": _("assignee"), "department_id": _("department"),
        "frequency": _("repeats"), "interval": _("every"), "weekdays": _("days of the week"),
        "month_day": _("day of the month"), "due_time": _("due time"),
        "timezone": _("time zone"), "remind_before": _("reminder, minutes before"),
        "starts_on": _("from"), "until": _("until"), "active": _("active"),
    },
    "task_checklist_items": {"text": _("text"), "done": _("done"), "task_id": _("task")},
    "task_comments": {"body": _("text"), "author_id": _("author"), "task_id": _("task")},
    "task_watchers": {"user_id": _("person"), "task_id": _("task")},
    "task_attachments": {"filename": _("file name"), "size": _("size, bytes"),
                         "uploader_id": _("uploaded by"), "task_id": _("task")},
}
WEEKDAY_NAMES = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
USER_COLUMNS = {"author_id", "assignee_id", "uploader_id", "done_by_id", "user_id"}


def _task_label(row) -> str:
    return f"#{row.id} {row.title}"


def _field_value(column, value, names):
    if column in USER_COLUMNS:
        return names.user(value), "ref"
    if column == "department_id":
        return names.department(value), "ref"
    if column == "task_id":
        return name_of(names, "task", value), "ref"
    if column == "state":
        return STATE_LABELS.get(value, value), "ref"
    if column == "priority":
        return PRIORITY_LABELS.get(value, value), "ref"
    if column == "frequency":
        return FREQUENCY_LABELS.get(value, value), "ref"
    if column == "link_type":
        return LINK_LABELS.get(value, value or None), "ref"
    if column == "weekdays":
        days = [WEEKDAY_NAMES[d] for d in range(7) if (value or 0) & (1 << d)]
        if not days:
            return None, "ref"
        template = ", ".join(f"${{d{i}}}" for i in range(len(days)))
        return TranslationString(template, mapping={f"d{i}": d for i, d in enumerate(days)}), "ref"
    if column in ("remind_before", "interval", "month_day", "size", "link_id"):
        return value, "ref"
    return None


def _want(names, row) -> None:
    for column in USER_COLUMNS:
        if hasattr(row, column):
            names.want("user", getattr(row, column))
    if hasattr(row, "department_id"):
        names.want("department", row.department_id)
    if hasattr(row, "task_id"):
        names.want("task", row.task_id)


def _quiet(table: str, fields: list[FieldChange]) -> list[FieldChange]:
    quiet = QUIET.get(table, set())
    return [f for f in fields if f.name not in quiet]


def _sentence(op, created, deleted, changed, mapping):
    return _({INSERT: created, DELETE: deleted}.get(op, changed), mapping=mapping)


def _due_fields(version, fields: list[FieldChange]) -> list[FieldChange]:
    """One "due" line: the day for a task due on a date, the date and time otherwise."""
    names = {f.name for f in fields}
    if "due_on" in names and not version.due_has_time:
        return [f for f in fields if f.name != "due_at"]
    return [f for f in fields if f.name != "due_on"]


def _created_and_changed(op, fields) -> bool:
    """A row added and changed again in one transaction is recorded as an update without an
    earlier state (SQLAlchemy-Continuum): its title goes from nothing to something."""
    return op == UPDATE and any(f.name == "title" and f.old is None for f in fields)


def _describe_task(version, op, fields, names):
    m = {"task": _task_label(version)}
    if op == INSERT or _created_and_changed(op, fields):
        shown = {"assignee_id", "department_id", "due_at", "due_on", "priority"}
        fields = [f for f in _field_changes("tasks", None, version, names) if f.name in shown]
        return (_("Created task ${task}", mapping=m), None,
                _due_fields(version, [f for f in fields
                                      if f.name != "priority" or version.priority != 1]))
    if op == DELETE:
        return _("Deleted task ${task}", mapping=m), None, []
    fields = _due_fields(version, _quiet("tasks", fields))
    if not fields:
        return None, None, []
    if [f.name for f in fields] == ["state"]:
        m["state"] = STATE_LABELS.get(version.state, version.state)
        return _("Task ${task} is now “${state}”", mapping=m), None, []
    return _("Changed task ${task}", mapping=m), None, fields


def _describe_series(version, op, fields, names):
    m = {"title": version.title}
    if op == UPDATE and [f.name for f in fields] == ["active"] and not version.active:
        return _("Stopped the task series “${title}”", mapping=m), None, []
    return (_sentence(op, _("Created the task series “${title}”"),
                      _("Deleted the task series “${title}”"),
                      _("Changed the task series “${title}”"), m), None,
            [] if op == INSERT else fields)


def _describe_item(version, op, fields, names):
    m = {"text": version.text, "task": name_of(names, "task", version.task_id)}
    fields = _quiet("task_checklist_items", fields)
    if op == UPDATE:
        if not fields:
            return None, None, []
        if [f.name for f in fields] == ["done"]:
            return (_("Ticked “${text}” in the checklist of ${task}", mapping=m) if version.done
                    else _("Unticked “${text}” in the checklist of ${task}", mapping=m)), None, []
    return (_sentence(op, _("Added “${text}” to the checklist of ${task}"),
                      _("Removed “${text}” from the checklist of ${task}"),
                      _("Changed “${text}” in the checklist of ${task}"), m), None,
            fields if op == UPDATE else [])


def _describe_comment(version, op, fields, names):
    if version.kind != "comment":
        return None, None, []
    m = {"who": names.user(version.author_id) or _("System"),
         "task": name_of(names, "task", version.task_id)}
    text = FieldChange("body", FIELDS["task_comments"]["body"], None, _excerpt(version.body))
    if op == INSERT:
        return _("${who} commented on ${task}", mapping=m), None, [text]
    if op == DELETE:
        return _("Deleted a comment of ${who} on ${task}", mapping=m), None, [text]
    return _("Changed a comment of ${who} on ${task}", mapping=m), None, fields


def _excerpt(text: str | None, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_watcher(version, op, fields, names):
    m = {"who": names.user(version.user_id), "task": name_of(names, "task", version.task_id)}
    return (_sentence(op, _("${who} watches ${task}"), _("${who} no longer watches ${task}"),
                      _("Changed a watcher of ${task}"), m), None, fields)


def _describe_attachment(version, op, fields, names):
    m = {"name": version.filename, "task": name_of(names, "task", version.task_id)}
    return (_sentence(op, _("Attached “${name}” to ${task}"),
                      _("Removed the file “${name}” from ${task}"),
                      _("Changed the file “${name}” of ${task}"), m), None,
            _quiet("task_attachments", fields) if op == UPDATE else [])


def includeme(config) -> None:
    """Tell the audit log how to describe this area's tables."""
    register_name_kind(config, "task", Task, _task_label)
    tables = [
        ("task_recurrences", TaskRecurrence, _("Task series"), _describe_series,
         lambda names, row: _("task series “${title}”", mapping={"title": row.title})),
        ("tasks", Task, _("Tasks"), _describe_task,
         lambda names, row: _("task ${task}", mapping={"task": _task_label(row)})),
        ("task_checklist_items", TaskChecklistItem, _("Task checklists"), _describe_item,
         lambda names, row: _("checklist item “${text}”", mapping={"text": row.text})),
        ("task_comments", TaskComment, _("Task comments"), _describe_comment,
         lambda names, row: _("comment on ${task}", mapping={
             "task": name_of(names, "task", row.task_id)})),
        ("task_watchers", TaskWatcher, _("Task watchers"), _describe_watcher,
         lambda names, row: _("watcher ${who} of ${task}", mapping={
             "who": names.user(row.user_id), "task": name_of(names, "task", row.task_id)})),
        ("task_attachments", TaskAttachment, _("Task files"), _describe_attachment,
         lambda names, row: _("file “${name}”", mapping={"name": row.filename})),
    ]
    for table, model, label, describe, row_label in tables:
        register_table(config, table, AuditedTable(
            model=model, label=label, fields=FIELDS[table], describe=describe,
            row_label=row_label, field_value=_field_value, want_names=_want), hidden=HIDDEN)
    register_related(config, related_history)


def related_history(obj):
    """What `history_for` shows for a task (its record, checklist, comments, watchers, files)
    or a task series."""
    if isinstance(obj, Task):
        oid = obj.id
        return {
            "tasks": lambda v: v.id == oid,
            "task_checklist_items": lambda v: v.task_id == oid,
            "task_comments": lambda v: (v.task_id == oid) & (v.kind == "comment"),
            "task_watchers": lambda v: v.task_id == oid,
            "task_attachments": lambda v: v.task_id == oid,
        }
    if isinstance(obj, TaskRecurrence):
        oid = obj.id
        return {"task_recurrences": lambda v: v.id == oid}
    return None

