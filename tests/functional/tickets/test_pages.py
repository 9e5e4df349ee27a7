"""The ticket pages: the lists, a new ticket, a ticket's page and what is done on it."""
from __future__ import annotations

import sqlalchemy as sa

from models.tickets import Ticket, TicketMessage
from tests.functional.tickets.desk import desk  # noqa: F401


def test_an_employee_registers_a_ticket_and_the_agent_answers_it(testapp, dbsession, factory, desk):
    sales = factory.user("seller", roles=["sales"])
    testapp.login(sales.login)
    form = testapp.get("/tickets/add").forms["ticket-form"]
    form["subject"] = "Клиент не может войти в личный кабинет"
    form["description"] = "Звонил главный бухгалтер."
    form["requester_email"] = "buh@example.org"
    page = form.submit(status=303).follow()
    ticket = dbsession.scalar(sa.select(Ticket).order_by(Ticket.id.desc()))
    assert ticket.number in page.text and ticket.subject in page.text
    assert (ticket.queue_id, ticket.author_id, ticket.state) == (desk.queue.id, sales.id, "new")
    assert ticket.first_response_due_at is not None

    agent = desk.agents[0]
    testapp.login(agent.login)
    listing = testapp.get("/tickets?view=queue")
    assert ticket.number in listing.text
    testapp.post_csrf(f"/tickets/{ticket.number}/take", status=303)
    testapp.post_csrf(f"/tickets/{ticket.number}/reply",
                      {"body": "Сбросили пароль, попробуйте снова."}, status=303)
    testapp.post_csrf(f"/tickets/{ticket.number}/reply",
                      {"body": "Проверить журнал входа", "note": "1"}, status=303)
    dbsession.refresh(ticket)
    assert (ticket.assignee_id, ticket.state) == (agent.id, "assigned")
    assert ticket.first_response_at is not None
    kinds = dbsession.scalars(sa.select(TicketMessage.kind).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind != "change")
        .order_by(TicketMessage.id)).all()
    assert kinds == ["reply", "note"]
    page = testapp.get(f"/tickets/{ticket.number}")
    assert "Internal note" in page.text and "Сбросили пароль" in page.text


def test_a_colleague_outside_support_sees_only_their_own_tickets(testapp, factory, desk):
    theirs = desk.ticket(subject="Чужой тикет")
    outsider = factory.user("outsider")
    testapp.login(outsider.login)
    testapp.get(f"/tickets/{theirs.number}", status=403)
    assert theirs.number not in testapp.get("/tickets?view=all").text


def test_an_agent_attaches_a_file_and_writes_an_article_from_the_ticket(testapp, dbsession, desk, factory):
    from models.kb import Article, KbFolder, TicketArticleLink

    folder = KbFolder(title="Ответы поддержки", slug="answers")
    dbsession.add(folder)
    dbsession.flush()
    ticket = desk.ticket(subject="Как сбросить пароль", description="Клиент забыл пароль.",
                         assignee_id=desk.agents[0].id)
    testapp.login(desk.agents[0].login)
    testapp.post_csrf(f"/tickets/{ticket.number}/reply", {"body": "Нажмите «Забыли пароль?»."})
    page = testapp.get(f"/tickets/{ticket.number}")
    form = page.forms[[k for k, f in page.forms.items() if f.action.endswith("/attach")][0]]
    form["file"] = ("log.txt", b"error 42")
    form.submit(status=303)
    page = testapp.get(f"/tickets/{ticket.number}")
    link = page.html.select_one("#attachments a.name")
    assert link.text == "log.txt"
    assert testapp.get(link["href"]).body == b"error 42"
    outsider = factory.user("nosy")
    testapp.login(outsider.login)
    testapp.get(link["href"], status=403)
    testapp.login(desk.agents[0].login)
    draft = testapp.get(f"/tickets/{ticket.number}/draft-article").forms["draft-article-form"]
    draft["folder"] = str(folder.id)
    draft.submit(status=303)
    article = dbsession.scalar(sa.select(Article).where(Article.title == "Как сбросить пароль"))
    assert article.state == "draft" and "Забыли пароль" in article.body
    assert dbsession.scalar(sa.select(TicketArticleLink.article_id).where(
        TicketArticleLink.ticket_id == ticket.id)) == article.id


def test_the_client_card_starts_a_ticket_for_that_client_and_shows_it(testapp, dbsession, factory, desk):
    from tests.functional.clients.conftest import ClientFactory

    seller = factory.user("seller2", roles=["sales"], departments=[desk.support])
    org = ClientFactory(dbsession, factory).organization("ООО «Вектор»", manager=seller)
    testapp.login(seller.login)
    card = testapp.get(f"/clients/{org.id}")
    start = card.html.select_one("#new-ticket")["href"]
    form = testapp.get(start).forms["ticket-form"]
    assert "ООО «Вектор»" in testapp.get(start).text
    form["subject"] = "Клиент просит акт сверки"
    form.submit(status=303)
    ticket = dbsession.scalar(sa.select(Ticket).where(Ticket.subject == "Клиент просит акт сверки"))
    assert ticket.organization_id == org.id
    assert ticket.number in testapp.get(f"/clients/{org.id}").text  # on the card's timeline


