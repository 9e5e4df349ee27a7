"""Benchmark data and pages of the knowledge base: 20,000 articles in 500 folders.

Budgets (issue 5): search p95 ≤ 100 ms, article page p95 ≤ 50 ms — measured as a regular
employee, whose every search and listing goes through the permission filter in SQL (the
administrator's pages skip it). Folders are shared with departments and some are restricted,
as in a real company.
"""
from __future__ import annotations

import datetime as dt
import random
from urllib.parse import quote

import sqlalchemy as sa

SCALES = {"small": {"folders": 500, "articles": 20000}, "large": {"folders": 500, "articles": 20000}}
READER = "user7"
PASSWORD = "bench-pass-1"

TOPICS = [
    "настройка", "подключение", "принтер", "сканер", "договор", "скидка", "отпуск", "командировка",
    "пропуск", "гарантия", "возврат", "оборудование", "установка", "диагностика", "ошибка", "пароль",
    "почта", "телефония", "VPN", "1С", "отчёт", "счёт", "оплата", "доставка", "склад", "поставщик",
    "клиент", "заявка", "регламент", "инструкция", "сервер", "резервная копия", "сеть", "ноутбук",
    "монитор", "картридж", "лицензия", "обновление", "бюджет", "закупка", "премия", "график",
]
WORDS = [
    "проверьте", "откройте", "нажмите", "выберите", "укажите", "сохраните", "отправьте",
    "согласуйте", "оформите", "заполните", "менеджер", "руководитель", "бухгалтерия", "секретариат",
    "диспетчер", "инженер", "сотрудник", "клиент", "поставщик", "заявление", "документ", "акт",
    "накладная", "спецификация", "договор", "счёт", "оплата", "срок", "неделя", "день", "месяц",
    "квартал", "система", "программа", "портал", "раздел", "кнопка", "поле", "окно", "список",
    "таблица", "файл", "папка", "сервер", "сеть", "доступ", "быстро", "обязательно", "заранее",
    "после", "перед", "вместе", "отдельно", "вручную", "автоматически", "ежемесячно", "новый",
    "старый", "основной", "резервный", "рабочий", "личный", "общий", "внутренний", "внешний",
    "срочный"
]


def _sentence(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 14))]
    if rnd.random() < 0.5:
        words.insert(rnd.randrange(len(words)), rnd.choice(TOPICS).lower())
    return " ".join(words).capitalize() + "."


def _body(rnd: random.Random, topic: str) -> str:
    parts = [" ".join(_sentence(rnd) for _ in range(3))]
    for heading in ("Что понадобится", "Порядок действий", "Частые вопросы"):
        parts.append(f"## {heading}")
        if rnd.random() < 0.5:
            parts.append("\n".join(f"{i}. {_sentence(rnd)}" for i in range(1, rnd.randint(3, 6))))
        else:
            parts.append(" ".join(_sentence(rnd) for _ in range(rnd.randint(2, 5))) + f" {topic}.")
    return "\n\n".join(parts)


