"""Actions on one task: take it from the queue, return it, reassign it, comment, the checklist,
watchers and attachments. Every POST carries the CSRF token; htmx requests get the changed
part of the page back, others are redirected to the task."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults

from models.people import User
from models.tasks import Task, TaskAttachment, TaskChecklistItem
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.files.storage import (
    EmptyFile,
    TooLarge,
    file_response,
    max_bytes,
    safe_filename,
    store,
    stored_path,
)
from portal.tasks.security import may_reassign
from portal.tasks.service import (
    TaskProblem,
    add_checklist_item,
    add_comment,
    add_watcher,
    assign,
    attach_file,
    check_target,
    detach_file,
    may_detach,
    parse_target,
    release,
    remove_checklist_item,
    remove_watcher,
    take,
    toggle_checklist_item,
    who_may_view,
)
from views.admin.departments import find_people
from views.tasks.display import task_helpers
from views.tasks.lists import task_view
from workflows.engine import WorkflowError

DEFAULT_MAX_UPLOAD_MB = 20
SAFE_INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@view_defaults(context=Task, request_method="POST")
class TaskActions:
    def __init__(self, context: Task, request):
        self.task = context
        self.request = request
        self.db = request.dbsession
        self.me = request.identity.user
        self.registry = request.registry

    # --- helpers
    def back(self, message=None, anchor: str = "", error: bool = False, warning: bool = False):
        if message is not None:
            queue = "error" if error else "warning" if warning else ""
            self.request.session.flash(self.request.translate(message), queue)
        return HTTPSeeOther(self.request.resource_url(self.task) + (f"#{anchor}" if anchor else ""))

    def partial(self, which: str, error=None):
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

    def refused(self, which: str, problem: TaskProblem):
        """The reason, in the changed part of the page (htmx) or above the task."""
        if self.request.headers.get("HX-Request"):
            return self.partial(which, error=self.request.translate(problem.message))
        return self.back(problem.message, which, error=True)

    # --- queue
    @view_config(name="take", permission="take")
    def take(self):
        try:
            started = take(self.db, self.me, self.task, registry=self.registry, request=self.request)
        except (TaskProblem, WorkflowError) as problem:
            return self.back(problem.message, error=True)
        return self.back(
            _("The task is yours now and in progress.") if started else _("The task is yours now.")
        )

    @view_config(name="release", permission="edit")
    def release(self):
        try:
            release(self.db, self.me, self.task, registry=self.registry)
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
            check_target(request, task, target)
        except TaskProblem as problem:
            return self.back(problem.message, error=True)
        if assign(self.db, self.me, task, target, registry=self.registry, request=request):
            who = target.user.full_name if target.user else target.department.name
            return self.back(_("The task is sent to ${who}.", mapping={"who": who}))
        return self.back(_("Nothing was changed."))

    # --- comments
    @view_config(name="comment", permission="view")
    def comment(self):
        body = self.request.POST.get("body", "")
        try:
            done = add_comment(self.db, self.me, self.task, body, registry=self.registry,
                               request=self.request)
        except TaskProblem as problem:
            # The page again, with the text kept and the reason next to it (nothing stored).
            data = task_view(self.request)
            data.update(comment_error=problem.message, comment_draft=body[:20000])
            response = render_to_response("tasks/view.jinja2", data, request=self.request)
            response.status_int = 400
            return response
        if done.not_notified:
            # Only the author reads these names: they wrote them, and may see the task.
            return self.back(
                _(
                    "Not notified, they cannot see this task: ${names}.",
                    mapping={"names": ", ".join(u.full_name for u in done.not_notified)},
                ),
                f"comment-{done.comment.id}",
                warning=True,
            )
        return self.back(None, f"comment-{done.comment.id}")

    # --- checklist
    @view_config(name="checklist-add", permission="edit")
    def checklist_add(self):
        try:
            add_checklist_item(self.db, self.task, self.request.POST.get("text", ""))
        except TaskProblem as problem:
            return self.back(problem.message, "checklist", error=True)
        return self.answer("checklist")

    def _item(self) -> TaskChecklistItem:
        wanted = parse_int(self.request.POST.get("item", ""))
        for item in self.task.checklist:
            if item.id == wanted:
                return item
        raise HTTPNotFound()

    @view_config(name="checklist-toggle", permission="edit")
    def checklist_toggle(self):
        toggle_checklist_item(self.db, self.me, self._item())
        return self.answer("checklist")

    @view_config(name="checklist-delete", permission="edit")
    def checklist_delete(self):
        remove_checklist_item(self.db, self.task, self._item())
        return self.answer("checklist")

    # --- watchers: following a task grants nothing (portal.tasks.service.add_watcher)
    @view_config(name="watch", permission="view")
    def watch(self):
        """Follow the task oneself ("Follow"), or stop: seeing it is enough."""
        if self.request.POST.get("stop") == "1":
            remove_watcher(self.db, self.task, self.me.id)
        else:
            try:
                add_watcher(self.db, self.me, self.task, self.me, registry=self.registry,
                            request=self.request)
            except TaskProblem as problem:
                return self.refused("watchers", problem)
        return self.answer("watchers")

    @view_config(name="watchers-add", permission="edit")
    def watchers_add(self):
        """Add someone else: for those who may edit the task, and only someone who may see it."""
        wanted = parse_int(self.request.POST.get("user", ""))
        user = self.db.get(User, wanted) if wanted is not None else None
        try:
            if user is None:
                raise TaskProblem(_("That person no longer exists."), "watcher")
            add_watcher(self.db, self.me, self.task, user, registry=self.registry, request=self.request)
        except TaskProblem as problem:
            return self.refused("watchers", problem)
        return self.answer("watchers")

    @view_config(name="watchers-remove", permission="edit")
    def watchers_remove(self):
        wanted = parse_int(self.request.POST.get("user", ""))
        if wanted is not None:
            remove_watcher(self.db, self.task, wanted)
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
        name = safe_filename(upload.filename, 200)
        content_type = (getattr(upload, "type", "") or "application/octet-stream")[:100]
        attach_file(self.db, self.me, self.task, filename=name, content_type=content_type,
                    size=stored.size, sha256=stored.sha256)
        return self.back(_("“${name}” is attached.", mapping={"name": name}), "attachments")

    @view_config(name="detach", permission="view")
    def detach(self):
        wanted = parse_int(self.request.POST.get("id", ""))
        found = [a for a in self.task.attachments if a.id == wanted]
        if not found:
            raise HTTPNotFound()
        attachment = found[0]
        if not may_detach(self.request, self.task, attachment):
            raise HTTPForbidden()
        detach_file(self.db, self.task, attachment)
        return self.back(
            _("“${name}” is removed from the task.", mapping={"name": attachment.filename}), "attachments"
        )


# --- files ------------------------------------------------------------------------------------


def max_upload_bytes(request) -> int:
    return max_bytes(request.registry.settings, "portal.max_upload_mb", DEFAULT_MAX_UPLOAD_MB)


@view_config(context=Task, name="file", request_method="GET", permission="view")
def download(request):
    """/tasks/{id}/file/{attachment id}: only for those who may view the task."""
    wanted = parse_int(request.subpath[0]) if request.subpath else None
    if wanted is None:
        raise HTTPNotFound()
    attachment = request.dbsession.scalar(
        sa.select(TaskAttachment).where(
            TaskAttachment.id == wanted, TaskAttachment.task_id == request.context.id
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
    """htmx: people matching ?find= to add as watchers; those who cannot see the task are shown
    as such, without "Add" (watching would not let them see it)."""
    find = request.GET.get("find", "").strip()[:100]
    task = request.context
    exclude = [w.user_id for w in task.watchers]
    found = find_people(request.dbsession, find, exclude, limit=8) if len(find) >= 2 else []
    sees = who_may_view(request, task, [u.id for u in found])
    return {"task": task, "found": found, "find": find, "sees": sees}
