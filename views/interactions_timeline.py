"""The client card's pieces of interactions: the timeline (what happened, newest first, and the
planned next steps, oldest first, overdue marked, each with its actions) and the header buttons
"Log a call" and "Plan a meeting"."""
from __future__ import annotations

import sqlalchemy as sa
from markupsafe import Markup
from pyramid.renderers import render
from sqlalchemy.orm import joinedload

from models.clients import Contact, Interaction, Organization
from models.meta import utcnow
from portal.clients import INTERACTION_KIND_ICONS, INTERACTION_KIND_LABELS
from portal.clients_timeline import TimelineItem, timeline_provider
from portal.i18n import _
from portal.interactions import attempt_counts, attempt_summary, interaction_url, locate
from portal.security import sql_filter
from views.clients import Action, card_action

DETAIL_MAX = 240


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX - 1] + "…"


@timeline_provider("interactions")
def interactions_timeline(request, target, *, planned: bool, limit: int) -> list[TimelineItem]:
    """Interactions with an organization (or a contact) the user may see."""
    if isinstance(target, Organization):
        about = Interaction.organization_id == target.id
    elif isinstance(target, Contact):
        about = Interaction.contact_id == target.id
    else:
        return []
    stmt = sa.select(Interaction).where(about, sql_filter(request, Interaction, "view"))
    if planned:
        stmt = stmt.where(Interaction.done_at.is_(None)).order_by(Interaction.planned_at,
                                                                  Interaction.id)
    else:
        stmt = stmt.where(Interaction.done_at.is_not(None)).order_by(
            Interaction.done_at.desc(), Interaction.id.desc())
    rows = request.dbsession.scalars(stmt.options(
        joinedload(Interaction.responsible), joinedload(Interaction.contact),
        joinedload(Interaction.result)).limit(limit)).all()
    translate = request.localizer.translate
    now = utcnow()
    came_from = request.path_qs
    # Every attempt of every day (the interaction's own page lists them one by one).
    tried = attempt_counts(request.dbsession, [i.id for i in rows if i.kind == "call"])
    out = []
    for item in rows:
        locate(request, item)
        kind = translate(INTERACTION_KIND_LABELS.get(item.kind, _("Interaction")))
        title = f"{kind}: {item.subject}" if item.subject else kind
        if item.done:
            result = translate(_(item.result.title)) if item.result else ""
            detail = _short(item.result_text or item.text)
            badge, badge_class = (result or translate(_("Done"))), "text-bg-success"
        else:
            detail = _short(item.text)
            overdue = item.planned_at < now
            badge = translate(_("Overdue") if overdue else _("Planned"))
            badge_class = "text-bg-danger" if overdue else "text-bg-primary"
        if isinstance(target, Organization) and item.contact is not None:
            detail = " · ".join(p for p in (item.contact.full_name, detail) if p)
        attempts = attempt_summary(request, tried.get(item.id))
        if attempts:
            detail = " · ".join(p for p in (detail, translate(_(
                "Attempts: ${list}", mapping={"list": attempts}))) if p)
        actions = Markup(render("interactions/_timeline_actions.jinja2", {
            "item": item, "may_edit": request.has_permission("edit", item),
            "url": lambda *el, item=item, **kw: interaction_url(request, item, *el, **kw),
            "came_from": came_from}, request=request))
        out.append(TimelineItem(
            at=item.done_at or item.planned_at, title=title, url=interaction_url(request, item),
            kind="interactions", icon=INTERACTION_KIND_ICONS.get(item.kind, "chat"),
            detail=detail, who=item.responsible.full_name if item.responsible else "",
            badge=badge, badge_class=badge_class, color=item.color, planned=not item.done,
            overdue=not item.done and item.planned_at < now, actions_html=actions,
            extra={"interaction_id": item.id, "direction": item.direction}))
    return out


@card_action
def card_buttons(request, org: Organization) -> list[Action]:
    """"Log a call" and "Plan a meeting" with this client, back to the card afterwards."""
    section = request.root["clients"]["interactions"]
    if not request.has_permission("add", section):
        return []
    back = request.path
    return [
        Action(_("Log a call"), request.resource_url(section, "@@add", query={
            "kind": "call", "organization": org.id, "came_from": back}),
            "telephone-plus", "btn-primary", "ix-card-log-call"),
        Action(_("Plan a meeting"), request.resource_url(section, "@@add", query={
            "mode": "plan", "kind": "meeting", "organization": org.id, "came_from": back}),
            "calendar-plus", "btn-outline-primary", "ix-card-plan-meeting"),
    ]
