"""Documents from templates (issue 15, point 7), on SQLite and PostgreSQL: generated from an
order, a deal's client card, numbered and stored; read back with python-docx; templates
uploaded in versions (the newest used, the old ones kept); hostile uploads refused with a
message and nothing stored; a document read only by those who may view its record; on the
client's timeline."""
from __future__ import annotations

import io
import shutil

import pytest
import sqlalchemy as sa
from docx import Document

from models.errors import UserError
from models.sales import (
    Deal,
    DealProduct,
    DocumentTemplate,
    DocumentTemplateVersion,
    Pipeline,
    SalesDocument,
    Stage,
)
from portal.clients.timeline import TIMELINE_PROVIDERS, TimelineRows, read_together
from portal.files import storage
from portal.sales import documents
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook

SETTINGS = {"portal.files_dir": "/tmp/portal-test-files", "portal.soffice": "off",
            "portal.company_name": "ООО «Тест»"}


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(parts)


def _docx(*paragraphs: str) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _content(sha256: str) -> bytes:
    return storage.stored_path(SETTINGS, sha256).read_bytes()


@pytest.fixture
def book(dbsession, factory):
    book = SalesBook(dbsession, factory)
    book.client_ = book.client("Ромашка & Ко", book.north_manager, legal_name="ООО «Ромашка»",
                               inn="7701234567")
    book.order_ = book.order(book.client_, ordered_on=local_today(),
                             lines=[(book.drill, 2, "1500.00", 10), (book.paint, "1.5", "99.90", 0)])
    return book


def test_an_invoice_from_an_order_is_numbered_stored_and_reads_back(book, dbsession):
    day = local_today()
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "invoice", day=day,
                             order=book.order_)
    assert doc.number == f"INV-{day.year}-{doc.id:06d}"
    assert (doc.organization_id, doc.order_id, doc.kind) == (book.client_.id, book.order_.id,
                                                             "invoice")
    assert doc.filename == f"{doc.number}.docx" and doc.pdf_sha256 is None
    text = _text(_content(doc.sha256))
    assert f"Счёт на оплату № {doc.number} от {day.strftime('%d.%m.%Y')}" in text
    assert "Покупатель: ООО «Ромашка», ИНН 7701234567" in text
    assert "Поставщик: ООО «Тест»" in text
    assert f"Основание: заказ {book.order_.number}" in text
    # 2 × 1500.00 − 10 % = 2700.00; 1.5 × 99.90 = 149.85; total 2849.85
    assert "1 | S5-DRILL | S5-DRILL | pcs | 2 | 1\u00a0500,00 | 10 | 2\u00a0700,00" in text
    assert "2 | S5-PAINT | S5-PAINT | pcs | 1,5 | 99,90 | 0 | 149,85" in text
    assert "Итого к оплате: 2\u00a0849,85 руб." in text
    # The default template was made at first use, as version 1 of the kind.
    versions = documents.versions_of(dbsession, "invoice")
    assert [v.version for v in versions] == [1] and doc.template_version_id == versions[0].id


def test_a_client_card_cannot_make_shipment_instructions(book, dbsession):
    with pytest.raises(UserError):
        documents.generate(dbsession, book.north_manager, SETTINGS, "shipment",
                           day=local_today(), organization=book.client_)
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "contract",
                             day=local_today(), organization=book.client_)
    assert doc.order_id is None and doc.deal_id is None
    assert "Договор" in _text(_content(doc.sha256))


