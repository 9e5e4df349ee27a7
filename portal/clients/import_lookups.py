"""What the rows of a client import are checked against (portal/clients/importer.py): the
people a manager column may name, the codes and list entries in either language, the
organizations the importer may see, and the records that already have an INN, a phone or an
e-mail. Loaded once per import, not once per row.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories

from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    Classifier,
    Contact,
    Email,
    Organization,
    Phone,
    name_key,
)
from models.people import Membership, User, fold
from portal.clients.import_fields import header_key
from portal.clients.import_rows import chunks
from portal.core.i18n import _
from portal.security.filters import sql_filter


class People:
    """Active people, found by login, e-mail or full name (as a manager column holds them)."""

    def __init__(self, db):
        rows = db.execute(sa.select(User.id, User.login, User.email, User.full_name)
                          .where(User.state == "active")).all()
        self.by_id = {r.id: r for r in rows}
        self.keys: dict[str, int | None] = {}
        for r in rows:
            for key in (fold(r.login), fold(r.email), fold(" ".join(r.full_name.split()))):
                if key:
                    # A name two people share finds nobody rather than the wrong one.
                    self.keys[key] = r.id if self.keys.get(key, r.id) == r.id else None
            parts = r.full_name.split()
            if len(parts) >= 2:  # "Попова Анна" for "Попова Анна Сергеевна"
                short = fold(" ".join(parts[:2]))
                self.keys[short] = r.id if self.keys.get(short, r.id) == r.id else None
        self._db = db
        self._departments: dict[int, int | None] = {}
        for user_id, dept_id in db.execute(sa.select(Membership.user_id, Membership.department_id)
                                           .order_by(Membership.id)):
            self._departments.setdefault(user_id, dept_id)

    def find(self, text: str) -> int | None:
        return self.keys.get(fold(" ".join(text.split())))

    def name(self, user_id: int | None) -> str:
        row = self.by_id.get(user_id)
        return row.full_name if row else ""

    def department_of(self, user_id: int | None) -> int | None:
        return self._departments.get(user_id)

    def active_users(self) -> list[User]:
        return list(self._db.scalars(sa.select(User).where(User.state == "active")
                                     .order_by(User.full_name)))


def localizers(request) -> list:
    dirs = request.registry.queryUtility(ITranslationDirectories) or []
    return [make_localizer(locale, dirs) for locale in ("ru", "en")]


class Lookups:
    def __init__(self, db, request):
        self.db = db
        self.request = request
        self._classifiers: dict[str, dict[str, int]] | None = None
        self._codes: dict[tuple, dict[str, str]] = {}
        self._org_cache: dict[tuple[str, str], list] = {}
        self.localizers = localizers(request)

    def _variants(self, ts) -> set[str]:
        out = {header_key(str(ts))}
        for localizer in self.localizers:
            out.add(header_key(localizer.translate(ts if hasattr(ts, "domain") else _(str(ts)))))
        return out

    def code(self, text: str, codes, labels) -> str | None:
        key = (tuple(codes), id(labels))
        table = self._codes.get(key)
        if table is None:
            table = {}
            for code in codes:
                table[header_key(code)] = code
                if code in labels:
                    for variant in self._variants(labels[code]):
                        table.setdefault(variant, code)
            self._codes[key] = table
        return table.get(header_key(text))

    def classifier(self, list_name: str, text: str) -> int | None:
        if self._classifiers is None:
            self._classifiers = {}
            for entry in self.db.scalars(sa.select(Classifier).order_by(Classifier.active.desc(),
                                                                        Classifier.sort_order)):
                names = self._classifiers.setdefault(entry.list, {})
                for variant in {header_key(entry.code), *self._variants(entry.title)}:
                    if variant:
                        names.setdefault(variant, entry.id)
        return self._classifiers.get(list_name, {}).get(header_key(text))

    def _visible_orgs(self):
        return (sa.select(Organization.id, Organization.name, Organization.department_id,
                          Organization.manager_id)
                .where(sql_filter(self.request, Organization, "view")))

    def organization_by_inn(self, inn: str):
        key = ("inn", inn)
        if key not in self._org_cache:
            self._org_cache[key] = list(self.db.execute(
                self._visible_orgs().where(Organization.inn == inn).limit(2)))
        rows = self._org_cache[key]
        return tuple(rows[0]) if rows else None

    def organizations_by_name(self, name: str) -> list[tuple]:
        key = ("name", name_key(name))
        if key not in self._org_cache:
            self._org_cache[key] = list(self.db.execute(
                self._visible_orgs().where(Organization.name_key == key[1]).limit(5)))
        return [tuple(r) for r in self._org_cache[key]]

    def existing(self, target: str, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
        """{(kind, value): (id, name)} of records that already have these INNs, phones, e-mails
        or (organizations) name keys."""
        out: dict = {}
        by_kind: dict[str, list[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, []).append(value)
        model = Organization if target == "organizations" else Contact
        title = Organization.name if target == "organizations" else Contact.full_name
        for kind, values in by_kind.items():
            for chunk in chunks(sorted(values), 500):
                if kind == "inn":
                    stmt = (sa.select(Organization.inn, Organization.id, Organization.name)
                            .where(Organization.inn.in_(chunk)).order_by(Organization.id))
                elif kind == "name":
                    stmt = (sa.select(Organization.name_key, Organization.id, Organization.name)
                            .where(Organization.name_key.in_(chunk)).order_by(Organization.id))
                else:
                    table = Phone if kind == "phone" else Email
                    owner = (table.organization_id if target == "organizations"
                             else table.contact_id)
                    stmt = (sa.select(table.normalized, model.id, title)
                            .join(model, model.id == owner)
                            .where(table.normalized.in_(chunk)).order_by(model.id))
                for value, obj_id, obj_name in self.db.execute(stmt):
                    out.setdefault((kind, value), (obj_id, obj_name))
        return out

    def editable(self, target: str, ids: set[int]) -> set[int]:
        """Which of these records the person may change."""
        model = Organization if target == "organizations" else Contact
        out: set[int] = set()
        for chunk in chunks(sorted(ids), 500):
            out.update(self.db.scalars(sa.select(model.id).where(
                model.id.in_(chunk), sql_filter(self.request, model, "edit"))))
        return out

    def classifier_columns(self, ids: set[int]) -> dict[int, dict[str, int | None]]:
        """{organization id: {list: its entry id}} of existing organizations."""
        out: dict[int, dict[str, int | None]] = {}
        columns = [getattr(Organization, c) for c in ORGANIZATION_CLASSIFIERS.values()]
        for chunk in chunks(sorted(i for i in ids if i is not None), 500):
            for row in self.db.execute(sa.select(Organization.id, *columns)
                                       .where(Organization.id.in_(chunk))):
                out[row[0]] = dict(zip(ORGANIZATION_CLASSIFIERS, row[1:], strict=True))
        return out
