"""The filtered lists of organizations and contacts, as SQL (shared by the pages and the export).

`OrganizationFilter.from_params(request.GET)` reads a list's query string;
`organization_query(request, flt)` is the SELECT the user may see (DESIGN §5: the security
filter is part of the WHERE), filtered, sorted — page it or export it as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.sql.elements import BooleanClauseList, True_
from sqlalchemy.sql.operators import or_

import models.search as search
from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    STAGES,
    Contact,
    Organization,
)
from portal.core.parsing import parse_int
from portal.security.filters import Kept, sql_filter

ORGANIZATION_SORTS = {
    # The folded name without legal form: «ООО Ромашка» sorts under Р, case does not matter.
    "name": (Organization.name_key.asc(), Organization.id.asc()),
    "-name": (Organization.name_key.desc(), Organization.id.desc()),
    "-created": (Organization.created_at.desc(), Organization.id.desc()),
    "created": (Organization.created_at.asc(), Organization.id.asc()),
    "-updated": (Organization.updated_at.desc(), Organization.id.desc()),
}
CONTACT_SORTS = {
    "name": (Contact.full_name.asc(), Contact.id.asc()),
    "-name": (Contact.full_name.desc(), Contact.id.desc()),
    "-created": (Contact.created_at.desc(), Contact.id.desc()),
}
MAX_QUERY = 200


@dataclass
class OrganizationFilter:
    q: str = ""
    kind: str = ""
    stage: str = ""
    manager: str = ""  # a user id, "me" or "none"
    department: int | None = None
    industry: int | None = None
    region: int | None = None
    group: int | None = None
    category: int | None = None
    source: int | None = None
    sort: str = ""

    @classmethod
    def from_params(cls, params) -> OrganizationFilter:
        manager = (params.get("manager") or "").strip()
        if manager not in ("me", "none") and parse_int(manager) is None:
            manager = ""
        sort = params.get("sort") or ""
        return cls(
            q=(params.get("q") or "").strip()[:MAX_QUERY],
            kind=params.get("kind") if params.get("kind") in ORGANIZATION_KINDS else "",
            stage=params.get("stage") if params.get("stage") in STAGES else "",
            manager=manager,
            department=parse_int(params.get("department")),
            sort=sort if sort in ORGANIZATION_SORTS else "",
            **{name: parse_int(params.get(name)) for name in ORGANIZATION_CLASSIFIERS},
        )

    def params(self, **changes) -> dict:
        """The non-empty filters as query-string parameters (with `changes` applied)."""
        out = {}
        for f in fields(self):
            value = changes.get(f.name, getattr(self, f.name))
            if value not in (None, ""):
                out[f.name] = value
        return out

    def query_string(self, **changes) -> str:
        return urlencode(self.params(**changes))

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (sorting does not)."""
        return any(v not in (None, "") for k, v in self.params().items() if k != "sort")


def organization_query(request, flt: OrganizationFilter) -> sa.Select:
    """Organizations the user may view, matching the filter, in the filter's order."""
    stmt = sa.select(Organization).where(sql_filter(request, Organization, "view"))
    stmt, ranked = _matching(request, stmt, Organization, "organization", flt)
    if flt.kind:
        stmt = stmt.where(Organization.kind == flt.kind)
    if flt.stage:
        stmt = stmt.where(Organization.stage == flt.stage)
    if flt.manager == "me":
        stmt = stmt.where(Organization.manager_id == request.identity.user.id)
    elif flt.manager == "none":
        stmt = stmt.where(Organization.manager_id.is_(None))
    elif flt.manager:
        stmt = stmt.where(Organization.manager_id == int(flt.manager))
    if flt.department is not None:
        dept_ids = request.department_tree.with_descendants([flt.department])
        stmt = stmt.where(Organization.department_id.in_(sorted(dept_ids)))
    for name, column in ORGANIZATION_CLASSIFIERS.items():
        value = getattr(flt, name)
        if value is not None:
            stmt = stmt.where(getattr(Organization, column) == value)
    if ranked is not None:
        stmt = stmt.order_by(ranked.c.rank, Organization.id)
    else:
        stmt = stmt.order_by(*ORGANIZATION_SORTS[flt.sort or "name"])
    return stmt


def _everything(where) -> bool:
    """Whether a statement's WHERE lets every row through: none, or the permission filter's
    `true` (which a WHERE holds as a boolean of it)."""
    return where is None or isinstance(getattr(where, "element", where), True_)


# count_of_visible's statements of the list as it opens, by its WHERE (the permission
# filter's clause, itself kept per set of rights: portal.security.filters): built once, not on
# every list page. Bounded: emptied when full.
_COUNTS = Kept(512)


def _opening_count(where) -> sa.Select | None:
    """The count of the list as it opens with `where`, from indexes alone (None: the count
    of the rows themselves is as good)."""
    everyone = sa.select(sa.func.max(Organization.id)).scalar_subquery()
    if _everything(where):
        # Everyone's (an administrator's list): a count with no WHERE at all, which SQLite
        # answers from the smallest index's pages (100,000: 0.01 ms, against 1.8 ms for a
        # count of the rows where 1 = 1).
        return sa.select(sa.select(sa.func.count()).select_from(Organization).scalar_subquery(),
                         everyone)
    if isinstance(where, BooleanClauseList) and where.operator is or_ and len(where.clauses) > 1:
        terms = list(where.clauses)
        parts = [sa.select(sa.func.count()).select_from(Organization).where(
            term if i == 0 else sa.and_(term, sa.not_(sa.func.coalesce(sa.or_(*terms[:i]),
                                                                         False))))
            .scalar_subquery() for i, term in enumerate(terms)]
        return sa.select(sum(parts[1:], parts[0]), everyone)
    return None


