"""Importing organizations and contact persons from a CSV or XLSX file (issue 3, point 9).

The steps, each a page of the import wizard (views/clients/import_wizard.py):

1. upload: `portal.clients.import_files.read_table` refuses what cannot be read;
2. columns: `guess_mapping` (portal/clients/import_fields.py) maps the file's headers (Russian
   or English) to our fields, the person corrects it and chooses what to do with duplicates
   (skip, update, create);
3. preview: `Importer.plan()` checks every row — INN with its checksum, phones, e-mails,
   dates, numbers, the responsible person and department the importer may use — and finds
   duplicates by INN, normalized phone and e-mail (and, for an organization without an INN, its
   name without legal form and quotes), in the database and earlier in the file;
4. import: `Importer.run()` writes the good rows (portal/clients/import_write.py) and lists the
   bad ones with the reason; `finish()` records the counts and the report on the import.

Organizations and their contact persons come from one file in one pass (Russian Excel exports
have the organization's columns and a contact's on each row): rows of one organization (the same
INN, or the same name without one) make one organization with several contacts, and a file
imported again completes the contacts it has (matched by name) instead of adding them twice.
Every problem is kept with the file's column it is about (`RowPlan.refuse`), so the check can
list every refused row with its column and reason. Lists an administrator made required refuse
a new organization without an entry (portal/clients/schemas.py `required_lists`).

The Importer works for one person and one request: what they may import, see and change is the
security policy's answer for that request (`sql_filter`, their roles' scope).

Nothing half-written is stored for a bad row: every row is checked before anything is written,
and the writing goes in savepoints, redone row by row when the database refuses a batch.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from models.clients import (
    DECISION_LEVELS,
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    PHONE_EXTENSION_RE,
    STAGES,
    ClientImport,
    name_key,
    normalize_phone,
    shown_key,
)
from models.meta import utcnow
from models.people import User
from portal.clients.import_fields import (  # noqa: F401  (the wizard's names, in one place)
    CONTACT_OF_ORGANIZATION,
    DUPLICATE_CHOICES,
    DUPLICATE_LABELS,
    FIELDS,
    TARGET_LABELS,
    TARGETS,
    Field,
    dump_message,
    fields_of,
    guess_mapping,
    header_key,
    load_message,
    mapping_problems,
    translate,
)
from portal.clients.import_files import FORMULA, Table
from portal.clients.import_lookups import Lookups, People
from portal.clients.import_rows import RowPlan
from portal.clients.import_write import (  # noqa: F401  (ImportAborted: for the view)
    ImportAborted,
    _Writer,
)
from portal.clients.rules import (
    CLASSIFIER_LIST_LABELS,
    DECISION_LABELS,
    KIND_LABELS,
    LIMITS,
    STAGE_LABELS,
    clean_inn,
    clean_website,
    email_problem,
    inn_owner,
    inn_problem,
    kpp_problem,
    normalize_email,
    phone_problem,
)
from portal.clients.schemas import required_lists, required_message
from portal.core.i18n import _
from portal.core.parsing import parse_date
from portal.security.filters import best_scope

# Rows kept in an import's report (the counts are always complete).
REPORT_ROWS = 5000


DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y", "%d-%m-%Y", "%Y.%m.%d",
                "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")
MONEY_MAX = Decimal("999999999999.99")


def parse_decimal(text: str) -> Decimal | None:
    """"1 500 000,50", "1500000.50", "5%" → Decimal; None when it is not a number."""
    cleaned = re.sub(r"[\s\u00a0\u202f%₽]|руб\.?|rub", "", text.strip(), flags=re.IGNORECASE)
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def split_values(text: str, kind: str) -> list[str]:
    """Several phones or e-mails in one cell: separated by ; , or new lines (e-mails by spaces too)."""
    pattern = r"[;,\n]+|\s{2,}" if kind == "phone" else r"[;,\s]+"
    return [p.strip() for p in re.split(pattern, text) if p.strip()]


class Importer:
    """Checks and imports the rows of one file for one person (`request`)."""

    def __init__(self, request, table: Table, target: str, mapping: dict[int, str],
                 duplicates: str = "skip", manager_id: int | None = None):
        self.request = request
        self.db = request.dbsession
        self.table = table
        self.target = target
        self.mapping = {int(k): v for k, v in mapping.items() if v in fields_of(target)}
        self.duplicates = duplicates if duplicates in DUPLICATE_CHOICES else "skip"
        self.user = request.identity.user
        self.scope = best_scope(request, "organization", "import")
        self.people = People(self.db)
        self.default_manager_id = manager_id if manager_id in self.people.by_id else self.user.id
        self._lookups = Lookups(self.db, request)
        # Lists an administrator made required on organizations.
        self.required = required_lists(self.db) if target == "organizations" else set()
        # Organizations with their contact persons from one file: the rows of one organization
        # (same INN, or same name) make one organization with several contacts.
        self.with_contacts = target == "organizations" and bool(
            set(self.mapping.values()) & set(CONTACT_OF_ORGANIZATION))

    # -- which departments the person may import into (organization.import's scope)
    def department_allowed(self, department_id: int | None, manager_id: int | None) -> bool:
        if self.scope == "all":
            return True
        if self.scope == "department":
            return (department_id in self.request.identity.dept_scope_ids
                    or manager_id == self.user.id)
        return manager_id == self.user.id

    def manager_choices(self) -> list[User]:
        """People the importer may make responsible for the new records."""
        users = self.people.active_users()
        return [u for u in users
                if self.department_allowed(self.people.department_of(u.id), u.id)]

    # -- reading one row
    def cells(self, index: int) -> dict[str, list[tuple[int, str]]]:
        """{field: [(column, text)]} of a row, by the mapping."""
        row = self.table.rows[index]
        out: dict[str, list[tuple[int, str]]] = {}
        for col, key in self.mapping.items():
            if col < len(row) and row[col] != "":
                out.setdefault(key, []).append((col, row[col]))
        return out

    def plan(self, limit: int | None = None) -> list[RowPlan]:
        """Check every row (or the first `limit`) and decide what to do with it."""
        indexes = range(len(self.table.rows) if limit is None else min(limit, len(self.table.rows)))
        plans = [self._check(i) for i in indexes]
        self._find_duplicates(plans)
        return plans

    def _check(self, index: int) -> RowPlan:
        plan = RowPlan(index, self.table.lines[index])
        self._row = index
        cells = self.cells(index)
        fields = fields_of(self.target)
        for key, items in cells.items():
            for col, text in items:
                if text == FORMULA:
                    header = self.table.headers[col] or fields[key].label
                    plan.refuse(_(
                        "The cell “${column}” holds a formula without a saved result: open the "
                        "file in Excel, let it calculate and save it again.",
                        mapping={"column": header}), col)
        cells = {k: [(c, t) for c, t in v if t != FORMULA] for k, v in cells.items()}
        cells = {k: v for k, v in cells.items() if v}
        if self.target == "organizations":
            self._check_organization(plan, cells)
        else:
            self._check_contact(plan, cells)
        return plan

    def _text(self, cells, key: str) -> str:
        items = cells.get(key)
        return items[0][1].strip() if items else ""

    @staticmethod
    def _col(cells, key: str) -> int | None:
        """The file's column of a field in this row (the first, for phones and e-mails)."""
        items = cells.get(key)
        return items[0][0] if items else None

    def _too_long(self, plan: RowPlan, label, text: str, limit: int,
                  column: int | None = None) -> str:
        if len(text) > limit:
            plan.refuse(_("${field} is longer than ${n} characters.",
                          mapping={"field": label, "n": limit}), column)
        return text[:limit]

    def _digits_cell(self, cells, key: str, pad_to: tuple[int, ...]) -> str:
        """A code typed into a number cell lost its leading zero: give it back."""
        items = cells.get(key)
        if not items:
            return ""
        col, text = items[0]
        text = clean_inn(text)
        if text.isdigit() and len(text) + 1 in pad_to and self._is_numeric(col):
            text = "0" + text
        return text

    def _is_numeric(self, col: int) -> bool:
        """Whether the current row's cell was a number in the workbook."""
        return (self._row, col) in self.table.numeric

    def _contacts_points(self, plan: RowPlan, cells) -> None:
        plan.values["phones"], plan.values["emails"] = self._points(plan, cells, "phone", "email")

    @staticmethod
    def _points(plan: RowPlan, cells, phone_key: str, email_key: str) -> tuple[list, list]:
        """The phones and e-mails of some cells, checked and normalized as the forms do it
        (`phone_problem`, and the number as the form keeps it: spaces squeezed, normalized by
        models.clients.normalize_phone, as Phone does for the form)."""
        phones, normalized = [], set()
        for col, text in cells.get(phone_key, []):
            for number in split_values(text, "phone"):
                number = " ".join(number.split())
                problem = phone_problem(number)
                if problem:
                    plan.refuse(problem, col)
                    continue
                n = normalize_phone(number)
                if n in normalized:
                    continue
                normalized.add(n)
                ext = PHONE_EXTENSION_RE.search(number)
                phones.append({"number": number[:60], "normalized": n,
                               "extension": ext.group(1) if ext else ""})
        emails, seen = [], set()
        for col, text in cells.get(email_key, []):
            for address in split_values(text, "email"):
                problem = email_problem(address)
                if problem:
                    plan.refuse(problem, col)
                    continue
                n = normalize_email(address)
                if n not in seen:
                    seen.add(n)
                    emails.append({"address": address, "normalized": n})
        return phones, emails

    def _contact_of_organization(self, plan: RowPlan, cells) -> None:
        """The organization's contact person on the row (name, position, phone, e-mail)."""
        if not self.with_contacts:
            return
        name = " ".join(self._text(cells, "contact_name").split())
        position = " ".join(self._text(cells, "contact_position").split())
        before = len(plan.problems)
        phones, emails = self._points(plan, cells, "contact_phone", "contact_email")
        if not (name or position or phones or emails or len(plan.problems) > before):
            plan.values["contacts"] = []
            return
        if not name:
            column = next((self._col(cells, k) for k in CONTACT_OF_ORGANIZATION if k in cells),
                          None)
            plan.refuse(_("The contact person has no name: fill in their name or clear the "
                          "contact's cells."), column)
        name = self._too_long(plan, _("The contact person's name"), name,
                              LIMITS["full_name"], self._col(cells, "contact_name"))
        position = self._too_long(plan, _("The position"), position, LIMITS["position"],
                                  self._col(cells, "contact_position"))
        plan.values["contacts"] = [{"full_name": name, "position": position, "phones": phones,
                                    "emails": emails}]

    def _manager(self, plan: RowPlan, cells, required_department: bool = True) -> None:
        text = self._text(cells, "manager")
        manager_id = self.default_manager_id
        if text:
            found = self.people.find(text)
            if found is None:
                plan.warnings.append(_("No person “${name}” found: the responsible manager is "
                                       "${default}.", mapping={
                                           "name": text,
                                           "default": self.people.name(self.default_manager_id)}))
            else:
                manager_id = found
        department_id = self.people.department_of(manager_id)
        if required_department and not self.department_allowed(department_id, manager_id):
            plan.refuse(_(
                "You may import clients only for your own departments: ${name} works in "
                "another one.", mapping={"name": self.people.name(manager_id)}),
                self._col(cells, "manager"))
        plan.values["manager_id"] = manager_id
        plan.values["department_id"] = department_id

    def _code(self, plan: RowPlan, cells, key: str, codes, labels, default: str) -> str | None:
        text = self._text(cells, key)
        if not text:
            return None
        code = self._lookups.code(text, codes, labels)
        if code is None:
            plan.warnings.append(_("“${value}” is not a known ${field}: ${default} is used.", mapping={
                "value": text, "field": fields_of(self.target)[key].label,
                "default": labels[default] if default else _("nothing")}))
            return default or None
        return code

    def _check_organization(self, plan: RowPlan, cells) -> None:
        v = plan.values
        name = self._text(cells, "name") or self._text(cells, "legal_name")
        if not name:
            plan.refuse(_("The organization's name is empty."), self._col(cells, "name"))
        v["name"] = self._too_long(plan, _("The name"), name, LIMITS["name"],
                                   self._col(cells, "name") or self._col(cells, "legal_name"))
        plan.name = v["name"]
        if "legal_name" in cells:
            v["legal_name"] = self._too_long(plan, _("The legal name"),
                                             self._text(cells, "legal_name"), LIMITS["legal_name"],
                                             self._col(cells, "legal_name"))
        inn = self._digits_cell(cells, "inn", (10, 12))
        if inn:
            problem = inn_problem(inn)
            if problem:
                plan.refuse(problem, self._col(cells, "inn"))
            v["inn"] = inn
        kpp = self._digits_cell(cells, "kpp", (9,)).upper()
        if kpp:
            problem = kpp_problem(kpp, inn)
            if problem:
                plan.refuse(problem, self._col(cells, "kpp"))
            v["kpp"] = kpp
        kind = self._code(plan, cells, "kind", ORGANIZATION_KINDS, KIND_LABELS, "client")
        if kind:
            v["kind"] = kind
        stage = self._code(plan, cells, "stage", STAGES, STAGE_LABELS, "attraction")
        if stage:
            v["stage"] = stage
        for list_name, column in ORGANIZATION_CLASSIFIERS.items():
            text = self._text(cells, list_name)
            entry = self._lookups.classifier(list_name, text) if text else None
            if entry is not None:
                v[column] = entry
            elif list_name in self.required:
                # Refused unless the record it updates has one (checked with the duplicates).
                plan.values.setdefault("missing_required", []).append(
                    (list_name, self._col(cells, list_name)))
                if text:
                    plan.warnings.append(_("“${value}” is not in the list “${list}”.", mapping={
                        "value": text, "list": CLASSIFIER_LIST_LABELS[list_name]}))
            elif text:
                plan.warnings.append(_("“${value}” is not in the list “${list}”: imported without "
                                       "it (an administrator can add it to the list).",
                                       mapping={"value": text,
                                                "list": CLASSIFIER_LIST_LABELS[list_name]}))
        self._manager(plan, cells)
        self._contacts_points(plan, cells)
        self._contact_of_organization(plan, cells)
        website = self._text(cells, "website")
        if website:
            v["website"] = self._too_long(plan, _("The website"), clean_website(website),
                                          LIMITS["website"])
        addresses = []
        city = self._too_long(plan, _("The city"), self._text(cells, "city"), 120)
        postal = self._text(cells, "postal_code")
        if postal and not re.fullmatch(r"\d{6}", postal):
            if postal.isdigit() and len(postal) == 5 and self._is_numeric(cells["postal_code"][0][0]):
                postal = "0" + postal
            elif len(postal) > 10:
                plan.refuse(_("“${value}” is not a postal code.", mapping={"value": postal}),
                            self._col(cells, "postal_code"))
                postal = ""
        actual = self._too_long(plan, _("The address"), self._text(cells, "address"), 500)
        if actual or city or postal:
            addresses.append({"kind": "actual", "text": actual, "city": city,
                              "postal_code": postal[:10]})
        legal = self._too_long(plan, _("The legal address"), self._text(cells, "legal_address"), 500)
        if legal:
            addresses.append({"kind": "legal", "text": legal, "city": "", "postal_code": ""})
        v["addresses"] = addresses
        if "notes" in cells:
            v["notes"] = self._text(cells, "notes")
        if "tags" in cells:
            tags = ", ".join(t.strip() for t in re.split(r"[,;]", self._text(cells, "tags"))
                             if t.strip())
            v["tags"] = self._too_long(plan, _("The tags"), tags, LIMITS["tags"])
        self._number(plan, cells, "discount_percent", Decimal(0), Decimal(100))
        self._number(plan, cells, "payment_deferral_days", Decimal(0), Decimal(3650), whole=True)
        self._number(plan, cells, "credit_limit", Decimal(0), MONEY_MAX)
        self._number(plan, cells, "purchase_potential", Decimal(0), MONEY_MAX)

    def _number(self, plan: RowPlan, cells, key: str, lo: Decimal, hi: Decimal,
                whole: bool = False) -> None:
        text = self._text(cells, key)
        if not text:
            return
        label = fields_of(self.target)[key].label
        value = parse_decimal(text)
        if value is None or (whole and value != value.to_integral_value()):
            plan.refuse(_("${field}: “${value}” is not a number.",
                          mapping={"field": label, "value": text}), self._col(cells, key))
        elif not lo <= value <= hi:
            plan.refuse(_("${field}: ${value} is out of range (${lo}–${hi}).",
                          mapping={"field": label, "value": text, "lo": str(lo),
                                   "hi": str(hi)}), self._col(cells, key))
        else:
            plan.values[key] = int(value) if whole else value.quantize(Decimal("0.01"))

    def _check_contact(self, plan: RowPlan, cells) -> None:
        v = plan.values
        parts = [self._text(cells, k) for k in ("last_name", "first_name", "middle_name")]
        name = " ".join(" ".join(parts).split()) or " ".join(self._text(cells, "full_name").split())
        if not name:
            plan.refuse(_("The person's name is empty."),
                        self._col(cells, "full_name") or self._col(cells, "last_name"))
        v["full_name"] = self._too_long(plan, _("The name"), name, LIMITS["full_name"])
        plan.name = v["full_name"]
        org_inn = self._digits_cell(cells, "organization_inn", (10, 12))
        org_name = self._text(cells, "organization")
        org = None
        if org_inn:
            problem = inn_problem(org_inn)
            if problem:
                plan.refuse(problem, self._col(cells, "organization_inn"))
            else:
                org = self._lookups.organization_by_inn(org_inn)
                if org is None:
                    plan.refuse(_("No organization with INN ${inn} that you can see: "
                                  "import or add the organization first.",
                                  mapping={"inn": org_inn}), self._col(cells, "organization_inn"))
        elif org_name:
            found = self._lookups.organizations_by_name(org_name)
            if not found:
                plan.refuse(_("No organization “${name}” that you can see: import or add "
                              "it first, or give its INN.", mapping={"name": org_name}),
                            self._col(cells, "organization"))
            elif len(found) > 1:
                plan.refuse(_("Several organizations are called “${name}”: add a column "
                              "with their INN to choose one.", mapping={"name": org_name}),
                            self._col(cells, "organization"))
            else:
                org = found[0]
        v["organization"] = org  # (id, name, department_id, manager_id) or None
        if org is not None:
            v["department_id"], v["manager_id"] = org[2], org[3]
            if not self.department_allowed(org[2], org[3]):
                plan.problems.append(_("You may import contacts only for the clients of your own "
                                       "departments: “${name}” is not one of them.",
                                       mapping={"name": org[1]}))
        else:
            self._manager(plan, cells)
        if "position" in cells:
            v["position"] = self._too_long(plan, _("The position"), self._text(cells, "position"),
                                           LIMITS["position"])
        level = self._code(plan, cells, "decision_level", DECISION_LEVELS, DECISION_LABELS, "")
        if level:
            v["decision_level"] = level
        birthday = self._text(cells, "birthday")
        if birthday:
            # Any year is read; one before 1900 is refused below, with its own words.
            day = parse_date(birthday, DATE_FORMATS, years=(dt.MINYEAR, dt.MAXYEAR))
            if day is None:
                plan.refuse(_("“${value}” is not a date: write it as 31.12.1980.",
                              mapping={"value": birthday}), self._col(cells, "birthday"))
            elif day > dt.date.today() or day.year < 1900:
                plan.refuse(_("The birthday ${value} is not possible.",
                              mapping={"value": birthday}), self._col(cells, "birthday"))
            else:
                v["birthday"] = day
        self._contacts_points(plan, cells)
        if "notes" in cells:
            v["notes"] = self._text(cells, "notes")

    # -- duplicates: in the database, and earlier in the file
    def _keys(self, plan: RowPlan) -> list[tuple[str, str]]:
        keys = []
        if self.target == "organizations" and plan.values.get("inn"):
            keys.append(("inn", plan.values["inn"]))
        keys += [("phone", p["normalized"]) for p in plan.values.get("phones", ())
                 if len(p["normalized"]) >= 7]
        keys += [("email", e["normalized"]) for e in plan.values.get("emails", ())]
        if self.target == "organizations" and not plan.values.get("inn") \
                and name_key(plan.values.get("name")):
            # Without a tax id, the same name («ООО "Ромашка"» = "Ромашка, ООО") is the client
            # the base has already; with one, namesakes are different companies.
            keys.append(("name", name_key(plan.values["name"])))
        return keys

    def _find_duplicates(self, plans: list[RowPlan]) -> None:
        good = [p for p in plans if p.ok]
        all_keys = {k for p in good for k in self._keys(p)}
        existing = self._lookups.existing(self.target, all_keys)
        editable = self._lookups.editable(self.target, {e[0] for e in existing.values()})
        seen: dict[tuple[str, str], RowPlan] = {}
        targeted: dict[int, RowPlan] = {}
        reason_text = {"inn": _("the same INN"), "phone": _("the same phone"),
                       "email": _("the same e-mail"), "name": _("the same name")}
        for plan in plans:
            if not plan.ok:
                plan.action = "fail"
                continue
            keys = self._keys(plan)
            match = next(((k, existing[k]) for k in keys if k in existing), None)
            earlier = next(((k, seen[k]) for k in keys if k in seen), None)
            if match is not None:
                (kind, _value), (obj_id, obj_name) = match
                plan.existing_id, plan.existing_name = obj_id, obj_name
                why = reason_text[kind]
                if self.duplicates == "skip":
                    plan.action = "skip"
                    plan.warnings.append(_("Skipped: ${why} as “${name}”, which exists already.",
                                           mapping={"why": why, "name": obj_name}))
                elif self.duplicates == "update":
                    if obj_id in targeted:
                        # Another row updates the same record: one update with both rows.
                        plan.action = "merge"
                        plan.merge_into = targeted[obj_id].index
                        plan.warnings.append(_("Added to row ${line} (${why} as “${name}”).",
                                               mapping={"why": why, "line": targeted[obj_id].line,
                                                        "name": obj_name}))
                    elif obj_id in editable:
                        plan.action = "update"
                        targeted[obj_id] = plan
                        self._check_inn_change(plan, obj_id, existing)
                    else:
                        plan.action = "skip"
                        plan.warnings.append(_("Skipped: ${why} as “${name}”, which you may not "
                                               "change.", mapping={"why": why, "name": obj_name}))
                elif kind == "inn":
                    plan.action = "fail"
                    plan.problems.append(_("An organization with INN ${inn} exists already: "
                                           "“${name}”. Choose “update” or “skip” for duplicates.",
                                           mapping={"inn": plan.values["inn"], "name": obj_name}))
                else:
                    plan.action = "create"
                    plan.warnings.append(_("Created although ${why} as “${name}”.",
                                           mapping={"why": why, "name": obj_name}))
            elif earlier is not None:
                (kind, _value), first = earlier
                why = reason_text[kind]
                if self.with_contacts and kind in ("inn", "name"):
                    # Another contact person of the organization of an earlier row.
                    plan.action = "merge"
                    plan.merge_into = first.index
                elif self.duplicates == "skip":
                    plan.action = "skip"
                    plan.warnings.append(_("Skipped: ${why} as row ${line}.",
                                           mapping={"why": why, "line": first.line}))
                elif self.duplicates == "update":
                    plan.action = "merge"
                    plan.merge_into = first.index
                    plan.warnings.append(_("Added to row ${line} (${why}).",
                                           mapping={"why": why, "line": first.line}))
                elif kind == "inn":
                    plan.action = "fail"
                    plan.problems.append(_("The INN ${inn} is also in row ${line}: an INN belongs "
                                           "to one organization.",
                                           mapping={"inn": plan.values["inn"], "line": first.line}))
                else:
                    plan.action = "create"
            else:
                plan.action = "create"
            if plan.action in ("create", "update"):
                for key in keys:
                    seen.setdefault(key, plan)
        self._refuse_missing_required(plans)

    def _refuse_missing_required(self, plans: list[RowPlan]) -> None:
        """A new organization without an entry of a required list is refused; an updated one
        may keep the entry it has."""
        missing = [p for p in plans if p.values.get("missing_required")
                   and p.action in ("create", "update")]
        have = self._lookups.classifier_columns({p.existing_id for p in missing
                                                 if p.action == "update"})
        for plan in missing:
            for list_name, column in plan.values["missing_required"]:
                if plan.action == "update" and have.get(plan.existing_id, {}).get(list_name):
                    continue
                plan.refuse(required_message(list_name), column)
            if not plan.ok:
                plan.action = "fail"

    def _explain_inn_refusals(self, written: list[RowPlan]) -> None:
        """Rows the database refused because another organization got their INN meanwhile
        (the unique index: someone saved it while the file was imported) say which one has it,
        as when the duplicate is found before writing."""
        for plan in written:
            inn = plan.values.get("inn")
            if plan.action != "fail" or not inn or not plan.problems:
                continue
            owner = inn_owner(self.db, inn, exclude_id=plan.existing_id)
            if owner is None:
                continue
            if plan.existing_id is None:
                plan.problems[-1] = _("An organization with INN ${inn} exists already: "
                                      "“${name}”. Choose “update” or “skip” for duplicates.",
                                      mapping={"inn": inn, "name": owner.name})
            else:
                plan.problems[-1] = _("The INN ${inn} belongs to “${name}”, not to “${other}”.",
                                      mapping={"inn": inn, "name": owner.name,
                                               "other": plan.existing_name})

    def _check_inn_change(self, plan: RowPlan, obj_id: int, existing) -> None:
        inn = plan.values.get("inn")
        if inn and ("inn", inn) in existing and existing[("inn", inn)][0] != obj_id:
            plan.action = "fail"
            plan.problems.append(_("The INN ${inn} belongs to “${name}”, not to “${other}”.",
                                   mapping={"inn": inn, "name": existing[("inn", inn)][1],
                                            "other": plan.existing_name}))

    # -- writing
    def run(self) -> list[RowPlan]:
        """Import the good rows; returns every row's plan with its outcome."""
        plans = self.plan()
        by_index = {p.index: p for p in plans}
        for plan in plans:
            if plan.action == "merge":
                _merge(by_index[plan.merge_into].values, plan.values)
        writer = _Writer(self.db, self.user.id)
        creates = [p for p in plans if p.action == "create"]
        updates = [p for p in plans if p.action == "update"]
        if self.target == "organizations":
            writer.create_organizations(creates)
            writer.update_organizations(updates)
            self._explain_inn_refusals(creates + updates)
            writer.write_organization_contacts(
                [p for p in creates + updates if p.action in ("create", "update")
                 and p.result_id and p.values.get("contacts")])
        else:
            writer.create_contacts(creates)
            writer.update_contacts(updates)
        for plan in plans:
            if plan.action == "merge":
                first = by_index[plan.merge_into]
                if first.action == "fail":
                    plan.action = "fail"
                    plan.problems.append(_("Row ${line}, which this row adds to, was not imported.",
                                           mapping={"line": first.line}))
                else:
                    plan.result_id = first.result_id
        return plans