def test_my_day_shows_an_agent_their_open_tickets_and_others_nothing(testapp, factory, desk):
    mine = desk.ticket(subject="Срочно: не работает касса", assignee_id=desk.agents[0].id)
    testapp.login(desk.agents[0].login)
    block = testapp.get("/").html.select_one("#home-tickets")
    assert block is not None and mine.subject in block.text
    testapp.login(factory.user("plain").login)
    assert testapp.get("/").html.select_one("#home-tickets") is None


def test_tickets_are_found_by_words_number_and_requester_in_the_list_and_the_header(testapp, desk):
    printer = desk.ticket(subject="Принтер не печатает", requester_email="anna@client.example",
                          assignee_id=desk.agents[0].id)
    desk.ticket(subject="Сканер сломался", assignee_id=desk.agents[0].id)
    testapp.login(desk.lead.login)

    def listed(q):
        page = testapp.get("/tickets", {"view": "all", "state": "any", "q": q})
        return [tr["data-ticket"] for tr in page.html.select("tr[data-ticket]")]

    assert listed("принт") == [printer.number]
    assert listed(printer.number.lower()) == [printer.number]
    assert listed("anna") == [printer.number]
    header = testapp.get("/search", {"q": "принтер"}).text
    assert printer.number in header and "Сканер" not in header


def test_an_agent_sets_the_client_of_a_ticket_among_the_clients_they_may_see(testapp, dbsession,
                                                                           factory, desk):
    from models.clients import Organization
    from tests.functional.clients.conftest import ClientFactory

    clients = ClientFactory(dbsession, factory)
    org = clients.organization("ООО «Ромашка»")
    ticket = desk.ticket(subject="Чей это тикет?", assignee_id=desk.agents[0].id)
    testapp.login(desk.agents[0].login)
    options = testapp.get("/tickets/client-options", {"organization": "Ромаш"}).text
    assert f'value="{org.id}"' in options
    testapp.post_csrf(f"/tickets/{ticket.number}/client", {"organization": str(org.id)}, status=303)
    dbsession.refresh(ticket)
    assert ticket.organization_id == org.id
    assert "changed the client" in testapp.get(f"/tickets/{ticket.number}").text
    page = testapp.post_csrf(f"/tickets/{ticket.number}/client", {"organization": "99999999"},
                             status=303).follow()
    assert "Choose a client from the list" in page.text
    dbsession.refresh(ticket)
    assert ticket.organization_id == org.id and dbsession.get(Organization, org.id)


def test_an_agent_changes_the_contact_person_among_the_clients_contacts(testapp, dbsession,
                                                                        factory, desk):
    from tests.functional.clients.conftest import ClientFactory

    clients = ClientFactory(dbsession, factory)
    org, other = clients.organization("ООО «Ромашка»"), clients.organization("ООО «Лютик»")
    first = clients.contact("Иванов Иван", organization=org)
    second = clients.contact("Петрова <b>Анна</b>", organization=org)
    stranger = clients.contact("Сидоров Пётр", organization=other)
    ticket = desk.ticket(subject="Кто звонил?", assignee_id=desk.agents[0].id,
                         organization_id=org.id, contact_id=first.id)
    testapp.login(desk.agents[0].login)
    form = testapp.get(f"/tickets/{ticket.number}").forms["contact-form"]
    assert [v for v, _s, _t in form["contact"].options] == ["", str(first.id), str(second.id)]
    form["contact"] = str(second.id)
    page = form.submit(status=303).follow()
    dbsession.refresh(ticket)
    assert ticket.contact_id == second.id
    assert "changed the contact person from “Иванов Иван” to “Петрова &lt;b&gt;Анна&lt;/b&gt;”" \
        in page.text
    # Another client's contact, or one that does not exist: refused, nothing changed.
    for value in (str(stranger.id), "99999999", "²"):
        refused = testapp.post_csrf(f"/tickets/{ticket.number}/contact", {"contact": value},
                                    status=303).follow()
        assert "Choose one of the client’s contact persons." in refused.text
    dbsession.refresh(ticket)
    assert ticket.contact_id == second.id
    # A watcher without edit may not.
    outsider = factory.user("caller", departments=[desk.support])
    testapp.login(outsider.login)
    testapp.post_csrf(f"/tickets/{ticket.number}/contact", {"contact": ""}, status=403)


def test_a_colleague_who_may_see_the_ticket_is_added_as_a_watcher_and_no_one_else(testapp, dbsession,
                                                                                 factory, desk):
    from models.tickets import TicketWatcher

    ticket = desk.ticket(subject="Следим", assignee_id=desk.agents[0].id)
    outsider = factory.user("outsider2")
    testapp.login(desk.lead.login)
    form = testapp.get(f"/tickets/{ticket.number}").forms["watcher-form"]
    form["user"] = str(desk.agents[1].id)
    form.submit(status=303)
    refused = testapp.post_csrf(f"/tickets/{ticket.number}/add-watcher",
                                {"user": str(outsider.id)}, status=303).follow()
    assert "Only a colleague who may see the ticket can watch it." in refused.text
    watchers = dbsession.scalars(sa.select(TicketWatcher.user_id).where(
        TicketWatcher.ticket_id == ticket.id)).all()
    assert watchers == [desk.agents[1].id]