def count_of_visible(dbsession, flt: OrganizationFilter, stmt: sa.Select) -> tuple[int, int]:
    """(how many organizations `stmt` finds, the highest id of all: about how many there are),
    in one statement.

    The list as it opens, of someone the permission filter lets see the organizations of a few
    departments or those they manage (`A OR B`): SQLite gathers the rows of both indexes and
    reads each row (9,120 of a sales manager: 3.3 ms). Counted as `A` plus `B and not A`, each
    part is counted in its own index without reading a row (0.4 ms).
    """
    where = stmt.whereclause
    counted = None
    if not flt.active and dbsession.get_bind().dialect.name == "sqlite":
        counted = _COUNTS.get("everything" if _everything(where) else where,
                              lambda: _opening_count(where))
    if counted is None:
        everyone = sa.select(sa.func.max(Organization.id)).scalar_subquery()
        counted = sa.select(sa.func.count(), everyone).select_from(stmt.order_by(None).subquery())
    found, highest = dbsession.execute(counted).one()
    return found, highest or 0


def page_ids(dbsession, flt: OrganizationFilter, stmt: sa.Select, total: int, everyone: int,
             offset: int, size: int) -> sa.Select:
    """The statement of the ids of one page of `stmt` (`total` rows of about `everyone`).

    The list as it opens (no filter, by name) of someone who may see many organizations of
    many more: SQLite would read every one they may see through the permission filter's
    indexes and sort them all (9,120 of 100,000 for a sales manager: 4 ms), where walking the
    name index and testing the filter on each row finds a page after reading about
    `everyone / total` rows per row shown (0.3 ms). The filter is then left out of the index
    choice (an expression no index serves). The walk costs about 2.4 times more per row read
    than the sort does per row sorted: walked while it reads fewer than a third as many.
    """
    window = stmt.with_only_columns(Organization.id).limit(size).offset(offset)
    if (flt.active or flt.sort not in ("", "name", "-name") or _everything(stmt.whereclause)
            or dbsession.get_bind().dialect.name != "sqlite"
            or 3 * (offset + size) * everyone >= total * total):
        return window
    return (sa.select(Organization.id).where(sa.func.coalesce(stmt.whereclause, False))
            .order_by(*ORGANIZATION_SORTS[flt.sort or "name"]).limit(size).offset(offset))


def _matching(request, stmt: sa.Select, model, kind: str, flt):
    """Narrow `stmt` to the full-text matches of `flt.q`; (stmt, ranked subquery or None).

    A few matches are joined with their rank (best first, unless another sort is chosen);
    many are a semi-join sorted like the list, which is much cheaper than ranking them all.
    """
    if not flt.q:
        return stmt, None
    match = search.match(request.dbsession, kind, flt.q)
    if match is None:  # nothing to search for (punctuation, "ООО" alone): the whole list
        return stmt, None
    if match.ranked is not None and not flt.sort:
        return stmt.join(match.ranked, match.ranked.c.object_id == model.id), match.ranked
    return stmt.where(model.id.in_(match.ids)), None


@dataclass
class ContactFilter:
    q: str = ""
    organization: str = ""  # "" any, "none" private persons only, "yes" of organizations
    manager: str = ""
    decision_level: str = ""
    sort: str = ""

    @classmethod
    def from_params(cls, params) -> ContactFilter:
        manager = (params.get("manager") or "").strip()
        if manager not in ("me",) and parse_int(manager) is None:
            manager = ""
        sort = params.get("sort") or ""
        org = params.get("organization") or ""
        return cls(q=(params.get("q") or "").strip()[:MAX_QUERY],
                   organization=org if org in ("none", "yes") else "",
                   manager=manager,
                   decision_level=(params.get("decision_level") or "")[:20],
                   sort=sort if sort in CONTACT_SORTS else "")

    def params(self, **changes) -> dict:
        out = {}
        for f in fields(self):
            value = changes.get(f.name, getattr(self, f.name))
            if value not in (None, ""):
                out[f.name] = value
        return out

    def query_string(self, **changes) -> str:
        return urlencode(self.params(**changes))

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for k, v in self.params().items() if k != "sort")


def contact_query(request, flt: ContactFilter) -> sa.Select:
    """Contacts the user may view, matching the filter, in the filter's order."""
    stmt = sa.select(Contact).where(sql_filter(request, Contact, "view"))
    stmt, ranked = _matching(request, stmt, Contact, "contact", flt)
    if flt.organization == "none":
        stmt = stmt.where(Contact.organization_id.is_(None))
    elif flt.organization == "yes":
        stmt = stmt.where(Contact.organization_id.is_not(None))
    if flt.manager == "me":
        stmt = stmt.where(Contact.manager_id == request.identity.user.id)
    elif flt.manager:
        stmt = stmt.where(Contact.manager_id == int(flt.manager))
    if flt.decision_level:
        stmt = stmt.where(Contact.decision_level == flt.decision_level)
    if ranked is not None:
        stmt = stmt.order_by(ranked.c.rank, Contact.id)
    else:
        stmt = stmt.order_by(*CONTACT_SORTS[flt.sort or "name"])
    return stmt


def count_of(dbsession, stmt: sa.Select) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(
        stmt.order_by(None).subquery()))
