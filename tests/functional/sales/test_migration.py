"""The sales revision (5a1e50000001) on an installation made before it, on SQLite and
PostgreSQL: its organizations keep their rows and get the "lost" columns, the default roles get
the sales grants of config/roles.yaml, the lost-reason lists get their entries; and it goes back
down and up again."""
from __future__ import annotations

import importlib.util
import itertools
import os

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

import models
from portal.security.default_roles import load_roles_config

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
REVISION = os.path.join(HERE, "models", "alembic", "versions", "20261207_5a1e50000001_sales.py")
SALES_TYPES = ("deal", "order", "product", "plan")
_n = itertools.count(1)


def revision_module():
    spec = importlib.util.spec_from_file_location("sales_revision", REVISION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sales_grants_of_roles_yaml() -> dict:
    out = {}
    for name, spec in load_roles_config()["roles"].items():
        grants = {key: scope for key, scope in (spec.get("permissions") or {}).items()
                  if key.split(".")[0] in SALES_TYPES or key == "report.sales"}
        if grants:
            out[name] = grants
    return out


def test_the_revision_grants_what_roles_yaml_grants():
    """A later change of the sales grants in roles.yaml needs a revision of its own."""
    assert sales_grants_of_roles_yaml() == revision_module().SALES_GRANTS


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before-sales.sqlite'}"
        return
    base = sa.engine.make_url(request.getfixturevalue("postgres_url"))
    name = f"sales_migration_{os.getpid()}_{next(_n)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def run(engine, action, target):
    cfg = Config(os.path.join(HERE, "development.ini"))
    cfg.set_main_option("script_location", os.path.join(HERE, "models", "alembic"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, target)
    return cfg


def test_an_installation_made_before_sales_upgrades_and_back(empty_url):
    engine = models.get_engine({"sqlalchemy.url": empty_url})
    cfg = Config(os.path.join(HERE, "development.ini"))
    cfg.set_main_option("script_location", os.path.join(HERE, "models", "alembic"))
    heads = [h for h in ScriptDirectory.from_config(cfg).get_heads() if h != "5a1e50000001"]
    for head in heads:
        run(engine, command.upgrade, head)
    with engine.begin() as conn:
        assert "sales_deals" not in sa.inspect(conn).get_table_names()
        conn.execute(sa.text("INSERT INTO roles (name, title, local_only, auto_grant) "
                             "VALUES ('sales', 'Sales manager', false, false), "
                             "('accountant', 'Accountant', false, false)"))
        sales_id = conn.scalar(sa.text("SELECT id FROM roles WHERE name = 'sales'"))
        # An admin had already given the sales role deal-like rights of their own choosing.
        conn.execute(sa.text("INSERT INTO role_permissions (role_id, type, permission, scope) "
                             "VALUES (:r, 'organization', 'view', 'department'), "
                             "(:r, 'deal', 'view', 'all')"), {"r": sales_id})
        conn.execute(sa.text("INSERT INTO organizations (name, legal_name, name_key, inn, kpp, "
                             "kind, stage, website, notes, tags, created_at, updated_at, version) "
                             "VALUES ('Old client', '', 'old client', '', '', 'client', "
                             "'loyalty', '', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))

    run(engine, command.upgrade, "heads")
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT lost_on, lost_reason_id, lost_note FROM organizations")).one()
        assert tuple(row) == (None, None, "")
        grants = {(r.name, f"{r.type}.{r.permission}"): r.scope for r in conn.execute(sa.text(
            "SELECT roles.name, type, permission, scope FROM role_permissions "
            "JOIN roles ON roles.id = role_id"))}
        reasons = conn.scalar(sa.text(
            "SELECT count(*) FROM classifiers WHERE list = 'deal_lost_reason'"))
    expected = sales_grants_of_roles_yaml()
    # What the admin chose stays; the rest of the role's sales grants are added.
    assert grants[("sales", "deal.view")] == "all"
    assert grants[("sales", "organization.view")] == "department"
    for role in ("sales", "accountant"):
        for key, scope in expected[role].items():
            if (role, key) != ("sales", "deal.view"):
                assert grants[(role, key)] == scope, (role, key)
    assert reasons == len([r for r in revision_module().LOST_REASONS if r[0] == "deal_lost_reason"])

    run(engine, command.downgrade, "sales@base")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert not [t for t in inspector.get_table_names() if t.startswith("sales_")]
        assert "lost_on" not in {c["name"] for c in inspector.get_columns("organizations")}
        assert conn.scalar(sa.text("SELECT name FROM organizations")) == "Old client"
        assert conn.scalar(sa.text(
            "SELECT count(*) FROM role_permissions WHERE type IN ('deal', 'order')")) == 0
    run(engine, command.upgrade, "heads")
    with engine.connect() as conn:
        assert "sales_facts" in sa.inspect(conn).get_table_names()
    engine.dispose()