def generate(engine, scale_name: str) -> None:
    """Folders in a tree with sharing, articles in every state with tags and a version each."""
    from models.kb import Article, ArticleTag, ArticleVersion, KbFolder
    from models.meta import utcnow
    from models.people import Department
    from models.roles import LocalRoleGrant, Role
    from portal.kb.folders import slugify
    from portal.kb.markdown import render
    from portal.kb.search import index_articles

    scale = SCALES[scale_name]
    rnd = random.Random(5)
    now = utcnow()
    with engine.begin() as conn:
        dept_ids = list(conn.scalars(sa.select(Department.id)))
        user_ids = list(conn.scalars(sa.text("SELECT id FROM users")))
        roles = dict(conn.execute(sa.select(Role.name, Role.id)).all())
        folders, grants = [], []
        for i in range(1, scale["folders"] + 1):
            parent = None if i <= 25 else rnd.randint(1, i - 1)
            topic = rnd.choice(TOPICS)
            folders.append({"id": i, "parent_id": parent, "slug": f"folder-{i}",
                            "title": f"{topic.capitalize()} — раздел {i}", "description": "",
                            "block_local_roles": False, "restricted": i % 40 == 0,
                            "sort_order": i, "created_at": now})
            if i % 10 == 0 or i % 40 == 0:
                for role in ("editor", "reviewer", "reader"):
                    grants.append({"container_type": "kb_folder", "container_id": i, "role_id": roles[role],
                                   "user_id": None, "department_id": rnd.choice(dept_ids)})
        conn.execute(sa.insert(KbFolder.__table__), folders)
        conn.execute(sa.insert(LocalRoleGrant.__table__), grants)

        states = ["published"] * 85 + ["draft"] * 8 + ["pending"] * 5 + ["archived"] * 2
        tags_pool = [t.lower() for t in TOPICS] + [f"тег{i}" for i in range(60)]
        batch_articles, batch_tags, batch_versions = [], [], []

        def flush():
            if not batch_articles:
                return
            conn.execute(sa.insert(Article.__table__), batch_articles)
            conn.execute(sa.insert(ArticleTag.__table__), batch_tags)
            conn.execute(sa.insert(ArticleVersion.__table__), batch_versions)
            batch_articles.clear()
            batch_tags.clear()
            batch_versions.clear()

        for n in range(1, scale["articles"] + 1):
            topic = rnd.choice(TOPICS)
            title = f"{topic.capitalize()}: {rnd.choice(WORDS)} {rnd.choice(WORDS)} {n}"
            body = _body(rnd, topic)
            updated = now - dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 365))
            state = rnd.choice(states)
            author = rnd.choice(user_ids)
            summary = _sentence(rnd)
            batch_articles.append({
                "id": n, "folder_id": rnd.randint(1, scale["folders"]), "slug": f"{slugify(title)}",
                "title": title, "summary": summary, "body": body, "body_html": render(body),
                "state": state, "author_id": author, "created_at": updated, "updated_at": updated,
                "published_at": updated if state in ("published", "archived") else None, "version": 1,
                "must_read": False, "must_read_department_id": None, "must_read_at": None,
                "read_count": rnd.randint(0, 300), "helpful_yes": rnd.randint(0, 20),
                "helpful_no": rnd.randint(0, 5)})
            tags = rnd.sample(tags_pool, rnd.randint(1, 4))
            batch_tags.extend({"article_id": n, "tag": t} for t in tags)
            batch_versions.append({"article_id": n, "number": 1, "title": title, "summary": summary,
                                   "body": body, "tags": ",".join(tags), "author_id": author,
                                   "created_at": updated, "comment": ""})
            if len(batch_articles) >= 2000:
                flush()
        flush()
        index_articles(conn)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            conn.exec_driver_sql("ANALYZE")


def pages() -> list[tuple[str, str, float]]:
    """As the administrator (no permission filter): the overview pages."""
    return [
        ("kb_home_admin", "/kb/", 100),
        ("kb_search_admin", "/kb/search?q=" + quote("настройка"), 100),
    ]


def measure(client, scale_name: str, report) -> bool:
    """As a regular employee (every query filtered by permission in SQL)."""
    import time

    import webtest

    from models.kb import Article
    from portal.kb.security import KbTree

    app = webtest.TestApp(client.app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
    login = app.get("/login")
    app.post("/login", {"login": READER, "password": PASSWORD,
                        "csrf_token": login.html.find("input", {"name": "csrf_token"})["value"]}, status=303)
    session = client.app.registry["dbsession_factory"]()
    try:
        tree = KbTree.load(session)
        restricted = tree.restricted_ids()
        articles = session.execute(
            sa.select(Article.folder_id, Article.slug).where(
                Article.state == "published", Article.folder_id.not_in(sorted(restricted)))
            .order_by(Article.id).limit(200)).all()
        article_paths = ["/kb/" + "".join(f"{p}/" for p in tree.path(f)) + f"{slug}/" for f, slug in articles]
        folder_paths = ["/kb/" + "".join(f"{p}/" for p in tree.path(f)) for f, _slug in articles[:50]]
    finally:
        session.close()

    def timed(paths, n=200):
        for path in paths[:3]:
            app.get(path)
        out = []
        for i in range(n):
            start = time.perf_counter()
            app.get(paths[i % len(paths)], status=200)
            out.append((time.perf_counter() - start) * 1000)
        return out

    queries = ["настройка", "принтер", "договор скидка", "отпуск", "сервер доступ", "vpn", "картридж",
               "оплата счёт", "клиент заявка", "наст", "обору", "менеджер", "инструкция", "ошибка"]
    search_paths = [f"/kb/search?q={quote(q)}" for q in queries]
    ok = True
    ok &= report("kb_search", timed(search_paths), 100)
    filtered = ([p + "&tag=" + quote("сеть") for p in search_paths]
                + [f"/kb/search?q={quote(q)}&folder=3" for q in queries])
    ok &= report("kb_search_folder_tag", timed(filtered), 100)
    ok &= report("kb_header_search", timed([f"/search?q={quote(q)}" for q in queries]), 100)
    ok &= report("kb_article", timed(article_paths), 50)
    ok &= report("kb_folder", timed(folder_paths), 100)
    ok &= report("kb_home", timed(["/kb/"]), 100)
    return ok
