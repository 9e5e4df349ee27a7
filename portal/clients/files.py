"""Files on the client card: contracts, price lists, scans of an organization, optionally about
one of its contact persons (issue 3, point 3).

The content goes to the shared store (portal/files/storage.py: size limit ``portal.max_upload_mb``, kind
checked by the first bytes, programs, scripts and HTML refused); a `ClientFile` row says what is
attached where, by whom and when. Rows are audited like the other client tables (the card's
change history tells "Attached file ... to organization ..."), and the card's timeline shows
each file when it was attached. Who may: see and download — whoever may view the organization;
attach and delete — whoever may edit it (the views check it). `attach` and `detach` need no web
request: the pages, the API and scripts call them alike.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.traversal import quote_path_segment
from sqlalchemy.orm import aliased

from models.clients import ClientFile, Contact, Organization
from models.people import User
from portal.clients.resources import organization_url
from portal.clients.timeline import TimelineItem, message, timeline_provider
from portal.core.i18n import _
from portal.files.storage import UploadRefused, max_bytes, size_text, store
from portal.resources import locate

FILENAME_MAX = ClientFile.__table__.c.filename.type.length
FILE_TITLE = _("File: ${name}")


def attach(dbsession, actor: User, settings, org: Organization, filename: str, stream,
           contact: Contact | None = None) -> ClientFile:
    """Store an upload and attach it to `org` (about `contact`, one of its people), as `actor`
    did; `settings`: the application's (where files go, the size limit).

    Raises UploadRefused with the reason (too large, empty, a program, a name that does not
    match the content, a contact of another organization); nothing is stored then.
    """
    if contact is not None and contact.organization_id != org.id:
        raise UploadRefused(_("${person} is not a contact of ${organization}.",
                              mapping={"person": contact.full_name, "organization": org.name}))
    stored = store(settings, stream, filename, limit=max_bytes(settings))
    item = ClientFile(organization_id=org.id, contact_id=contact.id if contact else None,
                      filename=stored.name[:FILENAME_MAX], content_type=stored.content_type,
                      size=stored.size, sha256=stored.sha256, uploaded_by_id=actor.id)
    dbsession.add(item)
    dbsession.flush()
    return item


def detach(dbsession, item: ClientFile) -> str:
    """Delete a file from its card; returns its name. The stored content stays: other rows may
    share it, and undoing the deletion (audit log) brings the row back with its file."""
    name = item.filename
    dbsession.delete(item)
    dbsession.flush()
    return name


@dataclass(frozen=True, slots=True)
class FileRow:
    """What the files card and the timeline show of a file: columns and two names, not a
    ClientFile with its uploader and contact person as objects (every client card reads its
    files, most often none)."""

    id: int
    organization_id: int
    contact_id: int | None
    filename: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    uploaded_by_name: str | None
    contact_name: str | None

    COLUMNS = ("id", "organization_id", "contact_id", "filename", "content_type", "size",
               "uploaded_at")


_UPLOADER = aliased(User, name="file_uploader")
_ABOUT = aliased(Contact, name="file_contact")

# files_of's statements by (about a contact person, limit): built once with bound parameters
# ("org_id", "contact_id"), not on every client card (building one cost more than running it).
_FILES_STATEMENTS: dict[tuple[bool, int], sa.Select] = {}


def _files_statement(about_contact: bool, limit: int) -> sa.Select:
    found = _FILES_STATEMENTS.get((about_contact, limit))
    if found is None:
        stmt = (sa.select(*(getattr(ClientFile, name) for name in FileRow.COLUMNS),
                          _UPLOADER.full_name, _ABOUT.full_name)
                .outerjoin(_UPLOADER, _UPLOADER.id == ClientFile.uploaded_by_id)
                .outerjoin(_ABOUT, _ABOUT.id == ClientFile.contact_id)
                .where(ClientFile.organization_id == sa.bindparam("org_id", type_=sa.Integer)))
        if about_contact:
            stmt = stmt.where(ClientFile.contact_id == sa.bindparam("contact_id",
                                                                    type_=sa.Integer))
        found = _FILES_STATEMENTS[(about_contact, limit)] = stmt.order_by(
            ClientFile.uploaded_at.desc(), ClientFile.id.desc()).limit(limit)
    return found


def files_of(dbsession, org: Organization, contact: Contact | None = None,
             limit: int = 200) -> list[FileRow]:
    """An organization's files (or those about one of its contact persons), the newest first."""
    params = {"org_id": org.id}
    if contact is not None:
        params["contact_id"] = contact.id
    return [FileRow(*row) for row in dbsession.execute(_files_statement(contact is not None,
                                                                        limit), params)]


def files_shown(request, org: Organization, contact: Contact | None = None) -> list[FileRow]:
    """`files_of` once per request: the files card and the timeline show the same rows."""
    memo = request.environ.setdefault("portal.client_files", {})
    key = (org.id, contact.id if contact is not None else None)
    if key not in memo:
        memo[key] = files_of(request.dbsession, org, contact)
    return memo[key]


def file_url(request, item: ClientFile) -> str:
    """/clients/{id}/@@file/{file id}/{name}: the name makes the saved file's name right."""
    return organization_url(request, item.organization, "@@file", str(item.id), item.filename)


@timeline_provider("files")
def files_timeline(request, target, *, planned: int, past: int) -> list[TimelineItem]:
    """Each file in the client's timeline at the moment it was attached."""
    if not past:
        return []
    if isinstance(target, Organization):
        org, contact = target, None
    elif isinstance(target, Contact) and target.organization_id is not None:
        org, contact = target.organization, target
    else:
        return []
    place = locate(request, org)
    if not request.has_permission("view", place):
        return []
    translate = request.localizer.translate
    title = message(translate, FILE_TITLE)
    # file_url's, from the card's URL worked out once (every file here is the card's).
    base = request.resource_url(place, "@@file") + "/"
    sizes: dict[int, str] = {}
    out = []
    for item in files_shown(request, org, contact)[:past]:
        size = sizes.get(item.size)
        if size is None:
            size = sizes[item.size] = translate(size_text(item.size))
        detail = " · ".join(p for p in (
            size, item.contact_name if item.contact_name and contact is None else "") if p)
        out.append(TimelineItem(
            at=item.uploaded_at, title=title(name=item.filename),
            url=f"{base}{quote_path_segment(str(item.id))}/{quote_path_segment(item.filename)}",
            kind="files", icon="paperclip", detail=detail,
            who=item.uploaded_by_name or "",
            extra={"file_id": item.id}))
    return out
