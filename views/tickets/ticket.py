"""A ticket's page and what is done on it: reply or note, take, assign, change its fields,
watch, merge into another, link articles. Every POST carries the CSRF token and answers with a
redirect to the ticket (a refusal is said above it)."""
from __future__ import annotations

import json

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from models.clients import Contact, Organization
from models.kb import Article
from models.meta import utcnow
from models.people import Membership, User
from models.registry import Registry, registers
from models.tasks import Task
from models.tickets import (
    PRIORITIES,
    CannedResponse,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketWatcher,
)
from portal.audit.log import history_for
from portal.core.forms import flag_field, id_field, lines, read_fields, schema_of, squeezed, text
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.files.storage import (
    EmptyFile,
    TooLarge,
    file_response,
    human_size,
    max_bytes,
    safe_filename,
    store,
    stored_path,
)
from portal.kb.articles import ArticleInput, create_article
from portal.kb.links import link_article, suggest_articles, ticket_articles, unlink_article
from portal.kb.resources import article_url, folder_in_tree
from portal.kb.security import article_filter
from portal.resources import locate
from portal.security.policy import check_access
from portal.tasks.client_links import pick
from portal.tasks.security import visible_tasks
from portal.tickets.links import messages_of
from portal.tickets.lists import queue_choices
from portal.tickets.resources import Tickets
from portal.tickets.security import agent_ids
from portal.tickets.service import (
    BODY_MAX,
    PRIORITY_TITLES,
    TicketProblem,
    add_message,
    find_by_number,
    give_to,
    merge,
    set_client,
    set_contact,
    take,
    update_fields,
)
from portal.tickets.sla import clocks
from views.clients.organizations import actions_for
from views.tickets.display import ticket_helpers

SAFE_INLINE = {"image/png", "image/jpeg", "image/gif", "image/webp"}

# Other areas add buttons to a ticket's header (field service: "Send a technician", a job
# prefilled from the ticket): ``fn(request, ticket) -> [Action] | None``, with @ticket_action.
TICKET_ACTIONS: Registry = Registry("ticket page actions")


def ticket_action(fn):
    """Add buttons to a ticket's header: ``fn(request, ticket) -> [Action]``."""
    return registers(TICKET_ACTIONS, depth=2)(fn)


def writable_folders(request) -> list:
    """Knowledge-base folders where the person may add an article."""
    tree = request.kb_tree
    out = []
    for folder_id in tree.nodes:
        folder = folder_in_tree(request, folder_id)
        if request.has_permission("add", folder):
            out.append(folder)
    return out


@view_config(context=Ticket, name="draft-article", request_method="GET", permission="edit",
             renderer="tickets/draft_article.jinja2")
def draft_article_form(request):
    """Where to write the article: the folders where the person may add one (asked for only
    when wanted: each folder's rights are looked at)."""
    return {"title": _("Write an article from this ticket"), "ticket": request.context,
            "folders": writable_folders(request)}


@view_config(context=Tickets, name="client-options", renderer="tasks/_link_options.jinja2",
             permission="view")
def client_options(request):
    """<option>s of the organizations the person may see, for the ticket's client picker."""
    return {"options": pick(request, "organization", request.GET.get("organization", ""))}


@view_config(context=Ticket, name="file", request_method="GET", permission="view")
def download(request):
    """/tickets/{number}/file/{attachment id}: only for those who may view the ticket."""
    wanted = parse_int(request.subpath[0]) if request.subpath else None
    attachment = request.dbsession.scalar(sa.select(TicketAttachment).where(
        TicketAttachment.id == wanted, TicketAttachment.ticket_id == request.context.id)) \
        if wanted is not None else None
    path = stored_path(request.registry.settings, attachment.sha256) if attachment else None
    if path is None:
        raise HTTPNotFound()
    inline = attachment.content_type in SAFE_INLINE
    return file_response(request, path, attachment.filename,
                         attachment.content_type if inline else "application/octet-stream",
                         inline=inline)


