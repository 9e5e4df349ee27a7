"""An INN belongs to one organization, held by the database too: two saves at the same moment
cannot both record it, and the one refused says which organization has it (issue 3, point 7)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from models.clients import Organization

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))


def post(testapp, url, values: dict, status):
    params = [*values.items(), ("csrf_token", testapp.csrf_token())]
    return testapp.post(url, params, status=status)


def org_form(**values) -> dict:
    form = {"name": "", "legal_name": "", "inn": "", "kpp": "", "kind": "client",
            "stage": "attraction", "manager_id": "", "department_id": "", "website": "",
            "tags": "", "notes": ""}
    form.update(values)
    return form


def with_inn(dbsession, inn: str) -> list[str]:
    return list(dbsession.scalars(sa.select(Organization.name).where(Organization.inn == inn)
                                  .order_by(Organization.id)))


def test_the_database_refuses_a_second_organization_with_the_same_inn(dbsession, clients):
    inn = clients.inn()
    clients.organization("Первая", inn=inn)
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        clients.organization("Вторая", inn=inn)
    # Unknown INNs may repeat.
    clients.organization("Без ИНН 1", inn="")
    clients.organization("Без ИНН 2", inn="")
    assert with_inn(dbsession, inn) == ["Первая"]


@pytest.fixture
def rival(monkeypatch, clients):
    """Another person records an organization with `inn` right after this save's INN check
    passed (two saves at the same moment), through the real database."""
    import portal.clients.records as records

    made = []
    check = records.inn_owner

    def inn_owner_then_rival(db, inn, exclude_id=None):
        owner = check(db, inn, exclude_id=exclude_id)
        if owner is None and not made:
            made.append(clients.organization("ООО «Опередивший»", inn=inn))
        return owner

    monkeypatch.setattr(records, "inn_owner", inn_owner_then_rival)
    return made


def test_a_save_that_loses_the_race_for_an_inn_says_who_has_it(testapp, login_as, dbsession,
                                                               clients, rival):
    me = login_as("director")
    inn = clients.inn()
    page = post(testapp, "/clients/add", org_form(name="ООО «Опоздавший»", inn=inn,
                                                  manager_id=str(me.id)), 400)
    assert rival, "the rival was not recorded"
    error = page.html.select_one("#error-inn, .invalid-feedback").get_text(" ", strip=True)
    assert inn in error and "Опередивший" in error
    link = page.html.select_one("#inn-owner a")
    assert link["href"].rstrip("/").endswith(f"/clients/{rival[0].id}")
    assert with_inn(dbsession, inn) == ["ООО «Опередивший»"]


def test_an_edit_that_loses_the_race_for_an_inn_keeps_the_record(testapp, login_as, dbsession,
                                                                 clients, rival):
    me = login_as("director")
    org = clients.organization("ООО «Редактируемый»", manager=me)
    inn = clients.inn()
    page = post(testapp, f"/clients/{org.id}/edit", org_form(
        name="ООО «Редактируемый»", inn=inn, manager_id=str(me.id), version=str(org.version)),
        400)
    assert "Опередивший" in page.text
    dbsession.refresh(org)
    assert org.inn == ""
    assert with_inn(dbsession, inn) == ["ООО «Опередивший»"]


def test_an_imported_row_that_loses_the_race_for_an_inn_says_who_has_it(
        request_for, factory, clients, dbsession, monkeypatch):
    from portal.clients import importer as clients_import
    from portal.clients.import_files import Table

    head = factory.user(roles=["dept_head"])
    request = request_for(head, "/clients/imports/")
    inn_a, inn_b = clients.inn(), clients.inn()
    table = Table(kind="csv", headers=["Наименование", "ИНН"],
                  rows=[["ООО «Из файла А»", inn_a], ["ООО «Из файла Б»", inn_b]], lines=[2, 3])
    write = clients_import._Writer.create_organizations

    def rival_first(self, plans):
        clients.organization("ООО «Опередивший»", inn=inn_a)
        return write(self, plans)

    monkeypatch.setattr(clients_import._Writer, "create_organizations", rival_first)
    plans = clients_import.Importer(request, table, "organizations", {0: "name", 1: "inn"},
                                    "skip").run()
    failed, done = plans
    assert failed.action == "fail" and done.action == "create"
    assert "Опередивший" in request.localizer.translate(failed.problems[-1])
    assert inn_a in request.localizer.translate(failed.problems[-1])
    assert with_inn(dbsession, inn_a) == ["ООО «Опередивший»"]
    assert with_inn(dbsession, inn_b) == ["ООО «Из файла Б»"]


def test_merging_gives_the_kept_organization_the_merged_ones_inn(dbsession, clients):
    from portal.clients.merge import merge_organizations

    inn = clients.inn()
    keep = clients.organization("Оставляемая")
    other = clients.organization("Сливаемая", inn=inn)
    merge_organizations(dbsession, keep, other)
    assert with_inn(dbsession, inn) == ["Оставляемая"]


def test_the_migration_stops_and_lists_existing_duplicates(tmp_path):
    from alembic import command
    from alembic.config import Config

    import models

    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    cfg = Config(os.path.join(HERE, "development.ini"))

    def upgrade(target: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)

    upgrade("79ee49031efe")
    with engine.begin() as conn:
        for oid, inn in ((1, "7707083893"), (2, "7707083893"), (3, ""), (4, "")):
            conn.exec_driver_sql(
                "INSERT INTO organizations (id, name, legal_name, name_key, inn, kpp, kind, stage, "
                "website, notes, tags, created_at, updated_at, version) VALUES "
                f"({oid}, 'Орг {oid}', '', 'орг {oid}', '{inn}', '', 'client', 'attraction', '', "
                "'', '', '2026-03-01 09:00:00.000000', '2026-03-01 09:00:00.000000', 1)")
    with pytest.raises(RuntimeError, match=r"INN 7707083893: 2 organizations \(ids 1…2\)"):
        upgrade("4a7c2e91d0b3")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE organizations SET inn = '' WHERE id = 2")
    upgrade("4a7c2e91d0b3")
    with engine.connect() as conn:
        indexes = {i["name"]: i for i in sa.inspect(conn).get_indexes("organizations")}
    engine.dispose()
    assert indexes["uq_organizations_inn"]["unique"]
