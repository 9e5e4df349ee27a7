"""The interaction list as SQL, shared by its page (views/interactions/lists.py) and its export
(portal/clients/export.py), and the queries behind the forms' pickers.

`list_filters(params)` reads the list's query string (tab, state, kind, responsible, client,
period, page); `list_conditions(request, f, now)` is its WHERE, what the user may see first
(DESIGN §5: the security filter is part of the WHERE); `page_ids` and `capped_count` read one
page and the count the way the indexes like it. The pickers: organizations by name, INN, phone
(full-text), and the contact persons of one organization, both as the user may see them.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

import models.search as search
from models.clients import INTERACTION_KINDS, Contact, Interaction, Organization
from portal.core.i18n import _
from portal.core.parsing import parse_date, parse_int
from portal.interactions.day import DAY_GROUPS, day_bounds
from portal.security.filters import sql_filter

PAGE_SIZE = 50
# "1–50 of more than 1 000": counting every row of a department's two years is not worth it.
COUNT_CAP = 1000
TABS = {"mine": _("Mine"), "others": _("Planned by me for others"), "all": _("All I may see")}
# The default (to do) and "done" run on the index (responsible_id, done_at, planned_at).
STATES = {"planned": _("To do"), "overdue": _("Overdue"), "done": _("Done"), "all": _("Any state")}
# My day's groups of more than one kind ("E-mail and fax"), offered as one choice of "What".
KIND_GROUPS = {",".join(g.kinds): g.title for g in DAY_GROUPS if len(g.kinds) > 1}
PICK_LIMIT = 12


def _day(value) -> dt.date | None:
    """An ISO date within the years a list can hold (1900-2200), else no filter."""
    return parse_date(value, formats=("%Y-%m-%d",))


def _kinds(value) -> str:
    """One kind ("call") or several, comma-separated ("email,fax"); "" for any or nonsense."""
    kinds = [k for k in str(value or "").split(",") if k]
    if not kinds or len(kinds) > len(INTERACTION_KINDS) or \
            any(k not in INTERACTION_KINDS for k in kinds):
        return ""
    return ",".join(dict.fromkeys(kinds))


def list_filters(params, default_state: str = "all") -> dict:
    """The list's filters from its query string (`params`: request.GET). The page itself opens
    on what is still to do (`default_state="planned"`); the export takes every state."""
    tab = params.get("tab") if params.get("tab") in TABS else "mine"
    return {
        "tab": tab,
        "state": params.get("state") if params.get("state") in STATES else default_state,
        "kind": _kinds(params.get("kind")),
        "responsible": parse_int(params.get("responsible")) if tab == "all" else None,
        "organization": parse_int(params.get("organization")),
        "contact": parse_int(params.get("contact")),
        "start": _day(params.get("start")),
        "end": _day(params.get("end")),
        "page": max(1, min(parse_int(params.get("page")) or 1, 10000)),
    }


def list_conditions(request, f: dict, now: dt.datetime) -> list:
    """The list's WHERE: what the user may see first, then the tab's and the filters'."""
    me = request.identity.user.id
    where = [sql_filter(request, Interaction, "view")]
    if f["tab"] == "mine":
        where.append(Interaction.responsible_id == me)
    elif f["tab"] == "others":
        where += [Interaction.author_id == me, Interaction.responsible_id != me]
    elif f["responsible"]:
        where.append(Interaction.responsible_id == f["responsible"])
    if f["state"] in ("planned", "overdue"):
        where.append(Interaction.done_at.is_(None))
        if f["state"] == "overdue":
            where.append(Interaction.planned_at < now)
    elif f["state"] == "done":
        where.append(Interaction.done_at.is_not(None))
    if f["kind"]:
        kinds = f["kind"].split(",")
        where.append(Interaction.kind == kinds[0] if len(kinds) == 1
                     else Interaction.kind.in_(kinds))
    if f["organization"]:
        where.append(Interaction.organization_id == f["organization"])
    if f["contact"]:
        where.append(Interaction.contact_id == f["contact"])
    if f["start"]:
        where.append(Interaction.planned_at >= day_bounds(request, f["start"])[0])
    if f["end"]:
        where.append(Interaction.planned_at < day_bounds(request, f["end"])[1])
    return where


