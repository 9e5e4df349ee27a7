"""Benchmark data and pages of the client records (issue 3).

Scale "large": 100,000 organizations, 300,000 contact persons, 2,000,000 interactions (with
their phones, e-mails, addresses and search documents); "small" is a tenth. Generated with
plain executemany batches of tuples from precomputed pools (no Faker call per row).

400 of the bench people are sales managers (role "sales", department scope). One of them,
BUSY, is responsible for 1% of the clients and of the interactions, with a long "My day":
the list, the card, search and My day are measured as that person (every query filtered by
permission in SQL) as well as the administrator. Budgets: p95 ≤ 100 ms; importing a
10,000-row XLSX ≤ 30 s; the reports (no budget in the issue) ≤ 1 s.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import time
from urllib.parse import quote

import sqlalchemy as sa

SCALES = {
    "small": {"organizations": 10_000, "contacts": 30_000, "interactions": 200_000},
    "large": {"organizations": 100_000, "contacts": 300_000, "interactions": 2_000_000},
}
PASSWORD = "bench-pass-1"
SALES_IDS = range(2, 402)  # users with the sales role
BUSY_ID = 12  # login "user11": the sales manager with a long My day
BUSY = "user11"
BATCH = 20_000
DAY_ITEMS = 40  # BUSY's My day: 30 planned today, 10 overdue

STEMS = ["Строй", "Техно", "Агро", "Энерго", "Мед", "Транс", "Евро", "Сиб", "Урал", "Волга",
         "Нева", "Гео", "Термо", "Электро", "Металл", "Лес", "Хим", "Пром", "Альфа", "Вектор",
         "Север", "Полимер", "Инвест", "Старт", "Форт", "Бизнес", "Нефте", "Газо", "Авто", "Ток",
         "Юг", "Восток", "Балт", "Кама", "Ока", "Дон", "Алтай", "Байкал", "Таймыр", "Енисей"]
ENDINGS = ["инвест", "сервис", "пром", "торг", "комплект", "снаб", "маш", "тех", "логистик",
           "систем", "монтаж", "проект", "альянс", "трейд", "стандарт", "ресурс", "снабжение",
           "строй", "сбыт", "групп", "холдинг", "лайн", "маркет", "дизайн", "эксперт"]
FORMS = ["ООО", "ООО", "ООО", "ООО", "АО", "ПАО", "ЗАО", "ИП"]
CITIES = ["Москва", "Санкт-Петербург", "Казань", "Нижний Новгород", "Самара", "Екатеринбург",
          "Челябинск", "Пермь", "Новосибирск", "Красноярск", "Омск", "Владивосток", "Хабаровск",
          "Ростов-на-Дону", "Краснодар", "Воронеж", "Тула", "Ярославль", "Калининград", "Уфа"]
STREETS = ["ул. Ленина", "ул. Мира", "пр. Победы", "ул. Гагарина", "ул. Советская",
           "ул. Садовая", "наб. Реки", "пер. Школьный", "ул. Заводская", "ш. Энтузиастов"]
KINDS = ["client"] * 6 + ["prospect"] * 3 + ["supplier", "partner"]
STAGES = ["attraction", "interest", "evaluation", "purchase", "purchase", "loyalty"]
IKINDS = ["call"] * 6 + ["meeting", "email", "email", "visit", "letter"]
SUBJECTS = ["Уточнить потребность", "Напомнить о КП", "Согласовать поставку", "Обсудить оплату",
            "Первичный звонок", "Решение по договору", "Встреча с директором", "Выслать прайс",
            "Отправить договор", "Акт сверки", "Презентация продукции", "Рекламация"]


def _ts(value: dt.datetime) -> str:
    """A UTC datetime as SQLite stores UTCDateTime."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _inn(n: int) -> str:
    from portal.clients.rules import complete_inn

    return complete_inn(f"{n % 89 + 10:02d}{(n * 7919) % 10**7:07d}")  # a region code, then unique


