"""An import with rows the database refuses: each batch and each retried row in a savepoint,
with no SQLAlchemy warning about them, and everything it wrote in one audit transaction of
the person who imported, that no rolled-back batch takes away."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy_continuum import version_class, versioning_manager

from models.clients import Organization
from tests.functional.clients.test_import import csv_bytes, importer, run, tile, upload

__all__ = ["importer"]  # the fixture, shared with test_import.py


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")
def test_refused_rows_leave_no_warning_and_one_audit_transaction(testapp, importer, dbsession,
                                                                 clients, monkeypatch):
    import portal.clients.import_write as ci

    first = clients.organization("ООО «Первое»", manager=importer, inn=clients.inn())
    second = clients.organization("ООО «Второе»", manager=importer, inn=clients.inn())
    apply, write_new = ci._apply_organization, ci._Writer._write_organizations

    def refused_update(org, values):
        apply(org, values)
        if org.id == second.id:
            org.name = None  # NOT NULL: the database refuses the batch, then this row

    def refused_insert(writer, plans):
        for plan in plans:
            if "Плохое" in plan.values["name"]:
                plan.values["inn"] = first.inn  # the unique INN index refuses it
        write_new(writer, plans)

    monkeypatch.setattr(ci, "_apply_organization", refused_update)
    monkeypatch.setattr(ci._Writer, "_write_organizations", refused_insert)
    data = csv_bytes([["Наименование", "ИНН", "Телефон"],
                      ["ООО «Первое» обновлено", first.inn, "+7 495 111-11-11"],
                      ["ООО «Второе» обновлено", second.inn, "+7 495 222-22-22"],
                      ["ООО «Третье»", clients.inn(), ""],
                      ["ООО «Плохое»", clients.inn(), ""]])
    page = upload(testapp, "db.csv", data).follow()
    dbsession.flush()
    # The request starts as a request does, without an audit transaction of the test's setup.
    versioning_manager.clear(dbsession)
    result = run(testapp, page, duplicates="update")
    assert (tile(result, "create"), tile(result, "update"), tile(result, "fail")) == ("1", "1", "2")

    versions = version_class(Organization)
    third = dbsession.scalar(sa.select(Organization).where(Organization.name == "ООО «Третье»"))
    written = dbsession.execute(
        sa.select(versions.id, versions.operation_type, versions.transaction_id)
        .where(versions.id.in_([first.id, second.id, third.id]), versions.operation_type > 0)
        .union_all(sa.select(versions.id, versions.operation_type, versions.transaction_id)
                   .where(versions.id == third.id))).all()
    assert {(i, op) for i, op, _tx in written} == {(first.id, 1), (third.id, 0)}
    assert len({tx for _i, _op, tx in written}) == 1
    transaction = versioning_manager.transaction_cls
    who = dbsession.execute(sa.select(transaction.id, transaction.user_id).where(
        transaction.id == written[0].transaction_id)).all()
    assert who == [(written[0].transaction_id, importer.id)]
    assert not dbsession.scalar(sa.select(sa.func.count()).select_from(versions)
                                .where(versions.name == "ООО «Плохое»"))


def test_a_new_row_with_the_id_of_a_deleted_one_takes_its_place_in_search(
        testapp, importer, dbsession, clients, monkeypatch):
    """SQLite gives a new row the highest id again after that row was deleted; a search
    document left behind under that id must not make the import refuse the batch."""
    import portal.clients.import_write as ci
    from models.search import index_documents

    last = dbsession.scalar(sa.select(sa.func.max(Organization.id))) or 0
    index_documents(dbsession.connection(), "organization", [(last + 1, "Старое", "старое")])
    batches = []
    write_new = ci._Writer._write_organizations
    monkeypatch.setattr(ci._Writer, "_write_organizations",
                        lambda writer, plans: batches.append(len(plans)) or write_new(writer, plans))
    data = csv_bytes([["Наименование", "ИНН"], ["ООО «Новое»", clients.inn()],
                      ["ООО «Новейшее»", clients.inn()]])
    page = upload(testapp, "ids.csv", data).follow()
    result = run(testapp, page)
    assert (tile(result, "create"), tile(result, "fail")) == ("2", "0")
    assert batches == [2]  # one batch, not refused and retried row by row
