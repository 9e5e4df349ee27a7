"""Annual sales (portal/sales/reports/annual.py) against figures computed by hand, on SQLite and
PostgreSQL: months × product groups × managers, returns deducted, empty months as 0, a period
cut inside months, rights (own, department, none), export. The small world of facts here is
shared with the plan vs fact, funnel and page tests (`sales_facts_world`)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models.sales import (
    Deal,
    DealStageChange,
    Order,
    OrderLine,
    Pipeline,
    Product,
    ProductGroup,
    SalesFact,
    SalesPlan,
    Shipment,
    ShipmentLine,
    Stage,
)
from portal.sales.reports.base import Filters
from tests.clock import local_at

D = Decimal
YEAR = 2025


def _group(db, name, parent=None):
    group = ProductGroup(name=name, parent_id=parent.id if parent else None)
    db.add(group)
    db.flush()
    group.set_path(parent)
    db.flush()
    return group


class World(SimpleNamespace):
    pass


def build_world(db, factory) -> World:
    """Two departments, a manager in each, a head of North, a director; groups A (child A1) and
    B (child B1); facts of 2025 (and one on each side of it) — see the module's tests for the
    sums; plans; a pipeline with four deals moving through it."""
    from models.clients import Classifier, Organization

    w = World()
    w.north = factory.department("Sales North")
    w.south = factory.department("Sales South")
    w.nm = factory.user(login="north-manager", roles=["sales"], departments=[w.north],
                        full_name="Anna North")
    w.sm = factory.user(login="south-manager", roles=["sales"], departments=[w.south],
                        full_name="Boris South")
    w.head = factory.user(login="north-head", roles=["dept_head"], departments=[w.north],
                          full_name="Clara Head")
    w.director = factory.user(login="director", roles=["director"], departments=[w.north],
                              full_name="Dmitry Director")
    w.a = _group(db, "Pumps")
    w.a1 = _group(db, "Pump parts", w.a)
    w.b = _group(db, "Valves")
    w.b1 = _group(db, "Valve parts", w.b)
    products = {}
    for code, group in (("P-A", w.a), ("P-A1", w.a1), ("P-B", w.b), ("P-B1", w.b1)):
        products[code] = Product(code=f"{code}-{w.north.id}", name=code, group_id=group.id,
                                 price=D("1.00"))
        db.add(products[code])
    w.org = Organization(name="ООО «Ромашка»", department_id=w.north.id, manager_id=w.nm.id)
    db.add(w.org)
    db.flush()
    w.orders = {}

    def fact(day, manager, code, amount):
        dept = w.north if manager is w.nm else w.south
        order = w.orders.get(manager.id)
        if order is None:
            order = Order(number=f"SO-T{w.north.id}-{manager.id}", organization_id=w.org.id,
                          manager_id=manager.id, department_id=dept.id, ordered_on=day,
                          state="confirmed")
            db.add(order)
            db.flush()
            w.orders[manager.id] = order
        product = products[code]
        line = OrderLine(order_id=order.id, product_id=product.id, quantity=D("1000"),
                         price=D("1.00"), amount=D("1000.00"))
        db.add(line)
        db.flush()
        shipment = Shipment(order_id=order.id, shipped_on=day,
                            kind="return" if amount < 0 else "shipment")
        db.add(shipment)
        db.flush()
        sl = ShipmentLine(shipment_id=shipment.id, order_line_id=line.id, quantity=D("1"))
        db.add(sl)
        db.flush()
        group = db.get(ProductGroup, product.group_id)
        db.add(SalesFact(shipment_line_id=sl.id, shipped_on=day, month=day.year * 100 + day.month,
                         organization_id=w.org.id, manager_id=manager.id, department_id=dept.id,
                         product_id=product.id, group_id=group.id, top_group_id=group.top_id,
                         quantity=D("1") if amount > 0 else D("-1"), amount=amount))

    fact(dt.date(2024, 12, 31), w.nm, "P-A", D("999.00"))
    fact(dt.date(2025, 1, 15), w.nm, "P-A", D("100.00"))
    fact(dt.date(2025, 1, 20), w.nm, "P-A1", D("33.33"))
    fact(dt.date(2025, 1, 21), w.nm, "P-A1", D("33.33"))
    fact(dt.date(2025, 3, 10), w.sm, "P-B", D("200.00"))
    fact(dt.date(2025, 3, 12), w.sm, "P-B1", D("-20.00"))
    fact(dt.date(2025, 3, 31), w.nm, "P-B", D("10.10"))
    fact(dt.date(2025, 12, 31), w.sm, "P-A", D("1.01"))
    fact(dt.date(2026, 1, 1), w.sm, "P-A", D("999.00"))
    for manager, group, month, amount in ((w.nm, w.a, 202501, "150.00"),
                                          (w.nm, w.b, 202503, "30.00"),
                                          (w.sm, w.b, 202503, "180.00")):
        db.add(SalesPlan(manager_id=manager.id, group_id=group.id, month=month, amount=D(amount)))

    # The funnel: pipeline with Q(10) P(40) N(70) Won Lost.
    w.pipeline = Pipeline(code=f"t{w.north.id}", name="Direct test", channel=f"direct-{w.north.id}",
                          position=99)
    db.add(w.pipeline)
    db.flush()
    w.stages = {}
    for pos, (name, prob, kind) in enumerate((("Qualification", 10, "open"),
                                              ("Proposal", 40, "open"),
                                              ("Negotiation", 70, "open"), ("Won", 100, "won"),
                                              ("Lost", 0, "lost")), start=1):
        w.stages[name] = Stage(pipeline_id=w.pipeline.id, name=name, position=pos,
                               probability=prob, kind=kind)
        db.add(w.stages[name])
    db.flush()
    w.price = db.scalar(sa.select(Classifier).where(Classifier.list == "deal_lost_reason",
                                                    Classifier.code == "price"))

    def deal(title, moves, state="open", reason=None, amount="0.00", closed_on=None):
        last = w.stages[moves[-1][0]]
        d = Deal(title=title, organization_id=w.org.id, pipeline_id=w.pipeline.id,
                 stage_id=last.id, amount=D(amount), owner_id=w.nm.id, department_id=w.north.id,
                 state=state, lost_reason_id=reason.id if reason else None, closed_on=closed_on)
        db.add(d)
        db.flush()
        previous = None
        for stage_name, day, hour in moves:
            stage = w.stages[stage_name]
            db.add(DealStageChange(deal_id=d.id, from_stage_id=previous.id if previous else None,
                                   to_stage_id=stage.id, from_state="open" if previous else "",
                                   to_state=stage.kind, changed_at=local_at(day, hour)))
            previous = stage
        return d

    deal("D1", [("Qualification", dt.date(2025, 2, 1), 10), ("Proposal", dt.date(2025, 2, 11), 10),
                ("Won", dt.date(2025, 2, 16), 10)], state="won", amount="300.00",
         closed_on=dt.date(2025, 2, 16))
    deal("D2", [("Qualification", dt.date(2025, 3, 1), 10), ("Proposal", dt.date(2025, 3, 3), 10),
                ("Lost", dt.date(2025, 3, 4), 10)], state="lost", reason=w.price,
         amount="500.00", closed_on=dt.date(2025, 3, 4))
    deal("D3", [("Qualification", dt.date(2025, 4, 1), 10)])
    deal("D4", [("Qualification", dt.date(2024, 12, 20), 10),
                ("Proposal", dt.date(2025, 1, 5), 10), ("Negotiation", dt.date(2025, 1, 10), 10),
                ("Lost", dt.date(2025, 1, 12), 10)], state="lost", amount="100.00",
         closed_on=dt.date(2025, 1, 12))
    db.flush()
    return w


@pytest.fixture
def world(dbsession, factory):
    return build_world(dbsession, factory)


def year_filters(**kw) -> Filters:
    return Filters(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31), **kw)


def rows_by(table, key):
    return {row[key]: row for row in table.rows}


def test_annual_sums_by_month_and_group_with_returns_and_empty_months(world, request_for):
    from portal.sales.reports.annual import annual

    result = annual(request_for(world.director), year_filters())
    by_group, by_manager, manager_group = result.tables
    rows = rows_by(by_group, "month")
    assert list(rows) == [YEAR * 100 + m for m in range(1, 13)]  # every month, empty ones too
    a, b = f"g{world.a.id}", f"g{world.b.id}"
    assert rows[202501][a] == D("166.66") and rows[202501][b] == D("0.00")
    assert rows[202502][a] == D("0.00") and rows[202502]["total"] == D("0.00")
    assert rows[202503][b] == D("190.10")  # 200.00 − 20.00 returned + 10.10
    assert rows[202512][a] == D("1.01")
    assert by_group.totals[a] == D("167.67") and by_group.totals[b] == D("190.10")
    assert by_group.totals["total"] == D("357.77")
    people = rows_by(by_manager, "manager")
    assert people["Anna North"]["total"] == D("176.76")
    assert people["Boris South"]["m202503"] == D("180.00")
    assert people["Boris South"]["total"] == D("181.01")
    assert by_manager.totals["total"] == D("357.77")
    assert by_manager.totals["m202501"] == D("166.66")
    pairs = rows_by(manager_group, "manager")
    assert pairs["Anna North"][a] == D("166.66") and pairs["Anna North"][b] == D("10.10")
    assert manager_group.totals["total"] == D("357.77")
    assert result.chart["labels"][0] and len(result.chart["labels"]) == 12


def test_annual_period_inside_months_and_group_filters(world, request_for):
    from portal.sales.reports.annual import annual

    request = request_for(world.director)
    cut = annual(request, Filters(dt.date(2025, 1, 16), dt.date(2025, 3, 30)))
    assert cut.tables[0].totals["total"] == D("246.66")  # 33.33 × 2 + 200.00 − 20.00
    assert [r["month"] for r in cut.tables[0].rows] == [202501, 202502, 202503]
    child = annual(request, year_filters(group_id=world.a1.id))
    assert child.tables[0].totals["total"] == D("66.66")
    top = annual(request, year_filters(group_id=world.a.id))
    assert top.tables[0].totals["total"] == D("167.67")
    nobody = annual(request, year_filters(group_id=2_000_000_000))
    assert nobody.tables[0].totals["total"] == D("0.00")
    south = annual(request, year_filters(department_id=world.south.id))
    assert south.tables[0].totals["total"] == D("181.01")


def test_annual_own_and_department_scopes(world, request_for):
    from portal.sales.reports.annual import annual

    own = annual(request_for(world.nm), year_filters())
    assert own.tables[0].totals["total"] == D("176.76")
    assert [r["manager"] for r in own.tables[1].rows] == ["Anna North"]
    # Asking for another manager's figures gives nothing, not theirs.
    other = annual(request_for(world.nm), year_filters(manager_id=world.sm.id))
    assert other.tables[0].totals["total"] == D("0.00")
    head = annual(request_for(world.head), year_filters())
    assert head.tables[0].totals["total"] == D("176.76")


def test_annual_page_and_exports(world, testapp, login_as):
    login_as(world.director)
    page = testapp.get(f"/sales/reports/@@annual?from={YEAR}-01-01&to={YEAR}-12-31")
    assert "357.77" in page.text.replace("\u00a0", "").replace(",", "")
    assert 'data-chart-kind="sales"' in page.text
    csv = testapp.get(f"/sales/reports/@@annual?year={YEAR}&format=csv")
    assert csv.content_type == "text/csv"
    text = csv.body.decode("utf-8-sig")
    assert "357,77" in text and "2025-03" in text
    xlsx = testapp.get(f"/sales/reports/@@annual?year={YEAR}&format=xlsx")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.body))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert D("357.77") in [D(str(v)).quantize(D("0.01")) for v in values
                           if isinstance(v, int | float | Decimal)]
