"""Documents from templates (issue 15, point 7), the pages; the rules are
portal/sales/documents.py's.

    /clients/17/@@documents, /sales/deals/5/@@documents, /sales/orders/SO-2026-000123/@@documents
        the record's documents and a form to make one (GET: view; POST: edit on the record)
    /sales/documents/42            the .docx (whoever may view the record it was made from)
    /sales/documents/42/@@pdf      its PDF, when LibreOffice made one
    /sales/settings/@@templates    the templates of each kind and their versions; upload a new
                                   version (admins); @@template?id=7 downloads one version

A template or a document that cannot be made is a message on the page, never a server error.
"""
from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config

from models.clients import Organization
from models.errors import UserError
from models.sales import Deal, DocumentTemplateVersion, Order, SalesDocument
from portal.core.forms import Choice
from portal.core.i18n import _, local_today
from portal.core.parsing import parse_int
from portal.files import storage
from portal.sales import documents as service
from portal.sales.resources import SalesSettings
from views.clients.organizations import Action, card_action
from views.forms import read_form

NO_PDF = _("The PDF was not made: LibreOffice is not installed on the server (or did not "
           "answer in time). The document is available as .docx.")


class GenerateForm(colander.Schema):
    kind = colander.SchemaNode(Choice(service.KINDS), missing="")


def _source_kind(context) -> str:
    return ("order" if isinstance(context, Order) else "deal" if isinstance(context, Deal)
            else "organization")


def _documents_of(request, context) -> list[SalesDocument]:
    db = request.dbsession
    if isinstance(context, Order):
        return service.documents_for(db, order_id=context.id)
    if isinstance(context, Deal):
        return service.documents_for(db, deal_id=context.id)
    return service.documents_for(db, organization_id=context.id,
                                 visible=service.visible_documents(request))


@view_config(context=Organization, name="documents", renderer="sales/documents/list.jinja2",
             permission="view", request_method="GET")
@view_config(context=Deal, name="documents", renderer="sales/documents/list.jinja2",
             permission="view", request_method="GET")
@view_config(context=Order, name="documents", renderer="sales/documents/list.jinja2",
             permission="view", request_method="GET")
def documents_page(context, request):
    source = _source_kind(context)
    docs = _documents_of(request, context)
    name = (context.number if isinstance(context, Order) else
            context.title if isinstance(context, Deal) else context.name)
    return {"source": context, "name": name, "documents": docs,
            "kinds": service.KINDS_FROM[source], "kind_titles": service.KIND_TITLES,
            "may_make": request.has_permission("edit", context),
            "pdf_available": service.soffice_path(request.registry.settings) is not None,
            "size_text": storage.size_text,
            "title": request.translate(_("Documents: ${name}", mapping={"name": name}))}


@view_config(context=Organization, name="documents", permission="edit", request_method="POST")
@view_config(context=Deal, name="documents", permission="edit", request_method="POST")
@view_config(context=Order, name="documents", permission="edit", request_method="POST")
def generate_document(context, request):
    back = request.resource_url(context, "@@documents")
    translate = request.translate
    try:
        form = read_form(GenerateForm(), request.POST)
        kind = form.get("kind") or ""
        if not kind:
            raise UserError(_("Choose the kind of document."), "kind")
        kw = {"order": context} if isinstance(context, Order) else (
            {"deal": context} if isinstance(context, Deal) else {"organization": context})
        document = service.generate(request.dbsession, request.identity.user,
                                    request.registry.settings, kind, day=local_today(request),
                                    **kw)
    except UserError as error:
        request.session.flash(translate(error.message), "error")
        return HTTPFound(back)
    # "The document …": the Russian for the kinds is of three genders.
    request.session.flash(translate(_("The document “${kind}” ${number} is ready.", mapping={
        "kind": translate(service.KIND_TITLES[kind]), "number": document.number})))
    if document.pdf_sha256 is None:
        request.session.flash(translate(NO_PDF), "warning")
    return HTTPFound(back)


# A document's ACL is that of the record it was made from (portal/sales/resources.py).
@view_config(context=SalesDocument, permission="view")
def download_document(context, request):
    path = storage.stored_path(request.registry.settings, context.sha256)
    if path is None:
        raise HTTPNotFound()
    return storage.file_response(request, path, context.filename, service.DOCX, inline=False)


@view_config(context=SalesDocument, name="pdf", permission="view")
def download_pdf(context, request):
    path = storage.stored_path(request.registry.settings, context.pdf_sha256 or "")
    if path is None:
        raise HTTPNotFound()
    name = context.filename.rsplit(".", 1)[0] + ".pdf"
    return storage.file_response(request, path, name, service.PDF, inline=False)


# --- templates (admins) ------------------------------------------------------------------------

class UploadForm(colander.Schema):
    kind = colander.SchemaNode(Choice(service.KINDS), missing="")


@view_config(context=SalesSettings, name="templates", renderer="sales/documents/templates.jinja2",
             permission="manage", request_method="GET")
def templates_page(context, request):
    db = request.dbsession
    return {"overview": service.templates_overview(db),
            "versions": {kind: service.versions_of(db, kind) for kind in service.KINDS},
            "kind_titles": service.KIND_TITLES, "size_text": storage.size_text,
            "max_text": request.translate(_("A .docx file of at most ${max} MB.", mapping={
                "max": service.MAX_TEMPLATE_BYTES // (1024 * 1024)})),
            "title": request.translate(_("Document templates"))}


@view_config(context=SalesSettings, name="templates", permission="manage", request_method="POST")
def upload_template(context, request):
    back = request.resource_url(context, "@@templates")
    translate = request.translate
    upload = request.POST.get("file")
    try:
        form = read_form(UploadForm(), request.POST)
        if not form.get("kind"):
            raise UserError(_("Choose the kind of document."), "kind")
        if not hasattr(upload, "file"):
            raise UserError(_("Choose a .docx file to upload."), "file")
        version = service.upload_template(request.dbsession, request.identity.user,
                                          request.registry.settings, form["kind"], upload.file,
                                          upload.filename)
    except UserError as error:
        request.session.flash(translate(error.message), "error")
        return HTTPFound(back)
    request.session.flash(translate(_("Version ${version} of the template “${kind}” is now the "
                                      "one used.", mapping={
                                          "version": version.version,
                                          "kind": translate(service.KIND_TITLES[form["kind"]])})))
    return HTTPFound(back)


@view_config(context=SalesSettings, name="template", permission="manage")
def download_template(context, request):
    """One version of a template (the default is made first if the kind has none yet)."""
    db = request.dbsession
    kind = request.GET.get("kind")
    if kind in service.KINDS:
        version = service.version_for(db, request.registry.settings, kind)
    else:
        version_id = parse_int(request.GET.get("id"))
        version = db.get(DocumentTemplateVersion, version_id) if version_id else None
    if version is None:
        raise HTTPNotFound()
    path = storage.stored_path(request.registry.settings, version.sha256)
    if path is None:
        raise HTTPNotFound()
    return storage.file_response(request, path, version.filename, service.DOCX, inline=False)


# --- the client card's "Documents" --------------------------------------------------------------

@card_action
def client_card_documents(request, org: Organization) -> list[Action]:
    """The card's button to the client's documents (the card is read by whoever may view it)."""
    return [Action(_("Documents"), request.resource_url(org, "@@documents"),
                   icon="file-earmark-text", id="client-documents")]
