"""The administration start page: what an admin can manage, with counts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.view import view_config

from models.people import Department, User
from models.roles import Role
from portal.audit.log import audit_page, transaction_model
from portal.core.i18n import _
from portal.resources import Admin


@view_config(context=Admin, renderer="admin/index.jinja2", permission="manage")
def admin_index(request):
    db = request.dbsession
    tx = transaction_model()
    week_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).replace(tzinfo=None)
    users_total, users_active = db.execute(
        sa.select(sa.func.count(), sa.func.count().filter(User.active))).one()
    last = db.execute(
        sa.select(tx.issued_at).order_by(tx.id.desc()).limit(1)).scalar()
    return {
        "title": _("Administration"),
        "counts": {
            "users": users_total,
            "users_active": users_active,
            "departments": db.scalar(sa.select(sa.func.count()).select_from(Department)),
            "roles": db.scalar(sa.select(sa.func.count()).select_from(Role)),
            "changes_week": db.scalar(
                sa.select(sa.func.count()).select_from(tx).where(tx.issued_at >= week_ago)),
        },
        "last_change": last.replace(tzinfo=dt.UTC) if last else None,
        "recent": audit_page(db, per_page=5)[0],
    }
