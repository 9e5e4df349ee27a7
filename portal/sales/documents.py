"""Documents made from templates (issue 15, point 7): a commercial proposal, an invoice, a
contract and shipment instructions, generated from a deal, an order or the client card.

- **Templates** are .docx files that office staff edit in Word, with docxtpl's fields
  (``{{ client.name }}``, a table row ``{%tr for line in lines %}``). Admins upload them per
  kind; each upload is a new version of the kind's template, the old ones stay, and the newest
  is the one used. A kind nobody uploaded yet gets its default template, made by code
  (portal/sales/templates_default) the first time it is used, so that a fresh portal makes
  documents at once.
- **A hostile template** — not a ZIP, a ZIP that is not a Word document, one that unpacks to
  hundreds of megabytes, a Jinja error inside, a field that tries to reach Python's insides —
  is refused on upload with a message that says what is wrong (`UserError`), and should one
  fail at generation anyway, the same kind of message is shown, never a server error. Templates
  are rendered in Jinja's sandbox, with autoescaping (a client named «Рога & Копыта» does not
  break the document's XML).
- **Generation** numbers the document (``INV-2026-000042``: the kind's prefix, the year, the
  row's id, so that two people generating at the same instant never share a number), renders
  it, stores the .docx in portal/files/storage.py's store and, when LibreOffice is installed
  (``soffice`` on the PATH), a PDF made by ``soffice --headless --convert-to pdf`` with a time
  limit; without it the document is a .docx only, and the page says so.
- Documents are listed on the client's timeline (a timeline provider) and on the deal's and
  the order's page (`documents_for`).

Who may do what is the views' business: generating needs ``edit`` on the deal, order or
client; reading a document needs ``view`` on what it was made from (`source_of`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

import sqlalchemy as sa
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from models.clients import Address, Contact, Organization
from models.errors import UserError
from models.people import User
from models.sales import (
    Deal,
    DealProduct,
    DocumentTemplate,
    DocumentTemplateVersion,
    Order,
    OrderLine,
    Product,
    SalesDocument,
)
from portal.clients.timeline import (
    TimelineAction,
    TimelineItem,
    TimelineRows,
    filter_key,
    message,
    part_statement,
    planned_and_past,
    timeline_provider,
    words,
)
from portal.core.i18n import _
from portal.files import storage
from portal.sales import templates_default
from portal.sales.security import visible_deals, visible_orders
from portal.security.filters import Kept, rights_key

KINDS = templates_default.KINDS
KIND_TITLES = {
    "proposal": _("Commercial proposal"),
    "invoice": _("Invoice"),
    "contract": _("Contract"),
    "shipment": _("Shipment instructions"),
}
# The kinds each source may make: a client card has no lines to ship.
KINDS_FROM = {
    "deal": ("proposal", "invoice", "contract"),
    "order": ("proposal", "invoice", "contract", "shipment"),
    "organization": ("proposal", "contract"),
}
PREFIXES = {"proposal": "KP", "invoice": "INV", "contract": "CTR", "shipment": "SHP"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
# A template larger than this, or unpacking to more than that, is refused (a Word template
# with a logo is some tens of kilobytes; a ZIP bomb unpacks to gigabytes).
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_GENERATED_BYTES = 20 * 1024 * 1024
PDF_TIMEOUT_SECONDS = 60
CENT = Decimal("0.01")
NBSP = "\u00a0"


# --- templates ----------------------------------------------------------------------------------

def template_of(dbsession, kind: str) -> DocumentTemplate | None:
    """The kind's template (the active one, the oldest if there were several)."""
    return dbsession.scalar(sa.select(DocumentTemplate)
                            .where(DocumentTemplate.kind == kind, DocumentTemplate.active.is_(True))
                            .order_by(DocumentTemplate.id).limit(1))


def active_version(dbsession, template: DocumentTemplate) -> DocumentTemplateVersion | None:
    """The newest version of a template: the one used."""
    return dbsession.scalar(sa.select(DocumentTemplateVersion)
                            .where(DocumentTemplateVersion.template_id == template.id)
                            .order_by(DocumentTemplateVersion.version.desc()).limit(1))


def versions_of(dbsession, kind: str) -> list[DocumentTemplateVersion]:
    """Every version of the kind's template, newest first."""
    template = template_of(dbsession, kind)
    if template is None:
        return []
    return list(dbsession.scalars(sa.select(DocumentTemplateVersion)
                                  .where(DocumentTemplateVersion.template_id == template.id)
                                  .order_by(DocumentTemplateVersion.version.desc())))


