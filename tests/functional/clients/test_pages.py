"""The client pages as people use them: list, filters, segments, card, contact, search."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.clients import Organization, SavedSegment


def test_the_list_shows_organizations_with_filters_and_pages(testapp, login_as, clients):
    admin = login_as("admin")
    wholesale = clients.classifier("industry", "Wholesale")
    for i in range(55):
        clients.organization(f"Организация {i:02d}", manager=admin, stage="interest",
                             industry_id=wholesale.id if i % 5 == 0 else None)
    clients.organization("Поставщик металла", kind="supplier", manager=admin)
    page = testapp.get("/clients")
    assert "Организация 00" in page.text and "Organizations: 56" in page.text
    assert 'aria-label="Pages of clients"' in page.text
    page2 = testapp.get("/clients?page=2")
    assert "Организация 54" in page2.text and "Организация 00" not in page2.text
    suppliers = testapp.get("/clients?kind=supplier")
    assert "Поставщик металла" in suppliers.text and "Организация 01" not in suppliers.text
    assert "Found: 1" in suppliers.text
    by_industry = testapp.get(f"/clients?industry={wholesale.id}")
    assert "Found: 11" in by_industry.text
    newest = testapp.get("/clients?sort=-name")
    assert newest.text.index("Поставщик металла") < newest.text.index("Организация 54")


def test_a_filter_is_saved_as_a_named_segment_and_deleted(testapp, login_as, dbsession, clients):
    user = login_as("director")
    clients.organization("Сегментная", kind="partner", manager=user)
    page = testapp.get("/clients?kind=partner&stage=interest&page=3")
    assert 'id="save-segment"' in page.text
    testapp.post_csrf("/clients/segments", {"name": "  Партнёры   в работе ",
                                            "query": "kind=partner&stage=interest&page=3"},
                      status=303)
    segment = dbsession.scalar(sa.select(SavedSegment).where(SavedSegment.user_id == user.id))
    assert (segment.name, segment.area, segment.query) == (
        "Партнёры в работе", "organizations", "kind=partner&stage=interest")
    page = testapp.get("/clients")
    assert "Партнёры в работе" in page.text
    testapp.post_csrf("/clients/segments", {"delete": str(segment.id)}, status=303)
    assert dbsession.scalar(sa.select(SavedSegment).where(SavedSegment.user_id == user.id)) is None


def test_someone_elses_segment_cannot_be_deleted(testapp, login_as, dbsession, factory):
    other = factory.user()
    segment = SavedSegment(user_id=other.id, area="organizations", name="Чужой", query="kind=client")
    dbsession.add(segment)
    dbsession.flush()
    login_as("sales")
    testapp.post_csrf("/clients/segments", {"delete": str(segment.id)}, status=303)
    assert dbsession.get(SavedSegment, segment.id) is not None


def test_the_client_card_shows_requisites_contacts_dates_and_history(testapp, login_as, clients,
                                                                     dbsession):
    user = login_as("director")
    org = clients.organization("ООО «Вектор»", legal_name="ООО «Вектор-М»", inn=clients.inn(),
                               manager=user, phones=["+7 495 777-66-55"],
                               emails=["info@vector.example"], tags="vip, опт", notes="Важный клиент")
    clients.contact("Смирнова Ольга", organization=org, position="Главный бухгалтер",
                    decision_level="decision_maker")
    from models.clients import ImportantDate

    org.important_dates.append(ImportantDate(title="День основания", date=dt.date(2005, 3, 1)))
    dbsession.flush()
    page = testapp.get(f"/clients/{org.id}")
    for text in ("ООО «Вектор-М»", org.inn, "+7 495 777-66-55", "info@vector.example",
                 "Смирнова Ольга", "Главный бухгалтер", "Makes decisions", "День основания",
                 "Важный клиент", "vip", "Planned next steps", "Change history"):
        assert text in page.text, text
    assert 'id="terms"' in page.text  # a director sees the terms


def test_a_private_person_lives_under_clients_contacts(testapp, login_as, clients):
    login_as("director")
    person = clients.contact("Частное Лицо")
    page = testapp.get(f"/clients/contacts/{person.id}")
    assert "Private person" in page.text


def test_a_contact_of_an_organization_found_in_the_contacts_section_is_redirected(
        testapp, login_as, clients):
    login_as("director")
    org = clients.organization("Адресат")
    contact = clients.contact("Перенаправленный", organization=org)
    page = testapp.get(f"/clients/contacts/{contact.id}", status=303)
    assert page.location.endswith(f"/clients/{org.id}/contacts/{contact.id}/")
    assert testapp.get(f"/clients/{org.id + 1000}/contacts/{contact.id}", status=404)


def test_the_contacts_list_filters_private_persons(testapp, login_as, clients):
    login_as("director")
    org = clients.organization("Работодатель")
    clients.contact("Сотрудник Компании", organization=org)
    clients.contact("Сам По Себе")
    page = testapp.get("/clients/contacts?organization=none")
    assert "Сам По Себе" in page.text and "Сотрудник Компании" not in page.text
    page = testapp.get("/clients/contacts", {"q": "сотрудник"})
    assert "Сотрудник Компании" in page.text and "Сам По Себе" not in page.text


def test_search_finds_organizations_and_contacts_in_any_case(testapp, login_as, clients):
    login_as("director")
    org = clients.organization("Ёжик в тумане", phones=["8 (812) 333-22-11"])
    clients.contact("Ёжикова Анна", organization=org)
    page = testapp.get("/clients/search", {"q": "ЕЖИК"})
    assert "Ёжик в тумане" in page.text and "Ёжикова Анна" in page.text
    page = testapp.get("/clients/search?q=333-22-11")
    assert "Ёжик в тумане" in page.text
    header = testapp.get("/search", {"q": "ёжик"})
    assert "Organizations" in header.text and "Ёжик в тумане" in header.text
    assert "Contact persons" in header.text


def test_the_header_search_only_shows_clients_one_may_see(testapp, login_as, clients, factory):
    sales_dept, other_dept = factory.department("Продажи"), factory.department("Снабжение")
    me = factory.user(roles=["sales"], departments=[sales_dept])
    stranger = factory.user(roles=["sales"], departments=[other_dept])
    clients.organization("Видимая Лампа", manager=me)
    clients.organization("Невидимая Лампа", manager=stranger)
    login_as(me)
    page = testapp.get("/search", {"q": "лампа"})
    assert "Видимая Лампа" in page.text and "Невидимая Лампа" not in page.text
    page = testapp.get("/clients", {"q": "лампа"})
    assert "Видимая Лампа" in page.text and "Невидимая Лампа" not in page.text


def test_an_unknown_organization_is_not_found(testapp, login_as):
    login_as("director")
    testapp.get("/clients/999999", status=404)
    testapp.get("/clients/abc", status=404)


def test_the_card_lists_organizations_created_by_the_form(testapp, login_as, dbsession):
    login_as("director")
    saved = testapp.post_csrf("/clients/add", {"name": "Новая фирма", "kind": "prospect",
                                               "stage": "interest"}, status=303)
    org = dbsession.scalar(sa.select(Organization).where(Organization.name == "Новая фирма"))
    assert org.kind == "prospect"
    card = saved.follow()
    assert card.request.path.rstrip("/") == f"/clients/{org.id}"
    assert card.html.select_one("#org-name").get_text(" ", strip=True).startswith("Новая фирма")
    listed = testapp.get("/clients", {"q": "Новая фирма"})
    assert f'data-id="{org.id}"' in listed.text


def test_the_card_names_its_lists_entries_and_department_from_memory(testapp, login_as, clients,
                                                                      factory, dbsession):
    """The card's industry, region, group, category, source and department, named from what the
    portal keeps in memory (the lists, the department tree): a retired entry still names the
    client that uses it, an empty one shows a dash."""
    login_as("admin")
    wholesale = clients.classifier("industry", "Оптовая торговля")
    region = clients.classifier("region", "Казань")
    retired = clients.classifier("source", "Выставка 2019")
    retired.active = False
    org = clients.organization("ООО «Вектор»", industry_id=wholesale.id, region_id=region.id,
                               source_id=retired.id,
                               department=factory.department("Отдел продаж на Волге"))
    dbsession.flush()
    page = testapp.get(f"/clients/{org.id}/")
    facts = {dt.text: dt.find_next_sibling("dd").text.strip()
             for dt in page.html.select("dl.facts-grid dt")}
    assert facts["Industry"] == "Оптовая торговля" and facts["Region"] == "Казань"
    assert facts["Advertising source"] == "Выставка 2019"
    assert facts["Group"] == "—" and facts["Category"] == "—"
    assert "Отдел продаж на Волге" in page.html.select_one("h1 ~ div.small").text