def test_a_new_upload_is_the_next_version_and_the_one_used(book, dbsession):
    first = documents.upload_template(dbsession, book.director, SETTINGS, "proposal",
                                      io.BytesIO(_docx("Первая версия {{ number }}")), "kp.docx")
    second = documents.upload_template(dbsession, book.director, SETTINGS, "proposal",
                                       io.BytesIO(_docx("Вторая: {{ client.name }}, {{ total }}")),
                                       "kp2.docx")
    assert (first.version, second.version) == (1, 2)
    assert [v.version for v in documents.versions_of(dbsession, "proposal")] == [2, 1]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(DocumentTemplate)
                            .where(DocumentTemplate.kind == "proposal")) == 1
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "proposal",
                             day=local_today(), order=book.order_)
    assert doc.template_version_id == second.id
    assert "Вторая: Ромашка & Ко, 2\u00a0849,85" in _text(_content(doc.sha256))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_pdf_is_made_when_libreoffice_is_installed(book, dbsession):
    settings = dict(SETTINGS, **{"portal.soffice": ""})
    doc = documents.generate(dbsession, book.north_manager, settings, "invoice",
                             day=local_today(), order=book.order_)
    assert doc.pdf_sha256 is not None
    assert _content(doc.pdf_sha256).startswith(b"%PDF-")


def test_without_libreoffice_the_document_is_docx_only(book, dbsession):
    settings = dict(SETTINGS, **{"portal.soffice": "/nonexistent/soffice"})
    assert documents.soffice_path(settings) is None
    doc = documents.generate(dbsession, book.north_manager, settings, "invoice",
                             day=local_today(), order=book.order_)
    assert doc.pdf_sha256 is None and doc.sha256


def test_the_documents_are_on_the_clients_timeline(book, dbsession, request_for):
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "invoice",
                             day=local_today(), order=book.order_)
    provider = dict(TIMELINE_PROVIDERS.items())["sales_documents"]  # registered at start-up
    for user, seen in ((book.director, True), (book.south_manager, False)):
        request = request_for(user)
        part = provider(request, book.client_, planned=5, past=5)
        assert isinstance(part, TimelineRows)
        rows = read_together(dbsession, [part])[0]
        items = part.items(rows)
        titles = [item.title for item in items]
        assert (f"Invoice {doc.number}" in titles) is seen, (user.full_name, titles)
    assert documents.documents_for(dbsession, order_id=book.order_.id) == [doc]


# --- the pages -----------------------------------------------------------------------------------

def _order_url(book):
    # (the test book's numbers are not SO-… ones: the order's id opens it too)
    return f"/sales/orders/{book.order_.id}/@@documents"


def test_a_manager_makes_an_invoice_on_the_orders_page_and_downloads_it(book, testapp,
                                                                        dbsession):
    testapp.login(book.north_manager.login)
    page = testapp.get(_order_url(book), status=200)
    assert "Make the document" in page.text
    answer = testapp.post_csrf(_order_url(book), {"kind": "invoice"}, status=302)
    page = answer.follow(status=200)
    doc = dbsession.scalar(sa.select(SalesDocument).where(SalesDocument.order_id ==
                                                          book.order_.id))
    assert doc.number in page.text
    download = testapp.get(f"/sales/documents/{doc.id}", status=200)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Счёт на оплату" in _text(download.body)
    if doc.pdf_sha256 is None:  # LibreOffice is not installed here: .docx only, and said
        assert "LibreOffice is not installed" in page.text
        testapp.get(f"/sales/documents/{doc.id}/@@pdf", status=404)
    else:
        assert testapp.get(f"/sales/documents/{doc.id}/@@pdf", status=200).body.startswith(
            b"%PDF-")


def test_who_may_not_view_the_order_may_not_read_its_document(book, testapp, dbsession):
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "invoice",
                             day=local_today(), order=book.order_)
    testapp.login(book.south_manager.login)
    testapp.get(f"/sales/documents/{doc.id}", status=403)
    testapp.post_csrf(_order_url(book), {"kind": "invoice"}, status=403)
    testapp.login(book.employee.login)
    testapp.get(f"/sales/documents/{doc.id}", status=403)


def test_an_unknown_kind_is_a_message_not_an_error(book, testapp, dbsession):
    testapp.login(book.north_manager.login)
    page = testapp.post_csrf(_order_url(book), {"kind": "../../etc/passwd"},
                             status=302).follow(status=200)
    assert "Choose the kind of document." in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(SalesDocument)) == 0


