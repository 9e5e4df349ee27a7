"""The people directory: the department tree, search, birthdays this week, a person's page."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from math import ceil
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload

from models.people import Department, Membership, User, digits, fold
from portal.core.i18n import _, local_today
from portal.core.parsing import parse_int
from portal.resources import People
from portal.security.filters import sql_filter
from views.home import BIRTHDAYS_SHOWN, birthdays_between

PAGE_SIZE = 48
COLLEAGUES_SHOWN = 12
# A query made only of digits and phone punctuation is looked up among phone digits.
PHONE_QUERY_RE = re.compile(r"^[\d\s()+\-.]*\d[\d\s()+\-.]*$")
MAX_QUERY_WORDS = 8


# --- queries shared with the header search --------------------------------------------------------

def search_clause(q: str):
    """WHERE for a directory search: every word in the folded name/login/e-mail, or phone digits.

    `User.search_text` holds the folded full name, login, e-mail and phone digits, so matching
    is case-insensitive in any alphabet on SQLite and PostgreSQL alike.
    """
    q = (q or "").strip()
    if not q:
        return None
    if PHONE_QUERY_RE.match(q):
        return User.search_text.contains(digits(q), autoescape=True)
    words = fold(q).split()[:MAX_QUERY_WORDS]
    return sa.and_(*[User.search_text.contains(w, autoescape=True) for w in words])


def directory_query(request, q: str = "", dept_ids=None, include_inactive: bool = False) -> sa.Select:
    """People the viewer may see (DESIGN §5), matching `q` and within `dept_ids` if given."""
    stmt = sa.select(User).where(sql_filter(request, User, "view"))
    if not include_inactive:
        stmt = stmt.where(User.active)
    clause = search_clause(q)
    if clause is not None:
        stmt = stmt.where(clause)
    if dept_ids is not None:
        stmt = stmt.where(User.sql_in_departments(sorted(dept_ids)))
    return stmt


def count_of(dbsession, stmt: sa.Select) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))


def with_departments(stmt: sa.Select) -> sa.Select:
    """Load every listed person's departments in one more query (no N+1)."""
    return stmt.options(selectinload(User.memberships).joinedload(Membership.department))


def person_url(request, user: User) -> str:
    return request.resource_url(request.root["people"], user.login)


def department_url(request, dept_id: int) -> str:
    return request.resource_url(request.root["people"], query={"dept": dept_id})


# --- the department tree with member counts -----------------------------------------------------

@dataclass
class DeptNode:
    id: int
    name: str
    count: int = 0
    children: list[DeptNode] = field(default_factory=list)


def department_nodes(request, include_inactive: bool = False) -> list[DeptNode]:
    """The department tree; counts are the people one may see there and in sub-departments."""
    db = request.dbsession
    tree = request.department_tree
    rows = [(i, tree.names[i], tree.parents[i]) for i in tree.ordered]
    member_stmt = (sa.select(Membership.department_id, Membership.user_id)
                   .join(User, User.id == Membership.user_id)
                   .where(sql_filter(request, User, "view")))
    if not include_inactive:
        member_stmt = member_stmt.where(User.active)
    members: dict[int, set[int]] = defaultdict(set)
    # Two plain columns of every membership: read without the ORM's processing of each row.
    for dept_id, user_id in db.connection().execute(member_stmt):
        members[dept_id].add(user_id)
    nodes = {id_: DeptNode(id_, name) for id_, name, _parent in rows}
    roots: list[DeptNode] = []
    for id_, _name, parent_id in rows:
        parent = nodes.get(parent_id) if parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[id_])

    def count(node: DeptNode, seen: frozenset) -> set[int]:
        people = set(members.get(node.id, ()))
        for child in node.children:
            if child.id not in seen:  # a cycle in bad data must not hang the page
                people |= count(child, seen | {child.id})
        node.count = len(people)
        return people

    for root in roots:
        count(root, frozenset({root.id}))
    return roots


# --- views ----------------------------------------------------------------------------------------

def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return parse_int(value)


