"""The import wizard for organizations and contacts (issue 3, point 9).

/clients/imports                   upload a CSV/XLSX file; the person's recent imports
/clients/imports/sample?target=    a sample file with the columns we recognise
/clients/imports/{id}              columns, duplicates and the check of every row; then the result
/clients/imports/{id}/problems     the rows that were not imported, as CSV, to correct and retry

Needs organization.import (the Clients container's ACL); someone without it gets a page saying
so and whom to ask (their department head, the administrators), not a bare 403. An import
belongs to whoever uploaded it (administrators see all).
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import forbidden_view_config, view_config

from models.clients import ClientImport
from models.meta import utcnow
from portal.clients.export import content_type, write_csv, write_xlsx
from portal.clients.import_fields import flash
from portal.clients.import_files import (
    FORMULA,
    MAX_BYTES,
    MAX_ROWS,
    ImportFileError,
    Table,
    read_table,
)
from portal.clients.import_rights import import_right
from portal.clients.importer import (
    CONTACT_OF_ORGANIZATION,
    DUPLICATE_CHOICES,
    DUPLICATE_LABELS,
    FIELDS,
    TARGET_LABELS,
    TARGETS,
    ImportAborted,
    Importer,
    finish,
    guess_mapping,
    load_message,
    mapping_problems,
    summary,
    translate,
)
from portal.clients.resources import Clients
from portal.clients.schemas import import_settings
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.resources import Container
from portal.security.acl import container_acl
from views.clients.organizations import Action, list_action

PREVIEW_ROWS = 15
# Rows with problems listed per page of the check (every one of them, page by page).
PROBLEM_ROWS = 100
RESULT_ROWS = 200


class ClientImports(Container):
    """/clients/imports/{id}: the person's imports (organization.import)."""

    def __acl__(self):
        return container_acl(self, "organization", ("import",))

    def load(self, key):
        import_id = parse_int(key)
        if import_id is None:
            return None
        imp = self.request.dbsession.get(ClientImport, import_id)
        identity = self.request.identity
        if imp is None or identity is None:
            return None
        return imp if imp.user_id == identity.user.id or identity.is_admin else None


def limits(request) -> tuple[int, int]:
    settings = request.registry.settings
    return (int(settings.get("clients.import_max_rows", MAX_ROWS)),
            int(settings.get("clients.import_max_bytes", MAX_BYTES)))


def files_dir(request) -> Path:
    return Path(request.registry.settings.get("portal.files_dir") or "var/files") / "imports"


def _steps(current: int) -> list[tuple[int, object, str]]:
    titles = [_("Upload the file"), _("Columns and check"), _("Result")]
    return [(i + 1, t, "done" if i + 1 < current else ("current" if i + 1 == current else ""))
            for i, t in enumerate(titles)]


def _recent(request) -> list[ClientImport]:
    return list(request.dbsession.scalars(
        sa.select(ClientImport).where(ClientImport.user_id == request.identity.user.id)
        .order_by(ClientImport.id.desc()).limit(8)))


@forbidden_view_config(containment=ClientImports, is_authenticated=True,
                       renderer="clients_import/no_right.jinja2")
def no_import_right(request):
    """Why the person may not import, and whom to ask."""
    request.response.status_int = 403
    right = import_right(request.dbsession, request.identity.user)
    clients = request.root["clients"]
    return {"title": _("Import clients"), "right": right,
            "clients_url": request.resource_url(clients)}


# --- step 1: upload ----------------------------------------------------------------------------

def _upload_page(request, context, errors=None, target="organizations"):
    max_rows, max_bytes = limits(request)
    return {
        "title": _("Import clients"),
        "steps": _steps(1),
        "errors": errors or {},
        "target": target,
        "targets": [(t, TARGET_LABELS[t]) for t in TARGETS],
        "fields": {t: FIELDS[t] for t in TARGETS},
        "max_rows": f"{max_rows:,}".replace(",", "\u00a0"),
        "max_mb": max_bytes // (1024 * 1024),
        "recent": _recent(request),
        "target_labels": TARGET_LABELS,
        "clients_url": request.resource_url(context.__parent__),
        "sample_url": lambda t, fmt: request.resource_url(context, "sample",
                                                          query={"target": t, "format": fmt}),
        "import_url": lambda imp: request.resource_url(context, str(imp.id)),
    }


@view_config(context=ClientImports, renderer="clients_import/upload.jinja2", permission="import",
             request_method="GET")
def upload_form(context, request):
    target = request.GET.get("target")
    return _upload_page(request, context, target=target if target in TARGETS else "organizations")


@view_config(context=ClientImports, renderer="clients_import/upload.jinja2", permission="import",
             request_method="POST")