def _insert(conn, table: str, columns: list[str], rows) -> int:
    """Insert tuples in batches; the table's secondary indexes are built once at the end
    (much faster than keeping them up to date row by row)."""
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL", (table,)).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.exec_driver_sql(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        count += len(batch)
    for _name, create in indexes:
        conn.exec_driver_sql(create)
    return count


def generate(engine, scale_name: str) -> None:
    from models import search
    from models.clients import name_key
    from models.roles import Role
    from portal.clients.rules import seed_classifiers

    scale = SCALES[scale_name]
    n_orgs, n_contacts, n_items = scale["organizations"], scale["contacts"], scale["interactions"]
    rnd = random.Random(3)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -800000")  # 800 MB while generating
        seed_classifiers(conn)
        classifier = {}
        for cid, list_name in conn.execute(sa.text("SELECT id, list FROM classifiers")):
            classifier.setdefault(list_name, []).append(cid)
        sales_role = conn.scalar(sa.select(Role.id).where(Role.name == "sales"))
        conn.exec_driver_sql("INSERT INTO role_grants (role_id, user_id) VALUES (?, ?)",
                             [(sales_role, uid) for uid in SALES_IDS])
        dept_of = dict(conn.execute(sa.text("SELECT user_id, department_id FROM memberships")).all())
        managers = list(SALES_IDS)
        # BUSY looks after 1% of the clients; the others share the rest.
        org_manager = [BUSY_ID if rnd.random() < 0.01 else rnd.choice(managers)
                       for _ in range(n_orgs)]

        # --- organizations, their phones, e-mails and addresses
        names = [f"{form} «{a}{b}{suffix}»" if form != "ИП" else f"ИП {a}{b}ов"
                 for form in dict.fromkeys(FORMS) for a in STEMS for b in ENDINGS
                 for suffix in ("", "-М", " Плюс", "-Центр")]
        created = [now - dt.timedelta(days=rnd.randint(0, 1000), seconds=rnd.randint(0, 86399))
                   for _ in range(n_orgs)]
        org_rows, phone_rows, email_rows, address_rows, docs = [], [], [], [], []
        for i in range(n_orgs):
            oid = i + 1
            name = f"{names[i % len(names)]}" + (f" {i // len(names) + 1}" if i >= len(names) else "")
            inn = _inn(oid)
            city = CITIES[i % len(CITIES)]
            manager = org_manager[i]
            stamp = _ts(created[i])
            domain = f"org{oid}.example"
            number = f"+7 495 {oid % 1000:03d}-{oid // 1000 % 100:02d}-{oid % 97:02d}"
            normalized = f"7495{oid % 1000:03d}{oid // 1000 % 100:02d}{oid % 97:02d}"
            org_rows.append((
                oid, name, "", name_key(name), inn, "", rnd.choice(KINDS), rnd.choice(STAGES),
                rnd.choice(classifier["industry"]), rnd.choice(classifier["region"]),
                rnd.choice(classifier["group"]), rnd.choice(classifier["category"]),
                rnd.choice(classifier["source"]) if rnd.random() < 0.8 else None, manager,
                dept_of.get(manager), 5 if i % 3 == 0 else None, 30 if i % 3 == 0 else None,
                500000 if i % 3 == 0 else None, None, f"https://{domain}", "", "", stamp, manager,
                stamp, 1))
            phone_rows.append((oid, None, "work", number, normalized, "", "", 0))
            email_rows.append((oid, None, "work", f"info@{domain}", f"info@{domain}", "", 0))
            address_rows.append((oid, None, "actual", "", city,
                                 f"{STREETS[i % len(STREETS)]}, д. {i % 120 + 1}", "", 0))
            docs.append((oid, search.text_of(name), search.text_of(
                inn, normalized, normalized[-10:], normalized[-7:], f"info@{domain}",
                f"info {domain.replace('.', ' ')}", domain, city)))
        _insert(conn, "organizations", [
            "id", "name", "legal_name", "name_key", "inn", "kpp", "kind", "stage", "industry_id",
            "region_id", "group_id", "category_id", "source_id", "manager_id", "department_id",
            "discount_percent", "payment_deferral_days", "credit_limit", "purchase_potential",
            "website", "notes", "tags", "created_at", "created_by_id", "updated_at", "version"],
            org_rows)
        del org_rows

        # --- contacts: 0–6 per organization (3 on average)
        last = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов",
                "Новиков", "Морозов", "Волков", "Алексеев", "Павлов", "Семёнов", "Голубев",
                "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов"]
        first = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Иван", "Олег",
                 "Евгений", "Павел", "Николай", "Игорь", "Роман", "Виктор", "Михаил"]
        middle = ["Александрович", "Сергеевич", "Дмитриевич", "Андреевич", "Иванович", "Петрович",
                  "Николаевич", "Викторович", "Олегович", "Павлович"]
        positions = ["Директор", "Главный инженер", "Менеджер по закупкам", "Главный бухгалтер",
                     "Коммерческий директор", "Инженер", "Заведующий складом"]
        per_org = [0] * n_orgs
        for _ in range(n_contacts):
            per_org[rnd.randrange(n_orgs)] += 1
        contact_rows, job_rows, contact_docs = [], [], []
        org_contacts: list[tuple[int, int]] = []  # first contact id, count
        cid = 0
        contact_names = [f"{a} {b} {c}" for a in last for b in first for c in middle]
        for i in range(n_orgs):
            oid = i + 1
            org_contacts.append((cid + 1, per_org[i]))
            manager = org_manager[i]
            for _ in range(per_org[i]):
                cid += 1
                full = contact_names[cid % len(contact_names)]
                position = positions[cid % len(positions)]
                birthday = dt.date(1960 + cid % 40, cid % 12 + 1, cid % 28 + 1)
                stamp = _ts(created[i])
                contact_rows.append((cid, oid, full, position, "", birthday.isoformat(),
                                     birthday.month * 100 + birthday.day, "", dept_of.get(manager),
                                     manager, stamp, manager, stamp, 1))
                job_rows.append((cid, oid, "", position, created[i].date().isoformat(), None))
                mobile = f"79{cid % 100:02d}{cid:07d}"[-11:]
                phone_rows.append((None, cid, "mobile", f"+{mobile}", mobile, "", "", 0))
                if cid % 3:
                    email = f"c{cid}@org{oid}.example"
                    email_rows.append((None, cid, "work", email, email, "", 0))
                else:
                    email = ""
                contact_docs.append((cid, search.text_of(full), search.text_of(
                    position, mobile, mobile[-10:], mobile[-7:], email,
                    email.replace("@", " ").replace(".", " "))))
        _insert(conn, "contacts", [
            "id", "organization_id", "full_name", "position", "decision_level", "birthday",
            "birth_md", "notes", "department_id", "manager_id", "created_at", "created_by_id",
            "updated_at", "version"], contact_rows)
        _insert(conn, "contact_employments", ["contact_id", "organization_id", "organization_name",
                                              "position", "started_on", "ended_on"], job_rows)
        del contact_rows, job_rows
        _insert(conn, "phones", ["organization_id", "contact_id", "kind", "number", "normalized",
                                 "extension", "note", "sort_order"], phone_rows)
        _insert(conn, "emails", ["organization_id", "contact_id", "kind", "address", "normalized",
                                 "note", "sort_order"], email_rows)
        _insert(conn, "addresses", ["organization_id", "contact_id", "kind", "postal_code", "city",
                                    "text", "note", "sort_order"], address_rows)
        del phone_rows, email_rows, address_rows
        print(f"bench clients-organizations-contacts seconds={time.perf_counter() - started:.1f}",
              flush=True)

        # --- interactions: two years of history, today's and overdue ones, the next steps
        results = classifier["interaction_result"]
        span = 730 * 24 * 4  # quarter hours
        pool = [_ts(now - dt.timedelta(minutes=15 * q)) for q in range(span)]
        future = [_ts(now + dt.timedelta(minutes=15 * q)) for q in range(1, 60 * 24 * 4)]
        busy_orgs = [i for i, m in enumerate(org_manager) if m == BUSY_ID]
        day_start = dt.datetime.combine(now.date(), dt.time(5), dt.UTC)
        today_slots = [_ts(day_start + dt.timedelta(minutes=15 * q)) for q in range(40)]

        def interactions():
            recent = 14 * 96  # quarter hours: older planned items were all done
            for n in range(n_items):
                busy = n % 100 == 0
                org = rnd.choice(busy_orgs) if busy and busy_orgs else rnd.randrange(n_orgs)
                first_contact, count = org_contacts[org]
                contact = first_contact + rnd.randrange(count) if count else None
                manager = BUSY_ID if busy else org_manager[org]
                roll = rnd.random()
                if n >= n_items - DAY_ITEMS:  # BUSY: today's plan, and a few days overdue
                    org = rnd.choice(busy_orgs)
                    first_contact, count = org_contacts[org]
                    contact = first_contact + rnd.randrange(count) if count else None
                    manager = BUSY_ID
                    planned = (today_slots[n % len(today_slots)] if n % 4
                               else pool[96 + rnd.randrange(96 * 6)])
                    done_at = None
                elif roll < 0.03:
                    planned, done_at = future[rnd.randrange(len(future))], None
                else:
                    age = rnd.randrange(span)
                    planned = pool[age]
                    done_at = None if age < recent and roll > 0.985 else planned
                done = done_at is not None
                yield (n + 1, IKINDS[n % len(IKINDS)], "out", planned, done_at, org + 1, contact,
                       SUBJECTS[n % len(SUBJECTS)], "", manager, manager, dept_of.get(manager),
                       results[n % len(results)] if done else None, "", "",
                       None, planned, planned, 1)

        _insert(conn, "interactions", [
            "id", "kind", "direction", "planned_at", "done_at", "organization_id", "contact_id",
            "subject", "text", "author_id", "responsible_id", "department_id", "result_id",
            "result_text", "color", "parent_id", "created_at", "updated_at", "version"],
            interactions())
        # Call attempts: the conversation of every done call, "no answer" before one in five;
        # today, "no answer" on half of BUSY's open calls (My day shows today's counts). In id
        # order, so that the (interaction_id, at) index grows at its end.
        conn.exec_driver_sql(
            "INSERT INTO interaction_attempts (interaction_id, at, outcome, user_id) "
            "SELECT id, planned_at, 'no_answer', responsible_id FROM interactions "
            "WHERE kind = 'call' AND done_at IS NOT NULL AND id % 5 = 0 ORDER BY id")
        conn.exec_driver_sql(
            "INSERT INTO interaction_attempts (interaction_id, at, outcome, user_id) "
            "SELECT id, done_at, 'talked', responsible_id FROM interactions "
            "WHERE kind = 'call' AND done_at IS NOT NULL ORDER BY id")
        conn.exec_driver_sql(
            "INSERT INTO interaction_attempts (interaction_id, at, outcome, user_id) "
            "SELECT id, ?, 'no_answer', responsible_id FROM interactions "
            "WHERE responsible_id = ? AND kind = 'call' AND done_at IS NULL AND id % 2 = 0 "
            "ORDER BY id",
            (_ts(now), BUSY_ID))
        print(f"bench clients-interactions seconds={time.perf_counter() - started:.1f}", flush=True)

        # --- search documents (the FTS index is built once, at the end)
        conn.exec_driver_sql("DROP TRIGGER search_documents_ai")
        stamp = _ts(now)
        columns = ["id", "kind", "object_id", "title", "body", "updated_at"]
        _insert(conn, "search_documents", columns,
                ((search.document_id("organization", d[0]), "organization", *d, stamp)
                 for d in docs))
        _insert(conn, "search_documents", columns,
                ((search.document_id("contact", d[0]), "contact", *d, stamp)
                 for d in contact_docs))
        conn.exec_driver_sql(f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('rebuild')")
        conn.exec_driver_sql(search.SQLITE_DDL[1])
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"bench clients-search seconds={time.perf_counter() - started:.1f}", flush=True)


