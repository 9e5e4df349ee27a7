"""The clauses of deals, orders and documents a person may see are made once per set of rights
(issue 11: not on every page), and each stays its viewer's own: another person, or the same
person after their roles change, gets theirs. On SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

from models.roles import RoleGrant
from models.sales import Deal, DocumentTemplate, DocumentTemplateVersion, Order, SalesDocument
from portal.sales.documents import visible_documents
from portal.sales.security import visible_deals, visible_orders


def test_each_viewer_keeps_their_own_clauses(sales_world, request_for, factory):
    w = sales_world
    north_deal = w.deal(w.north_client, w.north_manager, w.stages["Proposal"], amount="1000.00")
    south_deal = w.deal(w.south_client, w.south_manager, w.stages["Proposal"], amount="2000.00")
    north_order = w.order(w.north_client, w.north_manager, [(w.gas_boiler, "1", "100.00")])
    south_order = w.order(w.south_client, w.south_manager, [(w.gas_boiler, "1", "100.00")])
    template = DocumentTemplate(kind="invoice", name="Счёт")
    template.versions.append(DocumentTemplateVersion(
        version=1, filename="invoice.docx", size=1,
        sha256="0" * 64))
    w.db.add(template)
    w.db.flush()
    documents = {}
    for name, deal, order in (("north", north_deal, None), ("south", south_deal, None),
                              ("north order", None, north_order),
                              ("south order", None, south_order)):
        owner = deal or order
        documents[name] = SalesDocument(
            kind="invoice", number=f"N-{len(documents) + 1}", deal_id=deal and deal.id,
            order_id=order and order.id, organization_id=owner.organization_id,
            template_version_id=template.versions[0].id, created_by_id=w.north_manager.id,
            filename="x.docx", content_type="application/octet-stream", size=1,
            sha256="0" * 64)
        w.db.add(documents[name])
    w.db.flush()

    def seen(request):
        deals = set(w.db.scalars(sa.select(Deal.id).where(
            visible_deals(request), Deal.id.in_([north_deal.id, south_deal.id]))))
        orders = set(w.db.scalars(sa.select(Order.id).where(
            visible_orders(request), Order.id.in_([north_order.id, south_order.id]))))
        docs = {name for name, d in documents.items() if w.db.scalar(sa.select(
            SalesDocument.id).where(visible_documents(request), SalesDocument.id == d.id))}
        return deals, orders, docs

    north, again = request_for(w.north_manager), request_for(w.north_manager)
    for clause in (visible_deals, visible_orders, visible_documents):
        assert clause(again) is clause(north)  # made once, then kept
    assert visible_orders(again, "edit") is visible_orders(north, "edit")
    assert visible_orders(north, "edit") is not visible_orders(north)
    assert seen(north) == ({north_deal.id}, {north_order.id}, {"north", "north order"})

    south = request_for(w.south_manager)
    assert visible_deals(south) is not visible_deals(north)
    assert seen(south) == ({south_deal.id}, {south_order.id}, {"south", "south order"})
    # Asked after Anna's, each keeps seeing their own.
    assert seen(request_for(w.north_manager))[0] == {north_deal.id}

    # The same person with a wider role: a new set of rights, a new clause.
    w.db.add(RoleGrant(user_id=w.north_manager.id, role_id=factory.role("director").id))
    w.db.flush()
    wider = request_for(w.north_manager)
    assert visible_deals(wider) is not visible_deals(north)
    assert seen(wider) == ({north_deal.id, south_deal.id}, {north_order.id, south_order.id},
                           set(documents))
