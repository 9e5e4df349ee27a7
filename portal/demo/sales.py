"""Demo sales of «Прогресс» (issue 15; a step of `portal demo`): three pipelines (direct sales,
dealers, tenders) with their stages, the reasons deals and clients are lost, a catalog of four
top product groups and about forty products bought from the demo suppliers, a year and a half of
deals with their stage history, orders made from the won ones and the regular clients' repeat
orders, shipments (a few returned), payments (some late, some still owed), the managers' sales
plans from then to three months ahead, commission rules and a few clients lost on the way.

The lists, groups and products are made through their services, as an admin would. The history
(about four thousand rows) is inserted in batches with SQLAlchemy Core, keeping the rules the
services keep: every shipment line has its fact, written with it (the line's share of the
amount, negative for a return); an order's running sums, shipped and paid dates and state agree
with its shipments and payments; order numbers come in order from the year's counter; every
deal has its stage history, ending on its won or lost stage. Dates are relative to today and
the random generator is seeded, so two runs on the same day make the same company.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.clients import Classifier, Contact, Organization
from models.sales.deals import Deal, DealCost, DealProduct, DealStageChange, Pipeline, Stage
from models.sales.orders import (
    Order,
    OrderCounter,
    OrderLine,
    Payment,
    SalesFact,
    Shipment,
    ShipmentLine,
    fact_month,
    order_number,
)
from models.sales.plans import CommissionRule, SalesPlan, SalesPlanChange
from models.workflow import WorkflowHistory
from portal.admin.classifiers import add_entry
from portal.sales.products import ProductInput, create_group, save_product

ZONE = ZoneInfo("Europe/Moscow")
CENT = Decimal("0.01")
MONTHS = 18  # of history, up to today
PLAN_AHEAD = 3  # months of plans after this one

# code, name, channel, [(stage, probability)], share of the deals, chance a closed deal is won,
# days a deal takes (shortest, longest)
PIPELINES = [
    ("direct", "Прямые продажи", "direct",
     [("Квалификация", 10), ("Коммерческое предложение", 40), ("Переговоры", 70)], 60, .5, (7, 50)),
    ("dealers", "Дилеры", "dealer",
     [("Заявка дилера", 20), ("Согласование условий", 50), ("Договор", 80)], 25, .6, (5, 35)),
    ("tenders", "Тендеры", "tender",
     [("Изучение документации", 10), ("Заявка подана", 30), ("Рассмотрение заявок", 50)], 15, .3,
     (20, 80)),
]
DEAL_LOST_REASONS = ["Высокая цена", "Выбрали конкурента", "Нет бюджета", "Не устроили сроки поставки",
                     "Проект отложен", "Не вышли на лицо, принимающее решение"]
CLIENT_LOST_REASONS = ["Ушёл к конкуренту", "Недоволен качеством обслуживания",
                       "Прекратил деятельность", "Сменилось руководство", "Не устроили цены"]
LOST_NOTES = ["", "", "Конкурент дал скидку 12 %.", "Вернуться к разговору в следующем квартале.",
              "Бюджет урезали до следующего года.", "Выиграл участник с меньшей ценой."]

# Top group, its manager, [(child group, [(code, product, unit, price, lead days)])]
CATALOG = [
    ("Отопительное оборудование", "novikova", [
        ("Котлы", [("KT-24", "Котёл газовый настенный 24 кВт", "pcs", 58_900, 14),
                   ("KT-35", "Котёл газовый настенный 35 кВт", "pcs", 74_500, 14),
                   ("KT-60", "Котёл напольный 60 кВт", "pcs", 189_000, 30),
                   ("KT-E12", "Котёл электрический 12 кВт", "pcs", 41_200, 10),
                   ("KT-TT", "Котёл твердотопливный 25 кВт", "pcs", 96_700, 21),
                   ("KT-B100", "Бойлер косвенного нагрева 100 л", "pcs", 38_400, 14)]),
        ("Радиаторы", [("RD-AL500", "Радиатор алюминиевый 500 мм, 10 секций", "pcs", 6_850, 7),
                       ("RD-BM500", "Радиатор биметаллический 500 мм, 10 секций", "pcs", 9_400, 7),
                       ("RD-ST22", "Радиатор стальной панельный 22 тип", "pcs", 7_200, 10),
                       ("RD-TS", "Полотенцесушитель водяной", "pcs", 5_300, 10),
                       ("RD-KONV", "Конвектор внутрипольный 1,5 м", "pcs", 31_800, 21)]),
    ]),
    ("Насосы и автоматика", "lebedev", [
        ("Насосы", [("NS-C25", "Насос циркуляционный 25-40", "pcs", 8_900, 7),
                    ("NS-C32", "Насос циркуляционный 32-60", "pcs", 14_600, 7),
                    ("NS-SK", "Станция водоснабжения 1,1 кВт", "pcs", 27_300, 10),
                    ("NS-DR", "Насос дренажный 0,75 кВт", "pcs", 11_800, 10),
                    ("NS-SKV", "Насос скважинный 4\"", "pcs", 36_900, 14),
                    ("NS-KNS", "Канализационная насосная станция", "pcs", 118_000, 30)]),
        ("Автоматика", [("AV-TH", "Термостат комнатный программируемый", "pcs", 4_700, 5),
                        ("AV-CTRL", "Контроллер погодозависимый", "pcs", 23_500, 10),
                        ("AV-GSM", "GSM-модуль управления котлом", "pcs", 9_800, 7),
                        ("AV-VALVE", "Клапан трёхходовой с приводом", "pcs", 12_400, 7),
                        ("AV-LEAK", "Система защиты от протечек", "set", 19_900, 7)]),
    ]),
    ("Кондиционирование и вентиляция", "popova", [
        ("Кондиционеры", [("KD-07", "Сплит-система 2,1 кВт", "pcs", 32_900, 10),
                          ("KD-12", "Сплит-система 3,5 кВт", "pcs", 44_800, 10),
                          ("KD-24", "Сплит-система инверторная 7 кВт", "pcs", 86_500, 14),
                          ("KD-KAS", "Кассетный кондиционер 10 кВт", "pcs", 164_000, 21),
                          ("KD-MULTI", "Мульти-сплит на три комнаты", "set", 138_000, 21)]),
        ("Вентиляция", [("VN-PU350", "Приточная установка 350 м³/ч", "pcs", 78_000, 21),
                        ("VN-REK", "Приточно-вытяжная установка с рекуператором", "pcs", 176_000, 30),
                        ("VN-KAN", "Вентилятор канальный 160 мм", "pcs", 6_900, 7),
                        ("VN-DIFF", "Диффузор приточный", "pcs", 1_450, 5),
                        ("VN-DUCT", "Воздуховод оцинкованный 160 мм", "m", 690, 5)]),
    ]),
    ("Услуги", "morozov", [
        ("Монтаж", [("SV-MKT", "Монтаж котла", "pcs", 15_000, 0),
                    ("SV-MKD", "Монтаж сплит-системы", "pcs", 9_500, 0),
                    ("SV-MRD", "Монтаж радиатора", "pcs", 3_200, 0),
                    ("SV-MVN", "Монтаж вентиляции", "hour", 2_400, 0),
                    ("SV-PN", "Пусконаладка оборудования", "pcs", 7_800, 0)]),
        ("Сервисное обслуживание", [("SV-TO", "Плановое техобслуживание котла", "pcs", 6_500, 0),
                                    ("SV-TOK", "Чистка и заправка кондиционера", "pcs", 4_900, 0),
                                    ("SV-DIAG", "Выезд и диагностика", "pcs", 3_500, 0),
                                    ("SV-YEAR", "Годовой сервисный договор", "pcs", 48_000, 0)]),
    ]),
]
# The sales managers whose deals and orders these are, and how much of the work each does.
MANAGERS = ["popova", "lebedev", "novikova", "morozov", "sokolov"]
MANAGER_WEIGHTS = [30, 25, 22, 18, 5]
# How the managers plan: some above what they sell, some below (plan vs fact shows both).
PLAN_AMBITION = {"popova": 0.92, "lebedev": 1.08, "novikova": 1.0, "morozov": 1.18, "sokolov": 1.0}
DEAL_TITLES = ["Отопление склада", "Котельная для цеха", "Кондиционирование офиса",
               "Вентиляция производства", "Поставка радиаторов", "Сервисный договор на год",
               "Замена насосного оборудования", "Автоматика котельной", "Отопление коттеджа",
               "Климат в серверной", "Оснащение нового филиала", "Модернизация теплового пункта"]
PAYMENT_NOTES = ["", "", "", "Платёжное поручение", "Оплата по счёту", "Частичная оплата"]


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, price: Decimal, discount: Decimal) -> Decimal:
    """quantity × price × (1 − discount / 100), half up to kopecks (as the services store it)."""
    return money(quantity * price * (Decimal(100) - discount) / Decimal(100))


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _at(day: dt.date, rnd: random.Random, start_hour: int = 9, end_hour: int = 18) -> dt.datetime:
    """A working-hours instant of a Moscow day, in UTC."""
    local = dt.datetime.combine(day, dt.time(rnd.randint(start_hour, end_hour - 1),
                                             rnd.randrange(0, 60, 5)), ZONE)
    return local.astimezone(dt.UTC)


class _Ids:
    """The next free id of each table, counted here (rows are inserted in batches)."""

    def __init__(self, conn, *tables):
        self.next = {t.name: (conn.scalar(sa.select(sa.func.max(t.c.id))) or 0) + 1
                     for t in tables}

    def __call__(self, table) -> int:
        value = self.next[table.name]
        self.next[table.name] += 1
        return value


@dataclass
class _Client:
    id: int
    kind: str
    manager: str
    discount: Decimal | None
    deferral: int | None
    contacts: list[int]
    regular: bool = False
    lost_on: dt.date | None = None
    orders: list[int] = field(default_factory=list)


def make_demo(context) -> None:
    db = context.dbsession
    if db.scalar(sa.select(sa.func.count()).select_from(Pipeline)):
        return
    rnd = random.Random(15)
    today, users = context.today, context.users
    sales_dept = context.departments["sales"].id
    uid = {login: u.id for login, u in users.items()}
    reasons = _lost_reasons(db)
    pipelines = _pipelines(db)
    catalog = _catalog(db, uid, rnd)
    clients = _clients(db, uid, rnd, today)
    T = SimpleNamespace(deal=Deal.__table__, change=DealStageChange.__table__,
                        deal_product=DealProduct.__table__, cost=DealCost.__table__,
                        order=Order.__table__, line=OrderLine.__table__,
                        shipment=Shipment.__table__, shipment_line=ShipmentLine.__table__,
                        fact=SalesFact.__table__, payment=Payment.__table__,
                        plan=SalesPlan.__table__, plan_change=SalesPlanChange.__table__,
                        history=WorkflowHistory.__table__)
    conn = db.connection()
    writer = _Writer(conn, T, rnd, today, uid, sales_dept, catalog)
    first = month_start(today, -MONTHS)
    # Orders are numbered by the day they were made, whether from a deal or not.
    wanted = _deals(writer, pipelines, clients, reasons, first) + _repeat_orders(writer, clients,
                                                                                 first)
    for _day, _n, client, manager, ordered_on, lines, deal_id, contact_id in sorted(
            wanted, key=lambda x: (x[0], x[1])):
        writer.order(client, manager, ordered_on, lines, deal_id, contact_id)
    _returns(writer)
    writer.flush()
    _plans(writer, catalog, first)
    _lose_clients(db, clients, today, rnd)
    if not db.scalar(sa.select(sa.func.count()).select_from(CommissionRule)):
        db.add_all([CommissionRule(group_id=None, percent=Decimal("3.00")),
                    CommissionRule(group_id=catalog.tops["Услуги"], percent=Decimal("5.00"))])
    db.flush()


# --- the lists, pipelines and catalog (through their services) --------------------------------

def _lost_reasons(db) -> dict[str, list[int]]:
    """The entries of the two lists of reasons (added when an admin has not made them yet)."""
    out = {}
    for list_name, titles in (("deal_lost_reason", DEAL_LOST_REASONS),
                              ("client_lost_reason", CLIENT_LOST_REASONS)):
        ids = list(db.scalars(sa.select(Classifier.id).where(Classifier.list == list_name)
                              .order_by(Classifier.sort_order, Classifier.id)))
        if not ids:
            ids = [add_entry(db, list_name, title).id for title in titles]
        out[list_name] = ids
    return out


def _pipelines(db) -> list[SimpleNamespace]:
    out = []
    for position, (code, name, channel, stages, share, won, days) in enumerate(PIPELINES):
        pipeline = Pipeline(code=code, name=name, channel=channel, position=position, active=True)
        for n, (title, probability) in enumerate(stages):
            pipeline.stages.append(Stage(name=title, position=n + 1, probability=probability,
                                         kind="open"))
        pipeline.stages.append(Stage(name="Успешно", position=len(stages) + 1, probability=100,
                                     kind="won"))
        pipeline.stages.append(Stage(name="Отказ", position=len(stages) + 2, probability=0,
                                     kind="lost"))
        db.add(pipeline)
        db.flush()
        out.append(SimpleNamespace(
            id=pipeline.id, channel=channel, share=share, won_chance=won, days=days,
            open=[s.id for s in pipeline.stages if s.kind == "open"],
            won=next(s.id for s in pipeline.stages if s.kind == "won"),
            lost=next(s.id for s in pipeline.stages if s.kind == "lost")))
    return out


def _catalog(db, uid: dict, rnd: random.Random) -> SimpleNamespace:
    """Groups and products through the catalog's services; suppliers are the demo's
    organizations of kind "supplier"."""
    suppliers = list(db.scalars(sa.select(Organization.id).where(Organization.kind == "supplier")
                                .order_by(Organization.id)))
    tops, products = {}, []
    for top_name, manager, children in CATALOG:
        top = create_group(db, None, top_name, manager_id=uid[manager])
        tops[top_name] = top.id
        for child_name, items in children:
            child = create_group(db, None, child_name, parent_id=top.id, manager_id=uid[manager])
            supplier = suppliers[len(products) % len(suppliers)] if suppliers else None
            for code, name, unit, price, lead in items:
                product = save_product(db, None, ProductInput(
                    code=code, name=name, group_id=child.id, unit=unit, price=Decimal(price),
                    manager_id=uid[manager if lead == 0 else rnd.choice(("golubev", "semenova"))],
                    supplier_id=None if code.startswith("SV-") else supplier, lead_days=lead))
                products.append(SimpleNamespace(id=product.id, group=child.id, top=top.id,
                                                price=money(price), lead=lead, service=lead == 0,
                                                unit=unit))
    return SimpleNamespace(tops=tops, products=products)


def _clients(db, uid: dict, rnd: random.Random, today: dt.date) -> list[_Client]:
    """The demo's clients, partners and prospects with their terms and contact persons; a
    third of the clients buying with their terms are regulars (repeat orders)."""
    by_id = {v: k for k, v in uid.items()}
    orgs, people = Organization.__table__, Contact.__table__
    contacts: dict[int, list[int]] = {}
    for contact_id, org_id in db.execute(sa.select(people.c.id, people.c.organization_id)
                                         .where(people.c.organization_id.is_not(None))
                                         .order_by(people.c.id)):
        contacts.setdefault(org_id, []).append(contact_id)
    out = []
    for row in db.execute(sa.select(orgs.c.id, orgs.c.kind, orgs.c.manager_id,
                                    orgs.c.discount_percent, orgs.c.payment_deferral_days)
                          .where(orgs.c.kind.in_(("client", "partner", "prospect")))
                          .order_by(orgs.c.id)):
        manager = by_id.get(row.manager_id)
        if manager not in MANAGERS:
            manager = rnd.choices(MANAGERS, MANAGER_WEIGHTS)[0]
        out.append(_Client(row.id, row.kind, manager, row.discount_percent,
                           row.payment_deferral_days, contacts.get(row.id, [])))
    with_terms = [c for c in out if c.kind == "client" and c.deferral is not None]
    regulars = rnd.sample(with_terms, min(len(with_terms), max(len(with_terms) // 3, 1)))
    for client in regulars:
        client.regular = True
    # A few of them stop buying and are lost (`lost_on`) a few weeks after their last order.
    for client in rnd.sample(regulars, min(6, len(regulars))):
        client.lost_on = today - dt.timedelta(days=rnd.randint(20, 330))
    return out


# --- the history, written in batches ------------------------------------------------------------

class _Writer:
    """Rows of deals, orders, shipments, facts and payments, kept consistent as the services
    keep them, inserted in batches at `flush`."""

    def __init__(self, conn, T, rnd, today, uid, dept, catalog):
        self.conn, self.T, self.rnd, self.today, self.uid = conn, T, rnd, today, uid
        self.dept, self.catalog = dept, catalog
        self.ids = _Ids(conn, *vars(T).values())
        self.rows: dict[str, list[dict]] = {name: [] for name in vars(T)}
        self.counters: dict[int, int] = {}
        self.orders: dict[int, dict] = {}
        self.lines: dict[int, list[dict]] = {}
        # (manager login, top group id, month) -> amount shipped (the plans follow it)
        self.fact_sums: dict[tuple[str, int, int], Decimal] = {}
        self.login_of = {v: k for k, v in uid.items()}

    def add(self, name: str, row: dict) -> dict:
        table = getattr(self.T, name)
        if "id" in table.c and "id" not in row:
            row["id"] = self.ids(table)
        self.rows[name].append(row)
        return row

    def flush(self) -> None:
        for name in ("deal", "change", "deal_product", "cost", "order", "line", "shipment",
                     "shipment_line", "fact", "payment", "plan", "plan_change", "history"):
            # Keys starting with "_" are this writer's notes, not columns.
            rows = [{k: v for k, v in row.items() if not k.startswith("_")}
                    for row in self.rows[name]]
            for start in range(0, len(rows), 2000):
                self.conn.execute(sa.insert(getattr(self.T, name)), rows[start:start + 2000])
            self.rows[name].clear()
        counters = OrderCounter.__table__
        for year, last in sorted(self.counters.items()):
            self.conn.execute(sa.delete(counters).where(counters.c.year == year))
            self.conn.execute(sa.insert(counters), [{"year": year, "last": last}])
        self.counters.clear()

    # --- products of a deal or an order

    def pick_lines(self, client: _Client, big: bool) -> list[dict]:
        """1–4 products with quantities, the list price and a discount within the client's
        terms (now and then above them: the terms report has something to show)."""
        rnd = self.rnd
        allowed = client.discount or Decimal(0)
        goods = rnd.sample(self.catalog.products, rnd.randint(1, 4 if big else 3))
        out = []
        for product in goods:
            if product.unit == "m":
                quantity = Decimal(rnd.choice((20, 40, 60, 120)))
            elif product.unit == "hour":
                quantity = Decimal(rnd.choice((8, 16, 24)))
            elif product.price < 10_000:
                quantity = Decimal(rnd.randint(2, 30 if big else 12))
            else:
                quantity = Decimal(rnd.randint(1, 6 if big else 3))
            discount = allowed if rnd.random() < 0.7 else Decimal(0)
            if rnd.random() < 0.06:
                discount = allowed + rnd.choice((3, 5, 8))
            out.append({"product": product, "quantity": quantity, "price": product.price,
                        "discount": Decimal(discount).quantize(CENT),
                        "amount": line_amount(quantity, product.price, Decimal(discount))})
        return out

    # --- orders

    def order(self, client: _Client, manager: str, ordered_on: dt.date, lines: list[dict],
              deal_id: int | None = None, contact_id: int | None = None) -> dict | None:
        """An order as it would stand today: confirmed on the day it was made (a draft when
        very recent), shipped and paid on days around the planned ones as far as today goes."""
        rnd, today = self.rnd, self.today
        if ordered_on > today:
            return None
        year = ordered_on.year
        if year not in self.counters:
            self.counters[year] = self._stored_last(year)
        self.counters[year] += 1
        total = sum((line["amount"] for line in lines), Decimal(0))
        # No terms: no discount and payment in advance (as portal/sales/orders.py reads them).
        terms_days = client.deferral
        pay_days = terms_days or 0
        if rnd.random() < 0.07:
            pay_days += rnd.choice((10, 15, 30))
        lead = max(line["product"].lead for line in lines)
        planned_ship = ordered_on + dt.timedelta(days=max(lead, 2) + rnd.randint(0, 5))
        planned_pay = ordered_on + dt.timedelta(days=pay_days)
        discount_breach = any(line["discount"] > (client.discount or 0) for line in lines)
        created = _at(ordered_on, rnd)
        manager_id = self.uid[manager]
        draft = (today - ordered_on).days < 4 and rnd.random() < 0.4
        cancelled = not draft and rnd.random() < 0.03
        order = self.add("order", {
            "number": order_number(year, self.counters[year]), "organization_id": client.id,
            "contact_id": contact_id if contact_id is not None else
            (rnd.choice(client.contacts) if client.contacts else None),
            "deal_id": deal_id, "manager_id": manager_id, "department_id": self.dept,
            "state": "draft" if draft else ("cancelled" if cancelled else "confirmed"),
            "ordered_on": ordered_on, "planned_ship_on": planned_ship,
            "planned_pay_on": planned_pay, "shipped_on": None, "paid_on": None, "total": total,
            "shipped_amount": Decimal("0.00"), "paid_amount": Decimal("0.00"),
            "terms_discount_percent": None if draft else client.discount,
            "terms_deferral_days": None if draft else terms_days,
            "discount_breach": False if draft else discount_breach,
            "deferral_breach": not draft and pay_days > (terms_days or 0),
            "note": "", "created_at": created, "created_by_id": manager_id, "updated_at": created,
            "version": 1})
        order_lines = []
        for line in lines:
            order_lines.append(self.add("line", {
                "order_id": order["id"], "product_id": line["product"].id,
                "quantity": line["quantity"], "price": line["price"],
                "discount_percent": line["discount"], "amount": line["amount"],
                "shipped_quantity": Decimal(0), "_product": line["product"]}))
        self.orders[order["id"]] = order
        self.lines[order["id"]] = order_lines
        client.orders.append(order["id"])
        if draft:
            return order
        self.step(order, "confirm", "draft", "confirmed", created)
        if cancelled:
            self.step(order, "cancel", "confirmed", "cancelled", created + dt.timedelta(days=1),
                      "Клиент отказался от заказа")
            return order
        self._ship(order, order_lines, client)
        self._pay(order, client)
        self.settle(order)
        return order

    def step(self, row: dict, transition: str, from_state: str, to_state: str,
             at: dt.datetime, comment: str = "", kind: str = "order") -> None:
        """A workflow step as the services write it (the record's history shows it)."""
        self.add("history", {"object_type": kind, "object_id": row["id"],
                             "transition": transition, "from_state": from_state,
                             "to_state": to_state, "comment": comment,
                             "actor_id": row.get("manager_id") or row.get("owner_id"), "at": at})

    def settle(self, order: dict, day: dt.date | None = None) -> None:
        """Done once shipped and paid, open again (on `day`) when a return or refund undoes
        either."""
        settled = order["shipped_on"] is not None and order["paid_on"] is not None
        if order["state"] == "confirmed" and settled:
            day = max(order["shipped_on"], order["paid_on"])
            order["state"] = "done"
            self.step(order, "complete", "confirmed", "done", _at(day, self.rnd))
        elif order["state"] == "done" and not settled:
            order["state"] = "confirmed"
            self.step(order, "reopen", "done", "confirmed", _at(day or self.today, self.rnd))

    def _stored_last(self, year: int) -> int:
        counters = OrderCounter.__table__
        return self.conn.scalar(sa.select(counters.c.last).where(counters.c.year == year)) or 0

    def _ship(self, order: dict, lines: list[dict], client: _Client) -> None:
        """One shipment, or two when the goods came in two lots; mostly on the planned day,
        some late."""
        rnd, today = self.rnd, self.today
        roll = rnd.random()
        delay = (rnd.randint(-3, 0) if roll < 0.72 else rnd.randint(1, 10) if roll < 0.94
                 else rnd.randint(11, 30))
        first = max(order["planned_ship_on"] + dt.timedelta(days=delay), order["ordered_on"])
        if first > today:
            return
        if len(lines) > 1 and rnd.random() < 0.25:
            cut = rnd.randint(1, len(lines) - 1)
            lots = [(first, lines[:cut]),
                    (first + dt.timedelta(days=rnd.randint(4, 20)), lines[cut:])]
        else:
            lots = [(first, lines)]
        for day, lot in lots:
            if day > today:
                break
            self.shipment(order, day, [(line, line["quantity"]) for line in lot], "shipment")
        if all(line["shipped_quantity"] == line["quantity"] for line in lines):
            order["shipped_on"] = max(day for day, _lot in lots)

    def shipment(self, order: dict, day: dt.date, moves: list[tuple[dict, Decimal]],
                 kind: str) -> None:
        """A shipment (or a return) with its lines and, in the same go, one fact per line: the
        line's share of its amount (the last lot takes what is left, so the facts of a fully
        shipped line add up to its amount), negative for a return."""
        sign = -1 if kind == "return" else 1
        shipment = self.add("shipment", {
            "order_id": order["id"], "shipped_on": day, "kind": kind,
            "created_by_id": order["manager_id"], "created_at": _at(day, self.rnd),
            "request_key": None})
        for line, quantity in moves:
            before = line["shipped_quantity"]
            after = before + sign * quantity
            # What the shipped quantity is worth after, less what it was worth before: the
            # facts of a fully shipped line add up to its amount (portal/sales/shipments.py).
            amount = (money(line["amount"] * after / line["quantity"])
                      - money(line["amount"] * before / line["quantity"]))
            line["shipped_quantity"] = after
            order["shipped_amount"] += amount
            shipped_line = self.add("shipment_line", {
                "shipment_id": shipment["id"], "order_line_id": line["id"], "quantity": quantity})
            product = line["_product"]
            self.add("fact", {
                "shipment_line_id": shipped_line["id"], "shipped_on": day,
                "month": fact_month(day), "organization_id": order["organization_id"],
                "manager_id": order["manager_id"], "department_id": order["department_id"],
                "product_id": product.id, "group_id": product.group, "top_group_id": product.top,
                "quantity": sign * quantity, "amount": amount})
            key = (self.login_of[order["manager_id"]], product.top, fact_month(day))
            self.fact_sums[key] = self.fact_sums.get(key, Decimal(0)) + amount

    def payment(self, order: dict, day: dt.date, amount: Decimal, note: str = "") -> None:
        self.add("payment", {
            "order_id": order["id"], "paid_on": day, "amount": amount, "request_key": None,
            "note": note, "created_by_id": self.uid["orlova"], "created_at": _at(day, self.rnd)})
        order["paid_amount"] += amount
        if order["paid_amount"] >= order["total"] and order["paid_on"] is None:
            order["paid_on"] = day
        elif order["paid_amount"] < order["total"]:
            order["paid_on"] = None

    def _pay(self, order: dict, client: _Client) -> None:
        """Paid around the planned day: mostly on time, some late, a few not at all yet; a
        prepayment first now and then."""
        rnd, today = self.rnd, self.today
        if rnd.random() < 0.04:
            return  # never paid: an overdue debt the receivables report shows
        total = order["total"]
        roll = rnd.random()
        delay = (rnd.randint(-5, 0) if roll < 0.7 else rnd.randint(1, 20) if roll < 0.9
                 else rnd.randint(21, 60))
        final = max(order["planned_pay_on"] + dt.timedelta(days=delay), order["ordered_on"])
        if rnd.random() < 0.2 and total > 100:
            part = money(total * Decimal(rnd.choice((30, 50))) / 100)
            early = order["ordered_on"] + dt.timedelta(days=rnd.randint(0, 3))
            if early <= today:
                self.payment(order, early, part, "Предоплата")
                total -= part
        if final <= today:
            self.payment(order, final, total, rnd.choice(PAYMENT_NOTES))


def _deals(w: _Writer, pipelines, clients: list[_Client], reasons, first: dt.date) -> list:
    """About twenty-five deals a month since `first` and forty more of late, each with its
    stage history: the old ones won or lost, the recent ones open on some stage (a few
    overdue). Returns the orders the won ones are to get (made later, in the order of their
    days)."""
    rnd, today = w.rnd, w.today
    days = (today - first).days
    count = MONTHS * 25
    # Evenly over the months, and more in the last seven weeks: the board is full of open ones.
    starts = sorted([min(first + dt.timedelta(days=days * n // count + rnd.randint(0, 2)), today)
                     for n in range(count)]
                    + [today - dt.timedelta(days=rnd.randint(0, 50)) for _ in range(40)])
    partners = [c for c in clients if c.kind == "partner"]
    wanted = []
    for n, created in enumerate(starts):
        pipeline = rnd.choices(pipelines, [p.share for p in pipelines])[0]
        pool = partners if pipeline.channel == "dealer" and partners else clients
        client = rnd.choice(pool)
        if client.lost_on is not None and created >= client.lost_on - dt.timedelta(days=40):
            continue
        owner = client.manager if rnd.random() < 0.85 else rnd.choices(MANAGERS, MANAGER_WEIGHTS)[0]
        owner_id = w.uid[owner]
        lines = w.pick_lines(client, big=pipeline.channel != "dealer")
        amount = sum((line["amount"] for line in lines), Decimal(0))
        length = rnd.randint(*pipeline.days)
        closes = created + dt.timedelta(days=length)
        closed = closes <= today
        won = closed and rnd.random() < pipeline.won_chance * (0.5 if client.kind == "prospect"
                                                                else 1)
        # The open stages it went through: forward, now and then one back.
        opened = pipeline.open
        if closed and won:
            path = list(opened)
        elif closed:
            path = opened[:rnd.randint(1, len(opened))]
        else:
            progress = (today - created).days / length
            path = opened[:max(1, min(len(opened), int(progress * len(opened)) + 1))]
        if len(path) >= 3 and rnd.random() < 0.12:
            path = [*path[:2], path[0], *path[1:]]
        state = ("won" if won else "lost") if closed else "open"
        final = (pipeline.won if won else pipeline.lost) if closed else path[-1]
        span = max(((closes if closed else today) - created).days, 1)
        moves = [(None, path[0], "", "open", created)]
        for i, stage in enumerate(path[1:], start=1):
            moves.append((moves[-1][1], stage, "open", "open",
                          created + dt.timedelta(days=span * i // len(path))))
        if closed:
            moves.append((moves[-1][1], final, "open", state, closes))
        contact = rnd.choice(client.contacts) if client.contacts else None
        entered = _at(moves[-1][4], rnd)
        expected = closes if closed or rnd.random() < 0.8 else \
            today - dt.timedelta(days=rnd.randint(3, 20))
        deal = w.add("deal", {
            "title": rnd.choice(DEAL_TITLES), "organization_id": client.id,
            "contact_id": contact, "pipeline_id": pipeline.id, "stage_id": final,
            "amount": amount, "expected_close_on": expected, "owner_id": owner_id,
            "department_id": w.dept, "state": state,
            "lost_reason_id": rnd.choice(reasons["deal_lost_reason"]) if state == "lost" else None,
            "lost_note": rnd.choice(LOST_NOTES) if state == "lost" else "",
            "closed_on": closes if closed else None, "stage_entered_at": entered,
            "created_at": _at(created, rnd), "created_by_id": owner_id, "updated_at": entered,
            "version": len(moves)})
        for from_stage, to_stage, from_state, to_state, day in moves:
            w.add("change", {"deal_id": deal["id"], "from_stage_id": from_stage,
                             "to_stage_id": to_stage, "from_state": from_state,
                             "to_state": to_state, "changed_by_id": owner_id,
                             "changed_at": _at(day, rnd)})
        if closed:
            w.step(deal, "win" if won else "lose", "open", state, _at(closes, rnd),
                   deal["lost_note"], kind="deal")
        for line in lines:
            w.add("deal_product", {"deal_id": deal["id"], "product_id": line["product"].id,
                                   "quantity": line["quantity"], "price": line["price"],
                                   "discount_percent": line["discount"],
                                   "amount": line["amount"]})
        if not won:
            continue
        if rnd.random() < 0.35:
            w.add("cost", {"deal_id": deal["id"], "kind": "delivery",
                           "description": "Доставка до объекта",
                           "amount": money(amount * rnd.choice((1, 2, 3)) / 100),
                           "created_by_id": owner_id, "created_at": _at(closes, rnd)})
        if pipeline.channel == "dealer" and rnd.random() < 0.5:
            w.add("cost", {"deal_id": deal["id"], "kind": "agent",
                           "description": "Вознаграждение агенту",
                           "amount": money(amount * rnd.choice((3, 5)) / 100),
                           "created_by_id": owner_id, "created_at": _at(closes, rnd)})
        ordered_on = closes + dt.timedelta(days=rnd.randint(0, 2))
        wanted.append((ordered_on, n, client, owner, ordered_on, lines, deal["id"], contact))
    return wanted


def _repeat_orders(w: _Writer, clients: list[_Client], first: dt.date) -> list:
    """The regulars buy every two to eight weeks without a deal (those who are lost, until a
    few weeks before they were): the orders to make."""
    rnd, today = w.rnd, w.today
    wanted = []
    for client in clients:
        if not client.regular:
            continue
        every = rnd.choice((14, 21, 30, 30, 45, 60))
        day = first + dt.timedelta(days=rnd.randint(0, every))
        stop = (client.lost_on - dt.timedelta(days=rnd.randint(15, 40))) if client.lost_on \
            else today
        while day <= stop:
            wanted.append((day, 10**6 + len(wanted), client, client.manager, day,
                           w.pick_lines(client, big=False), None, None))
            day += dt.timedelta(days=max(7, every + rnd.randint(-7, 7)))
    return wanted


def _returns(w: _Writer) -> None:
    """A few clients sent part of a line back within three weeks of receiving it: a return
    (negative facts) and, when it was paid for, a refund; the order is open again (no longer
    all shipped nor all paid), as portal/sales/shipments.py leaves it."""
    rnd, today = w.rnd, w.today
    shipped = [o for o in w.orders.values()
               if o["shipped_on"] is not None and (today - o["shipped_on"]).days > 30]
    for order in rnd.sample(shipped, min(len(shipped), max(len(shipped) // 40, 3))):
        line = max(w.lines[order["id"]], key=lambda x: x["quantity"])
        quantity = max((line["quantity"] / 4).to_integral_value(), Decimal(1))
        day = order["shipped_on"] + dt.timedelta(days=rnd.randint(3, 20))
        w.shipment(order, day, [(line, quantity)], "return")
        order["shipped_on"] = None
        refund = order["paid_amount"] - order["shipped_amount"]
        refund_on = max(day, order["paid_on"] or day) + dt.timedelta(days=rnd.randint(1, 7))
        if refund > 0 and refund_on <= today:
            w.payment(order, refund_on, -refund, "Возврат за возвращённый товар")
        w.settle(order, day)


def _plans(w: _Writer, catalog, first: dt.date) -> None:
    """The plans of each manager per top group and month, from `first` to three months ahead:
    about what the manager's average month sells, more or less ambitious by manager; the next
    months' plans corrected once this month."""
    rnd, today = w.rnd, w.today
    head = w.uid["sokolov"]
    months = []
    day = first
    while day <= month_start(today, PLAN_AHEAD):
        months.append(fact_month(day))
        day = month_start(day, 1)
    history = len([m for m in months if m <= fact_month(today)])
    for manager in MANAGERS:
        for top in catalog.tops.values():
            sold = sum((v for (login, group, _m), v in w.fact_sums.items()
                        if login == manager and group == top), Decimal(0))
            average = sold / history
            if average <= 0:
                continue
            for month in months:
                amount = money((average * Decimal(str(PLAN_AMBITION[manager]))
                                * Decimal(str(rnd.uniform(0.85, 1.15)))) / 10_000) * 10_000
                amount = amount.quantize(CENT)
                year, mon = divmod(month, 100)
                set_on = month_start(dt.date(year, mon, 1), -1) + dt.timedelta(days=24)
                set_at = _at(min(set_on, today), rnd)
                plan = w.add("plan", {"manager_id": w.uid[manager], "group_id": top,
                                      "month": month, "amount": amount, "updated_by_id": head,
                                      "updated_at": set_at, "version": 1})
                w.add("plan_change", {"plan_id": plan["id"], "old_amount": None,
                                      "new_amount": amount, "changed_by_id": head,
                                      "changed_at": set_at})
                if month > fact_month(today) and rnd.random() < 0.4:
                    corrected = (amount * Decimal(rnd.choice(("0.9", "1.1", "1.2")))).quantize(CENT)
                    at = _at(today - dt.timedelta(days=rnd.randint(0, 5)), rnd)
                    plan.update(amount=corrected, updated_at=max(at, set_at), version=2)
                    w.add("plan_change", {"plan_id": plan["id"], "old_amount": amount,
                                          "new_amount": corrected, "changed_by_id": head,
                                          "changed_at": max(at, set_at)})
    w.flush()


def _lose_clients(db, clients: list[_Client], today: dt.date, rnd: random.Random) -> None:
    """The regulars who stopped buying are marked lost, with a reason from the list."""
    reasons = list(db.scalars(sa.select(Classifier.id).where(Classifier.list == "client_lost_reason")
                              .order_by(Classifier.sort_order, Classifier.id)))
    orgs = Organization.__table__
    for client in clients:
        if client.lost_on is None:
            continue
        db.execute(sa.update(orgs).where(orgs.c.id == client.id).values(
            lost_on=client.lost_on, lost_reason_id=rnd.choice(reasons) if reasons else None,
            lost_note=rnd.choice(["", "Перешли к поставщику с отсрочкой 90 дней.",
                                  "Закрыли филиал в нашем регионе."])))