def change_text(request, message) -> str:
    """A change of the ticket told in words, in the reader's language."""
    translate = request.translate
    try:
        event = json.loads(message.body)
    except ValueError:
        return message.body
    kind = event.get("event")
    names = request.dbsession.info.setdefault("ticket_people", {})

    def person(uid):
        if uid is None:
            return translate(_("the queue"))
        if uid not in names:
            user = request.dbsession.get(User, uid)
            names[uid] = user.full_name if user else "?"
        return names[uid]

    if kind in ("assigned", "taken", "escalated"):
        text_ = {"assigned": _("gave the ticket to ${to}"), "taken": _("took the ticket"),
                 "escalated": _("escalated the ticket to ${to}")}[kind]
        return translate(_(text_, mapping={"to": person(event.get("to"))}))
    if kind == "priority":
        return translate(_("changed the priority from ${old} to ${new}", mapping={
            "old": translate(PRIORITY_TITLES.get(event.get("from"), "?")),
            "new": translate(PRIORITY_TITLES.get(event.get("to"), "?"))}))
    if kind == "queue":
        return translate(_("moved the ticket from ${old} to ${new}",
                           mapping={"old": event.get("from", ""), "new": event.get("to", "")}))
    if kind == "client":
        return translate(_("changed the client from “${old}” to “${new}”",
                           mapping={"old": event.get("from") or "—", "new": event.get("to") or "—"}))
    if kind == "contact":
        return translate(_("changed the contact person from “${old}” to “${new}”",
                           mapping={"old": event.get("from") or "—", "new": event.get("to") or "—"}))
    if kind == "merged_into":
        return translate(_("merged it into ${number} as a duplicate",
                           mapping={"number": event.get("number", "")}))
    if kind == "merged_from":
        return translate(_("merged ${number} into this ticket",
                           mapping={"number": event.get("number", "")}))
    if kind == "attachment_refused":
        return translate(_("An attachment, ${name} (${size}), was not kept: files larger than "
                           "${limit} are refused.", mapping={
                               "name": event.get("name", ""),
                               "size": human_size(int(event.get("size") or 0)),
                               "limit": human_size(int(event.get("limit") or 0))}))
    return translate(_("changed the ticket"))


def assignable(request, ticket: Ticket) -> list[User]:
    """Whom the ticket may be given to: the queue's agents and the members of its department."""
    ids = set(agent_ids(ticket)) | set(request.dbsession.scalars(
        sa.select(Membership.user_id).where(Membership.department_id == ticket.department_id)))
    if not ids:
        return []
    return list(request.dbsession.scalars(
        sa.select(User).where(User.id.in_(sorted(ids)), User.active).order_by(User.full_name)))


@view_config(context=Ticket, renderer="tickets/ticket.jinja2", permission="view")
def ticket_page(request):
    ticket: Ticket = request.context
    db = request.dbsession
    me = request.identity.user
    may_edit = request.has_permission("edit", ticket)
    messages = messages_of(db, ticket)
    entries = []
    for m in messages:
        entries.append({"m": m, "change": change_text(request, m) if m.kind == "change" else None})
    linked = ticket_articles(request, ticket.id)
    suggestions = []
    if may_edit and ticket.is_open:
        suggestions = suggest_articles(request, f"{ticket.subject}\n{ticket.description}", limit=5,
                                       exclude_ids=[a.id for a in linked])
    tasks = list(db.scalars(sa.select(Task).where(
        Task.link_type == "ticket", Task.link_id == ticket.id, visible_tasks(request))
        .order_by(Task.created_at)))
    canned = list(db.scalars(sa.select(CannedResponse).where(
        CannedResponse.active,
        sa.or_(CannedResponse.queue_id.is_(None), CannedResponse.queue_id == ticket.queue_id))
        .order_by(CannedResponse.title))) if may_edit else []
    return {
        "title": f"{ticket.number} {ticket.subject}",
        "ticket": ticket,
        "entries": entries,
        "clocks": clocks(ticket, utcnow()),
        "linked": linked,
        "suggestions": suggestions,
        "tasks": tasks,
        "canned": canned,
        "attachments": list(db.scalars(sa.select(TicketAttachment).where(
            TicketAttachment.ticket_id == ticket.id).order_by(TicketAttachment.id))),
        "may_draft": may_edit and request.has_permission("add", request.root["kb"]),
        "actions": actions_for(TICKET_ACTIONS, request, ticket),
        "may_edit": may_edit,
        "may_assign": request.has_permission("assign", ticket),
        "may_take": ticket.is_open and ticket.assignee_id is None
        and request.has_permission("assign", ticket),
        "people": assignable(request, ticket) if request.has_permission("assign", ticket) else [],
        "queues": queue_choices(db) if may_edit else [],
        "contacts": list(db.scalars(sa.select(Contact).where(
            Contact.organization_id == ticket.organization_id).order_by(Contact.full_name)
            .limit(200))) if may_edit and ticket.organization_id else [],
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES)],
        "watching": any(w.user_id == me.id for w in ticket.watchers),
        "body_max": BODY_MAX,
        "list_url": request.resource_url(ticket.__parent__),
        "article_url": lambda a: article_url(request, a),
        **ticket_helpers(request),
    }


@view_config(context=Ticket, name="history-part", renderer="admin/audit/history_part.jinja2",
             permission="view")
