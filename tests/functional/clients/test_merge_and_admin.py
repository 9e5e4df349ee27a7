"""Merging duplicates through the pages, change history on the card, classifier administration."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from models.clients import Classifier, Contact, Interaction, Organization


def test_a_department_head_merges_two_organizations_keeping_everything(
        testapp, login_as, dbsession, clients, factory):
    head = login_as("dept_head")
    keep = clients.organization("Омега", manager=head, phones=["+7 495 100-00-00"])
    dup = clients.organization("Омега ООО", manager=head, inn=clients.inn(),
                               phones=["+7 495 200-00-00"])
    clients.contact("Контакт дубля", organization=dup)
    call = clients.interaction(responsible=head, organization=dup)
    dbsession.info["actor_id"] = head.id
    dup.notes = "заметка дубля"  # a change recorded in the duplicate's own history
    dbsession.flush()
    page = testapp.get(f"/clients/{keep.id}/merge", {"q": "омега"})
    assert f"?other={dup.id}" in page.text and f"?other={keep.id}" not in page.text
    page = testapp.get(f"/clients/{keep.id}/merge", {"other": str(dup.id)})
    assert "Contact persons: 1" in page.text and "Interactions: 1" in page.text
    testapp.post_csrf(f"/clients/{keep.id}/merge", {"other": str(dup.id)}, status=303)
    dbsession.expire_all()
    assert dbsession.get(Organization, dup.id) is None
    assert dbsession.get(Interaction, call.id).organization_id == keep.id
    assert [c.full_name for c in keep.contacts] == ["Контакт дубля"]
    card = testapp.get(f"/clients/{keep.id}")
    history = testapp.get(card.html.select_one("#history-body [hx-get]")["hx-get"])
    assert "Контакт дубля" in card.text and "Merged with “Омега ООО”" in history.text
    # The merged record's own history now shows on the kept card.
    assert "Deleted organization Омега ООО" in history.text


def test_merging_needs_the_merge_permission_on_both(testapp, login_as, clients, factory):
    head = login_as("dept_head")
    keep = clients.organization("Своя", manager=head)
    foreign = clients.organization("Чужая", manager=factory.user(roles=["sales"]))
    testapp.get(f"/clients/{keep.id}/merge", {"other": str(foreign.id)}, status=403)
    login_as("sales")
    testapp.get(f"/clients/{keep.id}/merge", status=403)


def test_contacts_are_merged_by_someone_allowed_to_merge(testapp, login_as, dbsession, clients):
    login_as("director")
    org = clients.organization("Фирма")
    keep = clients.contact("Анна Кузнецова", organization=org, phones=["+7 916 100-00-00"])
    dup = clients.contact("Кузнецова А.", organization=org, emails=["anna@firma.example"])
    page = testapp.get(f"/clients/{org.id}/contacts/{keep.id}/merge", {"q": "кузнецова"})
    assert f"?other={dup.id}" in page.text
    testapp.post_csrf(f"/clients/{org.id}/contacts/{keep.id}/merge", {"other": str(dup.id)},
                      status=303)
    dbsession.expire_all()
    assert dbsession.get(Contact, dup.id) is None
    assert [e.address for e in keep.emails] == ["anna@firma.example"]


def test_a_sales_manager_may_not_merge_contacts(testapp, login_as, clients):
    me = login_as("sales")
    org = clients.organization("Моя фирма", manager=me)
    contact = clients.contact("Мой контакт", organization=org)
    testapp.get(f"/clients/{org.id}/contacts/{contact.id}/merge", status=403)


def test_the_change_history_hides_terms_from_those_who_may_not_see_them(
        testapp, login_as, dbsession, clients, factory):
    dept = factory.department("Продажи")
    manager = factory.user(roles=["sales"], departments=[dept])
    org = clients.organization("История", manager=manager)
    dbsession.info["actor_id"] = manager.id
    org.credit_limit = Decimal("654321")
    org.website = "https://history.example"
    dbsession.flush()
    login_as(factory.user(roles=["sales"], departments=[dept]))  # a colleague: no terms
    part = f"/clients/{org.id}/@@history-part"
    page = testapp.get(part)
    assert "history.example" in page.text and "654321" not in page.text
    assert "654321" not in testapp.get(f"/clients/{org.id}").text
    login_as(manager)
    assert "654321" in testapp.get(part).text


def test_an_admin_edits_a_classifier_list(testapp, login_as, dbsession, clients):
    login_as("admin")
    page = testapp.get("/admin/classifiers", {"list": "source"})
    assert "Exhibition" in page.text
    testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "add",
                                             "title": "  Радио  "}, status=303)
    radio = dbsession.scalar(sa.select(Classifier).where(Classifier.title == "Радио"))
    assert radio.list == "source" and radio.active
    page = testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "add",
                                                    "title": "радио"}, status=400)
    assert "already in this list" in page.text
    testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "rename",
                                             "id": str(radio.id), "title": "Радиореклама"},
                      status=303)
    testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "up",
                                             "id": str(radio.id)}, status=303)
    entries = list(dbsession.scalars(sa.select(Classifier).where(Classifier.list == "source")
                                     .order_by(Classifier.sort_order)))
    assert entries[-2].title == "Радиореклама"
    # Used entries are retired, not deleted; retired ones are not offered in forms.
    clients.organization("Слушатель", source_id=radio.id)
    page = testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "delete",
                                                    "id": str(radio.id)}, status=303)
    dbsession.flush()
    assert dbsession.get(Classifier, radio.id) is not None
    testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "toggle",
                                             "id": str(radio.id)}, status=303)
    assert not dbsession.get(Classifier, radio.id).active
    form = testapp.get("/clients/add")
    # (The flash above names it, filled in; the list of sources does not offer it.)
    assert "Радиореклама" not in form.html.find(id="f-source_id").text
    unused = clients.classifier("source", "Листовки")
    testapp.post_csrf("/admin/classifiers", {"list": "source", "action": "delete",
                                             "id": str(unused.id)}, status=303)
    dbsession.flush()
    assert dbsession.get(Classifier, unused.id) is None


def test_classifier_changes_are_in_the_audit_log(testapp, login_as, clients):
    login_as("admin")
    testapp.post_csrf("/admin/classifiers", {"list": "region", "action": "add",
                                             "title": "Калининград"}, status=303)
    page = testapp.get("/admin/audit")
    assert "Added “Калининград” to the list Region" in page.text
