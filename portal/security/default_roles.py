"""Default data of a fresh installation: roles from config/roles.yaml."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml

from models.people import Department
from models.roles import Role, RoleGrant, RolePermission

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def load_roles_config(path: Path | None = None) -> dict:
    with open(path or CONFIG_DIR / "roles.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def resource_types() -> dict[str, list[str]]:
    """Every resource type and its permissions: the rows of the role matrix."""
    return load_roles_config()["types"]


def seed_roles(dbsession) -> list[Role]:
    """Add the default roles that are missing; never touch roles an admin has changed."""
    config = load_roles_config()
    types = config["types"]
    added = []
    for name, spec in config["roles"].items():
        if dbsession.scalar(sa.select(Role).where(Role.name == name)) is not None:
            continue
        role = Role(name=name, title=spec["title"], local_only=spec.get("local_only", False),
                    auto_grant=spec.get("grant_to_every_department", False))
        for key, scope in (spec.get("permissions") or {}).items():
            type_name, permission = key.split(".")
            if permission not in types.get(type_name, ()):
                raise ValueError(f"roles.yaml: {name} grants unknown permission {key}")
            role.permissions.append(RolePermission(type=type_name, permission=permission, scope=scope))
        dbsession.add(role)
        added.append(role)
    dbsession.flush()
    grant_auto_roles(dbsession)
    return added


def grant_auto_roles(dbsession, departments=None) -> None:
    """Grant the roles marked "every department" (employee) to departments lacking them."""
    auto = list(dbsession.scalars(sa.select(Role).where(Role.auto_grant.is_(True))))
    if departments is None:
        departments = list(dbsession.scalars(sa.select(Department)))
    for dept in departments:
        for role in auto:
            exists = dbsession.scalar(sa.select(RoleGrant.id).where(
                RoleGrant.role_id == role.id, RoleGrant.department_id == dept.id))
            if exists is None:
                dbsession.add(RoleGrant(role=role, department=dept))
    dbsession.flush()
