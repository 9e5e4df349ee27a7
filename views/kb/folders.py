"""Folder forms (new, edit, move, delete) and the folder's Sharing page.

The forms are read by portal/kb/schemas.py's schemas; creating, renaming, moving and deleting
are portal/kb/folders.py's services, which refuse with a UserError naming the field.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm import selectinload

from models.errors import UserError
from models.kb import FOLDER_CONTAINER, KbFolder
from models.people import Department, User
from models.roles import LocalRoleGrant, Role
from portal.audit.log import history_for
from portal.core.forms import read_fields
from portal.core.i18n import _
from portal.kb.folders import create_folder, delete_folder, edit_folder, move_folder
from portal.kb.resources import Kb, folder_url
from portal.kb.schemas import (
    SLUG_MAX,
    TITLE_MAX,
    FolderMoveSchema,
    FolderReviewSchema,
    FolderSchema,
    ShareSchema,
    SwitchSchema,
    UnshareSchema,
)
from portal.kb.security import refresh_kb_tree, visible_folder_ids
from views.admin.departments import PICKER_LIMIT, department_tree, find_people, flatten
from views.forms import CSRFSchema, FormView
from views.kb.home import kb_helpers

# The title of the sharing role added by the knowledge base (config/roles.yaml), listed here so
# that it is extracted and translated like the others in portal/core/i18n_titles.py.
READER_TITLE = _("Reader")


# --- new folder, edit folder ---------------------------------------------------------------------

class FolderFormSchema(CSRFSchema, FolderReviewSchema, FolderSchema):
    """The folder form: portal.kb.schemas.FolderSchema and the folder's review rules
    (FolderReviewSchema) with the request's CSRF token."""


class FolderForm(FormView):
    schema_factory = FolderFormSchema
    template = "kb/folder_form.jinja2"

    @property
    def parent_id(self) -> int | None:
        raise NotImplementedError

    def schema(self):
        schema = super().schema()
        schema["title"].widget = deform.widget.TextInputWidget(
            attributes={"maxlength": str(TITLE_MAX), "autofocus": "autofocus"})
        schema["slug"].widget = deform.widget.TextInputWidget(
            attributes={"maxlength": str(SLUG_MAX), "placeholder": "support"})
        schema["description"].widget = deform.widget.TextAreaWidget(rows=3)
        for name in ("publish_needs_other", "edits_reviewed"):
            schema[name].widget = deform.widget.CheckboxWidget()
        return schema

    def render(self, form, **extra):
        return super().render(form, **extra, **kb_helpers(self.request), parent_id=self.parent_id)

    def refused(self, error: UserError):
        """A service's refusal as an error next to its field (the address when it names none)."""
        return self.invalid({error.field or "slug": error.message})


@view_config(context=Kb, name="add-folder", renderer="kb/folder_form.jinja2", permission="add_folder")
@view_config(context=KbFolder, name="add-folder", renderer="kb/folder_form.jinja2", permission="add_folder")
class FolderAdd(FolderForm):
    buttons = (deform.Button("save", _("Create folder"), css_class="btn-primary"),)

    @property
    def parent_id(self):
        return self.context.id if isinstance(self.context, KbFolder) else None

    @property
    def title(self):
        if self.parent_id is None:
            return _("New folder")
        return _("New folder in “${title}”", mapping={"title": self.context.title})

    @property
    def cancel_url(self):
        return folder_url(self.request, self.parent_id)

    def save(self, appstruct: dict) -> str:
        try:
            folder = create_folder(self.request.dbsession, self.request.kb_tree, parent_id=self.parent_id,
                                   title=appstruct["title"], slug=appstruct["slug"],
                                   description=appstruct["description"],
                                   publish_needs_other=appstruct["publish_needs_other"],
                                   edits_reviewed=appstruct["edits_reviewed"])
        except UserError as error:
            raise self.refused(error) from None
        refresh_kb_tree(self.request)
        self.request.session.flash(self.request.translate(
            _("Folder “${title}” created.", mapping={"title": folder.title})))
        return folder_url(self.request, folder.id)


@view_config(context=KbFolder, name="edit", renderer="kb/folder_form.jinja2", permission="edit")
class FolderEdit(FolderForm):
    @property
    def parent_id(self):
        return self.context.parent_id

    @property
    def title(self):
        return _("Edit folder “${title}”", mapping={"title": self.context.title})

    @property
    def cancel_url(self):
        return folder_url(self.request, self.context.id)

    def appstruct(self) -> dict:
        f = self.context
        return {"title": f.title, "slug": f.slug, "description": f.description,
                "publish_needs_other": f.publish_needs_other, "edits_reviewed": f.edits_reviewed}

    def save(self, appstruct: dict) -> str:
        folder: KbFolder = self.context
        try:
            edit_folder(self.request.dbsession, self.request.kb_tree, folder, title=appstruct["title"],
                        slug=appstruct["slug"], description=appstruct["description"],
                        publish_needs_other=appstruct["publish_needs_other"],
                        edits_reviewed=appstruct["edits_reviewed"])
        except UserError as error:
            raise self.refused(error) from None
        refresh_kb_tree(self.request)
        self.request.session.flash(self.request.translate(_("Folder saved.")))
        return folder_url(self.request, folder.id)


