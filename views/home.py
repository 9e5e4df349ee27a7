"""My day: the home page."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.view import view_config

from models.notifications import Notification
from models.people import Membership, User
from models.registry import Registry, registers
from portal.core.i18n import _, local_today
from portal.resources import Root
from portal.security.filters import filter_key, sql_filter


@dataclass
class DayBlock:
    """One block of My day: a template rendered with `context`, in the main or side column."""

    template: str
    context: dict
    order: int = 50
    column: str = "main"  # "main" (wide, left) or "side"


# Areas add blocks to My day (today's calls, events, tasks...): functions(request) -> DayBlock
# or None, registered with @day_block. They must be fast: My day is everyone's home page.
DAY_BLOCKS: Registry[Callable] = Registry("My day blocks")
# A big company has dozens of birthdays a week: My day and the directory show the nearest ones,
# and how many more.
BIRTHDAYS_SHOWN = 8


def day_block(fn: Callable) -> Callable:
    """Register a block of My day (when `config.scan` reaches its module)."""
    return registers(DAY_BLOCKS, depth=2)(fn)


def birthdays_between(dbsession, start: dt.date, days: int = 7, visible=sa.true()) -> list[User]:
    """Active people whose birthday falls within `days` days from `start` (year wraps), among
    those `visible` (a SQL filter: the people the viewer may see in the directory)."""
    mds = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        mds.append(day.month * 100 + day.day)
    users = dbsession.scalars(
        sa.select(User).where(User.birth_md.in_(mds), User.active, visible).order_by(User.full_name)
    ).all()
    order = {md: i for i, md in enumerate(mds)}
    return sorted(users, key=lambda u: order[u.birth_md])


@dataclass(frozen=True, slots=True)
class Person:
    """What My day shows of a person (birthdays, colleagues): a few columns, not a User."""

    id: int
    login: str
    full_name: str
    position: str | None
    birthday: dt.date | None
    birth_md: int | None
    phone: str | None
    email: str | None

    initials = property(User.initials.fget)  # the same initials as everywhere

    COLUMNS = ("id", "login", "full_name", "position", "birthday", "birth_md", "phone", "email")


# people_of_the_week's statement by (the key of the viewer's directory filter, colleagues
# shown): built once, not on every home page (building it and its cache key cost more than
# running it); bounded (cleared when full).
_PEOPLE_STATEMENTS: dict[tuple, sa.Select] = {}
_PEOPLE_STATEMENTS_KEPT = 512


def _people_statement(request, days: int, colleagues_shown: int) -> sa.Select:
    """The nearest birthdays (within the `days` days bound as "md0", "md1"..., month * 100 +
    day) among the people the viewer may see, how many there are in all, and the first colleagues
    of "me" in "departments" (bound), one statement."""
    key = (filter_key(request, User, "view"), days, colleagues_shown)
    found = _PEOPLE_STATEMENTS.get(key)
    if found is not None:
        return found
    mds = [sa.bindparam(f"md{i}", type_=sa.Integer) for i in range(days)]
    birthday = sa.and_(User.active, User.birth_md.in_(mds), sql_filter(request, User, "view"))
    # The week's order (it may run into January): the day's place in the window.
    soonest = sa.case(*((User.birth_md == md, i) for i, md in enumerate(mds)), else_=days)
    # A big company has dozens of birthdays a week: only the nearest shown are read whole.
    first_birthdays = User.id.in_(sa.select(User.id).where(birthday)
                                  .order_by(soonest, User.full_name, User.id)
                                  .limit(BIRTHDAYS_SHOWN))
    birthdays = sa.select(sa.func.count()).select_from(User).where(birthday).scalar_subquery()
    colleague = sa.and_(
        User.id != sa.bindparam("me", type_=sa.Integer),
        User.id.in_(sa.select(Membership.user_id).where(
            Membership.department_id.in_(sa.bindparam("departments", expanding=True)))))
    # Only the first colleagues shown are read whole (a department may have hundreds).
    first_colleagues = User.id.in_(sa.select(User.id).where(User.active, colleague)
                                   .order_by(User.full_name, User.id).limit(colleagues_shown))
    statement = (sa.select(*(getattr(User, name) for name in Person.COLUMNS),
                           first_birthdays.label("is_birthday"), colleague.label("is_colleague"),
                           birthdays.label("birthdays"))
                 .where(User.active, sa.or_(first_birthdays, first_colleagues))
                 .order_by(User.full_name, User.id))
    if len(_PEOPLE_STATEMENTS) >= _PEOPLE_STATEMENTS_KEPT:
        _PEOPLE_STATEMENTS.clear()
    _PEOPLE_STATEMENTS[key] = statement
    return statement


def people_of_the_week(request, start: dt.date, days: int = 7, colleagues_shown: int = 8
                       ) -> tuple[list[Person], int, list[Person]]:
    """(the nearest `BIRTHDAYS_SHOWN` birthdays within `days` days from `start` among the
    people the viewer may see in the directory, how many birthdays there are in all;
    colleagues: active people of the viewer's departments), in one statement."""
    identity = request.identity
    mds = [(start + dt.timedelta(days=i)).month * 100 + (start + dt.timedelta(days=i)).day
           for i in range(days)]
    rows = request.dbsession.execute(
        _people_statement(request, days, colleagues_shown),
        {**{f"md{i}": md for i, md in enumerate(mds)}, "me": identity.user.id,
         "departments": sorted(identity.department_ids)}).all()
    people = [(Person(*row[:len(Person.COLUMNS)]), row.is_birthday, row.is_colleague)
              for row in rows]
    order = {md: i for i, md in enumerate(mds)}
    birthdays = sorted((p for p, is_birthday, _c in people if is_birthday),
                       key=lambda p: order[p.birth_md])
    total = rows[0].birthdays if rows else 0
    return birthdays, total, [p for p, _b, is_colleague in people if is_colleague
                              ][:colleagues_shown]


@view_config(context=Root, renderer="home/index.jinja2", permission="view")
def my_day(request):
    identity = request.identity
    user = identity.user
    today = local_today(request)
    notes = []
    if request.unread_notifications:
        notes = request.dbsession.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc()).limit(5)
        ).all()
    hour = dt.datetime.now(request.user_timezone).hour
    greeting = (_("Good morning") if 5 <= hour < 12 else _("Good afternoon") if hour < 18
                else _("Good evening"))
    birthdays, birthdays_total, colleagues = people_of_the_week(request, today)
    return {
        # A big company has dozens of birthdays a week: the nearest, and how many more (the
        # directory shows the week's).
        "birthdays_more": birthdays_total - len(birthdays),
        "title": _("My day"),
        "greeting": greeting,
        "today": today,
        "birthdays": birthdays,
        "notifications": notes,
        "departments": request.department_tree.named(identity.department_ids),
        "colleagues": colleagues,
        "blocks": sorted((b for b in (fn(request) for fn in DAY_BLOCKS) if b is not None),
                         key=lambda b: b.order),
    }
