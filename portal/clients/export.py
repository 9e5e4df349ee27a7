"""Exporting a filtered list of organizations, contacts or interactions to CSV or XLSX.

The rows are the list page's (same filters, same order: portal.clients.lists for organizations
and contacts, portal.interactions.lists for interactions) narrowed in SQL to what the person may
export (organization.export with its scope: own, department or all). The terms columns
(discount, deferral, credit limit, purchase potential) appear only for people who hold
organization.view_terms, and are filled only on the rows it covers.

CSV is UTF-8 with a byte-order mark and ";" between cells, as Russian Excel expects. Text that
starts with = + - @ (or a tab) could be run by a spreadsheet as a formula: in CSV it gets an
apostrophe in front; in XLSX it is written as text with Excel's own "quote prefix" (shown as
typed, never calculated). `portal.clients.import_files` strips that apostrophe on import.
Control characters (a NUL stored before the forms refused them) are left out of both: an XLSX
file cannot hold them, and one such name must not break the export for everyone.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    Classifier,
    Contact,
    Interaction,
    Organization,
)
from models.meta import utcnow
from models.people import Department, User
from portal.clients.lists import ContactFilter, OrganizationFilter, contact_query, organization_query
from portal.clients.rules import (
    CLASSIFIER_LIST_LABELS,
    DECISION_LABELS,
    DIRECTION_LABELS,
    INTERACTION_KIND_LABELS,
    KIND_LABELS,
    STAGE_LABELS,
)
from portal.core.i18n import _
from portal.interactions.lists import list_filters, list_query
from portal.interactions.rules import attempt_counts
from portal.security.filters import sql_filter

LISTS = ("organizations", "contacts", "interactions")
FORMATS = ("csv", "xlsx")
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
YIELD = 1000


class ExportScope:
    """organization.export as a filter over any client table (portal.security.filters.sql_filter's
    protocol): own = the person's clients (or interactions), department = their departments'."""

    security_type = "organization"

    def __init__(self, model):
        self.model = model

    def sql_in_departments(self, ids):
        return self.model.sql_in_departments(ids)

    def sql_owned_by(self, user_id: int):
        return self.model.sql_owned_by(user_id)


def may_export(request, model) -> sa.ColumnElement:
    """WHERE for the rows of `model` (Organization, Contact, Interaction) the person may export."""
    return sql_filter(request, ExportScope(model), "export")


# What an XLSX cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls but tab and
# line ends.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def writable(value: str) -> str:
    """`value` without the control characters a spreadsheet cannot hold."""
    return UNWRITABLE.sub("", value)


def neutralise(value: str) -> str:
    """Text a spreadsheet would read as a formula, made harmless for CSV ("=1+2" → "'=1+2")."""
    return "'" + value if value.startswith(DANGEROUS_START) else value


# --- the sheets ---------------------------------------------------------------------------------

@dataclass
class Sheet:
    """An export: a title, column headers, and the rows (a generator: large lists stream)."""

    name: str  # file name without extension
    title: str
    headers: list[str]
    rows: Iterator[list]
    widths: list[int]


class _Names:
    """Names of classifier entries, people and departments, loaded once and translated."""

    def __init__(self, request):
        tr = request.localizer.translate
        db = request.dbsession
        self.classifiers = {c.id: (tr(_(c.title)) if c.code else c.title)
                            for c in db.scalars(sa.select(Classifier))}
        self.people = dict(db.execute(sa.select(User.id, User.full_name)).all())
        self.departments = dict(db.execute(sa.select(Department.id, Department.name)).all())


def _local(request, value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(request.user_timezone).replace(tzinfo=None) if value else None


def _streamed(db, stmt) -> Iterator:
    yield from db.scalars(stmt.execution_options(yield_per=YIELD))


def organizations_sheet(request, params) -> Sheet:
    flt = OrganizationFilter.from_params(params)
    tr = request.localizer.translate
    db = request.dbsession
    names = _Names(request)
    terms_filter = sql_filter(request, Organization, "view_terms")
    show_terms = not (isinstance(terms_filter, sa.sql.elements.False_))
    base = organization_query(request, flt).where(may_export(request, Organization))
    terms = sa.case((terms_filter, sa.true()), else_=sa.false()).label("terms")
    stmt = (base.add_columns(terms).options(
        selectinload(Organization.phones), selectinload(Organization.emails),
        selectinload(Organization.addresses)))
    headers = [_("Name"), _("Legal name"), _("INN"), _("KPP"), _("Kind"), _("Stage"),
               *[CLASSIFIER_LIST_LABELS[n] for n in ORGANIZATION_CLASSIFIERS],
               _("Responsible manager"), _("Department"), _("Phone"), _("E-mail"), _("Website"),
               _("Office address"), _("Legal address"), _("Tags"), _("Notes"), _("Created")]
    widths = [36, 40, 14, 12, 16, 14, 20, 18, 16, 16, 18, 26, 24, 20, 30, 26, 40, 40, 18, 40, 18]
    if show_terms:
        headers += [_("Discount, %"), _("Payment deferral, days"), _("Credit limit"),
                    _("Purchase potential")]
        widths += [12, 14, 16, 16]

    def address(org, kind):
        return "; ".join(a.one_line for a in org.addresses if a.kind == kind)

    def rows():
        for org, may_terms in db.execute(stmt.execution_options(yield_per=YIELD)):
            line = [org.name, org.legal_name, org.inn, org.kpp,
                    tr(KIND_LABELS.get(org.kind, org.kind)),
                    tr(STAGE_LABELS.get(org.stage, org.stage)),
                    *[names.classifiers.get(getattr(org, c), "")
                      for c in ORGANIZATION_CLASSIFIERS.values()],
                    names.people.get(org.manager_id, ""),
                    names.departments.get(org.department_id, ""),
                    ", ".join(p.number for p in org.phones),
                    ", ".join(e.address for e in org.emails), org.website,
                    address(org, "actual"), address(org, "legal"), org.tags, org.notes,
                    _local(request, org.created_at)]
            if show_terms:
                line += ([org.discount_percent, org.payment_deferral_days, org.credit_limit,
                          org.purchase_potential] if may_terms else ["", "", "", ""])
            yield line

    return Sheet("organizations", tr(_("Organizations")), [tr(h) for h in headers], rows(), widths)


def contacts_sheet(request, params) -> Sheet:
    flt = ContactFilter.from_params(params)
    tr = request.localizer.translate
    names = _Names(request)
    stmt = (contact_query(request, flt).where(may_export(request, Contact))
            .options(selectinload(Contact.phones), selectinload(Contact.emails),
                     selectinload(Contact.organization)))
    headers = [_("Full name"), _("Organization"), _("INN of the organization"), _("Position"),
               _("Role in decisions"), _("Phone"), _("E-mail"), _("Birthday"),
               _("Responsible manager"), _("Notes"), _("Created")]
    widths = [34, 36, 14, 28, 20, 26, 28, 12, 26, 40, 18]

    def rows():
        for c in _streamed(request.dbsession, stmt):
            yield [c.full_name, c.organization.name if c.organization else "",
                   c.organization.inn if c.organization else "", c.position,
                   tr(DECISION_LABELS[c.decision_level]) if c.decision_level in DECISION_LABELS
                   else c.decision_level,
                   ", ".join(p.number for p in c.phones), ", ".join(e.address for e in c.emails),
                   c.birthday, names.people.get(c.manager_id, ""), c.notes,
                   _local(request, c.created_at)]

    return Sheet("contacts", tr(_("Contact persons")), [tr(h) for h in headers], rows(), widths)


def interactions_sheet(request, params) -> Sheet:
    """The interactions list (portal/interactions/lists.py: its tabs and filters, read from the
    query string), in the list's order."""
    tr = request.localizer.translate
    names = _Names(request)
    now = utcnow()
    f = list_filters(params)
    order = ((Interaction.planned_at, Interaction.id) if f["state"] in ("planned", "overdue")
             else (Interaction.planned_at.desc(), Interaction.id.desc()))
    stmt = (list_query(request, f, now).where(may_export(request, Interaction)).order_by(*order)
            .options(selectinload(Interaction.organization), selectinload(Interaction.contact)))
    headers = [_("Planned"), _("Done"), _("Status"), _("Kind"), _("Direction"), _("Organization"),
               _("Contact person"), _("Subject"), _("Text"), _("Result"), _("Result details"),
               _("Responsible"), _("Author"), _("No answer"), _("Could not talk"), _("Talked")]
    widths = [17, 17, 14, 12, 12, 34, 28, 34, 50, 24, 40, 26, 26, 10, 10, 10]
    states = {"done": tr(_("Done")), "planned": tr(_("Planned")), "overdue": tr(_("Overdue"))}

    def chunks():
        chunk = []
        for item in _streamed(request.dbsession, stmt):
            chunk.append(item)
            if len(chunk) >= YIELD:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def rows():
        for chunk in chunks():
            # Every call attempt, all days: one query per chunk of rows.
            tried = attempt_counts(request.dbsession, [i.id for i in chunk if i.kind == "call"])
            for i in chunk:
                state = "done" if i.done_at else ("overdue" if i.planned_at < now else "planned")
                counts = tried.get(i.id, {})
                yield [_local(request, i.planned_at), _local(request, i.done_at), states[state],
                       tr(INTERACTION_KIND_LABELS.get(i.kind, i.kind)),
                       tr(DIRECTION_LABELS.get(i.direction, i.direction)),
                       i.organization.name if i.organization else "",
                       i.contact.full_name if i.contact else "", i.subject, i.text,
                       names.classifiers.get(i.result_id, ""), i.result_text,
                       names.people.get(i.responsible_id, ""), names.people.get(i.author_id, ""),
                       counts.get("no_answer", 0), counts.get("could_not_talk", 0),
                       counts.get("talked", 0)]

    return Sheet("interactions", tr(_("Interactions")), [tr(h) for h in headers], rows(), widths)