def upload(context, request):
    target = request.POST.get("target")
    if target not in TARGETS:
        target = "organizations"
    upload = request.POST.get("file")
    errors = {}
    if upload is None or not hasattr(upload, "file") or not upload.filename:
        errors["file"] = _("Choose a CSV or XLSX file to import.")
    else:
        max_rows, max_bytes = limits(request)
        data = upload.file.read(max_bytes + 1)
        try:
            table = read_table(data, upload.filename, max_rows=max_rows, max_bytes=max_bytes)
        except ImportFileError as error:
            errors["file"] = error.message
    if errors:
        request.response.status_int = 400
        return _upload_page(request, context, errors, target)
    forget_old_uploads(request)
    folder = files_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    # The file is read once, now; its table (not the file) waits for the next steps.
    path = folder / f"{secrets.token_hex(16)}.json"
    path.write_bytes(table.dumps())
    name = Path(upload.filename.replace("\\", "/")).name[:255]  # browsers may send C:\\...\\x.csv
    guessed = guess_mapping(table.headers, target)
    # Organizations with their contacts: importing the file again completes what exists.
    duplicates = "update" if set(guessed.values()) & set(CONTACT_OF_ORGANIZATION) else "skip"
    imp = ClientImport(
        user_id=request.identity.user.id, target=target, file_name=name,
        file_path=str(path), state="uploaded", duplicates=duplicates, total_rows=len(table.rows),
        mapping=json.dumps({"columns": {str(k): v for k, v in guessed.items()},
                            "manager_id": request.identity.user.id}))
    request.dbsession.add(imp)
    request.dbsession.flush()
    return HTTPSeeOther(request.resource_url(context, str(imp.id)))


@view_config(context=ClientImports, name="sample", permission="import")
def sample(context, request):
    """A file with our column names and two example rows, to fill in."""
    target = request.GET.get("target") if request.GET.get("target") in TARGETS else "organizations"
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    tr = request.translate
    if target == "organizations":
        headers = [tr(_("Name")), tr(_("INN")), tr(_("KPP")), tr(_("Phone")), tr(_("E-mail")),
                   tr(_("Website")), tr(_("City")), tr(_("Office address")),
                   tr(_("Advertising source")), tr(_("Responsible manager")), tr(_("Notes")),
                   tr(_("Contact person: name")), tr(_("Contact person: position")),
                   tr(_("Contact person: phone")), tr(_("Contact person: e-mail"))]
        # Two rows of one organization: one organization with two contact persons.
        rows = [["ООО «Ромашка»", "7707083893", "770701001", "+7 495 123-45-67",
                 "info@romashka.example", "romashka.example", "Москва", "ул. Ленина, д. 5",
                 tr(_("Exhibition")), request.identity.user.full_name, "",
                 "Петров Иван Сергеевич", "Директор", "+7 916 123-45-67",
                 "petrov@romashka.example"],
                ["ООО «Ромашка»", "7707083893", "", "", "", "", "", "", "", "", "",
                 "Сидорова Мария", "Главный бухгалтер", "+7 903 765-43-21", ""],
                ["ИП Иванов Сергей Петрович", "500100732259", "", "8 (916) 555-12-34",
                 "ivanov@example.com", "", "Тула", "", tr(_("Website")), "", "",
                 "", "", "", ""]]
    else:
        headers = [tr(_("Last name")), tr(_("First name")), tr(_("Middle name")),
                   tr(_("INN of the organization")), tr(_("Organization")), tr(_("Position")),
                   tr(_("Phone")), tr(_("E-mail")), tr(_("Birthday")), tr(_("Notes"))]
        rows = [["Петров", "Иван", "Сергеевич", "7707083893", "ООО «Ромашка»", "Директор",
                 "+7 916 123-45-67", "petrov@romashka.example", "15.03.1978", ""],
                ["Сидорова", "Мария", "", "", "", "", "+7 903 765-43-21", "", "", ""]]
    name = f"import-{target}-sample.{fmt}"
    body = (write_xlsx(tr(TARGET_LABELS[target]), headers, rows, [24] * len(headers))
            if fmt == "xlsx" else write_csv(headers, rows))
    return Response(body=body, content_type=content_type(fmt),
                    charset="utf-8" if fmt == "csv" else None,
                    content_disposition=f'attachment; filename="{name}"')


# --- step 2: columns, duplicates, check ---------------------------------------------------------

def _settings(imp: ClientImport) -> tuple[dict[int, str], int | None]:
    data = json.loads(imp.mapping or "{}")
    columns = {int(k): v for k, v in (data.get("columns") or {}).items()}
    return columns, data.get("manager_id")


def _table(request, imp: ClientImport) -> Table | None:
    """The uploaded file's table, as read at upload (None when it is gone)."""
    path = Path(imp.file_path)
    if not imp.file_path or not path.exists():
        return None
    try:
        return Table.loads(path.read_bytes())
    except (ValueError, TypeError, KeyError):
        return None