@view_config(context=People, renderer="people/directory.jinja2", permission="view")
def directory(request):
    db = request.dbsession
    q = request.GET.get("q", "").strip()[:200]
    view_mode = "table" if request.GET.get("view") == "table" else "cards"
    may_see_inactive = request.identity.is_admin
    include_inactive = may_see_inactive and request.GET.get("inactive") == "1"

    dept = None
    dept_ids = None
    dept_id = _int_param(request, "dept")
    if dept_id is not None:
        dept = db.get(Department, dept_id)
        if dept is not None:
            dept_ids = request.department_tree.with_descendants([dept.id])

    stmt = directory_query(request, q, dept_ids, include_inactive)
    total = count_of(db, stmt)
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(max(_int_param(request, "page") or 1, 1), pages)
    people = db.scalars(
        with_departments(stmt).order_by(User.full_name, User.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()

    params = {"q": q, "dept": dept.id if dept else "", "view": view_mode if view_mode == "table" else "",
              "inactive": "1" if include_inactive else ""}

    base_url = request.resource_url(request.context)

    def url(**changes) -> str:
        # The tree and the cards call this hundreds of times: one resource_url, then queries.
        merged = {**params, **changes}
        query = urlencode([(k, v) for k, v in merged.items() if v])
        return f"{base_url}?{query}" if query else base_url

    birthdays = []
    if not q and page == 1:
        visible = sql_filter(request, User, "view")
        if dept_ids is not None:
            visible = sa.and_(visible, User.sql_in_departments(sorted(dept_ids)))
        birthdays = birthdays_between(db, local_today(request), 7, visible=visible)

    return {
        "title": dept.name if dept else _("People"),
        "q": q,
        "dept": dept,
        "dept_path": list(reversed(dept.ancestors())) if dept else [],
        "tree": department_nodes(request, include_inactive),
        "everyone_count": total if (dept is None and not q) else count_of(
            db, directory_query(request, "", None, include_inactive)),
        "people": people,
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "view_mode": view_mode,
        "may_see_inactive": may_see_inactive,
        "include_inactive": include_inactive,
        "birthdays": birthdays[:BIRTHDAYS_SHOWN],
        "birthdays_more": max(0, len(birthdays) - BIRTHDAYS_SHOWN),
        "today": local_today(request),
        "url": url,
        "page_url": lambda p: url(page=p if p > 1 else ""),
        "person_url": lambda u: person_url(request, u),
        "department_url": lambda d: department_url(request, d),
    }


def heads_for(request, departments: list[Department], user: User) -> list[tuple[Department, User]]:
    """Whom `user` reports to, once each: in each of their departments its head, or for its
    own head the nearest head above (with the department they head). The departments above
    are read in one statement, their lineage from the request's department tree."""
    lineage = request.department_tree.lineage
    needed = {i for dept in departments for i in lineage(dept.id)}
    by_id = {d.id: d for d in request.dbsession.scalars(
        sa.select(Department).where(Department.id.in_(sorted(needed)))
        .options(joinedload(Department.head)))}
    heads: list[tuple[Department, User]] = []
    for dept in departments:
        for node_id in lineage(dept.id):
            node = by_id.get(node_id)
            if node is not None and node.head is not None and node.head.id != user.id:
                if all(node.head.id != h.id for _d, h in heads):
                    heads.append((node, node.head))
                break
    return heads


@view_config(context=User, renderer="people/person.jinja2", permission="view")
def person(request):
    db = request.dbsession
    user: User = request.context
    departments = sorted(user.departments, key=lambda d: d.name)
    heads = heads_for(request, departments, user)
    colleagues_stmt = (
        directory_query(request, "", {d.id for d in departments})
        .where(User.id != user.id)
    ) if departments else None
    colleagues, colleagues_total = [], 0
    if colleagues_stmt is not None:
        colleagues_total = count_of(db, colleagues_stmt)
        colleagues = db.scalars(
            colleagues_stmt.order_by(User.full_name, User.id).limit(COLLEAGUES_SHOWN)
        ).all()
    admin_url = None
    if request.identity.is_admin:
        admin_url = request.resource_url(request.root["admin"]["users"], str(user.id))
    return {
        "title": user.full_name,
        "person": user,
        "departments": departments,
        "heads_of": [d for d in departments if d.head_id == user.id],
        "heads": heads,
        "colleagues": colleagues,
        "colleagues_total": colleagues_total,
        "colleagues_url": department_url(request, departments[0].id) if len(departments) == 1 else None,
        "admin_url": admin_url,
        "is_me": request.identity.user.id == user.id,
        "person_url": lambda u: person_url(request, u),
        "department_url": lambda d: department_url(request, d),
    }