# --- move, delete ----------------------------------------------------------------------------------

@view_config(context=KbFolder, name="move", renderer="kb/move.jinja2", permission="edit")
def folder_move(request):
    folder: KbFolder = request.context
    tree = request.kb_tree
    targets = visible_folder_ids(request, permission="add_folder") - tree.descendants(folder.id)
    may_top = request.has_permission("add_folder", request.root["kb"])
    error = None
    if request.method == "POST":
        values, problems = read_fields(FolderMoveSchema(), request.POST)
        target = values.get("target")
        if problems:
            error = problems["target"]
        elif target is None and not may_top:
            error = _("You may not put folders at the top level of the knowledge base.")
        elif target is not None and target not in targets and target not in tree.descendants(folder.id):
            error = _("You cannot add folders there.")
        else:
            try:
                move_folder(request.dbsession, tree, folder, target)
            except UserError as refused:
                error = refused.message
        if error is None:
            refresh_kb_tree(request)
            request.session.flash(request.translate(
                _("Folder “${title}” moved.", mapping={"title": folder.title})))
            return HTTPSeeOther(folder_url(request, folder.id))
    values = {
        "title": _("Move folder “${title}”", mapping={"title": folder.title}),
        "folder": folder,
        "options": [(n, d) for n, d in tree.walk() if n.id in targets],
        "targets": targets,
        "may_top": may_top,
        "error": error,
        **kb_helpers(request),
    }
    response = render_to_response("kb/move.jinja2", values, request=request)
    if error:
        response.status_int = 400
    return response


@view_config(context=KbFolder, name="delete", request_method="POST", permission="edit")
def folder_delete(request):
    folder: KbFolder = request.context
    parent_id = folder.parent_id
    title = folder.title
    try:
        delete_folder(request.dbsession, request.kb_tree, folder)
    except UserError as refused:
        request.session.flash(request.translate(refused.message), "error")
        return HTTPSeeOther(folder_url(request, folder.id, "edit"))
    refresh_kb_tree(request)
    request.session.flash(request.translate(_("Folder “${title}” deleted.", mapping={"title": title})))
    return HTTPSeeOther(folder_url(request, parent_id))


# --- Sharing -------------------------------------------------------------------------------------

LOCAL, INHERITED = "local", "inherited"


@dataclass
class Badge:
    kind: str
    sources: list = field(default_factory=list)
    grant_id: int | None = None


@dataclass
class ShareRow:
    kind: str  # "user" or "department"
    holder: object
    cells: dict[int, dict[str, Badge]] = field(default_factory=dict)

    def add(self, role_id: int, kind: str, source, grant_id: int | None = None) -> None:
        badge = self.cells.setdefault(role_id, {}).setdefault(kind, Badge(kind))
        if source not in badge.sources:
            badge.sources.append(source)
        badge.grant_id = badge.grant_id or grant_id

    def badges(self, role_id: int) -> list[Badge]:
        cell = self.cells.get(role_id, {})
        return [cell[k] for k in (LOCAL, INHERITED) if k in cell]


def sharing_table(request, folder: KbFolder) -> tuple[list[Role], list[ShareRow]]:
    """Who holds which local role here: shared on this folder, or on a parent folder whose
    roles reach it (up to a folder that blocks inheritance)."""
    db = request.dbsession
    tree = request.kb_tree
    lineage = tree.local_lineage(folder.id)
    grants = list(db.scalars(
        sa.select(LocalRoleGrant)
        .where(LocalRoleGrant.container_type == FOLDER_CONTAINER, LocalRoleGrant.container_id.in_(lineage))
        .options(selectinload(LocalRoleGrant.user), selectinload(LocalRoleGrant.department))))
    rows: dict[tuple[str, int], ShareRow] = {}
    for g in grants:
        key = ("user", g.user_id) if g.user_id else ("department", g.department_id)
        row = rows.setdefault(key, ShareRow(key[0], g.user or g.department))
        if g.container_id == folder.id:
            row.add(g.role_id, LOCAL, _("Shared on this folder"), g.id)
        else:
            row.add(g.role_id, INHERITED, _("Shared on the parent folder “${title}”",
                                            mapping={"title": tree.nodes[g.container_id].title}))
    used = {rid for row in rows.values() for rid in row.cells}
    roles = [r for r in db.scalars(sa.select(Role).order_by(Role.title))
             if r.local_only or r.id in used]
    order = {"editor": 0, "reviewer": 1, "reader": 2}
    roles.sort(key=lambda r: (order.get(r.name, 9), r.title))
    ordered = sorted(rows.values(), key=lambda r: (
        r.kind != "department", (r.holder.name if r.kind == "department" else r.holder.full_name).casefold()))
    return roles, ordered


