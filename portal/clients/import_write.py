"""Writing the checked rows of an import (portal/clients/importer.py checks them).

New records go in with SQLAlchemy Core in batches, each batch in a savepoint (a batch the
database refuses is redone row by row, each row in its own savepoint), with their audit history
("created", as the ORM would have written it) and their search documents. Changes to existing
records go through the ORM, so that the audit log and the optimistic lock see them: a batch per
savepoint, redone row by row when it fails. Empty cells never erase what a record has.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy_continuum import version_class, versioning_manager
from zope.sqlalchemy import mark_changed

from models import search
from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    Address,
    Contact,
    ContactEmployment,
    Email,
    Organization,
    Phone,
    contact_document,
    name_key,
    organization_document,
    shown_key,
)
from models.errors import UserError
from models.meta import utcnow
from portal.clients.import_rows import RowPlan, chunks
from portal.clients.rules import LIMITS
from portal.core.i18n import _

BATCH = 500


class ImportAborted(UserError):
    """The database refused the import as a whole; the request must roll everything back."""

    status = 500


class _Gone(Exception):
    """The record a row updates was deleted since the check."""

    def __init__(self, plan: RowPlan):
        super().__init__(plan.existing_name)
        self.plan = plan


# --- writing ------------------------------------------------------------------------------------

class _Writer:
    """Writes planned rows for one person (`user_id`): new records with Core in batches,
    changes through the ORM."""

    def __init__(self, dbsession, user_id: int):
        self.db = dbsession
        self.user_id = user_id
        self.now = utcnow()
        self._tx_id: int | None = None

    @property
    def connection(self):
        # Writes through the connection alone must still commit under pyramid_tm.
        mark_changed(self.db)
        return self.db.connection()

    # -- audit: new records get a "created" version, as the ORM would have written
    def audit_transaction(self) -> int:
        """The import's one audit transaction (who, when, from where): Continuum's own, so
        that the changes written through the ORM belong to it too, begun before any savepoint.

        Begun inside one, Continuum's session for versions (bound to the same connection)
        would open a savepoint of its own there, which releasing ours leaves dangling
        ("nested transaction already deassociated from connection"); and a batch rolled back
        would take the transaction row with it while later versions still named it.
        """
        if self._tx_id is None:
            mark_changed(self.db)
            uow = versioning_manager.unit_of_work(self.db)
            transaction = uow.current_transaction
            # One already begun by this session for someone else (a script's setup) is not
            # the import's: the ORM's changes go to the new one from here on too.
            if transaction is None or transaction.user_id != self.user_id:
                transaction = uow.create_transaction(self.db)
            self._tx_id = transaction.id
        return self._tx_id

    def audit(self, model, ids: list[int], column: str = "id") -> None:
        if not ids:
            return
        table = model.__table__
        versions = version_class(model).__table__
        names = [c.name for c in table.columns]
        tx = self.audit_transaction()
        for chunk in chunks(ids, BATCH):
            select = sa.select(*[table.c[n] for n in names],
                               sa.literal(tx, sa.BigInteger), sa.literal(0, sa.SmallInteger)
                               ).where(table.c[column].in_(chunk))
            self.connection.execute(versions.insert().from_select(
                [*names, "transaction_id", "operation_type"], select))

    def _insert_batches(self, plans: list[RowPlan], write_one) -> None:
        """Each batch in a savepoint; a batch that fails is retried row by row."""
        if plans:
            self.audit_transaction()
        for chunk in chunks(plans, BATCH):
            try:
                with self.db.begin_nested():
                    write_one(chunk)
            except sa.exc.DBAPIError:
                for plan in chunk:
                    try:
                        with self.db.begin_nested():
                            write_one([plan])
                    except sa.exc.DBAPIError as error:
                        plan.action = "fail"
                        plan.result_id = None
                        plan.problems.append(_("The database refused the row: ${error}",
                                               mapping={"error": str(error.orig)[:200]}))

    def create_organizations(self, plans: list[RowPlan]) -> None:
        self._insert_batches(plans, self._write_organizations)

    def _write_organizations(self, plans: list[RowPlan]) -> None:
        conn = self.connection
        table = Organization.__table__
        rows = []
        for plan in plans:
            v = plan.values
            rows.append({
                "name": v["name"], "legal_name": v.get("legal_name", ""),
                "name_key": name_key(v["name"]), "inn": v.get("inn", ""), "kpp": v.get("kpp", ""),
                "kind": v.get("kind", "client"), "stage": v.get("stage", "attraction"),
                **{c: v.get(c) for c in ORGANIZATION_CLASSIFIERS.values()},
                "manager_id": v["manager_id"], "department_id": v["department_id"],
                "discount_percent": v.get("discount_percent"),
                "payment_deferral_days": v.get("payment_deferral_days"),
                "credit_limit": v.get("credit_limit"),
                "purchase_potential": v.get("purchase_potential"),
                "website": v.get("website", ""), "notes": v.get("notes", ""),
                "tags": v.get("tags", ""), "created_at": self.now, "created_by_id": self.user_id,
                "updated_at": self.now, "version": 1})
        ids = conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                           rows).scalars().all()
        for plan, new_id in zip(plans, ids, strict=True):
            plan.result_id = new_id
        self._write_children(plans, "organization_id")
        self.audit(Organization, ids)
        for model in (Phone, Email, Address):
            self.audit(model, ids, "organization_id")
        docs = []
        for plan in plans:
            v = plan.values
            stub = SimpleNamespace(
                name=v["name"], legal_name=v.get("legal_name", ""), inn=v.get("inn", ""),
                kpp=v.get("kpp", ""), website=v.get("website", ""), tags=v.get("tags", ""),
                notes=v.get("notes", ""), contacts=[],
                phones=[SimpleNamespace(normalized=p["normalized"]) for p in v["phones"]],
                emails=[SimpleNamespace(normalized=e["normalized"]) for e in v["emails"]],
                addresses=[SimpleNamespace(city=a["city"]) for a in v["addresses"]])
            docs.append((plan.result_id, *organization_document(stub)))
        # A new row may have the id of one deleted before it (SQLite reuses the highest ids):
        # its document goes with it.
        search.index_documents(conn, "organization", docs)

    def _write_children(self, plans: list[RowPlan], owner: str) -> None:
        phones, emails, addresses = [], [], []
        other = "contact_id" if owner == "organization_id" else "organization_id"
        for plan in plans:
            base = {owner: plan.result_id, other: None}
            for i, p in enumerate(plan.values.get("phones", ())):
                phones.append({**base, "kind": "work", "number": p["number"],
                               "normalized": p["normalized"], "extension": p["extension"],
                               "note": "", "sort_order": i})
            for i, e in enumerate(plan.values.get("emails", ())):
                emails.append({**base, "kind": "work", "address": e["address"],
                               "normalized": e["normalized"], "note": "", "sort_order": i})
            for i, a in enumerate(plan.values.get("addresses", ())):
                addresses.append({**base, **a, "note": "", "sort_order": i})
        conn = self.connection
        for model, rows in ((Phone, phones), (Email, emails), (Address, addresses)):
            if rows:
                conn.execute(model.__table__.insert(), rows)

    def create_contacts(self, plans: list[RowPlan]) -> None:
        self._insert_batches(plans, self._write_contacts)
        orgs = {p.values["organization"][0] for p in plans
                if p.action == "create" and p.values.get("organization")}
        reindex_organizations(self.db, orgs)

    def _write_contacts(self, plans: list[RowPlan]) -> None:
        conn = self.connection
        table = Contact.__table__
        rows = []
        for plan in plans:
            v = plan.values
            org = v.get("organization")
            birthday = v.get("birthday")
            rows.append({
                "organization_id": org[0] if org else None, "full_name": v["full_name"],
                "position": v.get("position", ""), "decision_level": v.get("decision_level", ""),
                "birthday": birthday,
                "birth_md": birthday.month * 100 + birthday.day if birthday else None,
                "notes": v.get("notes", ""), "department_id": v.get("department_id"),
                "manager_id": v.get("manager_id"), "created_at": self.now,
                "created_by_id": self.user_id, "updated_at": self.now, "version": 1})
        ids = conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                           rows).scalars().all()
        jobs = []
        for plan, new_id in zip(plans, ids, strict=True):
            plan.result_id = new_id
            org = plan.values.get("organization")
            if org:
                jobs.append({"contact_id": new_id, "organization_id": org[0],
                             "organization_name": org[1],
                             "position": plan.values.get("position", ""),
                             "started_on": self.now.date(), "ended_on": None})
        if jobs:
            conn.execute(ContactEmployment.__table__.insert(), jobs)
        self._write_children(plans, "contact_id")
        self.audit(Contact, ids)
        for model in (Phone, Email):
            self.audit(model, ids, "contact_id")
        self.audit(ContactEmployment, ids, "contact_id")
        docs = []
        for plan in plans:
            v = plan.values
            org = v.get("organization")
            stub = SimpleNamespace(
                full_name=v["full_name"], position=v.get("position", ""),
                notes=v.get("notes", ""),
                organization=SimpleNamespace(name=org[1]) if org else None,
                phones=[SimpleNamespace(normalized=p["normalized"]) for p in v["phones"]],
                emails=[SimpleNamespace(normalized=e["normalized"]) for e in v["emails"]])
            docs.append((plan.result_id, *contact_document(stub)))
        search.index_documents(conn, "contact", docs)

    # -- updates, through the ORM (audited, optimistic lock): a batch per savepoint; a batch
    # that fails is rolled back and redone row by row, each row in its own savepoint
    def _update_each(self, plans: list[RowPlan], model, apply) -> None:
        loader = (sa.select(model).options(selectinload(model.phones), selectinload(model.emails),
                                           *([selectinload(model.addresses)]
                                             if model is Organization else [])))

        def write(chunk: list[RowPlan]) -> None:
            objects = {o.id: o for o in self.db.scalars(
                loader.where(model.id.in_([p.existing_id for p in chunk])))}
            for plan in chunk:
                obj = objects.get(plan.existing_id)
                if obj is None:
                    raise _Gone(plan)
                apply(obj, plan.values)
                plan.result_id = obj.id
            self.db.flush()

        if plans:
            self.audit_transaction()
        for chunk in chunks(plans, BATCH):
            try:
                with self.db.begin_nested():
                    write(chunk)
                continue
            except (sa.exc.DBAPIError, sa.orm.exc.StaleDataError, _Gone):
                pass
            for plan in chunk:
                try:
                    with self.db.begin_nested():
                        write([plan])
                except sa.exc.PendingRollbackError as error:
                    # The database connection cannot go on (an error inside a flush hook):
                    # nothing of this import may be kept.
                    raise ImportAborted(str(error)) from error
                except _Gone:
                    plan.action, plan.result_id = "fail", None
                    plan.problems.append(_("“${name}” was deleted meanwhile.",
                                           mapping={"name": plan.existing_name}))
                except (sa.exc.DBAPIError, sa.orm.exc.StaleDataError) as error:
                    plan.action, plan.result_id = "fail", None
                    plan.problems.append(_("The record could not be changed: ${error}",
                                           mapping={"error": str(error)[:200]}))

    # -- the contact persons of imported organizations, through the ORM (audited, indexed)
    def write_organization_contacts(self, plans: list[RowPlan]) -> None:
        """Add each organization's contacts from its rows, as contacts are imported (Core, in
        batches, audited and indexed); one it has already (the same name, case and spaces
        aside) is completed, never duplicated or overwritten, so a file imported again adds
        nobody twice. `plans`: organization rows written, with values["contacts"]."""
        orgs: dict[int, tuple] = {}
        existing: dict[tuple[int, str], int] = {}
        for chunk in chunks(sorted({p.result_id for p in plans}), BATCH):
            orgs.update((row[0], tuple(row)) for row in self.db.execute(
                sa.select(Organization.id, Organization.name, Organization.department_id,
                          Organization.manager_id).where(Organization.id.in_(chunk))))
            for contact_id, org_id, full_name in self.db.execute(
                    sa.select(Contact.id, Contact.organization_id, Contact.full_name)
                    .where(Contact.organization_id.in_(chunk)).order_by(Contact.id)):
                existing.setdefault((org_id, shown_key(full_name)), contact_id)
        new, known, owner = [], [], {}
        for plan in plans:
            org = orgs.get(plan.result_id)
            if org is None:
                continue
            for values in plan.values.get("contacts", ()):
                sub = RowPlan(plan.index, plan.line, values={
                    **values, "organization": org[:2], "department_id": org[2],
                    "manager_id": org[3]})
                owner[id(sub)] = plan
                contact_id = existing.get((org[0], shown_key(values["full_name"])))
                if contact_id is None:
                    new.append(sub)
                else:
                    sub.action, sub.existing_id, sub.existing_name = (
                        "update", contact_id, values["full_name"])
                    known.append(sub)
        self.create_contacts(new)
        self._update_each(known, Contact, _complete_contact)
        added = {id(sub) for sub in new}
        for sub in new + known:
            plan = owner[id(sub)]
            if sub.action == "fail":
                plan.warnings.append(_("The contact person ${name} could not be saved: ${error}",
                                       mapping={"name": sub.values["full_name"],
                                                "error": " ".join(map(str, sub.problems))}))
            elif id(sub) in added:
                plan.contacts_added += 1
            else:
                plan.contacts_updated += 1

    def update_organizations(self, plans: list[RowPlan]) -> None:
        self._update_each(plans, Organization, _apply_organization)

    def update_contacts(self, plans: list[RowPlan]) -> None:
        self._update_each(plans, Contact, _apply_contact)


SIMPLE_ORG_FIELDS = ("name", "legal_name", "inn", "kpp", "kind", "stage", "website", "notes",
                     "discount_percent", "payment_deferral_days", "credit_limit",
                     "purchase_potential", *ORGANIZATION_CLASSIFIERS.values())


def _apply_points(obj, values: dict) -> None:
    have = {p.normalized for p in obj.phones}
    for p in values.get("phones", ()):
        if p["normalized"] not in have:
            obj.phones.append(Phone(number=p["number"], extension=p["extension"],
                                    sort_order=len(obj.phones)))
    have = {e.normalized for e in obj.emails}
    for e in values.get("emails", ()):
        if e["normalized"] not in have:
            obj.emails.append(Email(address=e["address"], sort_order=len(obj.emails)))


def _apply_organization(org: Organization, values: dict) -> None:
    """Filled cells change the organization; empty cells leave it as it is."""
    for key in SIMPLE_ORG_FIELDS:
        value = values.get(key)
        if value not in (None, "") and getattr(org, key) != value:
            setattr(org, key, value)
    if values.get("tags"):
        tags = org.tag_list + [t for t in (x.strip() for x in values["tags"].split(","))
                               if t and t not in org.tag_list]
        org.tags = ", ".join(tags)[:LIMITS["tags"]]
    _apply_points(org, values)
    have = {(a.kind, a.text, a.city) for a in org.addresses}
    for a in values.get("addresses", ()):
        if (a["kind"], a["text"], a["city"]) not in have:
            org.addresses.append(Address(**a, sort_order=len(org.addresses)))


def _complete_contact(contact: Contact, values: dict) -> None:
    """A contact the organization has already: what it has is kept, the file only fills its
    empty position and adds new phones and e-mails."""
    if values.get("position") and not contact.position:
        contact.position = values["position"]
    _apply_points(contact, values)


def _apply_contact(contact: Contact, values: dict) -> None:
    for key in ("full_name", "position", "decision_level", "birthday", "notes"):
        value = values.get(key)
        if value not in (None, "") and getattr(contact, key) != value:
            setattr(contact, key, value)
    org = values.get("organization")
    if org and contact.organization_id != org[0]:
        for job in contact.employments:
            if job.ended_on is None:
                job.ended_on = dt.date.today()
        contact.organization_id = org[0]
        contact.employments.append(ContactEmployment(
            organization_id=org[0], organization_name=org[1], position=contact.position,
            started_on=dt.date.today()))
    _apply_points(contact, values)


def reindex_organizations(db, ids: Iterable[int]) -> None:
    """Rebuild the search documents of these organizations (their contacts' names are in them)."""
    ids = sorted(ids)
    for chunk in chunks(ids, BATCH):
        orgs = db.scalars(sa.select(Organization).where(Organization.id.in_(chunk)).options(
            selectinload(Organization.phones), selectinload(Organization.emails),
            selectinload(Organization.addresses), selectinload(Organization.contacts))
            .execution_options(populate_existing=True))
        search.index_documents(db.connection(), "organization",
                               [(o.id, *organization_document(o)) for o in orgs])
