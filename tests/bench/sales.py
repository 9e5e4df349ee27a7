"""Benchmark data and timings of sales (issue 15): five years of orders, shipments and payments
with their facts, 40 sales managers' plans, deals with their stage history, and the reports
timed through the whole stack as the administrator.

Scale "small": 12,000 shipments a year (the requirement documents' year) of 1–3 lines each,
about 120,000 facts over five years, over 10,000 clients. Scale "large": 100,000 shipments a
year, about 1,000,000 facts over 100,000 clients (ABC/XYZ over five years covers them all).
The clients are the organizations the clients' bench made; when it did not run (`--areas
people,sales`), plain client rows are added up to the scale's number.

Budgets (issue 15): on SQLite with 5 years × 12,000 shipments, the annual sales report ≤ 0.5 s
and plan vs fact ≤ 0.5 s; ABC/XYZ over 100,000 clients ≤ 2 s; on PostgreSQL with 1,000,000
facts the annual report ≤ 3 s. The PostgreSQL figures come from a throwaway server
(tests/pgserver.py) filled with the "large" data, at scale "large" or with BENCH_SALES_PG=1
(BENCH_SALES_PG=0: never). The requirement documents ask for a year of 12,000 shipments in at
most 5 minutes.

Rows are written as the services write them (one fact per shipment line, in the order's
manager's and department's name, a return's fact negative; the orders' running sums and
dates agree with their shipments and payments), in batches: SQLite by executemany with the
secondary indexes built at the end, PostgreSQL by COPY.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import time
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import webtest
from sqlalchemy.orm import Session

YEARS = 5
SCALES = {
    "small": {"shipments": 12_000, "clients": 10_000, "deals": 20_000},
    "large": {"shipments": 100_000, "clients": 100_000, "deals": 100_000},
}
# p95 budgets in ms of the reports (the issue's) and of the deal pages (ours), per scale.
BUDGETS = {
    "small": {"annual": 500, "plan_fact": 500, "abc_xyz": 2000},
    "large": {"annual": 3000, "plan_fact": 3000, "abc_xyz": 2000},
}
PG_BUDGETS = {"annual": 3000, "plan_fact": 3000, "abc_xyz": 2000}
PAGE_BUDGET = {"board": 200, "list": 150}
MANAGERS = list(range(2, 42))  # 40 sales managers: users 2..41 of the people's bench
TOP_GROUPS = ["Отопление", "Насосы", "Кондиционеры", "Вентиляция", "Автоматика", "Услуги"]
CHILDREN = 3
PRODUCTS = 400
BATCH = 20_000
REPORT_RUNS = 12
CENT = Decimal("0.01")
MSK = dt.timezone(dt.timedelta(hours=3))
STAGES = [("Квалификация", 10, "open"), ("Предложение", 40, "open"), ("Переговоры", 70, "open"),
          ("Успешно", 100, "won"), ("Отказ", 0, "lost")]


def _today() -> dt.date:
    return dt.datetime.now(MSK).date()


def _month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class _Sink:
    """Writes tuples into a table: executemany on SQLite (secondary indexes dropped first and
    built again at the end, much faster than kept up row by row), COPY on PostgreSQL."""

    def __init__(self, conn):
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.dropped: list[tuple[str, str]] = []

    def _value(self, value):
        if not self.sqlite:
            return value
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def drop_indexes(self, table: str) -> None:
        if not self.sqlite:
            return
        indexes = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table,)).all()
        for name, create in indexes:
            self.conn.exec_driver_sql(f"DROP INDEX {name}")
            self.dropped.append((name, create))

    def build_indexes(self) -> None:
        for _name, create in self.dropped:
            self.conn.exec_driver_sql(create)
        self.dropped.clear()

    def write(self, table: str, columns: list[str], rows) -> int:
        count = 0
        if self.sqlite:
            sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                   f"VALUES ({', '.join('?' * len(columns))})")
            batch = []
            for row in rows:
                batch.append(tuple(self._value(v) for v in row))
                if len(batch) >= BATCH:
                    self.conn.exec_driver_sql(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                self.conn.exec_driver_sql(sql, batch)
                count += len(batch)
            return count
        raw = self.conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count


def _clients(conn, sink: _Sink, wanted: int, now: dt.datetime) -> list[int]:
    """The ids of `wanted` organizations: those there are, and plain client rows added when
    the clients' bench did not make enough."""
    ids = list(conn.scalars(sa.text("SELECT id FROM organizations ORDER BY id LIMIT :n"),
                            {"n": wanted}))
    if len(ids) < wanted:
        first = (conn.scalar(sa.text("SELECT max(id) FROM organizations")) or 0) + 1
        added = range(first, first + wanted - len(ids))
        sink.write("organizations", [
            "id", "name", "legal_name", "name_key", "inn", "kpp", "kind", "stage", "website",
            "notes", "tags", "created_at", "updated_at", "version", "lost_note", "manager_id",
            "discount_percent", "payment_deferral_days"],
            ((i, f"ООО «Клиент {i}»", "", f"клиент {i}", "", "", "client", "purchase", "", "",
              "", now, now, 1, "", MANAGERS[i % len(MANAGERS)],
              Decimal(5) if i % 3 == 0 else None, 30 if i % 3 == 0 else None) for i in added))
        ids += list(added)
    return ids