@view_defaults(context=KbFolder, permission="share")
class FolderSharing:
    template = "kb/sharing.jinja2"

    def __init__(self, context: KbFolder, request):
        self.context = context
        self.request = request
        self.db = request.dbsession

    def data(self, error=None) -> dict:
        folder = self.context
        tree = self.request.kb_tree
        find = self.request.GET.get("find", "").strip()[:100]
        roles, rows = sharing_table(self.request, folder)
        parent = tree.nodes.get(folder.parent_id) if folder.parent_id else None
        restricted_above = parent is not None and tree.is_restricted(parent.id)
        return {
            "title": _("Sharing: ${title}", mapping={"title": folder.title}),
            "folder": folder,
            "parent": parent,
            "roles": roles,
            "rows": rows,
            "grantable": list(self.db.scalars(sa.select(Role).where(Role.local_only.is_(True)))),
            "departments": flatten(department_tree(self.db, with_counts=False)),
            "find": find,
            "found": find_people(self.db, find) if find else [],
            "picker_limit": PICKER_LIMIT,
            "restricted_above": restricted_above,
            "history": history_for(self.db, folder, limit=20),
            "error": error,
            **kb_helpers(self.request),
        }

    def refuse(self, message):
        response = render_to_response(self.template, self.data(error=message), request=self.request)
        response.status_int = 400
        return response

    def back(self, message):
        self.request.session.flash(self.request.translate(message))
        return HTTPSeeOther(folder_url(self.request, self.context.id, "sharing"))

    @view_config(name="sharing", renderer="kb/sharing.jinja2")
    def view(self):
        return self.data()

    @view_config(name="share", request_method="POST")
    def share(self):
        values, problems = read_fields(ShareSchema(), self.request.POST)
        role = None
        if "role" not in problems:
            role = self.db.scalar(sa.select(Role).where(Role.name == values["role"],
                                                        Role.local_only.is_(True)))
        if role is None:
            return self.refuse(_("Choose a role to share: Editor, Reviewer or Reader."))
        if problems:
            return self.refuse(next(iter(problems.values())))
        user_id, dept_id = values["user_id"], values["department_id"]
        user = self.db.get(User, user_id) if user_id is not None else None
        dept = self.db.get(Department, dept_id) if dept_id is not None else None
        if (user is None) == (dept is None):
            return self.refuse(_("Choose a person or a department to share with."))
        holder = LocalRoleGrant.user_id == user.id if user else LocalRoleGrant.department_id == dept.id
        exists = self.db.scalar(sa.select(LocalRoleGrant.id).where(
            LocalRoleGrant.container_type == FOLDER_CONTAINER,
            LocalRoleGrant.container_id == self.context.id, LocalRoleGrant.role_id == role.id, holder))
        if exists is None:
            self.db.add(LocalRoleGrant(container_type=FOLDER_CONTAINER, container_id=self.context.id,
                                       role=role, user=user, department=dept))
        return self.back(_("${holder} now holds the role “${role}” in “${folder}”.", mapping={
            "holder": user.full_name if user else dept.name,
            "role": self.request.translate(_(role.title)), "folder": self.context.title}))

    @view_config(name="unshare", request_method="POST")
    def unshare(self):
        values, problems = read_fields(UnshareSchema(), self.request.POST)
        grant = self.db.get(LocalRoleGrant, values["grant_id"]) if not problems else None
        if (grant is None or grant.container_type != FOLDER_CONTAINER
                or grant.container_id != self.context.id):
            return self.refuse(_("That role is not shared on this folder."))
        message = _("${holder} no longer holds the role “${role}” in “${folder}”.", mapping={
            "holder": grant.holder_label, "role": self.request.translate(_(grant.role.title)),
            "folder": self.context.title})
        self.db.delete(grant)
        self.db.flush()
        return self.back(message)

    @view_config(name="block-inheritance", request_method="POST")
    def block_inheritance(self):
        block = read_fields(SwitchSchema(), self.request.POST)[0]["block"]
        self.context.block_local_roles = block
        title = self.context.title
        return self.back(
            _("Roles shared on parent folders no longer reach “${title}”.", mapping={"title": title})
            if block else
            _("Roles shared on parent folders reach “${title}” again.", mapping={"title": title}))

    @view_config(name="restrict", request_method="POST")
    def restrict(self):
        restricted = read_fields(SwitchSchema(), self.request.POST)[0]["restricted"]
        self.context.restricted = restricted
        title = self.context.title
        return self.back(
            _("Only the people “${title}” is shared with see it now.", mapping={"title": title})
            if restricted else
            _("Everyone who may read the knowledge base sees “${title}” now.", mapping={"title": title}))
