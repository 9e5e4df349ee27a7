"""The default document templates (proposal, invoice, contract, shipment instructions), made by
code with python-docx the first time a kind is used, so that a fresh portal makes documents at
once. They are ordinary docxtpl templates: an admin downloads one, edits it in Word and uploads
it as the kind's next version.

The fields a template may use are those `portal.sales.documents.context_for` gives
(`number`, `date`, `client.name`, `lines`, `total`...); each default template shows them in use.
The text is in Russian: the company's customers are Russian.
"""
from __future__ import annotations

import io

KINDS = ("proposal", "invoice", "contract", "shipment")

TITLES = {
    "proposal": "Коммерческое предложение",
    "invoice": "Счёт на оплату",
    "contract": "Договор",
    "shipment": "Инструкция по отгрузке",
}

HEAD = ("№", "Код", "Наименование", "Ед.", "Количество", "Цена", "Скидка, %", "Сумма")
CELLS = ("{{ line.n }}", "{{ line.code }}", "{{ line.name }}", "{{ line.unit }}",
         "{{ line.quantity }}", "{{ line.price }}", "{{ line.discount }}", "{{ line.amount }}")
SHIPMENT_HEAD = ("№", "Код", "Наименование", "Ед.", "Заказано", "Отгружено", "К отгрузке")
SHIPMENT_CELLS = ("{{ line.n }}", "{{ line.code }}", "{{ line.name }}", "{{ line.unit }}",
                  "{{ line.quantity }}", "{{ line.shipped }}", "{{ line.to_ship }}")


def _lines_table(doc, head, cells) -> None:
    """A table whose middle row repeats for each line (docxtpl's `{%tr %}` rows)."""
    table = doc.add_table(rows=4, cols=len(head))
    table.style = "Table Grid"
    for i, title in enumerate(head):
        table.rows[0].cells[i].text = title
    table.rows[1].cells[0].text = "{%tr for line in lines %}"
    for i, cell in enumerate(cells):
        table.rows[2].cells[i].text = cell
    table.rows[3].cells[0].text = "{%tr endfor %}"


def _heading(doc, kind: str) -> None:
    doc.add_heading(TITLES[kind] + " № {{ number }} от {{ date }}", level=1)


def _parties(doc) -> None:
    doc.add_paragraph("Поставщик: {{ company.name }}")
    doc.add_paragraph("Покупатель: {{ client.legal_name or client.name }}"
                      "{% if client.inn %}, ИНН {{ client.inn }}{% endif %}"
                      "{% if client.kpp %}, КПП {{ client.kpp }}{% endif %}")
    doc.add_paragraph("{% if contact %}Контактное лицо: {{ contact.name }}{% endif %}")


def build(kind: str) -> bytes:
    """The default template of `kind` as the bytes of a .docx file."""
    if kind not in KINDS:
        raise ValueError(kind)
    # python-docx (docxtpl's dependency) is read only when a template is made: the portal starts
    # without it, and only documents need it.
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    _heading(doc, kind)
    _parties(doc)
    if kind == "proposal":
        doc.add_paragraph("{% if deal %}По запросу: {{ deal.title }}{% endif %}")
        doc.add_paragraph("Предлагаем поставить следующие товары:")
        _lines_table(doc, HEAD, CELLS)
        doc.add_paragraph("Итого: {{ total }} руб.")
        doc.add_paragraph("Предложение действительно 30 дней с даты составления.")
    elif kind == "invoice":
        doc.add_paragraph("{% if order %}Основание: заказ {{ order.number }} от "
                          "{{ order.ordered_on }}{% endif %}")
        _lines_table(doc, HEAD, CELLS)
        doc.add_paragraph("Итого к оплате: {{ total }} руб.")
        doc.add_paragraph("{% if order and order.planned_pay_on %}Оплатить до "
                          "{{ order.planned_pay_on }}.{% endif %}")
    elif kind == "contract":
        doc.add_paragraph("{{ company.name }}, именуемое в дальнейшем «Поставщик», и "
                          "{{ client.legal_name or client.name }}, именуемое в дальнейшем "
                          "«Покупатель», заключили настоящий договор о нижеследующем.")
        doc.add_paragraph("1. Поставщик обязуется передать, а Покупатель принять и оплатить "
                          "товары по спецификации:")
        _lines_table(doc, HEAD, CELLS)
        doc.add_paragraph("2. Общая сумма договора: {{ total }} руб.")
        doc.add_paragraph("3. Оплата производится в течение "
                          "{{ client.deferral_days or 0 }} дней с даты отгрузки.")
    else:
        doc.add_paragraph("{% if order %}Заказ {{ order.number }}; плановая дата отгрузки: "
                          "{{ order.planned_ship_on or '—' }}{% endif %}")
        _lines_table(doc, SHIPMENT_HEAD, SHIPMENT_CELLS)
        doc.add_paragraph("Адрес доставки: {{ client.address or '—' }}")
    doc.add_paragraph("Менеджер: {{ manager }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