def list_query(request, f: dict, now: dt.datetime) -> sa.Select:
    return sa.select(Interaction).where(*list_conditions(request, f, now))


def scope_parts(where: list) -> tuple[list, list]:
    """The OR'ed parts of what the user may see (their department's rows, their own...) and
    the other conditions. Each part is read on its own index and the ids united, rather than
    trusting one plan for the whole OR: SQLite's statistics then tend to walk every open
    interaction of everyone."""
    scope, rest = where[0], where[1:]
    if isinstance(scope, BooleanClauseList) and scope.operator is operators.or_:
        parts = list(scope.clauses)
        # A part the other conditions already ask for (the "mine" tab asks for the rows one is
        # responsible for, which one always sees): those conditions are all within it, so it
        # alone is read; the other parts would only read its rows again.
        for part in parts:
            if any(part.compare(condition) for condition in rest):
                return [part], rest
        return parts, rest
    return [scope], rest


def capped_count(db, where: list, cap: int) -> int:
    """How many rows match, up to cap + 1."""
    parts, rest = scope_parts(where)
    selects = [sa.select(Interaction.id).where(part, *rest).limit(cap + 1) for part in parts]
    ids = selects[0] if len(selects) == 1 else sa.union(
        *[sa.select(q.subquery().c.id) for q in selects])
    return db.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))


RECENT = dt.timedelta(days=31)
# The list's orders: (column, newest first).
ORDERS = {"planned": (Interaction.planned_at, False), "overdue": (Interaction.planned_at, False),
          "done": (Interaction.done_at, True), "all": (Interaction.planned_at, True)}


def page_ids(db, where: list, state: str, offset: int, now: dt.datetime) -> list[int]:
    """The ids of one page of the list (and one more, to know there is a next page).

    Only ids and times are sorted, not every matching row joined to its organization, contact
    and people; each part of what the user may see gives its first rows, the page is taken
    from them together. The newest-first orders (done, any state) look at the last month
    first: when it fills the page, the page is the same as over two years of a department's
    interactions, which then need not be sorted at all.
    """
    column, newest = ORDERS[state]
    wanted = offset + PAGE_SIZE + 1

    def ordered(*columns):
        return [c.desc() for c in columns] if newest else list(columns)

    def read(extra: list) -> list[int]:
        parts, rest = scope_parts(where)
        if len(parts) == 1:
            return list(db.scalars(
                sa.select(Interaction.id).where(*parts, *rest, *extra)
                .order_by(*ordered(column, Interaction.id)).offset(offset).limit(PAGE_SIZE + 1)))
        firsts = [sa.select(Interaction.id, column.label("at")).where(part, *rest, *extra)
                  .order_by(*ordered(column, Interaction.id)).limit(wanted).subquery()
                  for part in parts]
        united = sa.union(*[sa.select(q.c.id, q.c.at) for q in firsts]).subquery()
        return list(db.scalars(sa.select(united.c.id).order_by(*ordered(united.c.at, united.c.id))
                               .offset(offset).limit(PAGE_SIZE + 1)))

    if newest:
        recent = read([column >= now - RECENT])
        if len(recent) > PAGE_SIZE:
            return recent
    return read([])


# --- the pickers of the forms ---------------------------------------------------------------------

def find_organizations(request, q: str, limit: int = PICK_LIMIT) -> list[Organization]:
    """Organizations the user may see matching `q` (full-text: name, INN, phone, e-mail...)."""
    db = request.dbsession
    hits = search.hits(db, "organization", (q or "")[:200])
    if hits is None:
        return []
    return list(db.scalars(
        sa.select(Organization).join(hits, hits.c.object_id == Organization.id)
        .where(sql_filter(request, Organization, "view"))
        .order_by(hits.c.rank, Organization.name, Organization.id).limit(limit)))


def organization_contacts(request, organization_id) -> list[Contact]:
    """The contacts of one organization the user may see, by name."""
    org_id = parse_int(organization_id)
    if org_id is None:
        return []
    return list(request.dbsession.scalars(
        sa.select(Contact).where(Contact.organization_id == org_id,
                                 sql_filter(request, Contact, "view"))
        .order_by(Contact.full_name, Contact.id).limit(500)))
