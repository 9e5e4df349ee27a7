"""Files on the client card (the rules: portal/clients/files.py).

/clients/{id}/@@attach                     POST: attach a file (organization.edit)
/clients/{id}/@@file/{file id}/{name}      the file, shown or downloaded (organization.view)
/clients/{id}/@@detach                     POST: delete one (organization.edit)

Without JavaScript: plain forms, then back to the card (or the contact page: `came_from`) with
a message saying what happened or why the file was refused.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from models.clients import ClientFile, Contact, Organization
from portal.clients.files import attach, detach
from portal.clients.resources import organization_url
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.files.storage import UploadRefused, file_response, stored_path
from views.people.auth import safe_came_from


def _back(request, org: Organization, message, error: bool = False):
    request.session.flash(request.localizer.translate(message), "error" if error else "")
    target = request.POST.get("came_from", "")
    if target.startswith("/") and not target.startswith("//"):
        return HTTPSeeOther(safe_came_from(request, target))
    return HTTPSeeOther(organization_url(request, org) + "#files")


def _file_of(request, org: Organization, raw: str) -> ClientFile | None:
    file_id = parse_int(raw)
    if file_id is None:
        return None
    item = request.dbsession.get(ClientFile, file_id)
    return item if item is not None and item.organization_id == org.id else None


@view_config(context=Organization, name="attach", request_method="POST", permission="edit")
def attach_file(context, request):
    org = context
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file") or not getattr(upload, "filename", ""):
        return _back(request, org, _("Choose a file to attach."), error=True)
    contact = None
    raw = request.POST.get("contact", "")
    if raw:
        contact_id = parse_int(raw)
        contact = request.dbsession.get(Contact, contact_id) if contact_id is not None else None
        if contact is None or contact.organization_id != org.id:
            return _back(request, org, _("Choose one of the organization's contact persons."),
                         error=True)
    try:
        item = attach(request.dbsession, request.identity.user, request.registry.settings, org,
                      upload.filename, upload.file, contact)
    except UploadRefused as refused:
        return _back(request, org, refused.message, error=True)
    return _back(request, org, _("“${name}” is attached.", mapping={"name": item.filename}))


@view_config(context=Organization, name="file", request_method="GET", permission="view")
def download(context, request):
    """The file, for those who may see the organization (the name in the URL is decoration)."""
    item = _file_of(request, context, request.subpath[0] if request.subpath else "")
    if item is None:
        raise HTTPNotFound()
    path = stored_path(request.registry.settings, item.sha256)
    if path is None:
        raise HTTPNotFound()
    return file_response(request, path, item.filename, item.content_type)


@view_config(context=Organization, name="detach", request_method="POST", permission="edit")
def delete_file(context, request):
    item = _file_of(request, context, request.POST.get("id", ""))
    if item is None:
        return _back(request, context, _("That file is not attached to this organization."),
                     error=True)
    name = detach(request.dbsession, item)
    return _back(request, context, _("“${name}” is deleted from the card.", mapping={
        "name": name}))
