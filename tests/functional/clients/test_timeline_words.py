"""The client card's timeline writes each item as its area always did, in both languages (issue
11: the items are made with each message translated once, amounts written once per value and
links made from one base, not with Babel, the localizer and `resource_url` per item); and each
provider's statement is built once for the people with the same rights. On SQLite and
PostgreSQL."""
from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal

from models.clients import ClientFile, Interaction, InteractionAttempt, Organization
from models.meta import utcnow
from models.sales import SalesDocument
from models.tasks import Task
from models.tickets import Queue, Ticket
from portal.clients import timeline as timeline_module
from portal.clients.files import file_url
from portal.clients.timeline import TIMELINE_PROVIDERS, TimelineRows, filter_key, timelines
from portal.core.i18n import _
from portal.sales import deal_links
from portal.sales.documents import version_for
from tests.functional.dispatch.shop import shop  # noqa: F401
from tests.functional.sales.conftest import build_sales_world


@pytest.fixture
def card(shop, dbsession, factory, app):
    """A client with an item of every kind: deals (two of one amount), orders (one breaking the
    terms), documents, files (names to quote), calls tried several times, tasks, tickets, jobs."""
    w = build_sales_world(dbsession, factory)
    me = factory.user("boss", roles=["admin"], full_name="Босс Борис")
    org = shop.client
    now = utcnow()
    deals = [w.deal(org, w.north_manager, w.stages["Proposal"], amount="1234567.50",
                    title="Котельная $title ${stage}"),
             w.deal(org, w.north_manager, w.stages["Negotiation"], amount="1234567.50"),
             w.deal(org, w.north_manager, w.stages["Won"], amount="0.00"),
             w.deal(org, w.north_manager, w.stages["Lost"], amount="99.99")]
    orders = [w.order(org, w.north_manager, [(w.gas_boiler, "2", "45000.00")], state="confirmed",
                      planned_ship_on=dt.date.today() + dt.timedelta(days=5)),
              w.order(org, w.north_manager, [(w.boiler_kit, "1", "3500.50")], state="draft",
                      discount_breach=True),
              w.order(org, w.north_manager, [(w.drainage_pump, "3", "12500.00")], state="done")]
    version = version_for(dbsession, app.registry.settings, "invoice")
    for n, kind in enumerate(("invoice", "proposal", "contract")):
        dbsession.add(SalesDocument(template_version_id=version.id, kind=kind, organization_id=org.id,
                                    number=f"Д-{n}", filename=f"{kind}.docx",
                                    content_type="application/octet-stream", size=10,
                                    sha256="0" * 64, pdf_sha256="1" * 64 if n else None,
                                    created_by_id=me.id, created_at=now - dt.timedelta(hours=n)))
    for name, size in (("Договор №5 от 1 мая.pdf", 3), ("price list?.xlsx", 20480),
                       ("scan#1.png", 3 * 1024 * 1024)):
        dbsession.add(ClientFile(organization_id=org.id, filename=name, content_type="text/plain",
                                 size=size, sha256="0" * 64, uploaded_by_id=me.id))
    calls = []
    for n, outcomes in enumerate((["no_answer", "no_answer", "talked"], ["talked"], [])):
        call = Interaction(kind="call", responsible=me, author=me, organization=org,
                           subject=f"Звонок {n}", planned_at=now - dt.timedelta(days=n + 1),
                           done_at=now - dt.timedelta(days=n) if outcomes else None)
        dbsession.add(call)
        dbsession.flush()
        for outcome in outcomes:
            dbsession.add(InteractionAttempt(interaction_id=call.id, outcome=outcome, at=now,
                                             user_id=me.id))
        calls.append(call)
    dbsession.add(Interaction(kind="meeting", responsible=me, author=me, organization=org,
                              subject="Встреча", planned_at=now + dt.timedelta(days=1)))
    queue = shop.add(Queue(name="Линия 1", department_id=shop.service_dept.id))
    dbsession.add_all([
        Task(title="Позвонить", author_id=me.id, assignee_id=me.id, link_type="organization",
             link_id=org.id, due_at=now - dt.timedelta(hours=1)),
        Task(title="Отчёт", author_id=me.id, link_type="organization", link_id=org.id,
             department_id=shop.sales_dept.id, state="done", done_at=now),
        Ticket(number="T-1", subject="Не работает", queue_id=queue.id,
               department_id=shop.service_dept.id, organization_id=org.id, state="in_progress"),
        Ticket(number="T-2", subject="Закрыта", queue_id=queue.id,
               department_id=shop.service_dept.id, organization_id=org.id, state="closed")])
    jobs = [shop.job("Не греет котёл"), shop.job("Заменить фильтр", state="completed")]
    dbsession.flush()
    return {"me": me, "org": org, "deals": deals, "orders": orders, "jobs": jobs,
            "world": w}


