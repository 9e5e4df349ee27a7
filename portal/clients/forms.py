"""The organization and contact forms as the pages show them: what was typed (kept as text, to
show again next to its errors) or what a record holds, read through the colander schemas of
portal/clients/schemas.py (`check()` fills `errors`, {field: message}, repeated rows as
"phones-2", and returns the clean values) and applied to a record (`apply`).

Saving (the INN refusal, possible duplicates, edit conflicts) is portal/clients/records.py's;
`conflict_fields` and `rows_summary` below say what differs between a newer save and the form.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    Address,
    Contact,
    Email,
    ImportantDate,
    Organization,
    Phone,
)
from models.people import User
from portal.clients.schemas import (
    MAIN_CONTACT,
    MAX_ROWS,
    TERMS,
    contact_schema,
    main_contact_schema,
    organization_schema,
    required_lists,
)
from portal.core.forms import read
from portal.core.parsing import parse_int

ROW_KINDS = ("phones", "emails", "addresses", "dates")


def _rows(post, prefix: str, names: tuple[str, ...]) -> list[dict]:
    """Repeated rows posted as prefix_name (one value per row), blank rows dropped."""
    columns = {n: post.getall(f"{prefix}_{n}") for n in names}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(min(count, MAX_ROWS)):
        row = {n: (columns[n][i] if i < len(columns[n]) else "") for n in names}
        if any(str(v).strip() for k, v in row.items() if k not in ("kind", "yearly")):
            rows.append({k: str(v) for k, v in row.items()})
    return rows


@dataclass
class ChildRows:
    """The typed phones, e-mails, addresses and dates of an organization or a contact."""

    phones: list[dict] = field(default_factory=list)
    emails: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    dates: list[dict] = field(default_factory=list)

    @classmethod
    def from_post(cls, post) -> ChildRows:
        return cls(
            phones=_rows(post, "phone", ("kind", "number")),
            emails=_rows(post, "email", ("kind", "address")),
            addresses=_rows(post, "address", ("kind", "postal_code", "city", "text")),
            dates=_rows(post, "date", ("title", "date", "yearly")),
        )

    @classmethod
    def from_record(cls, record) -> ChildRows:
        return cls(
            phones=[{"kind": p.kind, "number": p.number + (f" доб. {p.extension}"
                                                            if p.extension else "")}
                    for p in record.phones],
            emails=[{"kind": e.kind, "address": e.address} for e in record.emails],
            addresses=[{"kind": a.kind, "postal_code": a.postal_code, "city": a.city,
                        "text": a.text} for a in record.addresses],
            dates=[{"title": d.title, "date": d.date.isoformat(), "yearly": "1" if d.yearly else "0"}
                   for d in record.important_dates],
        )

    def cstruct(self) -> dict:
        """The rows as the schemas read them."""
        return {"phones": self.phones, "emails": self.emails, "addresses": self.addresses,
                "dates": self.dates}

    @staticmethod
    def apply(record, clean: dict) -> None:
        """Replace the record's phones, e-mails, addresses and dates (unchanged rows are kept)."""
        _sync(record.phones, clean["phones"], Phone, ("kind", "number"),
              lambda row: {"kind": row["kind"], "number": row["number"]})
        _sync(record.emails, clean["emails"], Email, ("kind", "address"), dict)
        _sync(record.addresses, clean["addresses"], Address,
              ("kind", "postal_code", "city", "text"), dict)
        _sync(record.important_dates, clean["dates"], ImportantDate, ("title", "date", "yearly"),
              dict)


def _sync(collection, rows: list[dict], model, keys: tuple[str, ...], make) -> None:
    """Make `collection` hold `rows` in order, keeping the rows that did not change (quiet audit)."""
    existing = list(collection)
    wanted = [make(r) for r in rows]
    kept = []
    for values in wanted:
        match = next((o for o in existing if o not in kept
                      and all(getattr(o, k) == values[k] for k in keys)), None)
        kept.append(match if match is not None else model(**values))
    for obj in existing:
        if obj not in kept:
            collection.remove(obj)
    for order, obj in enumerate(kept):
        if obj not in collection:
            collection.append(obj)
        if hasattr(obj, "sort_order") and obj.sort_order != order:
            obj.sort_order = order


# --- the organization form -----------------------------------------------------------------------

ORGANIZATION_TEXT = ("name", "legal_name", "inn", "kpp", "kind", "stage", "manager_id",
                     "department_id", "website", "tags", "notes", *TERMS,
                     *ORGANIZATION_CLASSIFIERS.values())


