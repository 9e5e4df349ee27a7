"""Who may open which page of the foundation: every view × every default role (and anonymous),
as config/roles.yaml says."""
from __future__ import annotations

import pytest

from portal.security.default_roles import load_roles_config

ROLES = load_roles_config()["roles"]
EMPLOYEE = ROLES["employee"]["permissions"]


def holds(role: str, key: str) -> bool:
    """Whether a person with `role` (and employee, which every department has) holds `key`."""
    if role == "admin":
        return True
    if key == "authenticated":
        return True
    if key == "manage":
        return False
    granted = dict(EMPLOYEE)
    granted.update(ROLES.get(role, {}).get("permissions") or {})
    return key in granted


# (method, path template, what it needs)
PAGES = [
    ("GET", "/", "authenticated"),
    ("GET", "/password", "authenticated"),
    ("GET", "/preferences", "authenticated"),
    ("GET", "/preferences/tokens", "authenticated"),
    ("GET", "/notifications", "authenticated"),
    ("GET", "/search?q=a", "authenticated"),
    ("GET", "/people", "person.view"),
    ("GET", "/people/{login}", "person.view"),
    ("GET", "/admin", "manage"),
    ("GET", "/admin/users", "manage"),
    ("GET", "/admin/users/add", "manage"),
    ("GET", "/admin/users/{uid}", "manage"),
    ("GET", "/admin/users/{uid}/edit", "manage"),
    ("GET", "/admin/users/{uid}/password", "manage"),
    ("GET", "/admin/departments", "manage"),
    ("GET", "/admin/departments/add", "manage"),
    ("GET", "/admin/departments/{did}", "manage"),
    ("GET", "/admin/departments/{did}/edit", "manage"),
    ("GET", "/admin/departments/{did}/sharing", "manage"),
    ("GET", "/admin/roles", "manage"),
    ("GET", "/admin/roles/add", "manage"),
    ("GET", "/admin/roles/matrix", "manage"),
    ("GET", "/admin/roles/sales", "manage"),
    ("GET", "/admin/access", "manage"),
    ("GET", "/admin/audit", "manage"),
    ("POST", "/admin/users/{uid}/transition", "manage"),
    ("POST", "/admin/users/{uid}/delete", "manage"),
    ("POST", "/admin/departments/{did}/delete", "manage"),
    ("POST", "/admin/roles/sales/delete", "manage"),
]


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_every_page_allows_exactly_the_roles_that_hold_its_permission(role, testapp, factory, login_as):
    target_dept = factory.department("Отдел проверки")
    target = factory.user(departments=[target_dept], full_name="Проверяемый Пётр")
    if role != "anonymous":
        login_as(role)
    token = testapp.csrf_token() if role != "anonymous" else None
    wrong = []
    for method, template, needs in PAGES:
        path = template.format(login=target.login, uid=target.id, did=target_dept.id)
        if method == "GET":
            res = testapp.get(path, status="*")
        else:
            params = {"csrf_token": token} if token else {}
            if path.endswith("/transition"):
                params["name"] = "deactivate"
            res = testapp.post(path, params, status="*")
        if role == "anonymous":
            ok = res.status_int in (303, 400) and (res.status_int == 400 or "/login" in res.location)
        elif holds(role, needs):
            ok = res.status_int in (200, 302, 303)
        else:
            ok = res.status_int == 403
        if not ok:
            wrong.append(f"{method} {path} → {res.status_int} (needs {needs})")
    assert not wrong, f"{role}: " + "; ".join(wrong)


# --- the calendar and tasks (issue 4) -----------------------------------------------------------

SCOPES = ("own", "department", "all")


def holds_scope(role: str, key: str) -> bool:
    """Like `holds`, for "type.permission@scope": the role (with employee) holds it with at
    least that scope. "admin": only admins; "public": everyone, even without logging in."""
    if key == "public" or role == "admin":
        return True
    if key == "admin":
        return False
    if "@" not in key:
        return holds(role, key)
    name, scope = key.split("@")
    granted = [ROLES.get(r, {}).get("permissions") or {} for r in ("employee", role)]
    return any(SCOPES.index(p[name]) >= SCOPES.index(scope) for p in granted if name in p)


