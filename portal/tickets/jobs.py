"""Background work of tickets, run by `portal tick`: SLA warnings and escalations, and the
support mailbox taken in (portal/tickets/mailbox.py → intake.py)."""
from __future__ import annotations

import logging
from email.utils import parseaddr

from portal.core.ticker import job
from portal.tickets.inbound import parse_mail
from portal.tickets.intake import receive
from portal.tickets.mailbox import MailboxSettings, PollResult, poll
from portal.tickets.outbox import addresses
from portal.tickets.service import sla_job

log = logging.getLogger(__name__)


@job("ticket_sla")
def ticket_sla_job(request) -> int:
    return sla_job(request.dbsession, request.registry)


def take_in_mailbox(request, *, limit: int | None = None) -> PollResult:
    """Every unseen message of the support mailbox into tickets, each in a transaction of its
    own committed before the mailbox marks it seen: nothing is lost, and a message that fails
    (rolled back, left unseen for the next tick) takes nothing of the others with it. A message
    taken in twice (a second tick at the same instant) is refused by the database's unique
    Message-ID; the next tick finds it known and marks it seen."""
    settings = request.registry.settings
    config = MailboxSettings.from_settings(settings)
    if not config.enabled:
        return PollResult()
    sender, reply_to, domain = addresses(settings)
    ours = {parseaddr(a)[1].lower() for a in (sender, reply_to, settings.get("mail.from") or "",
                                              config.user) if a}

    def handle(uid: int, raw: bytes) -> None:
        mail = parse_mail(raw, our_addresses=ours, our_message_domain=domain)
        try:
            receive(request.dbsession, mail, registry=request.registry, settings=settings)
            request.tm.commit()
        except BaseException:
            request.tm.abort()
            raise
        finally:
            request.tm.begin()

    return poll(config, handle, limit=limit)


@job("ticket_mail")
def ticket_mail_job(request) -> int:
    result = take_in_mailbox(request)
    if result.error:
        log.warning("support mailbox: %s", result.error)
    return result.handled
