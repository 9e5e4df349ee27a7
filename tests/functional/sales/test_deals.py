"""Deals through the services, on SQLite and PostgreSQL: a new deal on its pipeline's first
stage in its owner's department, its amount from its products (rounded half up), moves forward
and backward with their history, the refusal of a stage of another pipeline (by the service
and by the database), a stale version refused, reassigning (the department follows, the new
owner is told in their language), winning, losing with a reason, reopening, extra costs and
the margin after them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import models.notifications as notifications
from models.clients import Classifier, Contact, Organization
from models.errors import UserError
from models.notifications import Notification
from models.sales import Deal, DealStageChange, Product, ProductGroup, Stage
from portal.sales import deals as service
from portal.sales.deals import DealInput, ProductLine
from portal.sales.pipelines import create_pipeline, stages_of
from tests.clock import local_today

D = Decimal


def build_deal_world(db, factory, tag: str = "") -> SimpleNamespace:
    """Two sales departments, their managers and heads, a director, a pipeline "direct"
    (Qualification 10 %, Proposal 40 %, Negotiation 70 %, Won, Lost) and a second pipeline
    "dealer", two products, clients of each department, lost reasons."""
    north = factory.department(f"Sales North{tag}")
    south = factory.department(f"Sales South{tag}")
    w = SimpleNamespace(north=north, south=south)
    w.manager = factory.user(login=f"nm{tag}", roles=["sales"], departments=[north])
    w.colleague = factory.user(login=f"nc{tag}", roles=["sales"], departments=[north])
    w.south_manager = factory.user(login=f"sm{tag}", roles=["sales"], departments=[south])
    w.head = factory.user(login=f"nh{tag}", roles=["dept_head"], departments=[north])
    w.director = factory.user(login=f"dir{tag}", roles=["director"],
                              departments=[factory.department(f"Board{tag}")])
    w.employee = factory.user(login=f"emp{tag}", departments=[factory.department(f"Staff{tag}")])
    w.direct = create_pipeline(db, None, code=f"direct{tag}".lower(), name=f"Direct{tag}",
                               channel=f"direct{tag}".lower(),
                               stages=[("Qualification", 10), ("Proposal", 40),
                                       ("Negotiation", 70)])
    w.dealer = create_pipeline(db, None, code=f"dealer{tag}".lower(), name=f"Dealers{tag}",
                               channel=f"dealer{tag}".lower(),
                               stages=[("Request", 20), ("Contract", 80)])
    stages = stages_of(db, [w.direct.id, w.dealer.id])
    w.qual, w.proposal, w.nego, w.won, w.lost = stages[w.direct.id]
    w.request, w.contract, w.dealer_won, w.dealer_lost = stages[w.dealer.id]
    group = ProductGroup(name=f"Pumps{tag}", path="")
    db.add(group)
    db.flush()
    group.set_path(None)
    w.pump = Product(group_id=group.id, code=f"P{tag}-1", name="Pump", price=D("1000.00"))
    w.valve = Product(group_id=group.id, code=f"V{tag}-1", name="Valve", price=D("10.05"))
    w.client = Organization(name=f"ООО Ромашка{tag}", department_id=north.id,
                            manager_id=w.manager.id)
    w.south_client = Organization(name=f"ООО Лютик{tag}", department_id=south.id,
                                  manager_id=w.south_manager.id)
    db.add_all([w.pump, w.valve, w.client, w.south_client])
    db.flush()
    w.contact = Contact(full_name="Иван Петров", organization_id=w.client.id,
                        department_id=north.id)
    w.other_contact = Contact(full_name="Пётр Иванов", organization_id=w.south_client.id,
                              department_id=south.id)
    w.price = Classifier(list="deal_lost_reason", title=f"Too expensive for us{tag}", sort_order=1)
    w.retired = Classifier(list="deal_lost_reason", title=f"An old reason of ours{tag}", active=False)
    w.industry = Classifier(list="industry", title=f"Not a reason of ours{tag}")
    db.add_all([w.contact, w.other_contact, w.price, w.retired, w.industry])
    db.flush()
    return w


@pytest.fixture
def w(dbsession, factory):
    return build_deal_world(dbsession, factory)


@pytest.fixture
def deal_notices(monkeypatch):
    """The deal's notice kind, known to the notifications until the lead adds it for good."""
    if service.NOTICE_KIND not in notifications.NOTICE_KINDS:
        monkeypatch.setattr(notifications, "NOTICE_KINDS",
                            notifications.NOTICE_KINDS | {service.NOTICE_KIND})


def new_deal(db, w, owner=None, pipeline=None, **kw) -> Deal:
    data = DealInput(title=kw.pop("title", "Pumps for the boiler house"),
                     organization_id=kw.pop("organization_id", w.client.id),
                     pipeline_id=(pipeline or w.direct).id, **kw)
    return service.create_deal(db, owner or w.manager, data)