def generate(engine, scale_name: str) -> None:
    """Catalog, pipelines, plans, deals, orders with their lines, shipments (1 % with a
    return), facts and payments, in batches."""
    scale = SCALES[scale_name]
    rnd = random.Random(15)
    today = _today()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first = _month_start(today, -(YEARS * 12 - 1))
    with engine.begin() as conn:
        sink = _Sink(conn)
        if sink.sqlite:
            conn.exec_driver_sql("PRAGMA cache_size = -400000")  # 400 MB while generating
        clients = _clients(conn, sink, scale["clients"], now)
        dept_of = dict(conn.execute(sa.text(
            "SELECT user_id, min(department_id) FROM memberships GROUP BY user_id")).all())

        # --- catalog: 6 top groups of 3 groups each, 400 products
        groups, top_of, products = [], {}, []
        gid = 0
        for t, name in enumerate(TOP_GROUPS):
            gid += 1
            top = gid
            groups.append((top, None, name, f"/{top}/", t, MANAGERS[t]))
            for c in range(CHILDREN):
                gid += 1
                groups.append((gid, top, f"{name} {c + 1}", f"/{top}/{gid}/", c, MANAGERS[t]))
                top_of[gid] = top
        children = list(top_of)
        sink.write("sales_product_groups",
                   ["id", "parent_id", "name", "path", "position", "manager_id"], groups)
        for p in range(1, PRODUCTS + 1):
            price = Decimal(rnd.choice((900, 2_400, 6_800, 14_500, 38_000, 74_000, 160_000)))
            products.append((p, children[p % len(children)], f"P-{p:05d}", f"Товар {p}", "pcs",
                             price, MANAGERS[p % len(MANAGERS)], None, p % 30, True))
        sink.write("sales_products", ["id", "group_id", "code", "name", "unit", "price",
                                      "manager_id", "supplier_id", "lead_days", "active"],
                   products)

        # --- pipelines and deals (open ones on the board, the others won or lost)
        stages, stage_id = [], 0
        stage_ids: dict[int, list[int]] = {}
        for pid in (1, 2):
            stage_ids[pid] = []
            for position, (name, probability, kind) in enumerate(STAGES, 1):
                stage_id += 1
                stages.append((stage_id, pid, name, position, probability, kind))
                stage_ids[pid].append(stage_id)
        sink.write("sales_pipelines", ["id", "code", "name", "channel", "position", "active"],
                   [(1, "direct", "Прямые продажи", "direct", 0, True),
                    (2, "dealers", "Дилеры", "dealer", 1, True)])
        sink.write("sales_stages", ["id", "pipeline_id", "name", "position", "probability",
                                    "kind"], stages)
        span = (today - first).days
        deals, changes = [], []
        for d in range(1, scale["deals"] + 1):
            created = first + dt.timedelta(days=span * d // scale["deals"])
            pid = 1 if d % 4 else 2
            ids = stage_ids[pid]
            age = (today - created).days
            owner = MANAGERS[d % len(MANAGERS)]
            at = dt.datetime.combine(created, dt.time(9 + d % 8), MSK)
            if age > 60:
                state = "won" if rnd.random() < 0.45 else "lost"
                stage = ids[3] if state == "won" else ids[4]
                closed = created + dt.timedelta(days=rnd.randint(5, 60))
            else:
                state, stage, closed = "open", ids[rnd.randrange(3)], None
            moved = dt.datetime.combine(closed, dt.time(12), MSK) if closed else at
            deals.append((d, f"Сделка {d}", clients[d % len(clients)], pid, stage,
                          Decimal(rnd.randint(10, 2000) * 1000), closed or created + dt.timedelta(
                              days=30), owner, dept_of.get(owner), state,
                          "", closed, moved, at, owner, moved, 2 if closed else 1))
            changes.append((2 * d - 1, d, None, ids[0], "", "open", owner, at))
            if closed or stage != ids[0]:
                changes.append((2 * d, d, ids[0], stage, "open", state, owner, moved))
        sink.drop_indexes("sales_deals")
        sink.drop_indexes("sales_deal_stage_changes")
        sink.write("sales_deals", [
            "id", "title", "organization_id", "pipeline_id", "stage_id", "amount",
            "expected_close_on", "owner_id", "department_id", "state", "lost_note", "closed_on",
            "stage_entered_at", "created_at", "created_by_id", "updated_at", "version"],
            deals)
        sink.write("sales_deal_stage_changes", [
            "id", "deal_id", "from_stage_id", "to_stage_id", "from_state", "to_state",
            "changed_by_id", "changed_at"], changes)
        del deals, changes

        # --- orders, lines, shipments, facts, payments: `shipments` a year over five years
        total_orders = scale["shipments"] * YEARS
        orders, lines, shipments, shipment_lines, facts, payments = [], [], [], [], [], []
        counters: dict[int, int] = {}
        monthly: dict[tuple[int, int, int], Decimal] = {}
        line_id = shipment_id = shipment_line_id = payment_id = 0
        for table in ("sales_orders", "sales_order_lines", "sales_shipments",
                      "sales_shipment_lines", "sales_facts", "sales_payments"):
            sink.drop_indexes(table)
        columns = {
            "sales_orders": [
                "id", "number", "organization_id", "manager_id", "department_id", "state",
                "ordered_on", "planned_ship_on", "planned_pay_on", "shipped_on", "paid_on",
                "total", "shipped_amount", "paid_amount", "terms_discount_percent",
                "terms_deferral_days", "discount_breach", "deferral_breach", "note",
                "created_at", "created_by_id", "updated_at", "version"],
            "sales_order_lines": ["id", "order_id", "product_id", "quantity", "price",
                                  "discount_percent", "amount", "shipped_quantity"],
            "sales_shipments": ["id", "order_id", "shipped_on", "kind", "created_by_id",
                                "created_at"],
            "sales_shipment_lines": ["id", "shipment_id", "order_line_id", "quantity"],
            "sales_facts": ["id", "shipment_line_id", "shipped_on", "month", "organization_id",
                            "manager_id", "department_id", "product_id", "group_id",
                            "top_group_id", "quantity", "amount"],
            "sales_payments": ["id", "order_id", "paid_on", "amount", "note", "created_by_id",
                               "created_at"],
        }
        batches = {"sales_orders": orders, "sales_order_lines": lines,
                   "sales_shipments": shipments, "sales_shipment_lines": shipment_lines,
                   "sales_facts": facts, "sales_payments": payments}

        def flush():
            for table, rows in batches.items():
                sink.write(table, columns[table], rows)
                rows.clear()

        for o in range(1, total_orders + 1):
            # Spread evenly over the days from `first` up to yesterday.
            ordered = first + dt.timedelta(days=(span - 1) * (o - 1) // total_orders)
            shipped = ordered + dt.timedelta(days=rnd.randint(0, 3))
            if shipped >= today:
                shipped = ordered
            manager = MANAGERS[rnd.randrange(len(MANAGERS))]
            dept = dept_of.get(manager)
            client = clients[rnd.randrange(len(clients))]
            year = ordered.year
            counters[year] = counters.get(year, 0) + 1
            at = dt.datetime.combine(ordered, dt.time(10), MSK)
            shipment_id += 1
            shipments.append((shipment_id, o, shipped, "shipment", manager, at))
            month = shipped.year * 100 + shipped.month
            order_lines = []
            total = Decimal(0)
            for _ in range(rnd.randint(1, 3)):
                line_id += 1
                shipment_line_id += 1
                product = products[rnd.randrange(PRODUCTS)]
                quantity = Decimal(rnd.randint(1, 10))
                discount = Decimal(rnd.choice((0, 0, 5, 10)))
                amount = _money(quantity * product[5] * (100 - discount) / 100)
                total += amount
                group = product[1]
                order_lines.append((line_id, o, product[0], quantity, product[5], discount,
                                    amount, quantity))
                shipment_lines.append((shipment_line_id, shipment_id, line_id, quantity))
                facts.append((shipment_line_id, shipment_line_id, shipped, month, client,
                              manager, dept, product[0], group, top_of[group], quantity, amount))
                key = (manager, top_of[group], month)
                monthly[key] = monthly.get(key, Decimal(0)) + amount
            shipped_amount = total
            if o % 100 == 0:
                # A return of one piece of the first line ten days later.
                back = shipped + dt.timedelta(days=10)
                line = order_lines[0]
                if back < today and line[3] > 1:
                    returned = _money(line[6] * (line[3] - 1) / line[3]) - line[6]
                    order_lines[0] = (*line[:7], line[3] - 1)
                    shipment_id += 1
                    shipment_line_id += 1
                    shipments.append((shipment_id, o, back, "return", manager, at))
                    shipment_lines.append((shipment_line_id, shipment_id, line[0], Decimal(1)))
                    facts.append((shipment_line_id, shipment_line_id, back,
                                  back.year * 100 + back.month, client, manager, dept, line[2],
                                  products[line[2] - 1][1], top_of[products[line[2] - 1][1]],
                                  Decimal(-1), returned))
                    shipped_amount += returned
            lines.extend(order_lines)
            fully = all(line[7] == line[3] for line in order_lines)
            paid_on = ordered + dt.timedelta(days=rnd.randint(0, 40))
            paid = paid_on < today and o % 37 != 0
            if paid:
                payment_id += 1
                payments.append((payment_id, o, paid_on, total, "", manager, at))
            state = "done" if paid and fully else "confirmed"
            orders.append((o, f"SO-{year}-{counters[year]:06d}", client, manager, dept, state,
                           ordered, ordered + dt.timedelta(days=3),
                           ordered + dt.timedelta(days=30), shipped if fully else None,
                           paid_on if paid else None, total, shipped_amount,
                           total if paid else Decimal(0), None, None, False,
                           False, "", at, manager, at, 1))
            if len(facts) >= BATCH:
                flush()
        flush()
        sink.write("sales_order_counters", ["year", "last"], sorted(counters.items()))

        # --- plans: each manager × top group × month, from `first` to three months ahead
        plans = []
        months = []
        day = first
        while day <= _month_start(today, 3):
            months.append(day.year * 100 + day.month)
            day = _month_start(day, 1)
        plan_id = 0
        for manager in MANAGERS:
            for top in sorted(set(top_of.values())):
                for month in months:
                    plan_id += 1
                    done = monthly.get((manager, top, month), Decimal(0))
                    amount = _money((done or Decimal(500_000)) * Decimal(rnd.choice(
                        ("0.9", "1.0", "1.1", "1.2"))))
                    plans.append((plan_id, manager, top, month, amount, 1, now, 1))
        sink.drop_indexes("sales_plans")
        sink.write("sales_plans", ["id", "manager_id", "group_id", "month", "amount",
                                   "updated_by_id", "updated_at", "version"], plans)
        sink.build_indexes()
        conn.exec_driver_sql("ANALYZE")
        if not sink.sqlite:
            for table in ("sales_product_groups", "sales_products", "sales_pipelines",
                          "sales_stages", "sales_deals", "sales_deal_stage_changes",
                          "sales_orders", "sales_order_lines", "sales_shipments",
                          "sales_shipment_lines", "sales_facts", "sales_payments",
                          "sales_plans", "organizations"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")


def pages() -> list[tuple[str, str, float]]:
    """The deal pages as the administrator (the reports are timed in `measure`)."""
    return [("sales_deals_board", "/sales/deals/@@board", PAGE_BUDGET["board"]),
            ("sales_deals_list", "/sales/deals/", PAGE_BUDGET["list"]),
            ("sales_orders_list", "/sales/orders/", PAGE_BUDGET["list"])]


def report_paths(today: dt.date) -> list[tuple[str, str]]:
    """(budget key, path) of the reports timed: last year's annual sales and plan vs fact (a
    whole year of shipments), ABC/XYZ over the five years (every client)."""
    first = _month_start(today, -(YEARS * 12 - 1))
    last_year = today.year - 1
    return [("annual", f"/sales/reports/@@annual?year={last_year}"),
            ("plan_fact", f"/sales/reports/@@plan_fact?year={last_year}"),
            ("abc_xyz", f"/sales/reports/@@abc_xyz?from={first.isoformat()}"
                        f"&to={today.isoformat()}")]


def _time_reports(client, report, budgets: dict, suffix: str, facts: int, clients: int) -> bool:
    from tests.bench.run import timed  # the runner imports this module: no circle at load

    ok = True
    for key, path in report_paths(_today()):
        name = f"sales_report_{key}{suffix}_facts{facts}"
        if key == "abc_xyz":
            name += f"_clients{clients}"
        try:
            ok &= report(name, timed(client, path, REPORT_RUNS), budgets[key])
        except webtest.AppError as error:
            print(f"bench {name} error {str(error).splitlines()[0][:200]}", flush=True)
            ok = False
    return ok


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        facts = conn.scalar(sa.text("SELECT count(*) FROM sales_facts"))
        clients = conn.scalar(sa.text("SELECT count(DISTINCT organization_id) FROM sales_facts"))
    return facts, clients


def measure(client, scale_name: str, report) -> bool:
    """The reports on this database; then, when PostgreSQL is installed (at scale "large", or
    with BENCH_SALES_PG=1), the same on a throwaway PostgreSQL server with 1,000,000 facts."""
    facts, clients = _counts(client.app.registry["dbengine"])
    ok = _time_reports(client, report, BUDGETS[scale_name], "", facts, clients)
    wanted = os.environ.get("BENCH_SALES_PG", "1" if scale_name == "large" else "0")
    if wanted == "1":
        ok &= measure_postgresql(report)
    return ok


def measure_postgresql(report) -> bool:
    """A throwaway PostgreSQL server with the people's bench and the "large" sales data
    (1,000,000 facts, 100,000 clients): the reports and deal pages timed there."""
    import models  # the runner's modules, loaded only when PostgreSQL is measured
    from portal import main  # idem
    from portal.demo.company import move_sequences_past_ids  # idem
    from tests.bench import people
    from tests.bench.run import STATEMENTS, AdminApp, count_statements, timed
    from tests.conftest import migrate
    from tests.pgserver import ThrowawayPostgres, postgres_available

    if not postgres_available():
        print("bench sales_postgresql skipped: PostgreSQL is not installed", flush=True)
        return True
    pg = ThrowawayPostgres(dbname="portal_bench_sales")
    url = pg.start()
    try:
        engine = models.get_engine({"sqlalchemy.url": url})
        began = time.perf_counter()
        migrate(engine)
        people.generate(engine, "small")
        generate(engine, "large")
        with Session(engine) as session:
            move_sequences_past_ids(session)
            session.commit()
        print(f"bench generate-sales-postgresql seconds={time.perf_counter() - began:.1f}",
              flush=True)
        facts, clients = _counts(engine)
        engine.dispose()
        app = main({}, **{"sqlalchemy.url": url, "session.secret": "bench",
                          "pyramid.default_locale_name": "en"})
        pg_client = AdminApp(app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
        pg_client.log_in()
        # queries= of the lines below: this application's statements.
        sa.event.listen(app.registry["dbengine"], "before_cursor_execute", count_statements)
        STATEMENTS["reported"] = STATEMENTS["sent"]
        ok = _time_reports(pg_client, report, PG_BUDGETS, "_pg", facts, clients)
        for name, path, budget in pages():
            try:
                ok &= report(f"{name}_pg", timed(pg_client, path, 30), budget)
            except webtest.AppError as error:
                print(f"bench {name}_pg error {str(error).splitlines()[0][:200]}", flush=True)
                ok = False
        app.registry["dbengine"].dispose()
        return ok
    finally:
        pg.stop()
