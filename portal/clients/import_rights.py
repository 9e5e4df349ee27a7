"""Who may import clients, for the page someone without the right gets (the import wizard's
403): the roles that give organization.import, the person's department heads who hold it, and
the administrators, who grant roles."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models.people import Department, Membership, User
from models.roles import Role, RoleGrant, RolePermission


@dataclass
class ImportRight:
    """Who to ask for the right to import clients: the roles that hold it, the person's
    department heads who hold it, the administrators (who grant roles)."""

    roles: list[str]
    heads: list[User]
    admins: list[User]


def import_right(dbsession, user: User) -> ImportRight:
    """Whom `user`, who may not import clients, can ask (or ask to grant them the right)."""
    roles = sa.select(RolePermission.role_id).where(RolePermission.type == "organization",
                                                    RolePermission.permission == "import")
    holders = sa.or_(
        User.id.in_(sa.select(RoleGrant.user_id).where(RoleGrant.role_id.in_(roles))),
        User.id.in_(sa.select(Membership.user_id).where(Membership.department_id.in_(
            sa.select(RoleGrant.department_id).where(RoleGrant.role_id.in_(roles))))))
    admin_role = sa.select(Role.id).where(Role.name == "admin")
    is_admin = sa.or_(
        User.id.in_(sa.select(RoleGrant.user_id).where(RoleGrant.role_id.in_(admin_role))),
        User.id.in_(sa.select(Membership.user_id).where(Membership.department_id.in_(
            sa.select(RoleGrant.department_id).where(RoleGrant.role_id.in_(admin_role))))))
    heads = list(dbsession.scalars(
        sa.select(User).join(Department, Department.head_id == User.id)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.user_id == user.id, User.id != user.id, User.active,
               sa.or_(holders, is_admin))
        .distinct().order_by(User.full_name)))
    admins = list(dbsession.scalars(sa.select(User).where(User.active, is_admin, User.id != user.id)
                                    .order_by(User.full_name).limit(5)))
    titles = list(dbsession.scalars(sa.select(Role.title).where(Role.id.in_(roles))
                                    .order_by(Role.title)))
    return ImportRight(titles, heads, admins)
