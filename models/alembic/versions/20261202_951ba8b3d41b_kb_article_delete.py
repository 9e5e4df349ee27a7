"""Knowledge base: the permission to delete articles (article.delete) for the roles that come
with the portal, in installations made before it existed: authors (employee, scope own — their
drafts) and folder editors (editor, scope all). Roles an admin made are left as they are.

Revision ID: 951ba8b3d41b
Revises: e70bde59ded3
Create Date: 2026-12-02 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "951ba8b3d41b"
down_revision = "e70bde59ded3"
branch_labels = None
depends_on = None

GRANTS = {"employee": "own", "editor": "all"}

roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String))
permissions = sa.table("role_permissions", sa.column("id", sa.Integer),
                       sa.column("role_id", sa.Integer), sa.column("type", sa.String),
                       sa.column("permission", sa.String), sa.column("scope", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    for name, scope in GRANTS.items():
        role_id = bind.scalar(sa.select(roles.c.id).where(roles.c.name == name))
        if role_id is None:  # a fresh database: `portal initdb` seeds the roles afterwards
            continue
        exists = bind.scalar(sa.select(permissions.c.id).where(
            permissions.c.role_id == role_id, permissions.c.type == "article",
            permissions.c.permission == "delete"))
        if exists is None:
            bind.execute(permissions.insert().values(role_id=role_id, type="article",
                                                     permission="delete", scope=scope))


def downgrade() -> None:
    op.get_bind().execute(permissions.delete().where(permissions.c.type == "article",
                                                     permissions.c.permission == "delete"))
