"""The client factories of the clients' tests (`clients.organization(...)`, `.contact(...)`,
`.interaction(...)`, `.classifier(...)`), for the interaction tests."""
from __future__ import annotations

import pytest

from tests.functional.clients.conftest import ClientFactory


@pytest.fixture
def clients(dbsession, factory):
    return ClientFactory(dbsession, factory)
