"""Rules about people and departments shared by the web pages, the CLI and the demo."""
from __future__ import annotations

import sqlalchemy as sa

from models.errors import UserError
from models.meta import Base
from models.people import EMAIL_RE, LOGIN_RE, Department, LoginAttempt, Membership, User
from models.roles import LocalRoleGrant, Role, RoleGrant
from portal.core.i18n import _
from portal.security.login import hash_password, one_time_password, password_problem
from portal.security.sessions import end_sessions

LIMITS = {"login": 64, "full_name": 200, "email": 254, "phone": 40, "position": 200}


class UserProblem(UserError):
    """What is wrong with a person's details (`field`: the form field at fault)."""

    def __init__(self, field: str, message):
        super().__init__(message, field)


def user_field_problems(dbsession, values: dict, user: User | None = None) -> dict:
    """{field: message} for what is wrong with these user fields (empty when all is well)."""
    problems = {}
    login = (values.get("login") or "").strip().lower()
    if "login" in values:
        if not login:
            problems["login"] = _("Enter a login.")
        elif not LOGIN_RE.match(login):
            problems["login"] = _("A login is 2–64 Latin letters, digits, dots, dashes or underscores, "
                                  "starting with a letter or digit.")
        else:
            other = dbsession.scalar(sa.select(User).where(User.login == login))
            if other is not None and other is not user:
                problems["login"] = _("The login “${login}” is already taken by ${name}.",
                                      mapping={"login": login, "name": other.full_name})
    if "full_name" in values and not (values.get("full_name") or "").strip():
        problems["full_name"] = _("Enter the person's full name.")
    email = (values.get("email") or "").strip()
    if email and not EMAIL_RE.match(email):
        problems["email"] = _("“${email}” is not an e-mail address.", mapping={"email": email})
    phone = values.get("phone") or ""
    if phone and sum(ch.isdigit() for ch in phone) < 5:
        problems["phone"] = _("A phone number needs at least 5 digits.")
    for field, limit in LIMITS.items():
        if field not in problems and len(values.get(field) or "") > limit:
            problems[field] = _("At most ${n} characters, please.", mapping={"n": limit})
    return problems


def create_user(dbsession, *, login: str, full_name: str, password: str | None = None,
                roles=(), departments=(), **fields) -> User:
    """Create a person after checking every field; raises UserProblem on the first problem.
    `must_change_password=True` sends them to the password change page at their first log-in
    (always so with a one-time password: see `new_password`)."""
    values = {"login": login, "full_name": full_name, **fields}
    problems = user_field_problems(dbsession, values)
    if password is not None:
        problem = password_problem(password)
        if problem:
            problems.setdefault("password", problem)
    if problems:
        field, message = next(iter(problems.items()))
        raise UserProblem(field, message)
    role_rows = []
    for name in roles:
        role = dbsession.scalar(sa.select(Role).where(Role.name == name))
        if role is None:
            raise UserProblem("roles", _("There is no role “${name}”.", mapping={"name": name}))
        role_rows.append(role)
    user = User(login=login.strip().lower(), full_name=full_name.strip(),
                **{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()})
    user.password_hash = hash_password(password) if password else ""
    dbsession.add(user)
    for dept in departments:
        user.memberships.append(Membership(department=dept))
    for role in role_rows:
        dbsession.add(RoleGrant(role=role, user=user))
    dbsession.flush()
    return user


def new_password(dbsession, user: User, password: str | None = None, *,
                 must_change: bool = False) -> str:
    """Give `user` a new password and return it, to be shown once (only its hash is stored).

    `password` is what an admin typed (checked: UserProblem), or None for a readable one-time
    password, which the person must replace at their first log-in. Either way the log-in
    throttle that failed attempts set is lifted and the person's open sessions end.
    """
    if password is None:
        password, must_change = one_time_password(), True
    else:
        problem = password_problem(password)
        if problem:
            raise UserProblem("password", problem)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    dbsession.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.login == user.login, LoginAttempt.success.is_(False)))
    dbsession.flush()
    end_sessions(dbsession, user.id)
    return password


def set_departments(dbsession, user: User, departments) -> None:
    wanted = {d.id: d for d in departments}
    for m in list(user.memberships):
        if m.department_id not in wanted:
            user.memberships.remove(m)
            dbsession.delete(m)
    have = {m.department_id for m in user.memberships}
    for dept_id, dept in wanted.items():
        if dept_id not in have:
            user.memberships.append(Membership(department=dept))


# A person's own settings, removed together with them; rows elsewhere that name them are history.
SETTINGS_TABLES = frozenset({"users", "memberships", "login_attempts", "sessions", "role_grants",
                             "local_role_grants",
                             "notification_settings", "notification_keys"})


def history_tables(dbsession, user: User) -> list[str]:
    """Names of the tables whose rows refer to this person as history (audit, workflow, ...)."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in SETTINGS_TABLES or table.name.endswith("_version"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "users" or table.name in found:
                continue
            hit = dbsession.execute(
                sa.select(sa.literal(1)).select_from(table).where(fk.parent == user.id).limit(1)
            ).first()
            if hit:
                found.append(table.name)
    return found


def has_history(dbsession, user: User) -> bool:
    """Whether anything refers to this person (then they are deactivated, never deleted)."""
    return bool(history_tables(dbsession, user))


def department_move_problem(dept: Department, new_parent: Department | None):
    """Why `dept` cannot go under `new_parent` (itself or one of its own sub-departments)."""
    if new_parent is None:
        return None
    if new_parent.id == dept.id:
        return _("A department cannot be placed under itself.")
    if dept.id is not None and any(d.id == new_parent.id for d in dept.descendants()):
        return _("“${parent}” is inside “${name}”: a department cannot be placed under its own "
                 "sub-department.", mapping={"parent": new_parent.name, "name": dept.name})
    return None


def role_holders(dbsession, role: Role) -> list[str]:
    """Names of the people and departments that hold `role` (globally or locally)."""
    names = [g.holder_label for g in dbsession.scalars(
        sa.select(RoleGrant).where(RoleGrant.role_id == role.id))]
    names += [g.holder_label for g in dbsession.scalars(
        sa.select(LocalRoleGrant).where(LocalRoleGrant.role_id == role.id))]
    return sorted(set(names))