SHEETS: dict[str, Callable] = {"organizations": organizations_sheet, "contacts": contacts_sheet,
                               "interactions": interactions_sheet}


# --- writing files ------------------------------------------------------------------------------

def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")  # Russian Excel reads "5,50" as a number
    if isinstance(value, str):
        return neutralise(writable(value))
    return str(value)


def write_csv(headers: list[str], rows) -> bytes:
    """UTF-8 with a byte-order mark (so Excel recognises it), ";" between cells."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8")


def write_xlsx(title: str, headers: list[str], rows, widths: list[int] | None = None,
               preamble: list[list] | None = None) -> bytes:
    """A workbook with one sheet: optional lines above (a report's title), a bold header, rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(title))
    for i, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    top = len(preamble or []) + 1
    sheet.freeze_panes = f"A{top + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E4E9FF")
    for line in preamble or []:
        cells = []
        for i, value in enumerate(line):
            cell = WriteOnlyCell(sheet, value=writable(value) if isinstance(value, str) else value)
            if i == 0:
                cell.font = Font(bold=True, size=13)
            cells.append(cell)
        sheet.append(cells)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(sheet, value=writable(h) if isinstance(h, str) else h)
        cell.font, cell.fill = bold, fill
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    return "".join(ch for ch in writable(title) if ch not in "[]:*?/\\")[:31] or "Sheet"


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = writable(value)
        if value.startswith(DANGEROUS_START):
            # Text, shown as typed; Excel's quote prefix keeps it text even when edited.
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            return cell
        return value
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD.MM.YYYY HH:MM"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD.MM.YYYY"
        return cell
    return value


def content_type(fmt: str) -> str:
    return ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx" else "text/csv")


def export(request, list_name: str, fmt: str, params) -> tuple[bytes, str]:
    """The file's bytes and name for an export of `list_name` filtered by `params`."""
    sheet = SHEETS[list_name](request, params)
    stamp = dt.datetime.now(request.user_timezone).strftime("%Y-%m-%d")
    filename = f"{sheet.name}-{stamp}.{fmt}"
    if fmt == "xlsx":
        return write_xlsx(sheet.title, sheet.headers, sheet.rows, sheet.widths), filename
    return write_csv(sheet.headers, sheet.rows), filename
