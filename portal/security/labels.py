"""The words of the role matrix: what each type of record and each permission is called, and
what each scope means. Shown on the roles pages and in the audit log, in the reader's language."""
from __future__ import annotations

from portal.core.i18n import _

TYPE_LABELS = {
    "person": _("People directory"),
    "kb_folder": _("Knowledge-base folders"),
    "organization": _("Organizations"),
    "contact": _("Contacts"),
    "interaction": _("Calls, meetings and letters"),
    "event": _("Calendar"),
    "room": _("Rooms"),
    "task": _("Tasks"),
    "article": _("Knowledge base"),
    "report": _("Reports"),
    "ticket": _("Tickets"),
    "job": _("Service jobs"),
    "resource": _("Service board resources"),
    "department": _("Departments"),
    "deal": _("Deals"),
    "order": _("Orders"),
    "product": _("Products"),
    "plan": _("Sales plans"),
}

PERMISSION_LABELS = {
    "person.view": _("See colleagues in the directory"),
    "kb_folder.add": _("Create sub-folders"),
    "kb_folder.edit": _("Rename, move and delete folders"),
    "kb_folder.share": _("Share folders (Sharing page)"),
    "organization.view": _("See organizations"),
    "organization.add": _("Add organizations"),
    "organization.edit": _("Edit organizations"),
    "organization.view_terms": _("See terms (discount, deferral, credit limit)"),
    "organization.merge": _("Merge duplicate organizations"),
    "organization.import": _("Import organizations from a file"),
    "organization.export": _("Export organizations to a file"),
    "contact.view": _("See contacts"),
    "contact.add": _("Add contacts"),
    "contact.edit": _("Edit contacts"),
    "interaction.view": _("See calls, meetings and letters"),
    "interaction.add": _("Record calls, meetings and letters"),
    "interaction.edit": _("Edit calls, meetings and letters"),
    "event.view": _("See calendar events (busy-only and private events show less)"),
    "event.add": _("Add calendar events"),
    "event.edit": _("Edit calendar events"),
    "room.book": _("Book rooms"),
    "task.view": _("See tasks"),
    "task.add": _("Give tasks (to anyone or any department)"),
    "task.edit": _("Edit tasks"),
    "task.assign": _("Reassign tasks"),
    "article.view": _("Read published articles"),
    "article.add": _("Write article drafts"),
    "article.edit": _("Edit articles"),
    "article.review": _("Publish, reject and archive articles"),
    "article.delete": _("Delete articles"),
    "report.activity": _("Activity report"),
    "report.advertising": _("Advertising report"),
    "report.discipline": _("Discipline report"),
    "ticket.view": _("See tickets"),
    "ticket.add": _("Create tickets"),
    "ticket.edit": _("Answer and change tickets"),
    "ticket.assign": _("Take and reassign tickets"),
    "ticket.report": _("Ticket reports (SLA, satisfaction, load)"),
    "job.view": _("See service jobs"),
    "job.add": _("Create service jobs"),
    "job.dispatch": _("Schedule, move and reassign service jobs"),
    "job.edit": _("Start, finish and report service jobs"),
    "resource.view": _("See the service board's people, skills and hours"),
    "resource.manage": _("Manage skills, hours and time off"),
    "report.dispatch": _("Dispatch report"),
    "report.sales": _("Sales reports and the director's dashboard"),
    "deal.view": _("See deals"),
    "deal.add": _("Create deals"),
    "deal.edit": _("Change deals, move them between stages, close them"),
    "order.view": _("See orders"),
    "order.add": _("Create orders"),
    "order.edit": _("Change, confirm, ship and cancel orders"),
    "order.payment": _("Record payments of orders"),
    "product.view": _("See the product catalog"),
    "product.manage": _("Manage products and product groups"),
    "plan.view": _("See sales plans"),
    "plan.edit": _("Set and correct sales plans"),
}

SCOPE_HELP = {
    "own": _("Rows the person owns or is responsible for (author, assignee, attendee…)"),
    "department": _("Rows of the person's departments and their sub-departments"),
    "all": _("Every row"),
}


def type_label(type_name: str):
    return TYPE_LABELS.get(type_name, type_name)


def permission_label(type_name: str, permission: str):
    """The English label (a translation string) of a type.permission, e.g. for the matrix."""
    return PERMISSION_LABELS.get(f"{type_name}.{permission}", f"{type_name}.{permission}")