WEEK = "start=2031-03-03T00:00:00&end=2031-03-10T00:00:00"
# (method, path template, params, what it needs). The rows are someone else's, in another
# department, so scope "all" is what opens them. Order matters: changes come last.
AREA_PAGES = [
    ("GET", "/calendar", {}, "event.view"),
    ("GET", f"/calendar/events.json?{WEEK}&src=mine,company", {}, "event.view"),
    ("GET", "/calendar/team", {}, "event.view"),
    ("GET", "/calendar/assistant.json?timezone=Europe/Moscow&start_date=2031-03-03"
            "&start_time=10:00&end_time=11:00", {}, "event.view"),
    ("GET", f"/calendar/team.json?dept={{did}}&{WEEK}", {}, "event.view"),
    ("GET", "/calendar/people.json?q=te", {}, "event.view"),
    ("GET", "/calendar/search?q=report", {}, "event.view"),
    ("GET", "/calendar/subscribe", {}, "event.view"),
    ("GET", "/calendar/feed/{token}.ics", {}, "public"),
    ("GET", "/calendar/add", {}, "event.add"),
    ("GET", "/calendar/import", {}, "event.add"),
    ("GET", "/calendar/{eid}", {}, "event.view@all"),
    ("GET", "/calendar/{eid}/ics", {}, "event.view@all"),
    ("GET", "/calendar/{eid}/edit", {}, "event.edit@all"),
    ("POST", "/calendar/{eid}/answer", {"answer": "accepted"}, "event.view@all"),
    ("POST", "/calendar/{eid}/move", {"start": "2031-03-03T12:00:00", "end": "2031-03-03T13:00:00"},
     "event.edit@all"),
    ("POST", "/calendar/{eid}/cancel", {"scope": "all"}, "event.edit@all"),
    ("GET", "/calendar/rooms", {}, "authenticated"),
    ("GET", "/calendar/rooms/{rid}", {}, "room.book@all"),
    ("GET", "/calendar/rooms/add", {}, "admin"),
    ("GET", "/calendar/rooms/{rid}/edit", {}, "admin"),
    ("GET", "/tasks", {}, "task.view"),
    ("GET", "/tasks?view=queue", {}, "task.view"),
    ("GET", "/tasks/add", {}, "task.add"),
    ("GET", "/tasks/{tid}", {}, "task.view@all"),
    ("GET", "/tasks/{tid}/edit", {}, "task.edit@all"),
    ("GET", "/tasks/{tid}/people?find=te", {}, "task.edit@all"),
    ("POST", "/tasks/{tid}/comment", {"body": "Проверено."}, "task.view@all"),
    ("POST", "/tasks/{tid}/watch", {}, "task.view@all"),
    ("POST", "/tasks/{tid}/checklist-add", {"text": "Сверить суммы"}, "task.edit@all"),
    ("POST", "/tasks/{tid}/reassign", {"assign_to": ""}, "task.assign@all"),
    ("POST", "/tasks/{tid}/take", {}, "admin"),
    ("POST", "/tasks/{tid}/transition", {"name": "start"}, "task.edit@all"),
    ("GET", "/tasks/recurring", {}, "task.view"),
    ("GET", "/tasks/recurring/{sid}", {}, "task.edit@all"),
    ("GET", "/tasks/recurring/{sid}/edit", {}, "task.edit@all"),
    ("POST", "/tasks/recurring/{sid}/stop", {}, "task.edit@all"),
    ("GET", "/tasks/report", {}, "report.discipline"),
    ("GET", "/tasks/report/export", {}, "report.discipline"),
]


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_every_calendar_and_task_page_allows_exactly_the_roles_that_hold_its_permission(
        role, testapp, factory, login_as, dbsession, request_for):
    import datetime as dt

    from models.calendar import Room
    from models.tasks import Task, TaskRecurrence
    from portal.calendar.changes import EventInput, create_event
    from portal.calendar.ics import feed_token

    target_dept = factory.department("Отдел проверки")
    target = factory.user(departments=[target_dept], full_name="Проверяемый Пётр")
    start = dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC)
    event = create_event(request_for(target), EventInput(
        title="Сверка остатков", start=start, end=start + dt.timedelta(hours=1))).event
    room = Room(name="Переговорная «Проверка»")
    task = Task(author_id=target.id, assignee_id=target.id, department_id=target_dept.id)
    task.set_title("Сверка с банком")
    series = TaskRecurrence(title="Еженедельный отчёт", author_id=target.id,
                            assignee_id=target.id, department_id=target_dept.id,
                            starts_on=dt.date(2031, 3, 3), next_on=dt.date(2031, 3, 3))
    dbsession.add_all([room, task, series])
    dbsession.flush()
    ids = {"did": target_dept.id, "eid": event.id, "rid": room.id, "tid": task.id,
           "sid": series.id, "token": feed_token(dbsession, target)}
    if role != "anonymous":
        login_as(role)
    token = testapp.csrf_token() if role != "anonymous" else None
    wrong = []
    for method, template, params, needs in AREA_PAGES:
        path = template.format(**ids)
        if method == "GET":
            res = testapp.get(path, status="*")
        else:
            res = testapp.post(path, {**params, **({"csrf_token": token} if token else {})},
                               status="*")
        if needs == "public":
            ok = res.status_int == 200
        elif role == "anonymous":
            ok = res.status_int in (303, 400) and (res.status_int == 400 or "/login" in res.location)
        elif holds_scope(role, needs):
            ok = res.status_int in (200, 302, 303)
        else:
            ok = res.status_int == 403
        if not ok:
            wrong.append(f"{method} {path} → {res.status_int} (needs {needs})")
    assert not wrong, f"{role}: " + "; ".join(wrong)