def _upload(testapp, name: str, content: bytes, kind="contract"):
    token = testapp.csrf_token()
    return testapp.post("/sales/settings/@@templates",
                        {"kind": kind, "csrf_token": token},
                        upload_files=[("file", name, content)], status=302).follow(status=200)


def test_admin_uploads_a_template_and_hostile_ones_get_a_message(book, testapp, dbsession,
                                                                 login_as):
    login_as("admin")
    page = _upload(testapp, "contract.docx", _docx("Договор {{ number }} с {{ client.name }}"))
    assert "Version 1 of the template" in page.text
    hostile = {
        "bad.docx": b"PK\x03\x04 this is a broken zip",
        "jinja.docx": _docx("{% for line in lines %} no end"),
        "evil.docx": _docx("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        "notes.txt": b"plain text",
    }
    for name, content in hostile.items():
        page = _upload(testapp, name, content)
        assert "alert-danger" in page.text, name
    assert [v.version for v in documents.versions_of(dbsession, "contract")] == [1]
    page = testapp.get("/sales/settings/@@templates", status=200)
    assert "contract.docx" in page.text
    download = testapp.get("/sales/settings/@@template", params={"kind": "shipment"}, status=200)
    assert "Инструкция по отгрузке" in _text(download.body)


def test_only_admins_manage_templates(book, testapp):
    testapp.login(book.director.login)
    testapp.get("/sales/settings/@@templates", status=403)
    assert dbsession_count_versions(testapp) == 0


def dbsession_count_versions(testapp) -> int:
    db = testapp.extra_environ["app.dbsession"]
    return db.scalar(sa.select(sa.func.count()).select_from(DocumentTemplateVersion))


def test_the_client_card_lists_the_document(book, testapp, dbsession):
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "invoice",
                             day=local_today(), order=book.order_)
    testapp.login(book.director.login)
    card = testapp.get(f"/clients/{book.client_.id}", status=200)
    assert doc.number in card.text
    assert f"/sales/documents/{doc.id}" in card.text
    page = testapp.get(f"/clients/{book.client_.id}/@@documents", status=200)
    assert doc.number in page.text


def test_a_proposal_from_a_deal_lists_its_products(book, dbsession):
    pipeline = Pipeline(code="s6-docs", name="Docs (S6)", channel="s6-docs", position=1)
    dbsession.add(pipeline)
    dbsession.flush()
    stage = Stage(pipeline_id=pipeline.id, name="Proposal", position=1, probability=40,
                  kind="open")
    dbsession.add(stage)
    dbsession.flush()
    deal = Deal(title="Поставка дрелей", organization_id=book.client_.id,
                pipeline_id=pipeline.id, stage_id=stage.id, amount=D("2700.00"),
                owner_id=book.north_manager.id, department_id=book.north.id)
    dbsession.add(deal)
    dbsession.flush()
    dbsession.add(DealProduct(deal_id=deal.id, product_id=book.drill.id, quantity=D("2"),
                              price=D("1500.00"), discount_percent=D("10"),
                              amount=D("2700.00")))
    dbsession.flush()
    doc = documents.generate(dbsession, book.north_manager, SETTINGS, "proposal",
                             day=local_today(), deal=deal)
    assert (doc.deal_id, doc.order_id, doc.number[:3]) == (deal.id, None, "KP-")
    text = _text(_content(doc.sha256))
    assert "Коммерческое предложение" in text and "По запросу: Поставка дрелей" in text
    assert "1 | S5-DRILL | S5-DRILL | pcs | 2 | 1\u00a0500,00 | 10 | 2\u00a0700,00" in text
    assert "Итого: 2\u00a0700,00 руб." in text
    assert "Менеджер: Алексеев Антон" in text
    assert documents.documents_for(dbsession, deal_id=deal.id) == [doc]


def test_a_conversion_that_hangs_is_stopped_and_the_document_stays_docx(tmp_path):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30 &\nwait\n")
    slow.chmod(0o755)
    settings = dict(SETTINGS, **{"portal.soffice": str(slow)})
    assert documents.to_pdf(settings, b"PK\x03\x04", timeout=1) is None