def as_reader(request_for, user, language: str):
    request = request_for(user)
    request.environ["HTTP_COOKIE"] = f"_LOCALE_={language}"
    assert request.locale_name == language
    return request


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_item_is_worded_and_linked_as_its_area_says(request_for, dbsession, card, language):
    request = as_reader(request_for, card["me"], language)
    tr = request.localizer.translate
    both = timelines(request, card["org"], planned=20, past=40)
    items = both.planned + both.past
    kinds = {item.kind for item in items}
    assert {"deals", "orders", "sales_documents", "files", "interactions", "tasks", "tickets",
            "jobs"} <= kinds
    by_url = {item.url: item for item in items}

    deals_section = request.root["sales"]["deals"]
    for deal in card["deals"]:
        item = by_url[request.resource_url(deals_section, str(deal.id))]
        assert item.title == tr(_("Deal: ${title}", mapping={"title": deal.title}))
        amount = format_decimal(deal.amount, format="#,##0.00", locale=language)
        assert item.detail == tr(_("${stage} · ${amount}",
                                   mapping={"stage": deal.stage.name, "amount": amount}))
        assert item.badge == tr({"open": _("Open"), "won": _("Won"),
                                 "lost": _("Lost")}[deal.state])
        assert not item.actions  # its title opens it
    assert "Котельная $title ${stage}" in by_url[request.resource_url(
        deals_section, str(card["deals"][0].id))].title  # the values are not read as markers

    orders_section = request.root["sales"]["orders"]
    for order in card["orders"]:
        item = by_url[request.resource_url(orders_section, order.number)]
        assert item.title == tr(_("Order ${number}", mapping={"number": order.number}))
        detail = format_decimal(order.total, format="#,##0.00", locale=language)
        if order.discount_breach:
            detail += " · " + tr(_("breaks the client's terms"))
        assert item.detail == detail
    assert "\xa0" in by_url[request.resource_url(
        orders_section, card["orders"][0].number)].detail or language == "en"

    jobs_section = request.root["dispatch"]["jobs"]
    for job in card["jobs"]:
        item = by_url[request.resource_url(jobs_section, job.number)]
        assert item.title == tr(_("Service job ${number}: ${title}",
                                  mapping={"number": job.number, "title": job.title}))

    files = dbsession.scalars(sa.select(ClientFile).where(
        ClientFile.organization_id == card["org"].id)).all()
    for record in files:
        item = by_url[file_url(request, record)]
        assert item.title == tr(_("File: ${name}", mapping={"name": record.filename}))
    assert "%20" in file_url(request, files[0]) and "%3F" in file_url(request, files[1])

    documents = [item for item in items if item.kind == "sales_documents"]
    assert len(documents) == 3
    for item in documents:
        assert [a.title for a in item.actions][:1] == [tr(_("Download .docx"))]
    assert sorted(len(item.actions) for item in documents) == [1, 2, 2]
    assert {item.title for item in documents} == {
        tr(_("${kind} ${number}", mapping={"kind": tr(kind), "number": f"Д-{n}"}))
        for n, kind in enumerate((_("Invoice"), _("Commercial proposal"), _("Contract")))}

    calls = [item for item in items if item.kind == "interactions"]
    tried = [item for item in calls if tr(_("Attempts: ${list}", mapping={"list": ""})) in
             item.detail]
    assert len(tried) == 1  # three tries say so; one does not
    assert tried[0].badge == tr(_("Done"))
    assert [a.title for a in tried[0].actions] == [tr(_("Next step"))]
    planned = [item for item in calls if item.planned]
    assert {item.badge for item in planned} == {tr(_("Overdue")), tr(_("Planned"))}
    assert {tuple(a.title for a in item.actions) for item in planned} == {
        (tr(_("Result")), tr(_("Reschedule")))}
    task_badges = {item.badge for item in items if item.kind == "tasks"}
    assert task_badges == {tr(_("Overdue")), tr(_("Done"))}
    if language == "ru":
        assert tr(_("Done")) != "Done" and tr(_("Result")) != "Result"