@dataclass
class OrganizationForm:
    values: dict = field(default_factory=dict)
    rows: ChildRows = field(default_factory=ChildRows)
    version: int | None = None
    confirmed: str = ""
    errors: dict = field(default_factory=dict)
    # A new organization's main contact person, typed in the same form ("quick entry"):
    # {full_name, position, phone, email}; its errors are "contact_<field>".
    contact: dict = field(default_factory=lambda: dict.fromkeys(MAIN_CONTACT, ""))

    @classmethod
    def from_post(cls, post) -> OrganizationForm:
        version = post.get("version", "")
        return cls(values={k: post.get(k, "") for k in ORGANIZATION_TEXT},
                   rows=ChildRows.from_post(post),
                   version=parse_int(version),
                   confirmed=post.get("confirmed", ""),
                   contact={k: post.get(f"contact_{k}", "") for k in MAIN_CONTACT})

    def check_contact(self) -> dict | None:
        """The main contact person's clean values (None when none was typed); problems go to
        `errors` as "contact_<field>"."""
        clean, errors = read(main_contact_schema(), {k: str(v) for k, v in self.contact.items()})
        self.errors.update({f"contact_{k}": v for k, v in errors.items()})
        if errors or not clean.get("full_name"):
            return None
        return clean

    @classmethod
    def from_record(cls, org: Organization) -> OrganizationForm:
        values = {}
        for key in ORGANIZATION_TEXT:
            value = getattr(org, key)
            if isinstance(value, Decimal):  # 1500000.00 → "1500000", 7.50 → "7.5"
                value = format(value.normalize(), "f")
            values[key] = "" if value is None else str(value)
        return cls(values=values, rows=ChildRows.from_record(org), version=org.version)

    @classmethod
    def blank(cls, user: User) -> OrganizationForm:
        values = dict.fromkeys(ORGANIZATION_TEXT, "")
        values.update(kind="client", stage="attraction", manager_id=str(user.id),
                      department_id=str(user.memberships[0].department_id)
                      if user.memberships else "")
        return cls(values=values, rows=ChildRows(phones=[{"kind": "work", "number": ""}],
                                                  emails=[{"kind": "work", "address": ""}]))

    def check(self, dbsession, may_terms: bool) -> dict:
        """The clean values (Python types) ready for `apply`; problems go to `errors`. The terms
        are read only from people who may see them (`may_terms`)."""
        schema = organization_schema(may_terms, required_lists(dbsession)).bind(
            dbsession=dbsession)
        clean, errors = read(schema, {**self.values, **self.rows.cstruct()}, parts=2)
        self.errors.update(errors)
        if clean.get("department_id") is None and clean.get("manager_id") is not None:
            # The responsible person's department, so that their colleagues see the client.
            clean["department_id"] = first_department(dbsession.get(User, clean["manager_id"]))
        return clean

    @staticmethod
    def apply(org: Organization, clean: dict) -> None:
        for key, value in clean.items():
            if key in ROW_KINDS:
                continue
            if getattr(org, key) != value:
                setattr(org, key, value)
        ChildRows.apply(org, clean)


# --- the contact form ----------------------------------------------------------------------------

CONTACT_TEXT = ("full_name", "position", "decision_level", "birthday", "notes", "manager_id")


@dataclass
class ContactForm:
    values: dict = field(default_factory=dict)
    rows: ChildRows = field(default_factory=ChildRows)
    version: int | None = None
    confirmed: str = ""
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_post(cls, post) -> ContactForm:
        version = post.get("version", "")
        return cls(values={k: post.get(k, "") for k in CONTACT_TEXT},
                   rows=ChildRows.from_post(post),
                   version=parse_int(version),
                   confirmed=post.get("confirmed", ""))

    @classmethod
    def from_record(cls, contact: Contact) -> ContactForm:
        values = {k: "" if getattr(contact, k) is None else str(getattr(contact, k))
                  for k in CONTACT_TEXT}
        return cls(values=values, rows=ChildRows.from_record(contact), version=contact.version)

    @classmethod
    def blank(cls, user: User) -> ContactForm:
        values = dict.fromkeys(CONTACT_TEXT, "")
        values["manager_id"] = str(user.id)
        return cls(values=values, rows=ChildRows(phones=[{"kind": "mobile", "number": ""}],
                                                  emails=[{"kind": "work", "address": ""}]))

    def check(self, dbsession, private: bool) -> dict:
        """The clean values ready for `apply`; problems go to `errors`. A private person (no
        organization) belongs to the department of their responsible manager."""
        schema = contact_schema(private).bind(dbsession=dbsession)
        clean, errors = read(schema, {**self.values, **self.rows.cstruct()}, parts=2)
        self.errors.update(errors)
        if private and "manager_id" in clean:
            manager = dbsession.get(User, clean["manager_id"]) if clean["manager_id"] else None
            clean["department_id"] = first_department(manager)
        return clean

    @staticmethod
    def apply(contact: Contact, clean: dict) -> None:
        for key, value in clean.items():
            if key in ROW_KINDS:
                continue
            if getattr(contact, key) != value:
                setattr(contact, key, value)
        ChildRows.apply(contact, clean)


# --- what differs from a newer save ----------------------------------------------------------------

def first_department(user: User | None) -> int | None:
    """A person's first department (where records they are responsible for belong)."""
    return user.memberships[0].department_id if user is not None and user.memberships else None


def conflict_fields(saved: dict, posted: dict, keys) -> list[tuple[str, str, str]]:
    """The fields where what is saved now differs from what the form holds."""
    out = []
    for key in keys:
        a, b = str(saved.get(key) or ""), str(posted.get(key) or "")
        if " ".join(a.split()) != " ".join(b.split()):
            out.append((key, a, b))
    return out


def rows_summary(rows: ChildRows) -> dict:
    """Repeated rows as one text each, to compare saved and posted phones, e-mails..."""
    return {
        "phones": ", ".join(r["number"] for r in rows.phones if r["number"].strip()),
        "emails": ", ".join(r["address"] for r in rows.emails if r["address"].strip()),
        "addresses": "; ".join(", ".join(p for p in (r["postal_code"], r["city"], r["text"]) if p)
                               for r in rows.addresses),
        "dates": ", ".join(f"{r['title']} {r['date']}" for r in rows.dates),
    }