def _merge(into: dict, other: dict) -> None:
    """A later row about the same client: its filled cells win, phones and e-mails add up, and
    so do its contact persons (one person named on several rows is one contact)."""
    for key, value in other.items():
        if key == "contacts":
            mine = {shown_key(c["full_name"]): c for c in into.setdefault("contacts", [])}
            for contact in value:
                same = mine.get(shown_key(contact["full_name"]))
                if same is None:
                    into["contacts"].append(contact)
                    mine[shown_key(contact["full_name"])] = contact
                else:
                    _merge(same, contact)
        elif key in ("phones", "emails"):
            have = {x["normalized"] for x in into.get(key, [])}
            into.setdefault(key, []).extend(x for x in value if x["normalized"] not in have)
        elif key == "addresses":
            have = {(a["kind"], a["text"], a["city"]) for a in into.get(key, [])}
            into.setdefault(key, []).extend(
                a for a in value if (a["kind"], a["text"], a["city"]) not in have)
        elif value not in (None, "", []):
            into[key] = value


# --- the stored report -------------------------------------------------------------------------

def summary(plans: list[RowPlan]) -> dict[str, int]:
    """Rows by what was done with them; "contacts": contact persons added to organizations."""
    counts = {"create": 0, "update": 0, "skip": 0, "fail": 0, "contacts": 0}
    for plan in plans:
        counts["update" if plan.action == "merge" else plan.action] += 1
        counts["contacts"] += plan.contacts_added
    return counts


