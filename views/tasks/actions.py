"""Actions on one task: take it from the queue, return it, reassign it, comment, the checklist,
watchers and attachments. Every POST carries the CSRF token; htmx requests get the changed
part of the page back, others are redirected to the task."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults

from models.meta import utcnow
from models.people import User
from models.tasks import Task, TaskAttachment, TaskChecklistItem
from portal.files.storage import EmptyFile, TooLarge, file_response, max_bytes, safe_filename, store, stored_path
from portal.core.i18n import _
from portal.tasks.service import (
    TaskProblem,
    add_comment,
    add_watcher,
    assign,
    log_change,
    may_reassign,
    may_send_to,
    parse_target,
    release,
    remove_watcher,
    take,
)
from views.admin.departments import find_people

CHECKLIST_MAX = TaskChecklistItem.__table__.c.text.type.length
CHECKLIST_ITEMS_MAX = 100
DEFAULT_MAX_UPLOAD_MB = 20
SAFE_INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def reassign_options(request, task: Task) -> list:
    from views.tasks.form import TaskEdit, assign_values

    restrict = TaskEdit(task, request)._restriction()
    return assign_values(request, restrict)[1:]


@view_defaults(context=Task, request_method="POST")
class TaskActions:
    def __init__(self, context: Task, request):
        self.task = context
        self.request = request
        self.db = request.dbsession

    # --- helpers
    def back(self, message=None, anchor: str = "", error: bool = False):
        if message is not None:
            self.request.session.flash(self.request.translate(message), "error" if error else "")
        return HTTPSeeOther(self.request.resource_url(self.task) + (f"#{anchor}" if anchor else ""))

    def partial(self, which: str, error=None):
        from views.tasks.lists import task_helpers

        template = {"checklist": "tasks/_checklist.jinja2", "watchers": "tasks/_watchers.jinja2"}[which]
        return render_to_response(
            template,
            {
                "task": self.task,
                "may_edit": self.request.has_permission("edit", self.task),
                "error": error,
                "watching": any(w.user_id == self.request.identity.user.id for w in self.task.watchers),
                "watchers": sorted((w.user for w in self.task.watchers), key=lambda u: u.full_name),
                "checklist_done": sum(1 for i in self.task.checklist if i.done),
                **task_helpers(self.request),
            },
            request=self.request,
        )

    def answer(self, which: str, message=None):
        if self.request.headers.get("HX-Request"):
            return self.partial(which)
        return self.back(message, which)

    # --- queue
    @view_config(name="take", permission="take")
    def take(self):
        try:
            take(self.request, self.task)
        except TaskProblem as problem:
            return self.back(problem.message, error=True)
        return self.back(_("The task is yours now."))

    @view_config(name="release", permission="edit")
    def release(self):
        try:
            release(self.request, self.task)
        except TaskProblem as problem:
            return self.back(problem.message, error=True)
        return self.back(
            _(
                "The task is back in the queue of ${department}.",
                mapping={"department": self.task.department.name},
            )
        )

    @view_config(name="reassign", permission="view")
    def reassign(self):
        request, task = self.request, self.task
        if not may_reassign(request, task):
            raise HTTPForbidden()
        if not task.is_open:
            return self.back(_("Reopen the task before sending it to someone else."), error=True)
        try:
            target = parse_target(self.db, request.POST.get("assign_to", ""), keep=task)
            if not may_send_to(request, task, target):
                raise TaskProblem("assign_to", _("You may reassign this task only within your departments."))
        except TaskProblem as problem:
            return self.back(problem.message, error=True)
        if assign(request, task, target):
            who = target.user.full_name if target.user else target.department.name
            return self.back(_("The task is sent to ${who}.", mapping={"who": who}))
        return self.back(_("Nothing was changed."))

    # --- comments
    @view_config(name="comment", permission="view")
    def comment(self):
        body = self.request.POST.get("body", "")
        try:
            comment = add_comment(self.request, self.task, body)
        except TaskProblem as problem:
            # The page again, with the text kept and the reason next to it (nothing stored).
            from views.tasks.lists import task_view

            data = task_view(self.request)
            data.update(comment_error=problem.message, comment_draft=body[:20000])
            response = render_to_response("tasks/view.jinja2", data, request=self.request)
            response.status_int = 400
            return response
        return self.back(None, f"comment-{comment.id}")

    # --- checklist
    @view_config(name="checklist-add", permission="edit")
    def checklist_add(self):
        text = " ".join(self.request.POST.get("text", "").split())
        if not text:
            return self.answer("checklist", None)
        if len(text) > CHECKLIST_MAX:
            return self.back(
                _("A checklist item is at most ${max} characters.", mapping={"max": CHECKLIST_MAX}),
                "checklist",
                error=True,
            )
        if len(self.task.checklist) >= CHECKLIST_ITEMS_MAX:
            return self.back(
                _("A checklist holds at most ${max} items.", mapping={"max": CHECKLIST_ITEMS_MAX}),
                "checklist",
                error=True,
            )
        position = max((i.position for i in self.task.checklist), default=0) + 1
        self.task.checklist.append(TaskChecklistItem(text=text, position=position))
        self.db.flush()
        return self.answer("checklist")

    def _item(self) -> TaskChecklistItem:
        raw = self.request.POST.get("item", "")
        for item in self.task.checklist:
            if raw.isdigit() and item.id == int(raw):
                return item
        raise HTTPNotFound()

    @view_config(name="checklist-toggle", permission="edit")
    def checklist_toggle(self):
        item = self._item()
        item.done = not item.done
        item.done_at = utcnow() if item.done else None
        item.done_by_id = self.request.identity.user.id if item.done else None
        self.db.flush()
        return self.answer("checklist")

    @view_config(name="checklist-delete", permission="edit")
    def checklist_delete(self):
        item = self._item()
        self.task.checklist.remove(item)
        self.db.flush()
        return self.answer("checklist")

    # --- watchers
    @view_config(name="watch", permission="view")
    def watch(self):
        me = self.request.identity.user
        if self.request.POST.get("stop") == "1":
            remove_watcher(self.request, self.task, me.id)
        else:
            add_watcher(self.request, self.task, me)
        return self.answer("watchers")

    @view_config(name="watchers-add", permission="edit")
    def watchers_add(self):
        raw = self.request.POST.get("user", "")
        user = self.db.get(User, int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if user is None:
            return self.back(_("That person no longer exists."), "watchers", error=True)
        try:
            add_watcher(self.request, self.task, user)
        except TaskProblem as problem:
            return self.back(problem.message, "watchers", error=True)
        return self.answer("watchers")

    @view_config(name="watchers-remove", permission="edit")
    def watchers_remove(self):
        raw = self.request.POST.get("user", "")
        if raw.isdigit():
            remove_watcher(self.request, self.task, int(raw))
        return self.answer("watchers")

    # --- attachments
    @view_config(name="attach", permission="view")
    def attach(self):
        upload = self.request.POST.get("file")
        if upload is None or not getattr(upload, "filename", ""):
            return self.back(_("Choose a file to attach."), "attachments", error=True)
        limit = max_upload_bytes(self.request)
        try:
            stored = store(self.request.registry.settings, upload.file, upload.filename,
                           limit=limit, check_type=False)
        except TooLarge:
            return self.back(
                _(
                    "The file is larger than ${mb} MB and was not attached.",
                    mapping={"mb": limit // (1024 * 1024)},
                ),
                "attachments",
                error=True,
            )
        except EmptyFile:
            return self.back(_("The file is empty and was not attached."), "attachments", error=True)
        sha, size = stored.sha256, stored.size
        name = safe_filename(upload.filename, 200)
        content_type = (getattr(upload, "type", "") or "application/octet-stream")[:100]
        self.task.attachments.append(
            TaskAttachment(
                filename=name,
                content_type=content_type,
                size=size,
                sha256=sha,
                uploader_id=self.request.identity.user.id,
            )
        )
        self.db.add(
            log_change(self.task, self.request.identity.user.id, {"event": "attachment", "name": name})
        )
        self.db.flush()
        return self.back(_("“${name}” is attached.", mapping={"name": name}), "attachments")

    @view_config(name="detach", permission="view")
    def detach(self):
        raw = self.request.POST.get("id", "")
        found = [a for a in self.task.attachments if raw.isdigit() and a.id == int(raw)]
        if not found:
            raise HTTPNotFound()
        attachment = found[0]
        me = self.request.identity.user.id
        if attachment.uploader_id != me and not self.request.has_permission("edit", self.task):
            raise HTTPForbidden()
        self.task.attachments.remove(attachment)
        self.db.flush()
        return self.back(
            _("“${name}” is removed from the task.", mapping={"name": attachment.filename}), "attachments"
        )


# --- files ------------------------------------------------------------------------------------


def max_upload_bytes(request) -> int:
    return max_bytes(request.registry.settings, "portal.max_upload_mb", DEFAULT_MAX_UPLOAD_MB)


@view_config(context=Task, name="file", request_method="GET", permission="view")
def download(request):
    """/tasks/{id}/file/{attachment id}: only for those who may view the task."""
    subpath = request.subpath
    if len(subpath) < 1 or not subpath[0].isdigit():
        raise HTTPNotFound()
    attachment = request.dbsession.scalar(
        sa.select(TaskAttachment).where(
            TaskAttachment.id == int(subpath[0]), TaskAttachment.task_id == request.context.id
        )
    )
    if attachment is None:
        raise HTTPNotFound()
    path = stored_path(request.registry.settings, attachment.sha256)
    if path is None:
        raise HTTPNotFound()
    inline = attachment.content_type in SAFE_INLINE
    return file_response(
        request,
        path,
        attachment.filename,
        attachment.content_type if inline else "application/octet-stream",
        inline=inline,
    )


@view_config(
    context=Task,
    name="people",
    request_method="GET",
    permission="edit",
    renderer="tasks/_people_picker.jinja2",
)
def people_picker(request):
    """htmx: people matching ?find= to add as watchers."""
    find = request.GET.get("find", "").strip()[:100]
    task = request.context
    exclude = [w.user_id for w in task.watchers]
    found = find_people(request.dbsession, find, exclude, limit=8) if len(find) >= 2 else []
    return {"task": task, "found": found, "find": find}
