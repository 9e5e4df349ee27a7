"""Lost clients (issue 15, point 8): marking a client lost with a reason and winning it back
(organization.edit), and the churn report with figures by hand, on SQLite and PostgreSQL.

Year Y = last year; the report's period is Y.

    client   manager  lost on      reason   shipments (SalesFact)                    revenue lost
    Альфа    north    Y-03-15      Price    Y−1-03-14: 100 (a day too early: out)      550.00
                                            Y−1-03-15: 200, Y-02-10: 300,
                                            Y-03-15: 50 (the day itself: in),
                                            Y-03-16: 1000 (after: out)
    Бета     south    Y-03-20      Service  Y-01-10: 400, Y-02-10: −100 (a return)     300.00
    Гамма    north    Y-07-01      Price    none                                         0.00
    Дельта   north    Y−1-12-31    Price    (lost before the period: not counted)
    Эпсилон  north    —                     (not lost)

    per month: March 2 clients 850.00; July 1 client 0.00; other months 0
    by reason: Price 2 (66.67 %) 550.00; Service 1 (33.33 %) 300.00; total 3, 850.00
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.clients import Classifier, Organization
from models.errors import UserError
from portal.sales import churn
from portal.sales.reports import churn as report
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


def _reason(db, title, list_name="client_lost_reason", active=True):
    row = Classifier(list=list_name, title=title, active=active)
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def lost(dbsession, factory):
    book = SalesBook(dbsession, factory)
    y = book.year = local_today().year - 1
    book.price = _reason(dbsession, "Price (S6)")
    book.service = _reason(dbsession, "Service (S6)")
    north, south = book.north_manager, book.south_manager
    book.alpha = book.client("Альфа", north, lost_on=dt.date(y, 3, 15),
                             lost_reason_id=book.price.id, lost_note="ушли к конкуренту")
    book.beta = book.client("Бета", south, lost_on=dt.date(y, 3, 20),
                            lost_reason_id=book.service.id)
    book.gamma = book.client("Гамма", north, lost_on=dt.date(y, 7, 1),
                             lost_reason_id=book.price.id)
    book.delta = book.client("Дельта", north, lost_on=dt.date(y - 1, 12, 31),
                             lost_reason_id=book.price.id)
    book.epsilon = book.client("Эпсилон", north)
    a = book.order(book.alpha, ordered_on=dt.date(y - 1, 3, 1))
    for day, amount in ((dt.date(y - 1, 3, 14), "100.00"), (dt.date(y - 1, 3, 15), "200.00"),
                        (dt.date(y, 2, 10), "300.00"), (dt.date(y, 3, 15), "50.00"),
                        (dt.date(y, 3, 16), "1000.00")):
        book.ship(a, day, amount)
    b = book.order(book.beta, ordered_on=dt.date(y, 1, 1))
    book.ship(b, dt.date(y, 1, 10), "400.00")
    book.ship(b, dt.date(y, 2, 10), "-100.00")
    d = book.order(book.delta, ordered_on=dt.date(y - 1, 6, 1))
    book.ship(d, dt.date(y - 1, 6, 10), "700.00")
    book.filters = Filters(dt.date(y, 1, 1), dt.date(y, 12, 31))
    return book


def test_the_churn_report_by_hand(lost, request_for):
    y = lost.year
    result = report.churn_report(request_for(lost.director), lost.filters)
    months = {r["month"]: (r["clients"], r["revenue"]) for r in result.tables[0].rows}
    assert len(months) == 12
    assert months[y * 100 + 3] == (2, D("850.00"))
    assert months[y * 100 + 7] == (1, D("0.00"))
    assert months[y * 100 + 1] == (0, D("0"))
    assert result.tables[0].totals["clients"] == 3
    assert result.tables[0].totals["revenue"] == D("850.00")
    reasons = [(r["reason"], r["clients"], r["share"], r["revenue"])
               for r in result.tables[1].rows]
    assert reasons == [("Price (S6)", 2, D("66.67"), D("550.00")),
                       ("Service (S6)", 1, D("33.33"), D("300.00"))]
    clients = {r["client"]: (r["lost_on"], r["reason"], r["revenue"])
               for r in result.tables[2].rows}
    assert clients == {"Альфа": (dt.date(y, 3, 15), "Price (S6)", D("550.00")),
                       "Бета": (dt.date(y, 3, 20), "Service (S6)", D("300.00")),
                       "Гамма": (dt.date(y, 7, 1), "Price (S6)", D("0.00"))}


def test_a_manager_counts_only_their_clients(lost, request_for):
    result = report.churn_report(request_for(lost.north_manager), lost.filters)
    assert {r["client"] for r in result.tables[2].rows} == {"Альфа", "Гамма"}
    assert result.tables[0].totals == {"month": None, "clients": 2, "revenue": D("550.00")}
    nobody = report.churn_report(request_for(lost.employee), lost.filters)
    assert nobody.tables[2].rows == []


def test_the_twelve_months_before_a_29th_of_february():
    assert report.year_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert report.year_before(dt.date(2026, 3, 15)) == dt.date(2025, 3, 15)


# --- marking lost and winning back ---------------------------------------------------------------

def test_mark_lost_and_win_back(lost, dbsession):
    today = local_today()
    org = lost.epsilon
    churn.mark_lost(dbsession, lost.north_manager, org, lost_on=today, today=today,
                    reason_id=lost.service.id, note="  закрылись  ")
    assert (org.lost_on, org.lost_reason_id, org.lost_note) == (today, lost.service.id,
                                                                "закрылись")
    with pytest.raises(UserError, match="already"):
        churn.mark_lost(dbsession, lost.north_manager, org, lost_on=today, today=today,
                        reason_id=lost.service.id)
    churn.win_back(dbsession, lost.north_manager, org)
    assert (org.lost_on, org.lost_reason_id, org.lost_note) == (None, None, "")
    with pytest.raises(UserError):
        churn.win_back(dbsession, lost.north_manager, org)


@pytest.mark.parametrize("case", ["future", "no_reason", "other_list", "retired", "long_note",
                                  "no_day"])
def test_bad_input_is_refused_and_nothing_is_stored(lost, dbsession, case):
    today = local_today()
    kw = {"lost_on": today, "today": today, "reason_id": lost.price.id, "note": ""}
    if case == "future":
        kw["lost_on"] = today + dt.timedelta(days=1)
    elif case == "no_reason":
        kw["reason_id"] = None
    elif case == "other_list":
        kw["reason_id"] = _reason(dbsession, "Дорого", "deal_lost_reason").id
    elif case == "retired":
        kw["reason_id"] = _reason(dbsession, "Old (S6)", active=False).id
    elif case == "long_note":
        kw["note"] = "x" * (churn.NOTE_LIMIT + 1)
    else:
        kw["lost_on"] = None
    with pytest.raises(UserError):
        churn.mark_lost(dbsession, lost.north_manager, lost.epsilon, **kw)
    dbsession.expire(lost.epsilon)
    assert lost.epsilon.lost_on is None


def test_the_pages_follow_organization_edit(lost, testapp, dbsession):
    org = lost.epsilon
    testapp.login(lost.south_manager.login)  # not their client
    testapp.get(f"/clients/{org.id}/@@lost", status=403)
    testapp.post_csrf(f"/clients/{org.id}/@@lost", {"reason": str(lost.price.id)}, status=403)
    testapp.login(lost.north_manager.login)
    page = testapp.get(f"/clients/{org.id}/@@lost", status=200)
    assert "Price (S6)" in page.text
    page = testapp.post_csrf(f"/clients/{org.id}/@@lost",
                             {"lost_on": "31.02.2020", "reason": "1' OR 1=1"}, status=400)
    assert "is not a date" in page.text
    day = local_today().isoformat()
    testapp.post_csrf(f"/clients/{org.id}/@@lost",
                      {"lost_on": day, "reason": str(lost.price.id), "note": "<b>дорого</b>"},
                      status=302)
    dbsession.expire(org)
    assert (org.lost_on.isoformat(), org.lost_reason_id, org.lost_note) == (
        day, lost.price.id, "<b>дорого</b>")
    testapp.post_csrf(f"/clients/{org.id}/@@win-back", status=302)
    dbsession.expire(org)
    assert org.lost_on is None
    assert dbsession.scalar(sa.select(Organization.lost_on).where(Organization.id == org.id)) is None


def test_the_client_card_offers_lost_and_won_back_to_who_may_edit(lost, testapp):
    testapp.login(lost.north_manager.login)
    card = testapp.get(f"/clients/{lost.epsilon.id}", status=200)
    button = card.html.find(id="client-lost")
    assert button is not None and button["href"].endswith("/@@lost")
    assert card.html.find(id="client-documents") is not None
    lost_card = testapp.get(f"/clients/{lost.alpha.id}", status=200)
    assert "btn-warning" in lost_card.html.find(id="client-lost")["class"]
    page = testapp.get(f"/clients/{lost.alpha.id}/@@lost", status=200)
    assert "Won back" in page.text
    testapp.login(lost.director.login)
    assert testapp.get(f"/clients/{lost.epsilon.id}", status=200).html.find(
        id="client-lost") is not None
    testapp.login(lost.south_manager.login)
    card = testapp.get(f"/clients/{lost.beta.id}", status=200)
    assert card.html.find(id="client-lost") is not None  # their own client