def history(db, deal) -> list[tuple]:
    return [tuple(r) for r in db.execute(
        sa.select(DealStageChange.from_stage_id, DealStageChange.to_stage_id,
                  DealStageChange.from_state, DealStageChange.to_state)
        .where(DealStageChange.deal_id == deal.id).order_by(DealStageChange.id))]


def test_new_deal_starts_on_the_first_stage_in_its_owners_department(dbsession, w):
    deal = new_deal(dbsession, w, amount=D("150000"), contact_id=w.contact.id,
                    expected_close_on=local_today() + dt.timedelta(days=30))
    assert (deal.stage_id, deal.state, deal.owner_id) == (w.qual.id, "open", w.manager.id)
    assert deal.department_id == w.north.id and deal.amount == D("150000.00")
    assert deal.version == 1
    assert history(dbsession, deal) == [(None, w.qual.id, "", "open")]


def test_the_amount_is_the_products_sum_rounded_half_up(dbsession, w):
    # 3 × 10.05 less 10 % = 27.135 → 27.14; 2 × 1000 = 2000.00
    deal = new_deal(dbsession, w, products=[
        ProductLine(w.valve.id, D("3"), None, D("10")), ProductLine(w.pump.id, D("2"))])
    assert deal.amount == D("2027.14")
    assert sorted(p.amount for p in deal.products) == [D("27.14"), D("2000.00")]
    with pytest.raises(UserError) as refused:
        new_deal(dbsession, w, amount=D("2000"), products=[ProductLine(w.pump.id, D("1"))])
    assert refused.value.field == "amount" and "1000.00" in refused.value.message.interpolate()


@pytest.mark.parametrize(("kw", "field"), [
    ({"amount": D("-1")}, "amount"),
    ({"products": [ProductLine(0, D("1"))]}, "products"),
    ({"title": "   "}, "title"),
    ({"pipeline": SimpleNamespace(id=10**9)}, "pipeline"),
    ({"organization_id": 10**9}, "organization"),
])
def test_bad_input_is_refused_with_its_field(dbsession, w, kw, field):
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Deal))
    with pytest.raises(UserError) as refused:
        new_deal(dbsession, w, **kw)
    assert refused.value.field == field
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Deal)) == before


@pytest.mark.parametrize("line", [
    ProductLine(None, D("0")), ProductLine(None, D("-2")),
    ProductLine(None, D("1"), D("-5")), ProductLine(None, D("1"), None, D("100.01")),
])
def test_a_product_line_out_of_range_is_refused(dbsession, w, line):
    line.product_id = w.pump.id
    with pytest.raises(UserError) as refused:
        new_deal(dbsession, w, products=[line])
    assert refused.value.field == "products"


def test_a_contact_of_another_client_is_refused(dbsession, w):
    with pytest.raises(UserError) as refused:
        new_deal(dbsession, w, contact_id=w.other_contact.id)
    assert refused.value.field == "contact"


def test_moves_forward_and_backward_are_written_to_the_history(dbsession, w):
    deal = new_deal(dbsession, w)
    assert service.move(dbsession, w.manager, deal, w.nego.id, version=1)
    assert service.move(dbsession, w.manager, deal, w.proposal.id, version=deal.version)
    assert not service.move(dbsession, w.manager, deal, w.proposal.id)
    dbsession.expire_all()
    deal = dbsession.get(Deal, deal.id)
    assert deal.stage_id == w.proposal.id and deal.version == 3
    assert history(dbsession, deal)[1:] == [(w.qual.id, w.nego.id, "open", "open"),
                                            (w.nego.id, w.proposal.id, "open", "open")]


def test_a_stage_of_another_pipeline_is_refused_clearly(dbsession, w):
    deal = new_deal(dbsession, w)
    with pytest.raises(UserError) as refused:
        service.move(dbsession, w.manager, deal, w.contract.id)
    assert "another pipeline" in refused.value.message.interpolate()
    with pytest.raises(UserError):
        service.move(dbsession, w.manager, deal, 10**9)
    with pytest.raises(UserError):  # "Won" is reached by winning, not by a move
        service.move(dbsession, w.manager, deal, w.won.id)
    assert history(dbsession, deal) == [(None, w.qual.id, "", "open")]


def test_the_database_refuses_a_stage_of_another_pipeline(dbsession, w):
    deal = new_deal(dbsession, w)
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.execute(sa.update(Deal.__table__).where(Deal.__table__.c.id == deal.id)
                          .values(stage_id=w.contract.id))


