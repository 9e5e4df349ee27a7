"""Notifications of the knowledge base (to review, published, sent back, must read), each
written in its recipient's language."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories

from models.notifications import notify
from models.people import User


def notify_users(request, user_ids, title, body, url: str, kind: str) -> None:
    """One notification per person, written in their language."""
    if not user_ids:
        return
    db = request.dbsession
    default = request.registry.settings.get("pyramid.default_locale_name") or "ru"
    dirs = request.registry.queryUtility(ITranslationDirectories, default=[])
    localizers = {}
    for uid, locale in db.execute(sa.select(User.id, User.locale).where(User.id.in_(sorted(set(user_ids))))):
        locale = locale or default
        if locale not in localizers:
            localizers[locale] = make_localizer(locale, dirs)
        localizer = localizers[locale]

        def tr(text, localizer=localizer):
            return localizer.translate(text) if hasattr(text, "domain") else (text or "")

        notify(db, uid, tr(title), tr(body), url, kind)
