"""The audit log: every change to people, departments and roles, in words, with undo.

/admin/audit                    the log, newest first (?table=&author=&row=&page=)
/admin/audit/{transaction id}   one change in full
POST /admin/audit/{id}/revert   undo it (itself recorded as a new change)
"""
from __future__ import annotations

import math

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from portal.audit.log import (
    AUDITED,
    TABLE_LABELS,
    audit_page,
    authors,
    entries_for,
    transaction_model,
    translate_deep,
)
from portal.audit.revert import RevertProblem, revert_transaction
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.resources import Admin

PER_PAGE = 25
PREVIEW_CHANGES = 8


def _int(value, default: int | None = None) -> int | None:
    number = parse_int(value)
    return number if number is not None else default


def _filters(request) -> dict:
    table = request.GET.get("table", "")
    author = request.GET.get("author", "")
    return {
        "table": table if table in AUDITED else "",
        "author": author if author == "system" or parse_int(author) is not None else "",
        "row": _int(request.GET.get("row")) if table in AUDITED else None,
    }


def _page_links(request, page: int, pages: int, filters: dict) -> list[tuple[int | None, str]]:
    """(page number, URL) for a short pager: first, last and the pages around the current one."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[tuple[int | None, str]] = []
    previous = 0
    for n in wanted:
        if n - previous > 1:
            out.append((None, ""))
        query = {k: v for k, v in filters.items() if v}
        query["page"] = n
        out.append((n, request.resource_path(request.context, "audit", query=query)))
        previous = n
    return out


@view_config(context=Admin, name="audit", renderer="admin/audit/index.jinja2", permission="manage",
             request_method="GET")
def audit_log(request):
    subpath = request.subpath
    if subpath:
        if len(subpath) == 1 and subpath[0].isdigit():
            data = audit_detail(request, int(subpath[0]))
            request.override_renderer = "admin/audit/detail.jinja2"
            return data
        raise HTTPNotFound()
    db = request.dbsession
    filters = _filters(request)
    page = max(1, _int(request.GET.get("page"), 1))
    entries, total = audit_page(
        db, table=filters["table"] or None, author=filters["author"] or None,
        row_id=filters["row"], page=page, per_page=PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    return {
        "title": _("Audit log"),
        "entries": entries,
        "total": total,
        "page": page,
        "pages": pages,
        "page_links": _page_links(request, page, pages, filters),
        "filters": filters,
        "tables": TABLE_LABELS,
        "authors": authors(db),
        "preview": PREVIEW_CHANGES,
        "tr": lambda value: translate_deep(request, value),
    }


def audit_detail(request, transaction_id: int, problem=None) -> dict:
    tx = request.dbsession.get(transaction_model(), transaction_id)
    if tx is None:
        raise HTTPNotFound()
    entry = entries_for(request.dbsession, [tx])[0]
    return {
        "title": _("Change #${id}", mapping={"id": transaction_id}),
        "entry": entry,
        "problem": problem,
        "tr": lambda value: translate_deep(request, value),
    }


@view_config(context=Admin, name="audit", request_method="POST", permission="manage",
             renderer="admin/audit/detail.jinja2")
def audit_revert(request):
    """POST /admin/audit/{id}/revert: undo one change, or say clearly why it cannot be undone."""
    subpath = request.subpath
    if len(subpath) != 2 or not subpath[0].isdigit() or subpath[1] != "revert":
        raise HTTPNotFound()
    transaction_id = int(subpath[0])
    translate = request.localizer.translate
    try:
        count = revert_transaction(request.dbsession, transaction_id)
    except RevertProblem as problem:
        if request.dbsession.get(transaction_model(), transaction_id) is None:
            raise HTTPNotFound() from None
        request.response.status_int = 400
        return audit_detail(request, transaction_id, problem.message)
    request.session.flash(translate(_(
        "Change #${id} has been undone (${n} records restored). The undo is recorded below as a "
        "new change.", mapping={"id": transaction_id, "n": count})))
    return HTTPSeeOther(request.resource_url(request.context, "audit"))
