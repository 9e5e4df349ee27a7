"""Demo data of the client records for «Прогресс» (a step of `portal demo`).

About 300 organizations (clients, prospects, suppliers, partners, advertising agencies) in Russian
cities with valid INNs, phones, e-mails, addresses, terms and classifiers; about 900 contact
persons; several thousand interactions over the last year with results, follow-up chains and a
full "My day" today for the sales people (popova first), some of it overdue.

Inserted with SQLAlchemy Core in batches (a few seconds), then indexed for search. Organization
1 is ООО «Ромашка» with Иван Петров, whom the calendar's demo meeting refers to.
"""
from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models import search
from models.clients import (
    Address,
    Classifier,
    Contact,
    ContactEmployment,
    Email,
    ImportantDate,
    Interaction,
    InteractionAttempt,
    Organization,
    Phone,
    contact_document,
    name_key,
    normalize_phone,
    organization_document,
)
from portal.clients.rules import complete_inn, seed_classifiers

ORGANIZATIONS = 300
PRIVATE_PERSONS = 24
ZONE = ZoneInfo("Europe/Moscow")

# city, region code, phone code, postal code prefix
CITIES = [
    ("Москва", "moscow", "495", "101"), ("Москва", "moscow", "499", "115"),
    ("Санкт-Петербург", "saint_petersburg", "812", "190"), ("Химки", "moscow_region", "498", "141"),
    ("Подольск", "moscow_region", "4967", "142"), ("Мытищи", "moscow_region", "495", "141"),
    ("Казань", "volga", "843", "420"), ("Нижний Новгород", "volga", "831", "603"),
    ("Самара", "volga", "846", "443"), ("Екатеринбург", "urals", "343", "620"),
    ("Челябинск", "urals", "351", "454"), ("Пермь", "urals", "342", "614"),
    ("Новосибирск", "siberia", "383", "630"), ("Красноярск", "siberia", "391", "660"),
    ("Омск", "siberia", "3812", "644"), ("Владивосток", "far_east", "423", "690"),
    ("Хабаровск", "far_east", "4212", "680"), ("Ростов-на-Дону", "south", "863", "344"),
    ("Краснодар", "south", "861", "350"), ("Воронеж", "central", "473", "394"),
    ("Тула", "central", "4872", "300"), ("Ярославль", "central", "4852", "150"),
    ("Калининград", "northwest", "4012", "236"), ("Мурманск", "northwest", "8152", "183"),
    ("Минск", "abroad", "", ""),
]
CITY_WEIGHTS = [14, 8, 10, 3, 2, 2, 5, 5, 4, 5, 3, 3, 4, 3, 2, 2, 2, 4, 4, 3, 2, 2, 2, 1, 1]

STEMS = ["Строй", "Техно", "Агро", "Энерго", "Мед", "Транс", "Евро", "Сиб", "Урал", "Волга",
         "Нева", "Гео", "Термо", "Электро", "Металл", "Лес", "Хим", "Пром", "Альфа", "Вектор",
         "Север", "Полимер", "Инвест", "Старт", "Форт", "Бизнес", "Нефте", "Газо", "Авто", "Ток"]
ENDINGS = ["инвест", "сервис", "пром", "торг", "комплект", "снаб", "маш", "тех", "логистик",
           "систем", "монтаж", "проект", "альянс", "трейд", "стандарт", "ресурс", "снабжение",
           "строй", "сбыт", "групп"]
FORMS = [("ООО", "Общество с ограниченной ответственностью"), ("АО", "Акционерное общество"),
         ("ПАО", "Публичное акционерное общество"), ("ЗАО", "Закрытое акционерное общество")]
FORM_WEIGHTS = [70, 15, 4, 3]

KINDS = [("client", 52), ("prospect", 30), ("supplier", 9), ("partner", 6), ("agency", 3)]
STAGES = {"client": [("interest", 10), ("evaluation", 20), ("purchase", 45), ("loyalty", 25)],
          "prospect": [("attraction", 55), ("interest", 30), ("evaluation", 15)],
          "supplier": [("purchase", 70), ("loyalty", 30)],
          "partner": [("interest", 30), ("purchase", 40), ("loyalty", 30)],
          "agency": [("interest", 50), ("purchase", 50)]}
