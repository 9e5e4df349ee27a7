"""`portal demo` gives «Прогресс» a believable client base (issue 3, point 12): about 300
organizations with valid INNs in Russian cities, about 900 contact persons with Russian names,
several thousand interactions with their call attempts, a full My day for the sales people."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal import cli
from portal.clients.rules import inn_is_valid

INI = """[app:main]
use = egg:portal-crm
sqlalchemy.url = sqlite:///{db}
session.secret = demo-test
"""


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    ini = tmp / "demo.ini"
    ini.write_text(INI.format(db=tmp / "portal.sqlite"))
    cli.main(["initdb", str(ini)])
    cli.main(["demo", str(ini)])
    engine = sa.create_engine(f"sqlite:///{tmp / 'portal.sqlite'}")
    yield engine
    engine.dispose()


def scalar(engine, sql: str):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_about_300_organizations_with_valid_inns(demo_db):
    with demo_db.connect() as conn:
        inns = conn.execute(sa.text("SELECT inn FROM organizations")).scalars().all()
        kinds = set(conn.execute(sa.text("SELECT DISTINCT kind FROM organizations")).scalars())
        cities = set(conn.execute(sa.text(
            "SELECT DISTINCT city FROM addresses WHERE organization_id IS NOT NULL")).scalars())
    assert 270 <= len(inns) <= 330
    filled = [inn for inn in inns if inn]
    assert len(filled) >= 0.9 * len(inns)
    assert all(inn_is_valid(inn) for inn in filled), [i for i in filled if not inn_is_valid(i)]
    assert len(set(filled)) == len(filled)  # no two share a tax id
    assert {"client", "prospect", "supplier", "partner", "agency"} <= kinds
    assert len(cities) >= 10 and all(re.search("[а-яА-Я]", c) for c in cities if c)


def test_about_900_contacts_with_russian_names(demo_db):
    with demo_db.connect() as conn:
        names = conn.execute(sa.text("SELECT full_name FROM contacts")).scalars().all()
    assert 800 <= len(names) <= 1000
    assert all(re.fullmatch(r"[А-ЯЁ][а-яё-]+( [А-ЯЁ][а-яё-]+){1,2}", n) for n in names), \
        [n for n in names if not re.fullmatch(r"[А-ЯЁ][а-яё-]+( [А-ЯЁ][а-яё-]+){1,2}", n)][:5]


def test_several_thousand_interactions_with_todays_plan(demo_db):
    total = scalar(demo_db, "SELECT count(*) FROM interactions")
    assert 2000 <= total <= 10000
    kinds = scalar(demo_db, "SELECT count(DISTINCT kind) FROM interactions")
    assert kinds >= 5
    open_ones = scalar(demo_db, "SELECT count(*) FROM interactions WHERE done_at IS NULL")
    assert open_ones >= 50
    # Calls done were conversations; some were tried before.
    assert scalar(demo_db, "SELECT count(*) FROM interaction_attempts "
                           "WHERE outcome = 'talked'") >= 500
    assert scalar(demo_db, "SELECT count(*) FROM interaction_attempts "
                           "WHERE outcome = 'no_answer'") >= 50
    # Attempts never come after the interaction was done.
    assert scalar(demo_db, "SELECT count(*) FROM interaction_attempts a JOIN interactions i "
                           "ON i.id = a.interaction_id WHERE a.at > i.done_at") == 0


def test_the_demo_clients_are_searchable(demo_db):
    assert scalar(demo_db, "SELECT count(*) FROM search_documents WHERE kind = 'organization'") \
        == scalar(demo_db, "SELECT count(*) FROM organizations")
    assert scalar(demo_db, "SELECT count(*) FROM search_documents WHERE kind = 'contact'") \
        == scalar(demo_db, "SELECT count(*) FROM contacts")


def test_interactions_happen_in_office_hours_on_weekdays(demo_db):
    import datetime as dt
    from zoneinfo import ZoneInfo

    with demo_db.connect() as conn:
        times = conn.execute(sa.text("SELECT planned_at, done_at FROM interactions")).all()
    zone = ZoneInfo("Europe/Moscow")
    week_ago = dt.datetime.now(zone) - dt.timedelta(days=7)
    moscow = [(dt.datetime.fromisoformat(str(p)).replace(tzinfo=dt.UTC).astimezone(zone), d)
              for p, d in times]
    assert all(8 <= t.hour < 19 for t, _done in moscow), sorted({t.hour for t, _d in moscow})
    # The history is of working days (today's plan is today's, whatever day it is).
    assert not [t for t, done in moscow if done and t < week_ago and t.weekday() >= 5]