def _mapping_page(request, imp: ClientImport, table, columns: dict[int, str],
                  duplicates: str, manager_id, errors: list | None = None) -> dict:
    importer = Importer(request, table, imp.target, columns, duplicates, manager_id)
    plans = importer.plan()
    counts = summary(plans)
    fields = FIELDS[imp.target]
    samples = []
    for col, header in enumerate(table.headers):
        values = []
        for row in table.rows:
            if col < len(row) and row[col] and row[col] not in values:
                values.append(row[col][:40])
            if len(values) == 3:
                break
        samples.append((col, header, values))
    shown_cols = [c for c in sorted(columns) if c < len(table.headers)]
    failed = [p for p in plans if p.action == "fail"]
    pages = max(1, -(-len(failed) // PROBLEM_ROWS))
    page = min(max(parse_int(request.GET.get("problems")) or 1, 1), pages)
    shown = failed[(page - 1) * PROBLEM_ROWS:page * PROBLEM_ROWS]
    return {
        "title": _("Import clients"),
        "steps": _steps(2),
        "imp": imp,
        "table": table,
        "columns": columns,
        "samples": samples,
        "fields": fields,
        "duplicates": duplicates,
        "duplicate_choices": [(d, DUPLICATE_LABELS[d]) for d in DUPLICATE_CHOICES],
        "manager_id": importer.default_manager_id,
        "managers": importer.manager_choices(),
        "counts": counts,
        "importable": counts["create"] + counts["update"],
        "problem_plans": shown,
        "problem_lines": [(p, msg, _column_name(table, p.problem_columns.get(i), fields))
                          for p in shown for i, msg in enumerate(p.problems)],
        "problem_page": page,
        "problem_pages": pages,
        "problem_first": (page - 1) * PROBLEM_ROWS + 1 if failed else 0,
        "problem_last": (page - 1) * PROBLEM_ROWS + len(shown),
        "problem_url": lambda n: request.resource_url(imp, query={"problems": n},
                                                      anchor="problem-rows"),
        "field_groups": _field_groups(fields),
        "preview": plans[:PREVIEW_ROWS],
        "shown_cols": shown_cols,
        "errors": errors or [],
        "target_label": TARGET_LABELS[imp.target],
        "tr": lambda ts: translate(request, ts),
        "formula": FORMULA,
        "action_url": request.resource_url(imp),
        "upload_url": request.resource_url(imp.__parent__),
        "clients_url": request.resource_url(imp.__parent__.__parent__),
    }


def _column_name(table, col: int | None, fields) -> str:
    """The file's column a problem is about, as the file names it ("" when about none)."""
    if col is None or col >= len(table.headers):
        return ""
    return table.headers[col] or f"#{col + 1}"


def _field_groups(fields) -> list[tuple[object, list]]:
    """The fields a column may be imported as, in groups: the organization's, then its contact
    person's (one file holds both)."""
    own = [f for f in fields if not f.group]
    contact = [f for f in fields if f.group == "contact"]
    if not contact:
        return [("", own)]
    return [(_("Organization"), own), (_("Contact person"), contact)]


def _gone(request, imp: ClientImport):
    flash(request, _("The uploaded file “${name}” is no longer available: upload it again.",
                            mapping={"name": imp.file_name}), "error")
    return HTTPSeeOther(request.resource_url(imp.__parent__))


@view_config(context=ClientImport, renderer="clients_import/mapping.jinja2", permission="import",
             request_method="GET")
def import_page(context, request):
    imp = context
    if imp.state in ("done", "failed"):
        return _result_page(request, imp)
    table = _table(request, imp)
    if table is None:
        return _gone(request, imp)
    columns, manager_id = _settings(imp)
    return _mapping_page(request, imp, table, columns, imp.duplicates, manager_id)


@view_config(context=ClientImport, renderer="clients_import/mapping.jinja2", permission="import",
             request_method="POST")
def import_submit(context, request):
    imp = context
    if imp.state in ("done", "failed"):
        return HTTPSeeOther(request.resource_url(imp))
    post = request.POST
    if post.get("action") == "cancel":
        Path(imp.file_path).unlink(missing_ok=True)
        request.dbsession.delete(imp)
        flash(request, _("The import of “${name}” was cancelled.",
                                mapping={"name": imp.file_name}))
        return HTTPSeeOther(request.resource_url(imp.__parent__))
    table = _table(request, imp)
    if table is None:
        return _gone(request, imp)
    columns, duplicates, manager_id = import_settings(
        post, len(table.headers), [f.key for f in FIELDS[imp.target]], DUPLICATE_CHOICES)
    errors = mapping_problems(columns, imp.target)
    if errors:
        request.response.status_int = 400
        return _mapping_page(request, imp, table, columns, duplicates, manager_id, errors)
    imp.mapping = json.dumps({"columns": {str(k): v for k, v in columns.items()},
                              "manager_id": manager_id})
    imp.duplicates = duplicates
    if post.get("action") != "run":
        return HTTPSeeOther(request.resource_url(imp, anchor="check"))
    importer = Importer(request, table, imp.target, columns, duplicates, manager_id)
    try:
        plans = importer.run()
    except ImportAborted:
        # Undo every row written so far; the 5xx answer keeps pyramid_tm from committing.
        request.dbsession.rollback()
        request.response.status_int = 500
        page = _mapping_page(request, imp, table, columns, duplicates, manager_id, [_(
            "The database refused the import, and nothing was imported. Try again; if it "
            "happens again, tell your administrator.")])
        return page
    counts = finish(imp, plans, table, columns, importer.default_manager_id)
    if importer.with_contacts:
        flash(request, _("Import finished: ${created} created, ${updated} updated, ${contacts} "
                         "contact persons added.",
                         mapping={"created": counts["create"], "updated": counts["update"],
                                  "contacts": counts["contacts"]}))
    else:
        flash(request, _("Import finished: ${created} created, ${updated} updated.",
                         mapping={"created": counts["create"], "updated": counts["update"]}))
    return HTTPSeeOther(request.resource_url(imp))


# --- step 3: the result -------------------------------------------------------------------------

def _report(imp: ClientImport) -> dict:
    data = json.loads(imp.report or "{}")
    return data if isinstance(data, dict) else {"rows": data, "headers": []}


def _result_page(request, imp: ClientImport) -> dict:
    report = _report(imp)
    order = {"fail": 0, "skip": 1}
    rows = sorted(report.get("rows", []), key=lambda r: (order.get(r["action"], 2), r["line"]))
    request.override_renderer = "clients_import/result.jinja2"
    clients = imp.__parent__.__parent__
    list_url = (request.resource_url(clients, query={"sort": "-created"})
                if imp.target == "organizations"
                else request.resource_url(clients["contacts"], query={"sort": "-created"}))
    return {
        "title": _("Import result"),
        "steps": _steps(3),
        "imp": imp,
        "rows": rows[:RESULT_ROWS],
        "more": max(0, len(rows) - RESULT_ROWS),
        "message": lambda data: translate(request, load_message(data)),
        "target_label": TARGET_LABELS[imp.target],
        "list_url": list_url,
        "problems_url": request.resource_url(imp, "problems"),
        "upload_url": request.resource_url(imp.__parent__),
        "record_url": lambda r: _record_url(request, imp, r),
        "duplicate_label": DUPLICATE_LABELS.get(imp.duplicates, ""),
    }


def _record_url(request, imp: ClientImport, row: dict) -> str | None:
    record_id = row.get("id") or row.get("existing_id")
    if not record_id:
        return None
    clients = imp.__parent__.__parent__
    if imp.target == "organizations":
        return request.resource_url(clients, str(record_id))
    return request.resource_url(clients["contacts"], str(record_id))


@view_config(context=ClientImport, name="problems", permission="import")
def problems_csv(context, request):
    """The refused rows as they were in the file, with the reason in the last column."""
    report = _report(context)
    tr = request.translate
    headers = [*report.get("headers", []), tr(_("Problem"))]
    rows = []
    for row in report.get("rows", []):
        if row["action"] != "fail" or row.get("cells") is None:
            continue
        reasons = " ".join(translate(request, load_message(m)) for m in row["problems"])
        rows.append([*row["cells"], reasons])
    stem = Path(context.file_name).stem or "import"
    return Response(body=write_csv(headers, rows), content_type="text/csv", charset="utf-8",
                    content_disposition=f'attachment; filename="{stem}-problems.csv"')


@list_action
def import_action(request, clients) -> list[Action]:
    """An "Import" button on the organization list for people with organization.import."""
    if not request.has_permission("import", clients):
        return []
    return [Action(_("Import"), request.resource_url(clients["imports"]), "upload",
                   "btn-outline-primary", "import")]


def includeme(config) -> None:
    Clients.children["imports"] = ClientImports


def forget_old_uploads(request, days: int = 1) -> int:
    """Delete the files of the person's imports started long ago and never finished."""
    limit = utcnow() - dt.timedelta(days=days)
    count = 0
    for imp in request.dbsession.scalars(sa.select(ClientImport).where(
            ClientImport.user_id == request.identity.user.id,
            ClientImport.state == "uploaded", ClientImport.created_at < limit,
            ClientImport.file_path != "")):
        Path(imp.file_path).unlink(missing_ok=True)
        imp.file_path = ""
        imp.state = "failed"
        count += 1
    return count