def _ids(engine_or_session) -> dict:
    """Rows the pages ask for: a busy client of BUSY's, its manager, a search word."""
    db = engine_or_session
    org_id = db.scalar(sa.text(
        "SELECT organization_id FROM interactions WHERE responsible_id = :u "
        "GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1"), {"u": BUSY_ID})
    name = db.scalar(sa.text("SELECT name FROM organizations WHERE id = :i"), {"i": org_id})
    return {"org": org_id, "word": name.split("«")[-1][:6] if "«" in name else name[3:9]}


def pages() -> list[tuple[str, str, float]]:
    """(name, path, p95 budget in ms) measured as the administrator (no permission filter)."""
    return [
        ("clients_list", "/clients/", 100),
        ("clients_list_by_manager", f"/clients/?manager={BUSY_ID}", 100),
        ("clients_list_sorted_newest", "/clients/?sort=-created", 100),
        ("clients_list_filtered_sorted", "/clients/?stage=purchase&kind=client&sort=-updated", 100),
        ("clients_search_name", "/clients/search?q=" + quote("Стройкомплект"), 100),
        ("clients_search_phone", "/clients/search?q=" + quote("495 123"), 100),
        ("clients_card", "/clients/1", 100),
    ]


def _timed(app, path: str, n: int) -> list[float]:
    app.get(path, status=200)  # warm-up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        app.get(path, status=200)
        out.append((time.perf_counter() - start) * 1000)
    return out


