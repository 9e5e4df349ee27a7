"""Telling colleagues about tickets: through the portal's one way of notifying
(portal/notifications/sending.py): stored as message ids and their parameters, read in each
person's language and time zone, delivered as they prefer."""
from __future__ import annotations

from portal.notifications.sending import tell as _tell


def tell(dbsession, registry, user_ids, kind: str, title, body, url: str,
         exclude: int | None = None, key: str | None = None) -> None:
    """Notify these colleagues (except `exclude`, usually whoever acted)."""
    _tell(dbsession, registry, set(user_ids) - {None}, kind, title, body, url, exclude=exclude,
          key=key)