def templates_overview(dbsession) -> list[tuple[str, DocumentTemplateVersion | None, int]]:
    """[(kind, its active version or None while the default is not made yet, versions)]."""
    out = []
    for kind in KINDS:
        versions = versions_of(dbsession, kind)
        out.append((kind, versions[0] if versions else None, len(versions)))
    return out


def check_template(content: bytes, name: str = "") -> None:
    """Refuse (UserError, field "file") what cannot be a usable .docx template."""
    if len(content) > MAX_TEMPLATE_BYTES:
        raise UserError(_("The template “${name}” is larger than ${max} MB. Remove large "
                          "pictures from it and upload it again.",
                          mapping={"name": name, "max": MAX_TEMPLATE_BYTES // (1024 * 1024)}),
                        "file")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
            unpacked = sum(entry.file_size for entry in entries)
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UserError(_("“${name}” is not a Word document (.docx). Save the template in Word "
                          "as “Word Document (*.docx)” and upload it again.",
                          mapping={"name": name}), "file") from None
    if "word/document.xml" not in names:
        raise UserError(_("“${name}” is a ZIP archive but not a Word document (.docx).",
                          mapping={"name": name}), "file")
    if unpacked > MAX_UNPACKED_BYTES:
        raise UserError(_("“${name}” unpacks to more than ${max} MB: it cannot be a document "
                          "template.", mapping={"name": name,
                                                "max": MAX_UNPACKED_BYTES // (1024 * 1024)}),
                        "file")
    render(content, sample_context(), name)


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True)


def render(content: bytes, context: dict, name: str = "") -> bytes:
    """The .docx made of a template and the values of its fields. A broken template raises
    UserError saying where it is broken."""
    # docxtpl is imported here, not at the top: it pulls in python-docx and lxml, which the
    # portal needs only when a document is made (a start-up cost for every worker otherwise).
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(io.BytesIO(content))
        template.render(context, jinja_env=_environment(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
    except TemplateError as error:
        raise UserError(_("The template “${name}” has an error in its fields: ${error}. Correct "
                          "it in Word (look at the {{ }} and {% %} marks) and upload it again.",
                          mapping={"name": name, "error": str(error)[:300]}), "file") from None
    except UserError:
        raise
    except Exception as error:  # whatever a hostile file makes the parser raise
        raise UserError(_("The template “${name}” cannot be read as a Word document (${error}).",
                          mapping={"name": name, "error": type(error).__name__}),
                        "file") from None
    data = out.getvalue()
    if len(data) > MAX_GENERATED_BYTES:
        raise UserError(_("The document made from “${name}” is larger than ${max} MB: the "
                          "template repeats too much.",
                          mapping={"name": name, "max": MAX_GENERATED_BYTES // (1024 * 1024)}),
                        "file")
    return data


def upload_template(dbsession, actor: User, settings, kind: str, stream, filename: str
                    ) -> DocumentTemplateVersion:
    """Store an uploaded template as the kind's next version (it becomes the one used)."""
    if kind not in KINDS:
        raise UserError(_("Choose the kind of document."), "kind")
    content = stream.read(MAX_TEMPLATE_BYTES + 1)
    name = storage.safe_filename(filename or "template.docx")
    if not content:
        raise UserError(_("Choose a .docx file to upload."), "file")
    if storage.extension_of(name) != "docx":
        raise UserError(_("“${name}” is not a .docx file. Save the template in Word as “Word "
                          "Document (*.docx)”.", mapping={"name": name}), "file")
    check_template(content, name)
    return _add_version(dbsession, actor, settings, kind, content, name)


def _add_version(dbsession, actor: User | None, settings, kind: str, content: bytes,
                 name: str) -> DocumentTemplateVersion:
    template = template_of(dbsession, kind)
    if template is None:
        template = DocumentTemplate(kind=kind, name=str(KIND_TITLES[kind]), active=True,
                                    created_at=_now())
        dbsession.add(template)
        dbsession.flush()
    stored = storage.store(settings, io.BytesIO(content), name, limit=MAX_TEMPLATE_BYTES)
    last = dbsession.scalar(sa.select(sa.func.max(DocumentTemplateVersion.version))
                            .where(DocumentTemplateVersion.template_id == template.id)) or 0
    version = DocumentTemplateVersion(
        template_id=template.id, version=last + 1, filename=stored.name, size=stored.size,
        sha256=stored.sha256, uploaded_by_id=actor.id if actor else None, uploaded_at=_now())
    dbsession.add(version)
    dbsession.flush()
    return version


def version_for(dbsession, settings, kind: str) -> DocumentTemplateVersion:
    """The version to generate `kind` with: the newest upload, or the default made now."""
    template = template_of(dbsession, kind)
    version = active_version(dbsession, template) if template is not None else None
    if version is None or storage.stored_path(settings, version.sha256) is None:
        version = _add_version(dbsession, None, settings, kind, templates_default.build(kind),
                               f"{kind}.docx")
    return version


def template_content(settings, version: DocumentTemplateVersion) -> bytes:
    path = storage.stored_path(settings, version.sha256)
    if path is None:
        raise UserError(_("The file of this template is missing from the file store. Upload "
                          "the template again."), "file")
    return path.read_bytes()


# --- what a document says ----------------------------------------------------------------------

def money(value: Decimal | None) -> str:
    """1 234 567,50 — as Russian documents write sums."""
    value = Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}"


def quantity(value: Decimal | None) -> str:
    """2, 1,5, 0,125 — without trailing zeros."""
    text = f"{Decimal(value or 0):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def ru_date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def sample_context() -> dict:
    """Values for every field the default templates use: a template is tried with them on
    upload, so that a broken one is refused then, not when somebody needs a document."""
    line = {"n": 1, "code": "A-1", "name": "Товар", "unit": "шт", "quantity": "2",
            "price": money(Decimal("100")), "discount": "0", "amount": money(Decimal("200")),
            "shipped": "0", "to_ship": "2"}
    return {"number": "INV-2026-000001", "date": "01.12.2026", "kind": "invoice",
            "company": {"name": "ООО «Компания»"},
            "client": {"name": "Клиент", "legal_name": "ООО «Клиент»", "inn": "7700000000",
                       "kpp": "770001001", "address": "Москва", "discount_percent": "0",
                       "deferral_days": 0},
            "contact": {"name": "Иванов Иван", "position": ""},
            "deal": {"title": "Сделка", "amount": money(Decimal("200"))},
            "order": {"number": "SO-2026-000001", "ordered_on": "01.12.2026",
                      "planned_ship_on": "", "planned_pay_on": ""},
            "lines": [line], "total": money(Decimal("200")), "manager": "Менеджер"}


def context_for(dbsession, settings, *, kind: str, number: str, day: dt.date,
                organization: Organization, deal: Deal | None = None, order: Order | None = None,
                manager: User | None = None) -> dict:
    """The values a template's fields read: the client, the contact, the deal or order and
    its lines, money written as Russian documents write it."""
    contact_id = (order.contact_id if order is not None else
                  deal.contact_id if deal is not None else None)
    contact = dbsession.get(Contact, contact_id) if contact_id else None
    address = dbsession.scalar(sa.select(Address.text)
                               .where(Address.organization_id == organization.id)
                               .order_by(Address.id).limit(1))
    lines: list[dict] = []
    total = Decimal(0)
    if order is not None:
        rows = dbsession.execute(sa.select(OrderLine, Product)
                                 .join(Product, Product.id == OrderLine.product_id)
                                 .where(OrderLine.order_id == order.id)
                                 .order_by(OrderLine.id)).all()
        for n, (line, product) in enumerate(rows, 1):
            shipped = line.shipped_quantity or Decimal(0)
            lines.append(_line(n, product, line.quantity, line.price, line.discount_percent,
                               line.amount, shipped))
            total += line.amount or 0
    elif deal is not None:
        rows = dbsession.execute(sa.select(DealProduct, Product)
                                 .join(Product, Product.id == DealProduct.product_id)
                                 .where(DealProduct.deal_id == deal.id)
                                 .order_by(DealProduct.id)).all()
        for n, (line, product) in enumerate(rows, 1):
            lines.append(_line(n, product, line.quantity, line.price, line.discount_percent,
                               line.amount, Decimal(0)))
            total += line.amount or 0
        if not rows:
            total = deal.amount or Decimal(0)
    owner_id = (order.manager_id if order is not None else
                deal.owner_id if deal is not None else organization.manager_id)
    owner = dbsession.get(User, owner_id) if owner_id else manager
    return {
        "number": number, "date": ru_date(day), "kind": kind,
        "company": {"name": settings.get("portal.company_name", "") or ""},
        "client": {"name": organization.name, "legal_name": organization.legal_name or "",
                   "inn": organization.inn or "", "kpp": organization.kpp or "",
                   "address": address or "",
                   "discount_percent": quantity(organization.discount_percent),
                   "deferral_days": organization.payment_deferral_days or 0},
        "contact": ({"name": contact.full_name, "position": contact.position or ""}
                    if contact is not None else None),
        "deal": ({"title": deal.title, "amount": money(deal.amount)} if deal is not None
                 else None),
        "order": ({"number": order.number, "ordered_on": ru_date(order.ordered_on),
                   "planned_ship_on": ru_date(order.planned_ship_on),
                   "planned_pay_on": ru_date(order.planned_pay_on)} if order is not None else None),
        "lines": lines, "total": money(total),
        "manager": owner.full_name if owner is not None else "",
    }


def _line(n, product, qty, price, discount, amount, shipped) -> dict:
    return {"n": n, "code": product.code, "name": product.name, "unit": product.unit,
            "quantity": quantity(qty), "price": money(price), "discount": quantity(discount),
            "amount": money(amount), "shipped": quantity(shipped),
            "to_ship": quantity(Decimal(qty or 0) - Decimal(shipped or 0))}


# --- generation ---------------------------------------------------------------------------------

def soffice_path(settings) -> str | None:
    """LibreOffice's program, when installed (the setting ``portal.soffice`` names another;
    ``portal.soffice = off`` makes documents as .docx only)."""
    named = (settings.get("portal.soffice") or "").strip()
    if named.lower() in ("off", "no", "false", "0"):
        return None
    return shutil.which(named or "soffice")


def to_pdf(settings, docx: bytes, timeout: int = PDF_TIMEOUT_SECONDS) -> bytes | None:
    """The PDF of a .docx through headless LibreOffice; None when it is not installed, fails
    or takes longer than `timeout` seconds (the document then stays a .docx)."""
    program = soffice_path(settings)
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="portal-pdf-") as work:
        source = os.path.join(work, "document.docx")
        with open(source, "wb") as f:
            f.write(docx)
        # Its own profile: two conversions at once must not share LibreOffice's lock.
        profile = "file://" + os.path.join(work, "profile")
        try:
            # A session of its own: on timeout the whole group goes (the `soffice` script
            # and the soffice.bin it starts), not only the script.
            process = subprocess.Popen(
                [program, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                 "pdf", "--outdir", work, source],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            return None
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
        target = os.path.join(work, "document.pdf")
        if not os.path.isfile(target):
            return None
        with open(target, "rb") as f:
            data = f.read()
    return data if data.startswith(b"%PDF-") else None


def generate(dbsession, actor: User, settings, kind: str, *, day: dt.date,
             organization: Organization | None = None, deal: Deal | None = None,
             order: Order | None = None, pdf: bool = True) -> SalesDocument:
    """Make a document of `kind` from an order, a deal or a client card, store it on the
    record and return its row (``pdf_sha256`` None: .docx only). `day` is the document's date
    (the user's today)."""
    source = "order" if order is not None else "deal" if deal is not None else "organization"
    if kind not in KINDS_FROM[source]:
        raise UserError(_("This kind of document cannot be made here."), "kind")
    if organization is None:
        organization = dbsession.get(Organization, (order or deal).organization_id)
    version = version_for(dbsession, settings, kind)
    document = SalesDocument(
        template_version_id=version.id, kind=kind, organization_id=organization.id,
        deal_id=deal.id if deal is not None else (order.deal_id if order is not None else None),
        order_id=order.id if order is not None else None, number="", filename="",
        content_type=DOCX, size=0, sha256="", pdf_sha256=None, created_by_id=actor.id,
        created_at=_now())
    dbsession.add(document)
    dbsession.flush()  # its id makes its number
    document.number = f"{PREFIXES[kind]}-{day.year}-{document.id:06d}"
    context = context_for(dbsession, settings, kind=kind, number=document.number, day=day,
                          organization=organization, deal=deal, order=order, manager=actor)
    content = render(template_content(settings, version), context, version.filename)
    stored = storage.store(settings, io.BytesIO(content), f"{document.number}.docx",
                           limit=MAX_GENERATED_BYTES, check_type=False)
    document.filename, document.size, document.sha256 = stored.name, stored.size, stored.sha256
    if pdf:
        data = to_pdf(settings, content)
        if data is not None:
            document.pdf_sha256 = storage.store(settings, io.BytesIO(data),
                                                f"{document.number}.pdf", limit=10 * len(data) + 1,
                                                check_type=False).sha256
    dbsession.flush()
    return document


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- where documents are listed -----------------------------------------------------------------

def documents_for(dbsession, *, deal_id: int | None = None, order_id: int | None = None,
                  organization_id: int | None = None, limit: int = 50,
                  visible: sa.ColumnElement[bool] | None = None) -> list[SalesDocument]:
    """The documents made from a deal, an order or for a client, newest first (for the deal's
    and the order's page: whoever sees the page may read them; for a client's, pass
    `visible=visible_documents(request)`: its deals' and orders' documents need their rights)."""
    where = [] if visible is None else [visible]
    if deal_id is not None:
        where.append(SalesDocument.deal_id == deal_id)
    if order_id is not None:
        where.append(SalesDocument.order_id == order_id)
    if organization_id is not None:
        where.append(SalesDocument.organization_id == organization_id)
    if len(where) == (visible is not None):
        return []
    return list(dbsession.scalars(sa.select(SalesDocument).where(*where)
                                  .order_by(SalesDocument.created_at.desc(),
                                            SalesDocument.id.desc()).limit(limit)))


def source_of(dbsession, document: SalesDocument):
    """What the document was made from, whose `view` decides who may read it: the order, else
    the deal, else the client."""
    if document.order_id is not None:
        return dbsession.get(Order, document.order_id)
    if document.deal_id is not None:
        return dbsession.get(Deal, document.deal_id)
    return dbsession.get(Organization, document.organization_id)


def visible_documents(request) -> sa.ColumnElement[bool]:
    """WHERE for the documents of a client the user may see: those of the client card, and
    those of deals and orders the user may view. Made once per set of rights."""
    return _VISIBLE.get(rights_key(request), lambda: sa.and_(
        sa.or_(SalesDocument.deal_id.is_(None),
               SalesDocument.order_id.is_not(None),
               SalesDocument.deal_id.in_(sa.select(Deal.id).where(visible_deals(request)))),
        sa.or_(SalesDocument.order_id.is_(None),
               SalesDocument.order_id.in_(sa.select(Order.id).where(visible_orders(request))))))


_VISIBLE = Kept(4096)


DOCUMENT_TITLE = _("${kind} ${number}")


@timeline_provider("sales_documents")
def documents_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """The client's documents on the card's timeline, newest first (none are planned)."""
    if not isinstance(target, Organization) or past <= 0:
        return []
    visible = visible_documents(request)
    key = ("sales_documents", past, filter_key(visible))

    def build() -> sa.Select:
        done = (sa.select(SalesDocument.id)
                .where(SalesDocument.organization_id == sa.bindparam("document_org"), visible)
                .order_by(SalesDocument.created_at.desc(), SalesDocument.id.desc()))
        return (sa.select(SalesDocument.id, SalesDocument.number, SalesDocument.kind,
                          SalesDocument.created_at, SalesDocument.pdf_sha256,
                          User.full_name.label("who"))
                .outerjoin(User, User.id == SalesDocument.created_by_id)
                .where(planned_and_past(SalesDocument.id, None, done, 0, past)))

    return TimelineRows(part_statement(key, build), partial(_document_items, request), key,
                        {"document_org": target.id}, when=_document_when)


def _document_when(row) -> tuple[bool, dt.datetime]:
    """(planned, at) of a document's item: past, when it was made."""
    return False, row.created_at


def _document_items(request, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    word, title = words(translate), message(translate, DOCUMENT_TITLE)
    docx, pdf = translate(_("Download .docx")), translate(_("Download PDF"))
    base = request.application_url + "/sales/documents/"
    out = []
    for row in rows:
        url = base + str(row.id)
        actions = [TimelineAction(docx, url, "file-earmark-word", text=False)]
        if row.pdf_sha256:
            actions.append(TimelineAction(pdf, url + "/@@pdf", "file-earmark-pdf", text=False))
        out.append(TimelineItem(
            at=_document_when(row)[1],
            title=title(kind=word(KIND_TITLES.get(row.kind, row.kind)), number=row.number),
            url=url, kind="sales_documents", icon="file-earmark-text", who=row.who or "",
            actions=actions))
    return out
