"""Notifications of the knowledge base (to review, published, sent back, must read), stored as
message ids and parameters and read in each recipient's language
(portal/notifications/sending.py)."""
from __future__ import annotations

from portal.notifications.sending import tell


def notify_users(request, user_ids, title, body, url: str, kind: str) -> None:
    """Tell these people `title` and `body` (translation strings, or plain text such as the
    reviewer's comment)."""
    tell(request.dbsession, request.registry, set(user_ids or ()), kind, title, body, url)
