"""Reading, checking and applying the organization and contact forms (web pages and tests).

A form is read from posted values (`from_post`) or from a record (`from_record`); `check()`
fills `errors` ({field: message}; repeated rows as "phones-2") and returns the clean values;
`apply(record, clean)` writes them. Duplicates and edit conflicts are the views' business
(views/clients/forms.py), with the helpers at the end of this module.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy_continuum import version_class

from models.clients import (
    ADDRESS_KINDS,
    DECISION_LEVELS,
    EMAIL_KINDS,
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    PHONE_KINDS,
    STAGES,
    Address,
    Classifier,
    Contact,
    Email,
    ImportantDate,
    Organization,
    Phone,
)
from models.people import Department, User
from portal.clients.rules import (
    clean_inn,
    clean_website,
    email_problem,
    inn_problem,
    kpp_problem,
    phone_problem,
)
from portal.core.i18n import _

MAX_ROWS = 20
TERMS = ("discount_percent", "payment_deferral_days", "credit_limit", "purchase_potential")
MONEY_MAX = Decimal("999999999999.99")


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _lines(value) -> str:
    return str(value or "").replace("\r\n", "\n").strip()


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def parse_decimal(value: str) -> Decimal | None:
    """A number as people type it: "1 500 000,50" → Decimal("1500000.50"); "" → None."""
    text = "".join((value or "").split()).replace(",", ".").replace("\u00a0", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def parse_date(value: str) -> dt.date | None:
    """An ISO date (the browser's date input) or dd.mm.yyyy; "" → None."""
    text = (value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            date = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if date.year < 1900 or date.year > 2200:
            raise ValueError(text)
        return date
    raise ValueError(text)


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

    def check(self, errors: dict) -> dict:
        clean: dict = {"phones": [], "emails": [], "addresses": [], "dates": []}
        for i, row in enumerate(self.phones):
            number = _text(row["number"])[:60]
            problem = phone_problem(number)
            if problem:
                errors[f"phones-{i}"] = problem
            kind = row["kind"] if row["kind"] in PHONE_KINDS else "work"
            clean["phones"].append({"kind": kind, "number": number})
        seen = set()
        for i, row in enumerate(self.emails):
            address = row["address"].strip()
            problem = email_problem(address)
            if problem:
                errors[f"emails-{i}"] = problem
            elif address.lower() in seen:
                errors[f"emails-{i}"] = _("This e-mail is already in the list.")
            seen.add(address.lower())
            kind = row["kind"] if row["kind"] in EMAIL_KINDS else "work"
            clean["emails"].append({"kind": kind, "address": address})
        for i, row in enumerate(self.addresses):
            values = {"postal_code": _text(row["postal_code"])[:10], "city": _text(row["city"])[:120],
                      "text": _text(row["text"])[:500]}
            if values["postal_code"] and not values["postal_code"].isdigit():
                errors[f"addresses-{i}"] = _("A postal code is made of digits (6 in Russia).")
            kind = row["kind"] if row["kind"] in ADDRESS_KINDS else "actual"
            clean["addresses"].append({"kind": kind, **values})
        for i, row in enumerate(self.dates):
            title = _text(row["title"])[:200]
            try:
                date = parse_date(row["date"])
            except ValueError:
                errors[f"dates-{i}"] = _("“${value}” is not a date.", mapping={"value": row["date"]})
                continue
            if not title:
                errors[f"dates-{i}"] = _("Say what the date is (e.g. “Founding day”).")
            elif date is None:
                errors[f"dates-{i}"] = _("Enter the date.")
            else:
                clean["dates"].append({"title": title, "date": date,
                                       "yearly": row.get("yearly", "1") != "0"})
        return clean

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

    @classmethod
    def from_post(cls, post) -> OrganizationForm:
        version = post.get("version", "")
        return cls(values={k: post.get(k, "") for k in ORGANIZATION_TEXT},
                   rows=ChildRows.from_post(post),
                   version=int(version) if version.isdigit() else None,
                   confirmed=post.get("confirmed", ""))

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
        """The clean values (Python types) ready for `apply`; problems go to `errors`."""
        v, errors = self.values, self.errors
        clean: dict = {}
        clean["name"] = _text(v["name"])[:300]
        if not clean["name"]:
            errors["name"] = _("Enter the organization's name.")
        clean["legal_name"] = _text(v["legal_name"])[:500]
        clean["inn"] = clean_inn(v["inn"])
        problem = inn_problem(v["inn"])
        if problem:
            errors["inn"] = problem
        clean["kpp"] = "".join((v["kpp"] or "").split()).upper()
        problem = kpp_problem(v["kpp"], clean["inn"])
        if problem:
            errors["kpp"] = problem
        clean["kind"] = v["kind"] if v["kind"] in ORGANIZATION_KINDS else "client"
        clean["stage"] = v["stage"] if v["stage"] in STAGES else "attraction"
        for list_name, column in ORGANIZATION_CLASSIFIERS.items():
            entry_id = _int_or_none(v[column])
            if entry_id is not None and dbsession.scalar(sa.select(Classifier.id).where(
                    Classifier.id == entry_id, Classifier.list == list_name)) is None:
                errors[column] = _("Choose a value from the list.")
            clean[column] = entry_id
        manager_id = _int_or_none(v["manager_id"])
        if manager_id is not None and dbsession.get(User, manager_id) is None:
            errors["manager_id"] = _("Choose a person from the list.")
        clean["manager_id"] = manager_id
        department_id = _int_or_none(v["department_id"])
        if department_id is not None and dbsession.get(Department, department_id) is None:
            errors["department_id"] = _("Choose a department from the list.")
        if department_id is None and manager_id is not None:
            # The responsible person's department, so that their colleagues see the client.
            manager = dbsession.get(User, manager_id)
            department_id = manager.memberships[0].department_id if manager and \
                manager.memberships else None
        clean["department_id"] = department_id
        clean["website"] = clean_website(v["website"])[:300]
        clean["tags"] = ", ".join(t.strip() for t in v["tags"].split(",") if t.strip())[:500]
        clean["notes"] = _lines(v["notes"])[:20000]
        if may_terms:
            self._check_terms(clean)
        clean.update(self.rows.check(errors))
        return clean

    def _check_terms(self, clean: dict) -> None:
        v, errors = self.values, self.errors
        limits = {"discount_percent": (Decimal(0), Decimal(100)),
                  "credit_limit": (Decimal(0), MONEY_MAX),
                  "purchase_potential": (Decimal(0), MONEY_MAX)}
        for key, (low, high) in limits.items():
            try:
                number = parse_decimal(v[key])
            except ValueError:
                errors[key] = _("Enter a number, e.g. 1500000 or 7,5.")
                continue
            if number is not None and not (low <= number <= high):
                errors[key] = (_("A discount is between 0 and 100 %.") if key == "discount_percent"
                               else _("Enter an amount of 0 or more."))
                continue
            clean[key] = number.quantize(Decimal("0.01")) if number is not None else None
        text = (v["payment_deferral_days"] or "").strip()
        if text and (not text.isdigit() or int(text) > 3650):
            errors["payment_deferral_days"] = _("Enter whole days from 0 to 3650.")
        else:
            clean["payment_deferral_days"] = int(text) if text else None

    @staticmethod
    def apply(org: Organization, clean: dict) -> None:
        for key, value in clean.items():
            if key in ("phones", "emails", "addresses", "dates"):
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
                   version=int(version) if version.isdigit() else None,
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
        v, errors = self.values, self.errors
        clean: dict = {"full_name": _text(v["full_name"])[:200]}
        if not clean["full_name"]:
            errors["full_name"] = _("Enter the person's name.")
        clean["position"] = _text(v["position"])[:200]
        clean["decision_level"] = v["decision_level"] if v["decision_level"] in DECISION_LEVELS \
            else ""
        try:
            clean["birthday"] = parse_date(v["birthday"])
        except ValueError:
            errors["birthday"] = _("“${value}” is not a date.", mapping={"value": v["birthday"]})
        else:
            if clean["birthday"] and clean["birthday"] > dt.date.today():
                errors["birthday"] = _("A birthday cannot be in the future.")
        clean["notes"] = _lines(v["notes"])[:20000]
        if private:
            manager_id = _int_or_none(v["manager_id"])
            manager = dbsession.get(User, manager_id) if manager_id else None
            if manager_id is not None and manager is None:
                errors["manager_id"] = _("Choose a person from the list.")
            clean["manager_id"] = manager_id
            clean["department_id"] = (manager.memberships[0].department_id
                                      if manager is not None and manager.memberships else None)
        clean.update(self.rows.check(errors))
        return clean

    @staticmethod
    def apply(contact: Contact, clean: dict) -> None:
        for key, value in clean.items():
            if key in ("phones", "emails", "addresses", "dates"):
                continue
            if getattr(contact, key) != value:
                setattr(contact, key, value)
        ChildRows.apply(contact, clean)


# --- conflicts -----------------------------------------------------------------------------------

@dataclass
class Conflict:
    """Someone else saved the record after the form was opened."""

    author: User | None
    at: dt.datetime | None
    fields: list[tuple[str, str, str]]  # (field, their saved value, the value in the form)


def last_change(dbsession, record) -> tuple[User | None, dt.datetime | None]:
    """Who saved `record` last and when (from the audit versions)."""
    version_cls = version_class(type(record))
    row = dbsession.scalars(sa.select(version_cls).where(version_cls.id == record.id)
                            .order_by(version_cls.transaction_id.desc()).limit(1)).first()
    if row is None:
        return None, None
    tx = row.transaction
    issued = tx.issued_at
    if issued is not None and issued.tzinfo is None:
        issued = issued.replace(tzinfo=dt.UTC)
    return tx.user, issued


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
