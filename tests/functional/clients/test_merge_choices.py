"""Merging two clients keeps everything that points at the removed one (tasks, events, files,
search) and lets the user choose, field by field, which value stays."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.calendar import Event
from models.clients import Contact, Organization
from models.tasks import Task
from tests.functional.calendar.conftest import cal  # noqa: F401 (a fixture)
from tests.functional.tasks.conftest import make_task  # noqa: F401 (a fixture)

START = dt.datetime(2031, 3, 3, 7, 0, tzinfo=dt.UTC)


def test_tasks_and_events_about_the_merged_organization_move_to_the_kept_one(
        testapp, login_as, dbsession, clients, make_task, cal):
    director = login_as("director")
    keep = clients.organization("Альфа")
    dup = clients.organization("Альфа ООО", phones=["+7 495 300-00-00"])
    task = make_task(director, director, title="Выставить счёт Альфе", link_type="organization",
                     link_id=dup.id, due_in=dt.timedelta(days=2))
    event = cal.event(director, "Встреча в Альфе", start=START, link_type="client", link_id=dup.id)
    testapp.post_csrf(f"/clients/{keep.id}/merge", {"other": str(dup.id)}, status=303)
    dbsession.expire_all()
    assert (dbsession.get(Task, task.id).link_type, dbsession.get(Task, task.id).link_id) == \
        ("organization", keep.id)
    assert (dbsession.get(Event, event.id).link_type, dbsession.get(Event, event.id).link_id) == \
        ("client", keep.id)
    card = testapp.get(f"/clients/{keep.id}")
    assert "Выставить счёт Альфе" in card.text and "Встреча в Альфе" in card.text
    # The merged phone finds the kept organization in the search.
    found = testapp.get("/clients", {"q": "3000000"})
    assert f"/clients/{keep.id}" in found.text and f"/clients/{dup.id}\"" not in found.text


def test_tasks_and_events_about_the_merged_contact_move_to_the_kept_one(
        testapp, login_as, dbsession, clients, make_task, cal):
    director = login_as("director")
    org = clients.organization("Бета")
    keep = clients.contact("Сидоров Семён", organization=org)
    dup = clients.contact("Сидоров С.", organization=org)
    task = make_task(director, director, title="Поздравить Сидорова", link_type="contact",
                     link_id=dup.id, due_in=dt.timedelta(days=2))
    event = cal.event(director, "Обед с Сидоровым", start=START, link_type="contact", link_id=dup.id)
    testapp.post_csrf(f"/clients/{org.id}/contacts/{keep.id}/merge", {"other": str(dup.id)},
                      status=303)
    dbsession.expire_all()
    assert dbsession.get(Task, task.id).link_id == keep.id
    assert dbsession.get(Event, event.id).link_id == keep.id
    page = testapp.get(f"/clients/{org.id}/contacts/{keep.id}")
    assert "Поздравить Сидорова" in page.text and "Обед с Сидоровым" in page.text


def test_the_merge_page_offers_a_choice_for_each_differing_field(testapp, login_as, clients):
    login_as("director")
    keep = clients.organization("Гамма", website="", kind="client", stage="interest")
    dup = clients.organization("Гамма ООО", website="gamma.example", kind="partner",
                               stage="interest", inn=clients.inn())
    page = testapp.get(f"/clients/{keep.id}/merge", {"other": str(dup.id)})
    rows = {r.select_one("th").text.strip(): r for r in page.html.select("#merge-fields tbody tr")}
    assert {"name", "INN", "kind", "website"} <= set(rows) and "stage" not in rows
    checked = {name: row.select_one("input:checked")["value"] for name, row in rows.items()}
    # The kept record's value by default, the other's where the kept one is empty.
    assert checked["name"] == "keep" and checked["kind"] == "keep"
    assert checked["website"] == "other" and checked["INN"] == "other"
    assert "Partner" in rows["kind"].text
    # The user may keep the other record instead.
    swap = page.html.select_one("#merge-swap")["href"]
    assert f"/clients/{dup.id}/merge" in swap and f"other={keep.id}" in swap


def test_the_chosen_values_are_stored_and_the_others_follow_the_defaults(
        testapp, login_as, dbsession, clients):
    login_as("director")
    region = clients.classifier("region", "Тверская область")
    keep = clients.organization("Дельта", inn=clients.inn(), kind="client", legal_name="",
                                notes="наша заметка", discount_percent=Decimal("5"))
    dup = clients.organization("ООО «Дельта-Плюс»", inn=clients.inn(), kind="supplier",
                               legal_name="ООО «Дельта-Плюс»", region_id=region.id,
                               notes="их заметка", discount_percent=Decimal("7"),
                               website="delta.example")
    kept_inn, dup_inn = keep.inn, dup.inn
    testapp.post_csrf(f"/clients/{keep.id}/merge", {
        "other": str(dup.id), "choice-name": "other", "choice-kind": "other",
        "choice-notes": "keep", "choice-discount_percent": "other", "choice-website": "keep"},
        status=303)
    dbsession.expire_all()
    org = dbsession.get(Organization, keep.id)
    assert (org.name, org.kind, org.notes, org.discount_percent, org.website) == \
        ("ООО «Дельта-Плюс»", "supplier", "наша заметка", Decimal("7"), "")
    # Not chosen: the kept INN stays, empty fields are filled from the other record.
    assert (org.inn, org.legal_name, org.region_id) == (kept_inn, "ООО «Дельта-Плюс»", region.id)
    # The removed organization's INN stays on the kept card, with its name.
    card = testapp.get(f"/clients/{keep.id}")
    history = testapp.get(card.html.select_one("#history-body [hx-get]")["hx-get"])
    assert f"Merged with “ООО «Дельта-Плюс» ({dup_inn})”" in history.text


def test_the_other_inn_may_be_chosen(testapp, login_as, dbsession, clients):
    login_as("director")
    keep = clients.organization("Эпсилон", inn=clients.inn())
    dup = clients.organization("Эпсилон ООО", inn=clients.inn())
    old_inn, new_inn = keep.inn, dup.inn
    testapp.post_csrf(f"/clients/{keep.id}/merge",
                      {"other": str(dup.id), "choice-inn": "other"}, status=303)
    dbsession.expire_all()
    assert dbsession.get(Organization, keep.id).inn == new_inn
    assert old_inn != new_inn
    # Its INN taken over, the merged organization is named without it.
    card = testapp.get(f"/clients/{keep.id}")
    history = testapp.get(card.html.select_one("#history-body [hx-get]")["hx-get"])
    assert "Merged with “Эпсилон ООО”" in history.text


def test_by_default_notes_of_both_are_joined(testapp, login_as, dbsession, clients):
    login_as("director")
    keep = clients.organization("Зета", notes="первая")
    dup = clients.organization("Зета ООО", notes="вторая")
    page = testapp.get(f"/clients/{keep.id}/merge", {"other": str(dup.id)})
    assert page.html.select_one("#choice-notes-both").has_attr("checked")
    testapp.post_csrf(f"/clients/{keep.id}/merge", {"other": str(dup.id)}, status=303)
    dbsession.expire_all()
    assert dbsession.get(Organization, keep.id).notes == "первая\n\nвторая"


def test_contact_fields_are_chosen_on_their_merge(testapp, login_as, dbsession, clients):
    login_as("director")
    org = clients.organization("Эта")
    keep = clients.contact("Орлова Ольга", organization=org, position="бухгалтер",
                           birthday=None, decision_level="")
    dup = clients.contact("Орлова О. В.", organization=org, position="главный бухгалтер",
                          birthday=dt.date(1980, 5, 17), phones=["+7 916 555-55-55"])
    page = testapp.get(f"/clients/{org.id}/contacts/{keep.id}/merge", {"other": str(dup.id)})
    rows = {r.select_one("th").text.strip(): r for r in page.html.select("#merge-fields tbody tr")}
    assert {"name", "position", "birthday"} <= set(rows)
    assert rows["birthday"].select_one("input:checked")["value"] == "other"
    testapp.post_csrf(f"/clients/{org.id}/contacts/{keep.id}/merge",
                      {"other": str(dup.id), "choice-position": "other"}, status=303)
    dbsession.expire_all()
    contact = dbsession.get(Contact, keep.id)
    assert (contact.full_name, contact.position, contact.birthday) == \
        ("Орлова Ольга", "главный бухгалтер", dt.date(1980, 5, 17))
    assert [p.normalized for p in contact.phones] == ["79165555555"]