def report_rows(plans: list[RowPlan], table: Table) -> list[dict]:
    """Rows worth reading afterwards: failed, skipped, or imported with a warning."""
    out = []
    for plan in plans:
        if plan.action in ("create", "update", "merge") and not plan.warnings:
            continue
        out.append({
            "line": plan.line, "name": plan.name, "action": plan.action, "id": plan.result_id,
            "existing_id": plan.existing_id,
            "problems": [dump_message(m) for m in plan.problems],
            "warnings": [dump_message(m) for m in plan.warnings],
            "cells": table.rows[plan.index] if plan.action == "fail" else None,
        })
        if len(out) >= REPORT_ROWS:
            break
    return out


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def finish(imp: ClientImport, plans: list[RowPlan], table: Table, columns: dict[int, str],
           manager_id: int | None) -> dict[str, int]:
    """Record a finished import: its settings, counts and report (the rows worth reading
    afterwards, the refused ones with their cells); returns the counts. The rows live on in the
    records and the report, so the uploaded file goes."""
    counts = summary(plans)
    imp.state = "done"
    imp.mapping = json.dumps({"columns": {str(k): v for k, v in columns.items()},
                              "manager_id": manager_id})
    imp.finished_at = utcnow()
    imp.total_rows = len(plans)
    imp.created_count, imp.updated_count = counts["create"], counts["update"]
    imp.skipped_count, imp.failed_count = counts["skip"], counts["fail"]
    imp.report = dumps({"headers": table.headers, "rows": report_rows(plans, table),
                        "encoding": table.encoding, "delimiter": table.delimiter,
                        "sheet": table.sheet})
    if imp.file_path:
        Path(imp.file_path).unlink(missing_ok=True)
    imp.file_path = ""
    return counts