SOURCES = [("website", 22), ("search", 18), ("referral", 15), ("exhibition", 11),
           ("cold_call", 10), ("mailing", 8), ("social", 7), ("print", 3), ("tender", 4),
           ("other", 2)]
INDUSTRIES = ["manufacturing", "construction", "retail", "wholesale", "it", "transport", "energy",
              "agriculture", "finance", "healthcare", "education", "government", "hospitality",
              "services"]
SALES = ["popova", "lebedev", "novikova", "morozov", "sokolov"]
SALES_WEIGHTS = [30, 25, 22, 18, 5]
SUPPLY = ["golubev", "semenova"]
TAGS = ["vip", "опт", "тендер", "регионы", "рассрочка", "новый", "сезонный"]
NOTES = ["Работают с НДС, договор на год.", "Закупки раз в квартал, решение принимает директор.",
         "Просили присылать счета на почту бухгалтерии.", "Конкурент предлагает скидку 10%.",
         "Интересуются сервисным обслуживанием.", "Оплата с отсрочкой по согласованию.",
         "Планируют расширение склада в следующем году.", ""]
POSITIONS = [("Генеральный директор", "decision_maker"), ("Директор", "decision_maker"),
             ("Коммерческий директор", "decision_maker"), ("Финансовый директор", "decision_maker"),
             ("Главный инженер", "influencer"), ("Начальник отдела закупок", "influencer"),
             ("Менеджер по закупкам", "user"), ("Главный бухгалтер", "influencer"),
             ("Бухгалтер", "other"), ("Инженер", "user"), ("Заведующий складом", "user"),
             ("Секретарь", "other"), ("Руководитель проектов", "influencer"),
             ("Специалист по снабжению", "user")]
SUBJECTS = {
    "call": ["Уточнить потребность на квартал", "Напомнить о коммерческом предложении",
             "Согласовать сроки поставки", "Обсудить условия оплаты", "Первичный звонок",
             "Узнать решение по договору", "Поздравить с праздником", "Уточнить реквизиты",
             "Договориться о встрече", "Обсудить рекламацию"],
    "meeting": ["Презентация продукции", "Переговоры по годовому договору",
                "Встреча с директором", "Обсуждение спецификации"],
    "email": ["Отправить коммерческое предложение", "Выслать прайс-лист", "Отправить договор",
              "Выслать акт сверки"],
    "fax": ["Отправить подписанный договор"],
    "letter": ["Отправить оригиналы документов", "Гарантийное письмо"],
    "visit": ["Выезд на объект клиента", "Шеф-монтаж оборудования"],
}
KIND_WEIGHTS = [("call", 58), ("meeting", 12), ("email", 18), ("fax", 2), ("letter", 4),
                ("visit", 6)]
RESULTS = [("interested", 20), ("proposal_requested", 14), ("call_back", 16), ("thinking", 12),
           ("meeting_agreed", 8), ("invoice_requested", 8), ("contract_signed", 6),
           ("postponed", 8), ("not_interested", 5), ("wrong_contact", 3)]
RESULT_TEXTS = {"contract_signed": "Договор подписан, ждём оплату.",
                "interested": "Интерес есть, просят подробности.",
                "proposal_requested": "Нужно КП с ценами до конца недели.",
                "invoice_requested": "Выставить счёт на предоплату.",
                "meeting_agreed": "Встреча в офисе клиента.",
                "call_back": "Перезвонить после обеда.", "postponed": "Вернуться к вопросу через месяц.",
                "thinking": "Сравнивают с предложением конкурента.",
                "not_interested": "Пока не актуально.", "wrong_contact": "Человек уволился."}
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                     "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "",
                     "e", "yu", "ya"], strict=True))


def latin(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "")
                   for ch in text.lower())


def _pick(rnd: random.Random, weighted):
    return rnd.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE).astimezone(dt.UTC)


