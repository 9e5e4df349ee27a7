"""What every page needs: template globals, the unread-notification count."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber

from models.notifications import Notification
from portal.core.i18n import LANGUAGES


def unread_notifications(request) -> int:
    identity = request.identity
    if identity is None:
        return 0
    return request.dbsession.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == identity.user.id, Notification.read_at.is_(None))
    )


@subscriber(BeforeRender)
def add_globals(event):
    request = event.get("request")
    if request is None:
        return
    event.setdefault("languages", LANGUAGES)
    event.setdefault("get_csrf_token", lambda: get_csrf_token(request))
    event.setdefault("title", "")


def includeme(config) -> None:
    config.add_request_method(unread_notifications, reify=True)