def import_file(rows: int, existing_inns: list[str], managers: list[str]) -> bytes:
    """An XLSX as a person would bring it: Russian headers, numbers as numbers, a few existing
    INNs (to update), a few bad rows, managers by e-mail."""
    from openpyxl import Workbook

    from portal.clients.rules import complete_inn

    rnd = random.Random(5)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Клиенты")
    sheet.append(["Наименование", "ИНН", "КПП", "Телефон", "E-mail", "Город", "Адрес",
                  "Источник", "Ответственный", "Скидка", "Примечание"])
    for i in range(rows):
        if i % 50 == 0 and existing_inns:
            inn = existing_inns[i // 50 % len(existing_inns)]
        elif i % 199 == 0:
            inn = "1234567890"  # a wrong check digit
        else:
            inn = complete_inn(f"{900000000 + i:09d}")
        sheet.append([
            f"ООО «Импорт {rnd.choice(STEMS)}{rnd.choice(ENDINGS)} {i}»", int(inn), inn[:4] + "01001",
            f"+7 (9{i % 90 + 10}) {i % 1000:03d}-{i // 1000 % 100:02d}-{rnd.randint(10, 99)}",
            f"office{i}@import{i}.example", rnd.choice(CITIES), rnd.choice(STREETS) + f", д. {i % 99 + 1}",
            rnd.choice(["Website", "Exhibition", "Recommendation", ""]), rnd.choice(managers),
            rnd.choice([0, 5, 10]), "Импорт из старой CRM" if i % 7 == 0 else ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(client, scale_name: str, report) -> bool:
    """As BUSY (a sales manager: department scope): My day, the list, search, the card; then a
    10,000-row XLSX import as the administrator."""
    import webtest

    ok = True
    session = client.app.registry["dbsession_factory"]()
    try:
        ids = _ids(session)
        busy_login = session.scalar(sa.text("SELECT login FROM users WHERE id = :i"), {"i": BUSY_ID})
        inns = list(session.scalars(sa.text("SELECT inn FROM organizations ORDER BY id LIMIT 200")))
        managers = list(session.scalars(sa.text(
            "SELECT email FROM users WHERE id BETWEEN 2 AND 40")))
        before = {t: session.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM \"{t}\""))
                  for t in CLEANUP}
    finally:
        session.close()
    app = webtest.TestApp(client.app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
    login = app.get("/login")
    app.post("/login", {"login": busy_login, "password": PASSWORD,
                        "csrf_token": login.html.find("input", {"name": "csrf_token"})["value"]},
             status=303)
    word = quote(ids["word"])
    for name, path in [("my_day_sales", "/"),
                       ("clients_list_sales", "/clients/"),
                       ("clients_list_sales_mine", "/clients/?manager=me&sort=-created"),
                       ("clients_search_sales", f"/clients/search?q={word}"),
                       ("clients_card_sales", f"/clients/{ids['org']}"),
                       ("interactions_list_sales", "/clients/interactions/"),
                       ("interactions_list_sales_done", "/clients/interactions/?state=done"),
                       ("interactions_list_sales_all", "/clients/interactions/?tab=all"),
                       ("interactions_list_sales_all_done",
                        "/clients/interactions/?tab=all&state=done")]:
        ok &= report(name, _timed(app, path, 100), 100)

    # Reports over the whole company (no budget in the issue: a second is what people wait).
    for name, path in [("report_activity_month", "/reports/activity?period=month"),
                       ("report_activity_by_organization", "/reports/activity?by=organization"),
                       ("report_advertising_year", "/reports/advertising?period=year")]:
        ok &= report(name, _timed(client, path, 20), 1000)

    # The import: upload, the check of every row, the import itself (duplicates updated).
    data = import_file(10_000, inns, managers)
    page = client.get("/clients/imports/")
    token = page.html.find("input", {"name": "csrf_token"})["value"]
    start = time.perf_counter()
    check = client.post("/clients/imports/", {"target": "organizations", "csrf_token": token},
                        upload_files=[("file", "clients-10k.xlsx", data)], status=303).follow()
    checked = time.perf_counter()
    form = check.forms["mapping-form"]
    form["duplicates"] = "update"
    result = form.submit("action", value="run", status=303).follow()
    elapsed = (time.perf_counter() - start) * 1000
    tiles = [t.get_text(" ", strip=True) for t in result.html.select("#result-summary .import-tile")]
    print(f"bench import_xlsx_10k_detail check_ms={(checked - start) * 1000:.0f} "
          f"result={' | '.join(tiles)}", flush=True)
    ok &= report("import_xlsx_10k", [elapsed], 30_000)
    _forget_import(client.app, before)
    return ok


# Tables an import adds to, and how to find what it added (to run the bench again as it was).
CLEANUP = ("organizations", "phones", "emails", "addresses", "search_documents", "transaction")


def _forget_import(app, before: dict) -> None:
    engine = app.registry["dbengine"]
    with engine.begin() as conn:
        for table in ("phones", "emails", "addresses"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE id > ?", (before[table],))
            conn.exec_driver_sql(f"DELETE FROM {table}_version WHERE id > ?", (before[table],))
        # A document's id is its kind's range plus the row's id: the import's are found by
        # kind and row (organizations' range lies below other kinds').
        conn.exec_driver_sql("DELETE FROM search_documents WHERE kind = 'organization' "
                             "AND object_id > ?", (before["organizations"],))
        conn.exec_driver_sql("DELETE FROM organizations WHERE id > ?", (before["organizations"],))
        conn.exec_driver_sql("DELETE FROM organizations_version WHERE transaction_id > ?",
                             (before["transaction"],))
        conn.exec_driver_sql("DELETE FROM client_imports")
