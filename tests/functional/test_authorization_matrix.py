"""Who may open which page of the foundation: every view × every default role (and anonymous),
as config/roles.yaml says."""
from __future__ import annotations

import pytest

from portal.setup_data import load_roles_config

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
