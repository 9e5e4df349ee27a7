"""Sales pages say whole sentences (issue 15): a made document is announced as "The document
“Invoice” … is ready." (one sentence whatever the kind's gender in Russian), and a lost client's
page says since when in one sentence, the day in the reader's format (never ISO)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models.sales import SalesDocument
from tests.functional.sales.test_churn import lost  # noqa: F401 (a fixture)
from tests.functional.sales.test_documents import _order_url, book  # noqa: F401 (a fixture)


def _text(page) -> str:
    return " ".join(page.html.get_text(" ").split())


def test_a_made_document_is_announced_in_one_sentence(book, testapp, dbsession):
    testapp.login(book.north_manager.login)
    page = testapp.post_csrf(_order_url(book), {"kind": "invoice"}, status=302).follow(status=200)
    doc = dbsession.scalar(sa.select(SalesDocument).where(SalesDocument.order_id ==
                                                          book.order_.id))
    assert f"The document “Invoice” {doc.number} is ready." in _text(page)


def test_a_lost_clients_page_says_since_when(lost, testapp):
    testapp.login(lost.north_manager.login)
    text = _text(testapp.get(f"/clients/{lost.alpha.id}/@@lost", status=200))
    assert re.search(r"This client has been marked lost since Mar 15, \d{4}\.", text), text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
