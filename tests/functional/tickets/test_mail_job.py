"""`portal tick` takes the support mailbox in, against a real IMAP server (dovecot on
loopback): new mail becomes tickets, an answer lands on its ticket, an auto-reply makes none;
every message is marked seen only once it is stored, and a second tick adds nothing."""
from __future__ import annotations

import sqlalchemy as sa

from models.tickets import Ticket, TicketMessage
from portal.tickets.jobs import take_in_mailbox
from tests.functional.tickets.test_intake import mail
from tests.functional.tickets.test_races import desk_committed, session_of  # noqa: F401


def stored(engine, message_id: str):
    with engine.connect() as conn:
        return conn.execute(sa.select(TicketMessage.ticket_id, TicketMessage.kind).where(
            TicketMessage.message_id == message_id)).first()


def forget_mail_tickets(engine) -> None:
    """The committed tickets the tests' mail made, removed."""
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(sa.select(Ticket.id).where(
            Ticket.requester_email == "imap@client.example"))]
        if ids:
            conn.execute(sa.delete(TicketMessage.__table__).where(TicketMessage.ticket_id.in_(ids)))
            conn.execute(sa.text(f"DELETE FROM workflow_history WHERE object_type = 'ticket' "
                                 f"AND object_id IN ({','.join(map(str, ids))})"))
            conn.execute(sa.delete(Ticket.__table__).where(Ticket.id.in_(ids)))


def test_the_tick_takes_the_mailbox_in_once(app, desk_committed, mailbox, monkeypatch):
    engine = app.registry["dbsession_factory"].kw["bind"]
    for key, value in mailbox.settings().items():
        monkeypatch.setitem(app.registry.settings, key, value)
    mailbox.append_many([
        mail(subject="Сломался сканер", message_id="<scan-1@imap.example>",
             sender="imap@client.example"),
        mail(subject="Re: Сломался сканер", body="Модель XS-200", message_id="<scan-2@imap.example>",
             sender="imap@client.example", In_Reply_To="<scan-1@imap.example>"),
        mail(subject="Автоответ", Auto_Submitted="auto-replied", message_id="<auto@imap.example>",
             sender="imap@client.example"),
    ])
    try:
        request, close = session_of(app)
        try:
            with request.tm:
                result = take_in_mailbox(request)
        finally:
            close()
        assert (result.found, result.handled, result.failed, result.error) == (3, 3, 0, "")
        first, second = stored(engine, "<scan-1@imap.example>"), stored(engine, "<scan-2@imap.example>")
        assert first and second and first.ticket_id == second.ticket_id
        assert stored(engine, "<auto@imap.example>") is None
        assert mailbox.unseen() == 0
        request, close = session_of(app)
        try:
            with request.tm:
                again = take_in_mailbox(request)
        finally:
            close()
        assert (again.found, again.handled) == (0, 0)
    finally:
        forget_mail_tickets(engine)


def test_a_message_that_fails_stays_unseen_and_the_others_are_stored(app, desk_committed, mailbox,
                                                                     monkeypatch):
    import portal.tickets.jobs as jobs

    engine = app.registry["dbsession_factory"].kw["bind"]
    for key, value in mailbox.settings().items():
        monkeypatch.setitem(app.registry.settings, key, value)
    real = jobs.receive

    def flaky(db, mail, **kw):
        taken = real(db, mail, **kw)  # written, then the work fails before it is committed
        if mail.subject == "Сбой":
            raise RuntimeError("disk full")
        return taken

    monkeypatch.setattr(jobs, "receive", flaky)
    mailbox.append_many([mail(subject=s, message_id=f"<{n}@imap.example>", sender="imap@client.example")
                         for n, s in enumerate(("Первое", "Сбой", "Третье"))])
    try:
        request, close = session_of(app)
        try:
            with request.tm:
                result = take_in_mailbox(request)
        finally:
            close()
        assert (result.handled, result.failed) == (2, 1)
        assert stored(engine, "<0@imap.example>") and stored(engine, "<2@imap.example>")
        assert stored(engine, "<1@imap.example>") is None  # nothing half-written
        assert mailbox.unseen() == 1  # it comes back at the next tick
    finally:
        forget_mail_tickets(engine)
