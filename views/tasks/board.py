"""/tasks/board: one's tasks as a kanban by state, and moving a card (portal/tasks/board.py).

A move is a POST to /tasks/{id}/move (to=<state>): JSON for the board's script
(static/js/tasks-kanban.js: {ok, state, message}; a refused move answers 409 with the reason and
the card goes back), a redirect to the board for the "Move to…" menu without script."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.tasks import Task
from portal.core.i18n import _
from portal.tasks.board import COLUMNS, board, move, targets
from portal.tasks.resources import Tasks
from views.tasks.display import task_helpers
from workflows.engine import WorkflowError


@view_config(context=Tasks, name="board", renderer="tasks/board.jinja2", permission="view")
def board_page(request):
    columns = board(request)
    titles = {c.state: c.title for c in columns}
    return {
        "title": _("My tasks by state"),
        "columns": columns,
        "column_titles": titles,
        "targets": lambda t: targets(request, t),
        "list_url": request.resource_url(request.context),
        **task_helpers(request),
    }


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@view_config(context=Task, name="move", request_method="POST", permission="view", renderer="json")
def move_card(request):
    task: Task = request.context
    state = request.POST.get("to", "")[:20]
    board_url = request.resource_url(request.root["tasks"], "board")
    try:
        move(request, task, state)
    except WorkflowError as error:
        message = request.translate(error.message)
        if _wants_json(request):
            request.response.status_int = 409
            return {"ok": False, "state": task.state, "message": message}
        request.session.flash(message, "error")
        return HTTPSeeOther(board_url)
    title = request.translate(task.workflow.states[task.state].title)
    message = request.translate(_("#${id} is now “${state}”.", mapping={"id": task.id, "state": title}))
    if _wants_json(request):
        # Where the card may go from its new column: its "Move to…" menu again.
        titles = dict(COLUMNS)
        return {
            "ok": True, "state": task.state, "message": message,
            "targets": [{"state": s, "title": request.translate(titles[s])} for s in targets(request, task)],
        }
    request.session.flash(message)
    return HTTPSeeOther(board_url)
