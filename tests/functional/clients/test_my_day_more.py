"""My day's "N more…" of each group opens the list of exactly what the group holds beyond the
block: my interactions of its kinds still to do, planned up to today."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

MOSCOW = ZoneInfo("Europe/Moscow")


def day_at(hh: int, days: int = 0) -> dt.datetime:
    day = dt.datetime.now(MOSCOW).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hh, 0)).replace(tzinfo=MOSCOW).astimezone(dt.UTC)


def listed(page) -> set[str]:
    return {a.get_text(strip=True) for a in page.html.select("#ix-list .ix-list-title")}


@pytest.mark.parametrize("group,kinds,others", [
    ("mail", ("email", "fax"), ("call", "letter")),
    ("other", ("letter", "visit"), ("email", "meeting")),
    ("calls", ("call",), ("meeting", "fax")),
])
def test_more_opens_the_groups_kinds_up_to_today(group, kinds, others, testapp, factory, clients):
    me = factory.user(roles=["sales"], departments=[factory.department("Продажи")],
                      timezone="Europe/Moscow")
    org = clients.organization("ООО «Вектор»", manager=me)
    expected = set()
    for i in range(14):
        kind = kinds[i % len(kinds)]
        subject = f"{kind} {i:02d}"
        clients.interaction(responsible=me, organization=org, kind=kind, subject=subject,
                            planned_at=day_at(9, days=-i))
        expected.add(subject)
    for kind in kinds:  # later: not in My day
        clients.interaction(responsible=me, organization=org, kind=kind, subject=f"{kind} завтра",
                            planned_at=day_at(9, days=1))
    for kind in others:  # another group
        clients.interaction(responsible=me, organization=org, kind=kind, subject=f"{kind} чужой",
                            planned_at=day_at(8))
    testapp.login(me.login)
    home = testapp.get("/")
    more = home.html.select_one(f"#ix-group-{group} .ix-more a")
    assert more.get_text(strip=True) == "4 more…"
    assert listed(testapp.get(more["href"])) == expected


def test_the_list_filters_by_a_group_of_kinds_and_ignores_nonsense(testapp, login_as, clients):
    me = login_as("sales")
    org = clients.organization("ООО «Вектор»", manager=me)
    for kind in ("email", "fax", "call"):
        clients.interaction(responsible=me, organization=org, kind=kind, subject=f"про {kind}")
    page = testapp.get("/clients/interactions", {"kind": "email,fax"})
    assert listed(page) == {"про email", "про fax"}
    assert page.html.select_one('#f-kind option[value="email,fax"]').has_attr("selected")
    page = testapp.get("/clients/interactions", {"kind": "email,bogus"})
    assert listed(page) == {"про email", "про fax", "про call"}
