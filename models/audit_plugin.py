"""Continuum plugin that stamps each audit transaction with the acting user and address."""
from __future__ import annotations

from sqlalchemy_continuum.plugins.base import Plugin


class ActorPlugin(Plugin):
    """Reads `session.info['actor_id']` / `['remote_addr']`, set once per request or script."""

    def transaction_args(self, uow, session):
        return {
            "user_id": session.info.get("actor_id"),
            "remote_addr": session.info.get("remote_addr"),
        }
