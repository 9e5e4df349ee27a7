"""Why clients leave (issue 15, point 8): a client is marked lost — on a day, with a reason from
the admin-editable list "client_lost_reason" and a note — and may be won back, which clears the
three. Both need organization.edit (the views check it); the client's audit history keeps who
did what when (organizations are versioned). The churn report is reports/churn.py.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.clients import Classifier, Organization
from models.errors import UserError
from models.people import User
from portal.core.i18n import _

LOST_REASON_LIST = "client_lost_reason"
NOTE_LIMIT = 2000


def lost_reasons(dbsession, keep: int | None = None) -> list[Classifier]:
    """The reasons offered (active ones by their order), and `keep` even if retired."""
    where = Classifier.active.is_(True)
    if keep is not None:
        where = sa.or_(where, Classifier.id == keep)
    return list(dbsession.scalars(sa.select(Classifier)
                                  .where(Classifier.list == LOST_REASON_LIST, where)
                                  .order_by(Classifier.sort_order, Classifier.title)))


def mark_lost(dbsession, actor: User, organization: Organization, *, lost_on: dt.date,
              today: dt.date, reason_id: int | None, note: str = "") -> Organization:
    """Mark the client lost on `lost_on` (not after `today`, the user's today) for a reason of
    the list. A client already lost is refused: win it back first, or nothing would say when
    it left the first time."""
    if organization.lost_on is not None:
        raise UserError(_("This client is already marked lost (since ${day}).",
                          mapping={"day": organization.lost_on.isoformat()}), "lost_on")
    if lost_on is None:
        raise UserError(_("Enter the day the client was lost."), "lost_on")
    if lost_on > today:
        raise UserError(_("The day the client was lost cannot be in the future."), "lost_on")
    if reason_id is None:
        raise UserError(_("Choose why the client was lost."), "reason")
    reason = dbsession.get(Classifier, reason_id)
    if reason is None or reason.list != LOST_REASON_LIST or not reason.active:
        raise UserError(_("Choose a reason from the list."), "reason")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise UserError(_("The note is longer than ${limit} characters.",
                          mapping={"limit": NOTE_LIMIT}), "note")
    organization.lost_on = lost_on
    organization.lost_reason_id = reason.id
    organization.lost_note = note
    dbsession.flush()
    return organization


def win_back(dbsession, actor: User, organization: Organization) -> Organization:
    """The client buys again: no longer lost (the audit history keeps that it was)."""
    if organization.lost_on is None:
        raise UserError(_("This client is not marked lost."), "lost_on")
    organization.lost_on = None
    organization.lost_reason_id = None
    organization.lost_note = ""
    dbsession.flush()
    return organization
