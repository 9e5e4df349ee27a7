"""/kb/must-read: every must-read article with how many have not confirmed it yet, for department
heads (their departments' people) and directors (everyone); exported as CSV or XLSX."""
from __future__ import annotations

import csv
import io

from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response
from pyramid.view import view_config

from portal.core.i18n import _
from portal.kb.must_read import ALL, must_read_overview, report_scope
from portal.kb.resources import Kb
from views.kb.home import kb_helpers


def _scope(request):
    scope = report_scope(request)
    if scope is None:
        raise HTTPForbidden()
    return scope


@view_config(context=Kb, name="must-read", renderer="kb/must_read.jinja2", permission="view")
def must_read_report(request):
    scope = _scope(request)
    rows = must_read_overview(request, scope)
    return {
        "title": _("Must-read articles: who has not confirmed"),
        "rows": rows,
        "own_departments": scope != ALL,
        "export_url": lambda fmt: request.resource_url(request.context, "must-read-export",
                                                       query={"format": fmt}),
        **kb_helpers(request),
    }


def table(request, rows) -> list[list]:
    """The report as rows of cells, header first (for CSV and XLSX)."""
    tr = request.translate
    head = [tr(_("Article")), tr(_("Folder")), tr(_("Who must read it")), tr(_("Since")),
            tr(_("must read it")), tr(_("have confirmed")), tr(_("have not yet"))]
    tree = request.kb_tree
    body = []
    for r in rows:
        a = r.article
        who = a.must_read_department.name if a.must_read_department else tr(_("Everyone"))
        path = " / ".join(n.title for n in [*tree.ancestors(a.folder_id), tree.nodes[a.folder_id]])
        body.append([a.title, path, who, a.must_read_at.date().isoformat() if a.must_read_at else "",
                     r.total, r.confirmed, r.outstanding])
    return [head, *body]


@view_config(context=Kb, name="must-read-export", permission="view")
def must_read_export(request):
    scope = _scope(request)
    data = table(request, must_read_overview(request, scope))
    name = "must-read"
    if request.GET.get("format") == "xlsx":
        # openpyxl takes a while to load: only when someone asks for a spreadsheet.
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        book = Workbook()
        sheet = book.active
        sheet.title = request.translate(_("Must read"))[:31]
        for i, line in enumerate(data):
            sheet.append(line)
            if i == 0:
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
                    cell.fill = PatternFill("solid", fgColor="E4E9FF")
        sheet.column_dimensions["A"].width = 50
        sheet.column_dimensions["B"].width = 30
        sheet.column_dimensions["C"].width = 25
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        book.save(out)
        return Response(body=out.getvalue(), content_disposition=f'attachment; filename="{name}.xlsx"',
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows(data)
    # A byte-order mark so that spreadsheet programs read Cyrillic correctly.
    return Response(body=("\ufeff" + text.getvalue()).encode("utf-8"),
                    content_disposition=f'attachment; filename="{name}.csv"',
                    content_type="text/csv", charset="utf-8")
