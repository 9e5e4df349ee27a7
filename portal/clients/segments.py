"""Segments: a person's named filters of a list (organizations, contacts, interactions), saved
as the list's query string so that one click opens the list filtered again."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from models.clients import SavedSegment
from models.people import User

NAME_MAX = SavedSegment.__table__.c.name.type.length
QUERY_MAX = SavedSegment.__table__.c.query.type.length
MAX_PARAMETERS = 30


def segment_query(query: str) -> str:
    """The list's own parameters of a query string: the page number is not part of a segment."""
    return urlencode([(k, v) for k, v in parse_qsl(query or "")
                      if k != "page"][:MAX_PARAMETERS])[:QUERY_MAX]


def segment_name(name: str) -> str:
    return " ".join((name or "").split())[:NAME_MAX]


def save_segment(dbsession, user: User, area: str, name: str, query: str) -> bool:
    """Save `query` as the user's segment `name` of the list `area` (the same name again
    replaces it); returns whether it is new. `name` and `query` as `segment_name` and
    `segment_query` make them."""
    segment = dbsession.scalar(sa.select(SavedSegment).where(
        SavedSegment.user_id == user.id, SavedSegment.area == area, SavedSegment.name == name))
    if segment is None:
        dbsession.add(SavedSegment(user_id=user.id, area=area, name=name, query=query))
        return True
    segment.query = query
    return False


def delete_segment(dbsession, user: User, area: str, segment_id: int) -> str | None:
    """Delete the user's own segment of the list `area`; returns its name (None: no such one)."""
    segment = dbsession.get(SavedSegment, segment_id)
    if segment is None or segment.user_id != user.id or segment.area != area:
        return None
    dbsession.delete(segment)
    return segment.name
