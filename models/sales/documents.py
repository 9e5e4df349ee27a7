"""Documents from templates (issue 15): `.docx` templates (a commercial proposal, an invoice, a
contract, shipment instructions) that office staff edit in Word and admins upload in versions,
and the documents made from them for a deal, an order or a client card.

Contents (the templates' and the documents', and a document's PDF when LibreOffice made one)
are in the shared store of portal/files/storage.py under their `sha256`. A document may be read
by whoever may view its organization, deal or order (portal/sales/documents.py).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.clients import Organization
from models.meta import Base, UTCDateTime, utcnow
from models.people import User
from models.sales.deals import Deal
from models.sales.orders import Order

DOCUMENT_KINDS = ("proposal", "invoice", "contract", "shipment")


class DocumentTemplate(Base):
    """A template of a kind of document; its content is in its versions (the newest is used)."""

    __tablename__ = "sales_document_templates"
    __versioned__: dict = {}
    __table_args__ = (
        sa.CheckConstraint("kind IN ('proposal', 'invoice', 'contract', 'shipment')",
                           name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[DocumentTemplateVersion]] = relationship(
        back_populates="template", cascade="all, delete-orphan",
        order_by="DocumentTemplateVersion.version", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<DocumentTemplate {self.id} {self.kind} {self.name!r}>"


class DocumentTemplateVersion(Base):
    """One uploaded `.docx` of a template (1, 2, ...)."""

    __tablename__ = "sales_document_template_versions"
    __table_args__ = (sa.UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_document_templates.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[DocumentTemplate] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class SalesDocument(Base):
    """A document made from a template version for a client (and a deal or an order)."""

    __tablename__ = "sales_documents"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('proposal', 'invoice', 'contract', 'shipment')",
                           name="kind"),
        sa.Index("ix_sales_documents_organization", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_document_template_versions.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_deals.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(30), default="")
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # The PDF made by LibreOffice (None when it is not installed or failed).
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    template_version: Mapped[DocumentTemplateVersion] = relationship(lazy="raise_on_sql")
    organization: Mapped[Organization] = relationship(lazy="raise_on_sql")
    deal: Mapped[Deal | None] = relationship(lazy="raise_on_sql")
    order: Mapped[Order | None] = relationship(lazy="raise_on_sql")
    created_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<SalesDocument {self.id} {self.kind} {self.filename!r}>"