def test_a_change_from_an_old_picture_is_refused_and_writes_nothing(dbsession, w):
    deal = new_deal(dbsession, w)
    service.move(dbsession, w.manager, deal, w.proposal.id, version=1)
    with pytest.raises(service.DealChanged):
        service.move(dbsession, w.colleague, deal, w.nego.id, version=1)
    with pytest.raises(service.DealChanged):
        service.update_deal(dbsession, w.manager, deal,
                            DealInput(title="New", organization_id=w.client.id), version=1)
    dbsession.expire_all()
    deal = dbsession.get(Deal, deal.id)
    assert (deal.stage_id, deal.title, len(history(dbsession, deal))) == (
        w.proposal.id, "Pumps for the boiler house", 2)


def test_reassigning_moves_the_department_and_tells_the_new_owner(dbsession, w, deal_notices):
    deal = new_deal(dbsession, w, amount=D("10"))
    assert service.reassign(dbsession, w.manager, deal, w.south_manager.id, version=1)
    assert (deal.owner_id, deal.department_id) == (w.south_manager.id, w.south.id)
    notice = dbsession.scalar(sa.select(Notification).where(
        Notification.user_id == w.south_manager.id, Notification.kind == "deal_assigned"))
    assert notice is not None
    assert "yours now" in (notice.title or "")
    assert not service.reassign(dbsession, w.manager, deal, w.south_manager.id)
    with pytest.raises(UserError):
        service.reassign(dbsession, w.manager, deal, 10**9)


def test_win_lose_and_reopen_follow_the_workflow(dbsession, w, request_for):
    deal = new_deal(dbsession, w)
    request = request_for(w.manager)
    with pytest.raises(UserError) as refused:
        service.close(request, deal, "lost", version=deal.version)
    assert refused.value.field == "reason"
    for bad in (w.retired.id, w.industry.id, 10**9):
        with pytest.raises(UserError):
            service.close(request, deal, "lost", reason_id=bad)
    service.close(request, deal, "lost", version=deal.version, reason_id=w.price.id,
                  note="Дорого")
    assert (deal.state, deal.stage_id, deal.lost_reason_id, deal.lost_note) == (
        "lost", w.lost.id, w.price.id, "Дорого")
    assert deal.closed_on == local_today()
    with pytest.raises(UserError):  # closed: no moves
        service.move(dbsession, w.manager, deal, w.nego.id)
    service.close(request, deal, "open", stage_id=w.nego.id)
    assert (deal.state, deal.stage_id, deal.lost_reason_id, deal.closed_on) == (
        "open", w.nego.id, None, None)
    service.close(request, deal, "won")
    assert (deal.state, deal.stage_id) == ("won", w.won.id)
    assert [h[2:] for h in history(dbsession, deal)] == [
        ("", "open"), ("open", "lost"), ("lost", "open"), ("open", "won")]


def test_someone_elses_deal_cannot_be_won_by_a_colleague(dbsession, w, request_for):
    deal = new_deal(dbsession, w)
    with pytest.raises(UserError):
        service.close(request_for(w.colleague), deal, "won")
    assert deal.state == "open"
    service.close(request_for(w.head), deal, "won")  # the head: department scope
    assert deal.state == "won"


def test_extra_costs_make_the_margin(dbsession, w):
    deal = new_deal(dbsession, w, amount=D("1000"))
    service.add_cost(dbsession, w.manager, deal, "delivery", D("120.50"), "Truck")
    cost = service.add_cost(dbsession, w.manager, deal, "agent", D("50"))
    for kind, amount in (("bribe", D("1")), ("other", D("-1")), ("other", None)):
        with pytest.raises(UserError):
            service.add_cost(dbsession, w.manager, deal, kind, amount)
    costs = dbsession.scalar(sa.select(service.costs_sum()).select_from(Deal)
                             .where(Deal.id == deal.id))
    assert D(costs) == D("170.50")
    assert service.margin(deal.amount, D(costs)) == D("829.50")
    service.remove_cost(dbsession, w.manager, deal, cost.id)
    other = new_deal(dbsession, w)
    with pytest.raises(UserError):
        service.remove_cost(dbsession, w.manager, other, cost.id)


def test_money_is_read_as_people_type_it():
    assert service.parse_money("1 234,505", "amount") == D("1234.51")
    assert service.parse_money("", "amount") is None
    for bad in ("-1", "abc", "1e400", "NaN", "Infinity", "1" * 20):
        with pytest.raises(UserError):
            service.parse_money(bad, "amount")


def test_stages_keep_their_order_when_stages_change(dbsession, w):
    stages = stages_of(dbsession, [w.direct.id])[w.direct.id]
    assert [(s.name, s.kind) for s in stages] == [
        ("Qualification", "open"), ("Proposal", "open"), ("Negotiation", "open"),
        ("Won", "won"), ("Lost", "lost")]
    assert isinstance(stages[0], Stage)