def ticket_history(request):
    """The ticket's change history, asked for when it is opened."""
    return {"history": history_for(request, request.context)}


REPLY = schema_of(text(lines(BODY_MAX), name="body"), flag_field("note"))
FIELDS = schema_of(id_field("priority"), id_field("queue"), text(squeezed(100), name="category"),
                   text(squeezed(300), name="tags"), text(squeezed(300), name="subject"))


@view_defaults(context=Ticket, request_method="POST")
class TicketActions:
    def __init__(self, context: Ticket, request):
        self.ticket = context
        self.request = request
        self.db = request.dbsession
        self.me = request.identity.user

    def back(self, message=None, anchor: str = "", error: bool = False):
        if message is not None:
            self.request.session.flash(self.request.translate(message), "error" if error else "")
        return HTTPSeeOther(self.request.resource_url(self.ticket) + (f"#{anchor}" if anchor else ""))

    def may_view(self, user_ids) -> set[int]:
        """Of these colleagues, those who may see the ticket: each active person's principals
        against its ACL, the very check that opening its page makes."""
        ids = sorted({u for u in user_ids if u})
        if not ids:
            return set()
        users = self.db.scalars(sa.select(User).where(User.id.in_(ids), User.active))
        return {u.id for u in users if check_access(self.request, u, self.ticket, "view")[0]}

    @view_config(name="reply", permission="edit")
    def reply(self):
        values, problems = read_fields(REPLY, self.request.POST)
        if problems:
            return self.back(next(iter(problems.values())), "reply", error=True)
        try:
            message = add_message(self.db, self.me, self.ticket, values["body"],
                                  public=not values["note"], registry=self.request.registry,
                                  may_view=self.may_view)
        except TicketProblem as problem:
            return self.back(problem.message, "reply", error=True)
        said = _("The note is added.") if values["note"] else _("The reply is sent.")
        return self.back(said, f"message-{message.id}")

    @view_config(name="take", permission="assign")
    def take(self):
        try:
            take(self.db, self.me, self.ticket, registry=self.request.registry)
        except TicketProblem as problem:
            return self.back(problem.message, error=True)
        return self.back(_("The ticket is yours now."))

    @view_config(name="assign", permission="assign")
    def assign(self):
        values, _problems = read_fields(schema_of(id_field("user")), self.request.POST)
        allowed = {u.id for u in assignable(self.request, self.ticket)}
        if values["user"] is not None and values["user"] not in allowed:
            return self.back(_("Choose someone from the list."), error=True)
        if not self.ticket.is_open:
            return self.back(_("A closed ticket is given to nobody."), error=True)
        give_to(self.db, self.me, self.ticket, values["user"], registry=self.request.registry)
        return self.back(_("The ticket is reassigned."))

    @view_config(name="fields", permission="edit")
    def fields(self):
        values, problems = read_fields(FIELDS, self.request.POST)
        if problems:
            return self.back(next(iter(problems.values())), error=True)
        changes = {k: values[k] for k in ("priority", "queue", "category", "subject")
                   if k in self.request.POST}
        if "queue" in changes:
            changes["queue_id"] = changes.pop("queue")
        if "tags" in self.request.POST:
            changes["tags"] = [t for t in values["tags"].split(",") if t.strip()]
        try:
            changed = update_fields(self.db, self.me, self.ticket, changes)
        except TicketProblem as problem:
            return self.back(problem.message, error=True)
        return self.back(_("Saved.") if changed else None)

    @view_config(name="watch", permission="view")
    def watch(self):
        mine = [w for w in self.ticket.watchers if w.user_id == self.me.id]
        if self.request.POST.get("stop"):
            for w in mine:
                self.ticket.watchers.remove(w)
            return self.back(_("You no longer watch this ticket."))
        if not mine:
            self.ticket.watchers.append(TicketWatcher(user_id=self.me.id))
        return self.back(_("You watch this ticket now."))

    @view_config(name="client", permission="edit")
    def client(self):
        """The organization the ticket is of, picked among those the person may see."""
        values, _problems = read_fields(schema_of(id_field("organization")), self.request.POST)
        org = self.db.get(Organization, values["organization"]) if values["organization"] else None
        if values["organization"] and (
                org is None or not self.request.has_permission("view", locate(self.request, org))):
            return self.back(_("Choose a client from the list."), error=True)
        set_client(self.db, self.me, self.ticket, org)
        return self.back(_("Saved."))

    @view_config(name="contact", permission="edit")
    def contact(self):
        """The contact person who asks, among the client's contacts."""
        values, problems = read_fields(schema_of(id_field("contact")), self.request.POST)
        given = str(self.request.POST.get("contact", "")).strip()
        contact = self.db.get(Contact, values["contact"]) if values.get("contact") else None
        if problems or (given and contact is None):
            return self.back(_("Choose one of the client’s contact persons."), error=True)
        try:
            changed = set_contact(self.db, self.me, self.ticket, contact)
        except TicketProblem as problem:
            return self.back(problem.message, error=True)
        return self.back(_("Saved.") if changed else None)

    @view_config(name="add-watcher", permission="edit")
    def add_watcher(self):
        """A colleague who may see the ticket watches it from now on (they hear of every
        message); one who may not see it is not added: watching shows nothing to anyone."""
        values, _problems = read_fields(schema_of(id_field("user")), self.request.POST)
        uid = values["user"]
        if uid is None or uid not in self.may_view({uid}):
            return self.back(_("Only a colleague who may see the ticket can watch it."),
                             "watchers", error=True)
        if uid not in {w.user_id for w in self.ticket.watchers}:
            self.ticket.watchers.append(TicketWatcher(user_id=uid))
        return self.back(None, "watchers")

    @view_config(name="merge", permission="edit")
    def merge(self):
        values, _problems = read_fields(schema_of(text(squeezed(40), name="into")),
                                        self.request.POST)
        into = find_by_number(self.db, values["into"])
        if into is None or not self.request.has_permission("edit", locate(self.request, into)):
            return self.back(_("No ticket of yours has that number."), error=True)
        try:
            merge(self.db, self.me, self.ticket, into, registry=self.request.registry)
        except TicketProblem as problem:
            return self.back(problem.message, error=True)
        self.request.session.flash(self.request.translate(
            _("${number} is merged into this ticket.", mapping={"number": self.ticket.number})))
        return HTTPSeeOther(self.request.resource_url(into))

    @view_config(name="attach", permission="edit")
    def attach(self):
        upload = self.request.POST.get("file")
        if upload is None or not getattr(upload, "filename", ""):
            return self.back(_("Choose a file to attach."), "attachments", error=True)
        limit = max_bytes(self.request.registry.settings)
        try:
            stored = store(self.request.registry.settings, upload.file, upload.filename,
                           limit=limit, check_type=False)
        except TooLarge:
            return self.back(_("The file is larger than ${mb} MB and was not attached.",
                               mapping={"mb": limit // (1024 * 1024)}), "attachments", error=True)
        except EmptyFile:
            return self.back(_("The file is empty and was not attached."), "attachments",
                             error=True)
        self.db.add(TicketAttachment(
            ticket_id=self.ticket.id, uploader_id=self.me.id,
            filename=safe_filename(upload.filename, 200), size=stored.size, sha256=stored.sha256,
            content_type=(getattr(upload, "type", "") or "application/octet-stream")[:100]))
        return self.back(None, "attachments")

    @view_config(name="draft-article", permission="edit")
    def draft_article(self):
        """A draft article from the ticket (its question and the last answer), in a folder
        where the person may write; linked to the ticket; opened for editing."""
        values, _problems = read_fields(schema_of(id_field("folder")), self.request.POST)
        folders = writable_folders(self.request)
        folder = next((f for f in folders if f.id == values["folder"]), None)
        if folder is None:
            return self.back(_("Choose a folder where you may write."), "articles", error=True)
        answer = self.db.scalar(
            sa.select(TicketMessage.body).where(TicketMessage.ticket_id == self.ticket.id,
                                                TicketMessage.kind == "reply")
            .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc()).limit(1)) or ""
        body = "\n\n".join(filter(None, (self.ticket.description, answer)))
        article = create_article(
            self.db, self.me, folder, ArticleInput(title=self.ticket.subject[:200], body=body,
                                                   summary="", slug="", tags=list(self.ticket.tags or [])),
            tree=self.request.kb_tree, readable=article_filter(self.request, "view"))
        link_article(self.request, self.ticket.id, article)
        self.request.session.flash(self.request.translate(
            _("A draft article is made from the ticket: finish it and send it for review.")))
        return HTTPSeeOther(article_url(self.request, article, "edit"))

    @view_config(name="link-article", permission="edit")
    def link(self):
        values, _problems = read_fields(schema_of(id_field("article"), flag_field("unlink")),
                                        self.request.POST)
        article = self.db.get(Article, values["article"]) if values["article"] else None
        if article is None:
            return self.back(_("That article no longer exists."), "articles", error=True)
        try:
            if values["unlink"]:
                unlink_article(self.request, self.ticket.id, article.id)
            else:
                link_article(self.request, self.ticket.id, article)
        except HTTPForbidden:
            return self.back(_("That article no longer exists."), "articles", error=True)
        return self.back(None, "articles")