class _Ids:
    """Ids for rows inserted in batches: the next free id of each table, counted here."""

    def __init__(self, conn, *tables):
        self.next = {t.name: (conn.scalar(sa.select(sa.func.max(t.c.id))) or 0) + 1 for t in tables}

    def __call__(self, table) -> int:
        value = self.next[table.name]
        self.next[table.name] += 1
        return value


def make_demo(context) -> None:
    from faker import Faker  # slow to load (its locales): only when demo data is made

    db = context.dbsession
    seed_classifiers(db)
    if db.scalar(sa.select(sa.func.count()).select_from(Organization)):
        return
    rnd = random.Random(11)
    fake = Faker("ru_RU")
    fake.seed_instance(11)
    users = {login: u for login, u in context.users.items()}
    dept_of = {login: u.memberships[0].department_id for login, u in users.items()}
    entries = {(c.list, c.code): c.id for c in db.scalars(sa.select(Classifier))}
    today = context.today
    now = dt.datetime.now(dt.UTC)
    conn = db.connection()
    T = SimpleNamespace(org=Organization.__table__, contact=Contact.__table__,
                        phone=Phone.__table__, email=Email.__table__, address=Address.__table__,
                        job=ContactEmployment.__table__, date=ImportantDate.__table__,
                        interaction=Interaction.__table__, attempt=InteractionAttempt.__table__)
    ids = _Ids(conn, T.org, T.contact, T.interaction)
    rows = {name: [] for name in ("org", "contact", "phone", "email", "address", "job", "date",
                                  "interaction", "attempt")}
    day_start = _local(today, 0)
    docs_org, docs_contact = {}, {}
    used_inns, used_names = set(), set()

    def phone(code: str, mobile: bool = False) -> str:
        if mobile or not code:
            return (f"+7 9{rnd.randint(10, 99)} {rnd.randint(100, 999)}-"
                    f"{rnd.randint(10, 99)}-{rnd.randint(10, 99)}")
        rest = 10 - len(code)
        digits = f"{rnd.randrange(10 ** (rest - 1), 10 ** rest)}"
        return f"+7 ({code}) {digits[:-4]}-{digits[-4:-2]}-{digits[-2:]}"

    def add_phone(owner: str, owner_id: int, number: str, kind: str, order: int, doc) -> None:
        n = normalize_phone(number)
        rows["phone"].append({"organization_id": owner_id if owner == "org" else None,
                              "contact_id": owner_id if owner == "contact" else None,
                              "kind": kind, "number": number, "normalized": n, "extension": "",
                              "note": "", "sort_order": order})
        doc.phones.append(SimpleNamespace(normalized=n))

    def add_email(owner: str, owner_id: int, address: str, kind: str, order: int, doc) -> None:
        rows["email"].append({"organization_id": owner_id if owner == "org" else None,
                              "contact_id": owner_id if owner == "contact" else None,
                              "kind": kind, "address": address, "normalized": address.lower(),
                              "note": "", "sort_order": order})
        doc.emails.append(SimpleNamespace(normalized=address.lower()))

    def unique_inn(individual: bool) -> str:
        while True:
            inn = complete_inn(f"{rnd.randint(1, 99):02d}{rnd.randrange(10 ** 8):08d}" if individual
                               else f"{rnd.randint(1, 99):02d}{rnd.randrange(10 ** 7):07d}")
            if inn not in used_inns:
                used_inns.add(inn)
                return inn

    def company_name(kind: str) -> tuple[str, str, bool]:
        """(short name, legal name, individual entrepreneur?)"""
        while True:
            if kind != "supplier" and rnd.random() < 0.08:
                person = (fake.last_name_male(), fake.first_name_male(), fake.middle_name_male())
                short = f"ИП {person[0]} {person[1][0]}. {person[2][0]}."
                legal = f"Индивидуальный предприниматель {' '.join(person)}"
                individual = True
            else:
                word = rnd.choice(STEMS) + rnd.choice(ENDINGS)
                if rnd.random() < 0.25:
                    word += rnd.choice(["-М", "-Центр", "-Сервис", " Плюс", "-Юг", " Групп"])
                form, full = _pick(rnd, list(zip(FORMS, FORM_WEIGHTS, strict=True)))
                short, legal, individual = f"{form} «{word}»", f"{full} «{word}»", False
            if short not in used_names:
                used_names.add(short)
                return short, legal, individual

    def person(female: bool | None = None) -> tuple[str, str, str, bool]:
        female = rnd.random() < 0.45 if female is None else female
        if female:
            return fake.last_name_female(), fake.first_name_female(), fake.middle_name_female(), True
        return fake.last_name_male(), fake.first_name_male(), fake.middle_name_male(), False

    # --- organizations and their contacts
    orgs = []  # (id, name, kind, stage, manager login, department id, contact ids)
    special = [("ООО «Ромашка»", "Общество с ограниченной ответственностью «Ромашка»", "client",
                "purchase", "popova", "Москва", "romashka.example")]
    for i in range(ORGANIZATIONS):
        if i < len(special):
            name, legal, kind, stage, manager, city_name, domain = special[i]
            individual = False
            city = next(c for c in CITIES if c[0] == city_name)
        else:
            kind = _pick(rnd, KINDS)
            name, legal, individual = company_name(kind)
            stage = _pick(rnd, STAGES[kind])
            manager = (rnd.choice(SUPPLY) if kind == "supplier"
                       else rnd.choices(SALES, SALES_WEIGHTS)[0])
            city = rnd.choices(CITIES, CITY_WEIGHTS)[0]
            base = latin(name.split("«")[-1].rstrip("»").split()[0]) if "«" in name else \
                latin(name.split()[1])
            domain = f"{base.replace('-', '')}{'-' + latin(city[0])[:3] if rnd.random() < .3 else ''}.example"
        org_id = ids(T.org)
        inn = unique_inn(individual)
        created = now - dt.timedelta(days=rnd.randint(0, 720), hours=rnd.randint(0, 23))
        terms = kind in ("client", "partner") and stage in ("purchase", "loyalty")
        tags = ", ".join(rnd.sample(TAGS, rnd.choice([0, 0, 0, 1, 1, 2])))
        notes = rnd.choice(NOTES)
        row = {
            "id": org_id, "name": name, "legal_name": legal, "name_key": name_key(name),
            "inn": inn, "kpp": "" if individual else f"{inn[:4]}01001", "kind": kind,
            "stage": stage,
            "industry_id": entries.get(("industry", "wholesale" if kind == "supplier" else
                                        rnd.choice(INDUSTRIES))),
            "region_id": entries.get(("region", city[1])),
            "group_id": entries.get(("group", rnd.choice(["key", "regular", "regular", "small",
                                                          "dealers"]))) if kind == "client" else None,
            "category_id": entries.get(("category", rnd.choice("abbccc"))),
            "source_id": entries.get(("source", _pick(rnd, SOURCES)))
            if kind in ("client", "prospect") and rnd.random() < .92 else None,
            "manager_id": users[manager].id, "department_id": dept_of[manager],
            "discount_percent": rnd.choice([0, 3, 5, 5, 7, 10, 12, 15]) if terms else None,
            "payment_deferral_days": rnd.choice([0, 7, 14, 30, 30, 45, 60]) if terms else None,
            "credit_limit": rnd.choice([100, 250, 500, 1000, 2000, 5000]) * 1000 if terms else None,
            "purchase_potential": rnd.choice([5, 10, 25, 50, 120, 300]) * 100000
            if kind in ("client", "prospect") else None,
            "website": f"https://{domain}" if rnd.random() < .8 else "", "notes": notes,
            "tags": tags, "created_at": created, "created_by_id": users[manager].id,
            "updated_at": created, "version": 1}
        if i == 0:
            row.update({"industry_id": entries.get(("industry", "wholesale")),
                        "source_id": entries.get(("source", "exhibition")), "tags": "vip, опт",
                        "notes": "Ключевой клиент: закупки оборудования каждый квартал."})
        rows["org"].append(row)
        doc = SimpleNamespace(name=name, legal_name=legal, inn=row["inn"], kpp=row["kpp"],
                              website=row["website"], tags=tags, notes=row["notes"], phones=[],
                              emails=[], addresses=[], contacts=[])
        add_phone("org", org_id, phone(city[2]), "work", 0, doc)
        if rnd.random() < .35:
            add_phone("org", org_id, phone(city[2]), "fax" if rnd.random() < .3 else "work", 1, doc)
        add_email("org", org_id, f"info@{domain}", "work", 0, doc)
        if rnd.random() < .4:
            add_email("org", org_id, f"{rnd.choice(['sales', 'zakaz', 'buh', 'office'])}@{domain}",
                      "billing" if rnd.random() < .4 else "work", 1, doc)
        street = fake.street_address()
        postal = f"{city[3]}{rnd.randint(0, 999):03d}" if city[3] else ""
        rows["address"].append({"organization_id": org_id, "contact_id": None, "kind": "actual",
                                "postal_code": postal, "city": city[0], "text": street, "note": "",
                                "sort_order": 0})
        doc.addresses.append(SimpleNamespace(city=city[0]))
        if not individual and rnd.random() < .4:
            rows["address"].append({"organization_id": org_id, "contact_id": None, "kind": "legal",
                                    "postal_code": postal, "city": city[0],
                                    "text": fake.street_address(), "note": "", "sort_order": 1})
        if rnd.random() < .25:
            founded = dt.date(rnd.randint(1992, 2018), rnd.randint(1, 12), rnd.randint(1, 28))
            rows["date"].append({"organization_id": org_id, "contact_id": None,
                                 "title": "День основания компании", "date": founded,
                                 "md": founded.month * 100 + founded.day, "yearly": True, "note": ""})
        contact_ids = []
        count = 2 if i == 0 else rnd.choices([0, 1, 2, 3, 4, 5, 6], [3, 14, 24, 26, 18, 10, 5])[0]
        for c in range(count):
            if i == 0 and c == 0:
                last, first, middle = "Петров", "Иван", "Сергеевич"
                position, level = "Генеральный директор", "decision_maker"
            else:
                last, first, middle, _female = person()
                position, level = rnd.choice(POSITIONS)
                if c == 0 and rnd.random() < .7:
                    position, level = rnd.choice(POSITIONS[:4])
            contact_id = ids(T.contact)
            full = f"{last} {first} {middle}"
            birthday = None
            if rnd.random() < .7:
                birthday = dt.date(rnd.randint(1960, 1998), rnd.randint(1, 12), rnd.randint(1, 28))
                if rnd.random() < .03:  # a few birthdays this week, for the reminders
                    soon = today + dt.timedelta(days=rnd.randint(0, 6))
                    birthday = soon.replace(year=rnd.randint(1965, 1995))
            created_c = created + dt.timedelta(days=rnd.randint(0, 30))
            rows["contact"].append({
                "id": contact_id, "organization_id": org_id, "full_name": full,
                "position": position, "decision_level": level, "birthday": birthday,
                "birth_md": birthday.month * 100 + birthday.day if birthday else None,
                "notes": "", "department_id": row["department_id"], "manager_id": row["manager_id"],
                "created_at": created_c, "created_by_id": row["manager_id"],
                "updated_at": created_c, "version": 1})
            rows["job"].append({"contact_id": contact_id, "organization_id": org_id,
                                "organization_name": name, "position": position,
                                "started_on": created_c.date(), "ended_on": None})
            cdoc = SimpleNamespace(full_name=full, position=position, notes="", phones=[],
                                   emails=[], organization=SimpleNamespace(name=name))
            if rnd.random() < .85:
                add_phone("contact", contact_id, phone(city[2], mobile=True), "mobile", 0, cdoc)
            if rnd.random() < .3:
                add_phone("contact", contact_id, phone(city[2]) + f" доб. {rnd.randint(100, 599)}",
                          "work", 1, cdoc)
            if i == 0 and c == 0:
                add_email("contact", contact_id, "ivan.petrov@romashka.example", "work", 0, cdoc)
            elif rnd.random() < .75:
                add_email("contact", contact_id, f"{latin(first)[:1]}.{latin(last)}@{domain}",
                          "work", 0, cdoc)
            docs_contact[contact_id] = cdoc
            doc.contacts.append(SimpleNamespace(full_name=full))
            contact_ids.append(contact_id)
        docs_org[org_id] = doc
        orgs.append((org_id, name, kind, stage, manager, row["department_id"], contact_ids,
                     created))

    # Private persons (no organization): managed by the sales people themselves.
    private = []
    for _ in range(PRIVATE_PERSONS):
        last, first, middle, _female = person()
        manager = rnd.choices(SALES, SALES_WEIGHTS)[0]
        contact_id = ids(T.contact)
        full = f"{last} {first} {middle}"
        created_c = now - dt.timedelta(days=rnd.randint(0, 400))
        rows["contact"].append({
            "id": contact_id, "organization_id": None, "full_name": full,
            "position": "Частное лицо", "decision_level": "decision_maker", "birthday": None,
            "birth_md": None, "notes": "Покупает для себя, оплата картой.",
            "department_id": dept_of[manager], "manager_id": users[manager].id,
            "created_at": created_c, "created_by_id": users[manager].id, "updated_at": created_c,
            "version": 1})
        cdoc = SimpleNamespace(full_name=full, position="Частное лицо", notes="", phones=[],
                               emails=[], organization=None)
        add_phone("contact", contact_id, phone("", mobile=True), "mobile", 0, cdoc)
        add_email("contact", contact_id, f"{latin(first)}.{latin(last)}@mail.example", "personal",
                  0, cdoc)
        docs_contact[contact_id] = cdoc
        private.append((contact_id, manager))

    # --- interactions: a year of history, and what is planned (today's My day above all)
    results = {code: entries.get(("interaction_result", code)) for code, _w in RESULTS}
    authors_for = {"popova": ["belova", "tarasova"], "lebedev": ["belova"],
                   "novikova": ["tarasova"], "morozov": ["belova"], "sokolov": ["tarasova"]}

    def interaction(org, contact_id, responsible: str, kind: str, planned: dt.datetime,
                    done: bool, author: str | None = None, parent: int | None = None,
                    today_call: bool = False) -> int:
        item_id = ids(T.interaction)
        result = _pick(rnd, RESULTS) if done else None
        done_at = planned + dt.timedelta(minutes=rnd.randint(0, 240)) if done else None
        if done_at is not None and planned <= now < done_at:
            done_at = now  # done today, a little while ago
        if kind == "call" and (done or today_call):
            # Attempts before getting through: at the planned time, then every few minutes
            # (today's ones before now); then the conversation when it was done.
            at = planned if done else max(day_start, now - dt.timedelta(minutes=40))
            outcomes = ["no_answer"] * (rnd.choice([0, 0, 0, 1, 2]) if today_call
                                        or rnd.random() < .3 else 0)
            if rnd.random() < .1:
                outcomes.append("could_not_talk")
            if today_call and not outcomes:
                outcomes = ["no_answer"]
            for outcome in outcomes:
                if done_at is not None and at >= done_at:
                    break
                rows["attempt"].append({"interaction_id": item_id, "at": at, "outcome": outcome,
                                        "user_id": users[responsible].id})
                at += dt.timedelta(minutes=rnd.randint(3, 12))
            if done_at is not None:
                rows["attempt"].append({"interaction_id": item_id, "at": done_at,
                                        "outcome": "talked", "user_id": users[responsible].id})
        rows["interaction"].append({
            "id": item_id, "kind": kind, "direction": "in" if rnd.random() < .2 else "out",
            "planned_at": planned, "done_at": done_at,
            "organization_id": org[0] if org else None, "contact_id": contact_id,
            "subject": rnd.choice(SUBJECTS[kind]),
            "text": "" if rnd.random() < .6 else rnd.choice(NOTES[:-1]),
            "author_id": users[author or responsible].id, "responsible_id": users[responsible].id,
            "department_id": org[5] if org else dept_of[responsible],
            "result_id": results.get(result) if result else None,
            "result_text": RESULT_TEXTS.get(result, "") if result and rnd.random() < .6 else "",
            "color": rnd.choice(["", "", "", "", "", "red", "green", "yellow"]) if not done else "",
            "parent_id": parent, "created_at": min(planned, now), "updated_at": done_at or min(planned, now),
            "version": 1})
        return item_id

    weight = {"attraction": 4, "interest": 8, "evaluation": 12, "purchase": 18, "loyalty": 20}
    for org in orgs:
        org_id, _name, kind, stage, manager, _dept, contacts, created = org
        count = max(1, int(weight[stage] * rnd.uniform(.5, 1.5)))
        if kind in ("supplier", "agency"):
            count = max(1, count // 2)
        start = max(created, now - dt.timedelta(days=365))
        span = max(1, int((now - start).total_seconds() // 3600) - 2)
        previous = None
        for _ in range(count):
            planned = start + dt.timedelta(hours=rnd.randint(0, span))
            local = planned.astimezone(ZONE)
            day = local.date() - dt.timedelta(days=max(0, local.weekday() - 4))  # weekdays
            # Office hours in Moscow: calls at three in the morning are nobody's history.
            planned = _local(day, 9 + local.hour % 9, rnd.choice([0, 15, 30, 45]))
            overdue = planned.astimezone(ZONE).date() < today - dt.timedelta(days=14)
            done = overdue or rnd.random() < .97
            author = rnd.choice(authors_for.get(manager, [manager])) if rnd.random() < .1 else None
            previous = interaction(org, rnd.choice(contacts) if contacts else None, manager,
                                   _pick(rnd, KIND_WEIGHTS), planned, done, author,
                                   previous if rnd.random() < .3 else None)
        # The next step with most clients: planned for the coming weeks.
        if stage != "attraction" or rnd.random() < .5:
            day = today + dt.timedelta(days=rnd.randint(1, 30))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            interaction(org, rnd.choice(contacts) if contacts else None, manager,
                        _pick(rnd, KIND_WEIGHTS), _local(day, rnd.randint(9, 17),
                                                         rnd.choice([0, 30])), False, parent=previous)

    # Today's My day for the sales people, with some overdue from the last days.
    by_manager: dict[str, list] = {}
    for org in orgs:
        by_manager.setdefault(org[4], []).append(org)
    plan = {"popova": (9, 4), "lebedev": (6, 2), "novikova": (7, 1), "morozov": (5, 3),
            "sokolov": (3, 1), "golubev": (3, 1)}
    for login, (today_count, overdue_count) in plan.items():
        mine = by_manager.get(login, [])
        if not mine:
            continue
        hours = sorted(rnd.sample(range(9 * 4, 18 * 4), today_count))
        for n, quarter in enumerate(hours):
            org = rnd.choice(mine)
            kind = "meeting" if n == 2 else ("email" if n in (4, 7) else "call")
            author = rnd.choice(authors_for.get(login, [login])) if n == 1 else None
            interaction(org, rnd.choice(org[6]) if org[6] else None, login, kind,
                        _local(today, quarter // 4, quarter % 4 * 15), n == 0 and login == "popova",
                        author, today_call=kind == "call" and n == 3)
        for n in range(overdue_count):
            org = rnd.choice(mine)
            day = today - dt.timedelta(days=rnd.randint(1, 6))
            interaction(org, rnd.choice(org[6]) if org[6] else None, login,
                        "call" if n % 2 == 0 else "email", _local(day, rnd.randint(10, 16)), False)
    for contact_id, manager in private[:6]:
        interaction(None, contact_id, manager, "call",
                    _local(today + dt.timedelta(days=rnd.randint(0, 10)), rnd.randint(10, 17)), False)

    # --- write everything, in batches
    for key, table in (("org", T.org), ("contact", T.contact), ("job", T.job),
                       ("phone", T.phone), ("email", T.email), ("address", T.address),
                       ("date", T.date), ("interaction", T.interaction),
                       ("attempt", T.attempt)):
        batch = rows[key]
        if key == "interaction":
            batch.sort(key=lambda r: r["id"])
        for start in range(0, len(batch), 2000):
            conn.execute(table.insert(), batch[start:start + 2000])
    search.index_documents(conn, "organization",
                           [(i, *organization_document(d)) for i, d in docs_org.items()],
                           replace=False)
    search.index_documents(conn, "contact",
                           [(i, *contact_document(d)) for i, d in docs_contact.items()],
                           replace=False)