# --- the knowledge base (issue 5) ---------------------------------------------------------------

def kb_allows(role: str, key: str) -> bool:
    """Whether a person with `role` may do `key` in the knowledge base of the test below: articles
    by someone else in a folder where local-only roles (editor, reviewer, reader) are shared.

    "article.<perm>:<state>": the role (or employee) holds article.<perm> with scope all and the
    workflow state (workflows/article.py) lets that role have it; "readers:<state>": reading the
    article and editing, reviewing or holding report.discipline over a department; "folder.*":
    a folder's permission as portal.kb.security.folder_acl reads the matrix; "kb.*": at /kb
    itself, where local roles do not reach."""
    from workflows.article import ARTICLE

    if role == "admin":
        return True
    if key == "admin":
        return False
    local_only = ROLES.get(role, {}).get("local_only", False)
    if key.startswith("kb."):
        return holds_scope("employee" if local_only else role, key[3:])
    if key.startswith("folder."):
        cell = {"view": "article.view", "add": "article.add", "add_folder": "kb_folder.add@all",
                "edit": "kb_folder.edit@all", "share": "kb_folder.share@all"}[key[7:]]
        return holds_scope(role, cell)
    if key.startswith("readers:"):
        state = key.split(":")[1]
        return kb_allows(role, f"article.view:{state}") and (
            kb_allows(role, f"article.edit:{state}") or kb_allows(role, f"article.review:{state}")
            or holds_scope("employee" if local_only else role, "report.discipline@department"))
    name, state = key.split(":")
    rule = ARTICLE.states[state].permissions.get(name.split(".")[1])
    for holder in ("employee", role):
        granted = ROLES.get(holder, {}).get("permissions") or {}
        if granted.get(name) == "all" and (rule is None or holder in rule):
            return True
    return False


