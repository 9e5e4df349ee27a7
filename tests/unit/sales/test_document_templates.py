"""Document templates without a database: the default templates, money as Russian documents
write it, and hostile templates refused with a message (never an exception of the parser)."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from docx import Document

from models.errors import UserError
from portal.sales import documents, templates_default


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _docx_with(paragraph: str) -> bytes:
    doc = Document()
    doc.add_paragraph(paragraph)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_money_and_quantities_are_written_as_russian_documents_write_them():
    assert documents.money(Decimal("1234567.5")) == "1\u00a0234\u00a0567,50"
    assert documents.money(Decimal("0.005")) == "0,01"  # half up
    assert documents.money(Decimal("-100")) == "-100,00"
    assert documents.money(None) == "0,00"
    assert documents.quantity(Decimal("2.000")) == "2"
    assert documents.quantity(Decimal("1.500")) == "1,5"


@pytest.mark.parametrize("kind", templates_default.KINDS)
def test_each_default_template_renders_in_russian_with_its_lines(kind):
    content = templates_default.build(kind)
    documents.check_template(content, f"{kind}.docx")  # the defaults pass the upload's checks
    text = _text(documents.render(content, documents.sample_context()))
    assert templates_default.TITLES[kind] + " № INV-2026-000001 от 01.12.2026" in text
    assert "ООО «Клиент»" in text
    assert "Товар" in text  # the line's row was repeated
    assert "{{" not in text and "{%" not in text


def test_values_are_escaped_not_read_as_xml():
    context = documents.sample_context()
    context["client"]["legal_name"] = "Рога & Копыта <script>"
    text = _text(documents.render(templates_default.build("invoice"), context))
    assert "Рога & Копыта <script>" in text


def test_not_a_zip_is_refused_with_a_message():
    with pytest.raises(UserError) as error:
        documents.check_template(b"this is not a word file at all", "contract.docx")
    assert "not a Word document" in str(error.value.message.interpolate())
    assert error.value.field == "file"


def test_a_zip_without_a_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UserError) as error:
        documents.check_template(out.getvalue(), "x.docx")
    assert "ZIP archive but not a Word document" in str(error.value.message.interpolate())


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 1024 * 1024)
    doc = Document()
    doc.add_paragraph("x" * 100)
    out = io.BytesIO()
    doc.save(out)
    data = io.BytesIO(out.getvalue())
    with zipfile.ZipFile(data, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/zeros.bin", b"\0" * (2 * 1024 * 1024))
    assert len(data.getvalue()) < 100 * 1024  # small packed, large unpacked
    with pytest.raises(UserError) as error:
        documents.check_template(data.getvalue(), "bomb.docx")
    assert "unpacks to more than" in str(error.value.message.interpolate())


def test_a_huge_template_is_refused():
    with pytest.raises(UserError) as error:
        documents.check_template(b"PK" + b"\0" * documents.MAX_TEMPLATE_BYTES, "big.docx")
    assert "larger than 5 MB" in str(error.value.message.interpolate())


@pytest.mark.parametrize("field", ["{{ client.name ", "{% for x in %}", "{% endfor %}",
                                   "{{ client.name|no_such_filter }}"])
def test_a_jinja_error_inside_is_a_message(field):
    with pytest.raises(UserError) as error:
        documents.check_template(_docx_with(f"Покупатель: {field}"), "broken.docx")
    message = str(error.value.message.interpolate())
    assert "has an error in its fields" in message or "cannot be read" in message


def test_a_template_cannot_reach_pythons_insides():
    # The sandbox refuses attributes that lead to classes and modules.
    hostile = _docx_with("{{ client.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(UserError):
        documents.check_template(hostile, "evil.docx")