def test_the_card_shows_the_same_items_in_russian(testapp, card):
    """The page itself: the translated words and the links reach the HTML."""
    testapp.login(card["me"].login)
    testapp.set_cookie("_LOCALE_", "ru")
    page = testapp.get(f"/clients/{card['org'].id}")
    kinds = {li["data-kind"] for li in page.html.select(".timeline-item")}
    assert {"deals", "orders", "sales_documents", "files", "interactions", "tasks", "tickets",
            "jobs"} <= kinds
    assert 'lang="ru"' in page.text and "1\xa0234\xa0567,50" in page.text


@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_providers_statement_is_built_once(request_for, card, factory, monkeypatch,
                                                 language):
    """A second card (another client, another reader with the same rights) builds no
    statement: every part is kept, and so is the statement stacking them."""
    # A store of its own: the tests before may have filled the process's to its bound (it is
    # emptied when full), which would build statements again here.
    monkeypatch.setattr(timeline_module, "_statements", {})
    org, other = card["org"], Organization(name="ООО Другая")
    request_for(card["me"]).dbsession.add(other)
    request_for(card["me"]).dbsession.flush()
    timelines(as_reader(request_for, card["me"], language), org)
    built = []
    real = timeline_module.part_statement

    def counting(key, build):
        return real(key, lambda: built.append(key) or build())

    monkeypatch.setattr(timeline_module, "part_statement", counting)
    for module in {provider.__module__ for provider in TIMELINE_PROVIDERS.values()}:
        if hasattr(sys.modules[module], "part_statement"):
            monkeypatch.setattr(f"{module}.part_statement", counting)
    another_admin = factory.user("boss2", roles=["admin"])
    request = as_reader(request_for, another_admin, language)
    parts = [provider(request, other, planned=10, past=40)
             for provider in TIMELINE_PROVIDERS.values()]
    rows = [part for part in parts if isinstance(part, TimelineRows)]
    assert len(rows) >= 7 and all(part.key is not None for part in rows)
    both = timelines(request, other)
    assert built == [] and both.planned == [] and both.past == []


def test_a_filters_key_is_worked_out_once_per_clause(monkeypatch):
    """filter_key of a clause shared by sql_filter: its values are read once, not per card."""
    clause = sa.column("owner_id") == 5
    read = []
    real = timeline_module._hashable
    monkeypatch.setattr(timeline_module, "_hashable", lambda value: read.append(value) or
                        real(value))
    first = filter_key(clause)
    assert filter_key(clause) == first and read == [5]
    assert filter_key(sa.column("owner_id") == 6) != first


def test_the_same_amount_is_written_once_per_page(request_for, card, monkeypatch):
    """Two deals of one amount: Babel writes it once (and the page says it twice)."""
    written = []
    real = deal_links.format_decimal
    monkeypatch.setattr(deal_links, "format_decimal",
                        lambda value, **kw: written.append(value) or real(value, **kw))
    both = timelines(request_for(card["me"]), card["org"], planned=20, past=40)
    deals = [item for item in both.planned + both.past if item.kind == "deals"]
    assert len(deals) == 4 and sorted(written) == sorted({Decimal("1234567.50"), Decimal("0.00"),
                                                          Decimal("99.99")})