KB_STATES = ("draft", "pending", "published", "archived")
# (method, path template, params, what it needs). {f}: the folder, {a}: an article's address in
# it (one per state), {pid}/{fid}: the published article's id and its file's id. Changes last.
KB_PAGES = [
    ("GET", "/kb/", {}, "kb.article.view"),
    ("GET", "/kb/search?q=%D1%81%D0%B2%D0%B5%D1%80%D0%BA%D0%B0", {}, "kb.article.view"),
    ("GET", "/kb/add-folder", {}, "admin"),
    ("GET", "/kb/must-read", {}, "kb.report.discipline@department"),
    ("GET", "/kb/must-read-export?format=csv", {}, "kb.report.discipline@department"),
    ("GET", "/kb/@@file/{fid}/notes.txt", {}, "article.view:published"),
    ("GET", "/kb/{f}/", {}, "folder.view"),
    ("GET", "/kb/{f}/?state=draft", {}, "folder.view"),
    ("GET", "/kb/{f}/add-article", {}, "folder.add"),
    ("GET", "/kb/{f}/find-related?q=%D1%81%D0%B2%D0%B5%D1%80%D0%BA%D0%B0", {}, "folder.add"),
    ("POST", "/kb/{f}/preview", {"body": "**Текст**"}, "folder.add"),
    ("GET", "/kb/{f}/add-folder", {}, "folder.add_folder"),
    ("GET", "/kb/{f}/edit", {}, "folder.edit"),
    ("GET", "/kb/{f}/move", {}, "folder.edit"),
    ("GET", "/kb/{f}/sharing", {}, "folder.share"),
    *[row for state in KB_STATES for row in [
        ("GET", f"/kb/@@article/{{{state}_id}}", {}, f"article.view:{state}"),
        ("GET", f"/kb/{{f}}/{state}/", {}, f"article.view:{state}"),
        ("GET", f"/kb/{{f}}/{state}/versions", {}, f"article.view:{state}"),
        ("GET", f"/kb/{{f}}/{state}/version/1", {}, f"article.view:{state}"),
        ("GET", f"/kb/{{f}}/{state}/diff?a=1&b=2", {}, f"article.view:{state}"),
        ("GET", f"/kb/{{f}}/{state}/edit", {}, f"article.edit:{state}"),
        ("GET", f"/kb/{{f}}/{state}/attachments", {}, f"article.edit:{state}"),
        ("GET", f"/kb/{{f}}/{state}/move", {}, f"article.edit:{state}"),
        ("GET", f"/kb/{{f}}/{state}/delete", {}, f"article.delete:{state}"),
        ("GET", f"/kb/{{f}}/{state}/readers", {}, f"readers:{state}"),
    ]],
    ("POST", "/kb/{f}/published/feedback", {"helpful": "yes", "comment": "Понятно."},
     "article.view:published"),
    ("POST", "/kb/{f}/published/confirm", {}, "article.view:published"),
    ("POST", "/kb/{f}/published/remind", {}, "readers:published"),
    *[("POST", f"/kb/{{f}}/{state}/restore", {"number": "1"}, f"article.edit:{state}")
      for state in KB_STATES],
    ("POST", "/kb/{f}/draft/transition", {"name": "submit"}, "article.edit:draft"),
    ("POST", "/kb/{f}/pending/transition", {"name": "publish"}, "article.review:pending"),
    ("POST", "/kb/{f}/published/transition", {"name": "archive"}, "article.review:published"),
    ("POST", "/kb/{f}/archived/transition", {"name": "restore"}, "article.edit:archived"),
    ("POST", "/kb/{f}/spare/delete", {"confirm": "yes"}, "article.delete:published"),
    ("POST", "/kb/{f}/empty/delete", {}, "folder.edit"),
]


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_every_knowledge_base_page_allows_exactly_the_roles_that_hold_its_permission(
        role, testapp, factory, login_as, dbsession, request_for):
    import io

    import sqlalchemy as sa

    from models.kb import Article, ArticleTag, ArticleVersion, KbFolder
    from models.roles import LocalRoleGrant, Role
    from portal.kb.files import store_upload

    target_dept = factory.department("Отдел проверки")
    author = factory.user(departments=[target_dept], full_name="Проверяемый Пётр")
    folder = KbFolder(slug="proverka", title="Проверка")
    dbsession.add(folder)
    dbsession.flush()
    dbsession.add(KbFolder(slug="empty", title="Пустая", parent_id=folder.id))
    articles = {}
    for state in (*KB_STATES, "spare"):
        article = Article(folder_id=folder.id, slug=state, title=f"Сверка: {state}", state=(
            "published" if state == "spare" else state), author_id=author.id, body="Второй текст.",
            version=2, must_read=state == "published")
        article.tag_rows = [ArticleTag(tag="сверка")]
        dbsession.add(article)
        dbsession.flush()
        dbsession.add_all([ArticleVersion(article_id=article.id, number=n, title=article.title, body=body,
                                          tags="сверка", author_id=author.id)
                           for n, body in ((1, "Первый текст."), (2, "Второй текст."))])
        articles[state] = article
    dbsession.flush()
    attachment = store_upload(request_for(author), articles["published"], "notes.txt",
                              io.BytesIO(b"plain notes"))
    ids = {"f": folder.slug, "fid": attachment.id,
           **{f"{state}_id": a.id for state, a in articles.items()}}
    if role != "anonymous":
        user = login_as(role) if not ROLES[role].get("local_only") else login_as("employee")
        if ROLES[role].get("local_only"):
            dbsession.add(LocalRoleGrant(container_type="kb_folder", container_id=folder.id, user=user,
                                         role=dbsession.scalar(sa.select(Role).where(Role.name == role))))
            dbsession.flush()
    token = testapp.csrf_token() if role != "anonymous" else None
    wrong = []
    for method, template, params, needs in KB_PAGES:
        path = template.format(**ids)
        if method == "GET":
            res = testapp.get(path, status="*")
        else:
            res = testapp.post(path, {**params, **({"csrf_token": token} if token else {})}, status="*")
        if role == "anonymous":
            ok = res.status_int in (303, 400) and (res.status_int == 400 or "/login" in res.location)
        elif kb_allows(role, needs):
            ok = res.status_int in (200, 302, 303)
        else:
            ok = res.status_int == 403
        if not ok:
            wrong.append(f"{method} {path} → {res.status_int} (needs {needs})")
    assert not wrong, f"{role}: " + "; ".join(wrong)
