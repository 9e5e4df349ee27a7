"""Fixtures of the ticket tests.

A real IMAP server for the e-mail intake: one private dovecot on loopback for the test session
(tests/imapserver.py), and for each test its own empty mailbox on it. Without dovecot the tests
that need it are skipped, or fail with PORTAL_REQUIRE_ALL=1 (CI), as PostgreSQL's do.
"""
from __future__ import annotations

import itertools

import pytest

from tests.conftest import missing
from tests.imapserver import ImapServer, dovecot_available

_mailboxes = itertools.count(1)


@pytest.fixture(scope="session")
def imap_server():
    """The session's dovecot (an ImapServer, logged in as user "support")."""
    if not dovecot_available():
        missing("dovecot (apt-get install dovecot-imapd)")
    server = ImapServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(imap_server):
    """An empty mailbox of its own on the session's dovecot: `.append(raw)`, `.settings()`,
    `.unseen()`, `.folder_count(name)`."""
    return imap_server.for_user(f"box{next(_mailboxes)}")
