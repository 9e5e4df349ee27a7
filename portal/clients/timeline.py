"""The client card's timeline: items collected from registered providers.

Interactions (issue 3), tasks, events, files, and later tickets, deals and service jobs each
register a provider; the client card and the contact page show what they return, merged by
time. A provider is asked once per page for both halves. It either reads its rows itself and
returns items, or - the way that costs the page no statement of its own - hands over the
SELECT of its rows and a function that makes items of them: the parts of every such provider
are read together, in one UNION ALL statement (issue 11: the card's statements do not grow
with the kinds of record on it)::

    from portal.clients.timeline import TimelineRows, planned_and_past, timeline_provider

    @timeline_provider("tickets")
    def tickets(request, target, *, planned, past):
        # target: an Organization or a Contact; planned / past: how many of each are wanted
        # (what is still to be done, oldest first; what happened, newest first). Filter in SQL
        # with portal.security.filters.sql_filter(request, Model, "view").
        to_do = sa.select(Ticket.id).where(..., open).order_by(...)
        done = sa.select(Ticket.id).where(..., closed).order_by(...)
        rows = sa.select(Ticket.id, Ticket.subject, User.full_name.label("who"), ...)
            .outerjoin(User, ...).where(planned_and_past(Ticket.id, to_do, done, planned, past))
        return TimelineRows(rows, lambda rows: [TimelineItem(...) for row in rows],
                            when=lambda row: (row.state == "open", row.created_at))
        # (portal/tickets/client_links.py builds `rows` once per filter: `part_statement`;
        # `when` gives the (planned, at) of a row's item without making it, so that only the
        # rows that can be shown are made into items)

    @timeline_provider("files")
    def files(request, target, *, planned, past):
        return [TimelineItem(..., planned=True), ..., TimelineItem(...), ...]

A provider gives at most `planned` planned items and `past` others; [] (or None) when the
user may see nothing. Items carry their actions as data (`TimelineAction`), drawn by the
card's macro in the same template pass.

The card also says how many of the client's calls, meetings and letters the reader may not
see («12 записей скрыты: нет прав», not «ничего не записано»): one COUNT of the rows the
reader's filter leaves out, read as one more part of the same statement (`Timeline.hidden`).
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import sqlalchemy as sa
from babel import dates as babel_dates
from translationstring import TranslationString, _interp_regex

from models.clients import Contact, Interaction, Organization
from models.meta import in_first_of_each
from models.registry import Registry, registers
from portal.core.i18n import babel_locale
from portal.security.filters import sql_filter


@dataclass(frozen=True)
class TimelineAction:
    """A button on a timeline item: a link, its icon, and whether its title shows as text."""

    title: str  # translated, or a message (`_("Open")`) that `timelines` translates
    url: str
    icon: str
    css: str = "btn-light"
    text: bool = True  # the title is written next to the icon (else it is the tooltip)


@dataclass
class TimelineItem:
    """One thing in a client's timeline, as the card shows it."""

    at: dt.datetime  # when it happened (or is planned); timezone-aware
    title: str  # a short line ("Call: asked for a proposal")
    url: str = ""  # its own page, if any
    kind: str = ""  # the provider's name ("interactions", "tickets"...)
    icon: str = "circle"  # bootstrap-icons name
    detail: str = ""  # one or two lines of text
    who: str = ""  # the person responsible or the author
    badge: str = ""  # a short state ("Planned", "Done", "Overdue", "Open"), translated (or a message)
    badge_class: str = "text-bg-secondary"  # Bootstrap badge classes
    color: str = ""  # a colour mark (models.clients.COLORS)
    planned: bool = False  # still to be done
    overdue: bool = False
    actions: list[TimelineAction] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineRows:
    """A provider's part of the timeline, read with the other providers' parts in one statement.

    `select`: its rows (the ids that `planned_and_past` chose) with columns of its own, each
    labelled with a name; `items`: makes the items of those rows (read by name: `row.title`).
    The parts are stacked with UNION ALL: a name that several parts use has one type in all of
    them, and a part reads NULL in the columns that only others name.

    `key` and `params`: a part whose statement `part_statement` keeps (built once for each key,
    with `sa.bindparam` for what differs between pages: the client's id, the time) gives its
    key and the values of those parameters; the stacked statement is then kept too.

    `when`: (planned, at) of the item a row makes, the same as `items` gives it, one item a
    row. When every part says it, `timelines` makes items only of the rows that can be shown
    (each part reads as many as the page shows, and most of them are not)."""

    select: sa.Select
    items: Callable[[Sequence[sa.Row]], list[TimelineItem]]
    key: tuple | None = None
    params: dict = field(default_factory=dict)
    when: Callable[[sa.Row], tuple[bool, dt.datetime]] | None = None


# Statements of parts and of their stacks, by key: building one costs more Python than the
# database spends on it (issue 11: the card's CPU). A process keeps at most this many (some
# 40 KB each with what SQLAlchemy keeps of them; people whose filters name them have their own).
STATEMENTS_KEPT = 200
_statements: dict[tuple, sa.Select | sa.CompoundSelect] = {}
_statements_lock = threading.Lock()


def part_statement(key: tuple, build: Callable[[], sa.Select]) -> sa.Select:
    """The statement `build()` makes, built once per `key`: everything the statement depends on
    but its named parameters belongs in the key (the permission filters' `filter_key`, the
    numbers of items wanted)."""
    if None in key:  # a filter_key that cannot be told apart from others
        return build()
    statement = _statements.get(key)
    if statement is None:
        statement = build()
        with _statements_lock:
            if len(_statements) >= STATEMENTS_KEPT:
                _statements.clear()
            _statements[key] = statement
    return statement


# filter_key's answers by the clause (sql_filter shares one clause among the viewers with the
# same rights: its key is worked out once, not on every card). Each entry keeps its clause, so
# an id is not reused while it is here.
KEYS_KEPT = 1000
_clause_keys: dict[int, tuple] = {}


def filter_key(*clauses: sa.ColumnElement) -> tuple | None:
    """What makes WHERE clauses (portal.security.filters.sql_filter's) the same: their shape and
    their values, such as the person's id and departments (None: they cannot be compared, and
    a statement with them is built each time)."""
    out = []
    for clause in clauses:
        kept = _clause_keys.get(id(clause))
        if kept is not None and kept[0] is clause:
            out.append(kept[1])
            continue
        cache_key = clause._generate_cache_key()
        if cache_key is None:
            return None
        key = (cache_key.key, tuple(_hashable(bind.effective_value)
                                    for bind in cache_key.bindparams))
        with _statements_lock:
            if len(_clause_keys) >= KEYS_KEPT:
                _clause_keys.clear()
            _clause_keys[id(clause)] = (clause, key)
        out.append(key)
    return tuple(out)


def message(translate: Callable[[TranslationString], str],
            text: TranslationString) -> Callable[..., str]:
    """`fill(**mapping)`: what `translate(_(text, mapping=mapping))` gives, for the many items
    of a timeline: the message translated once, then each item's values put in (as
    translationstring does: one pass, an unknown name left as it is)."""
    translated = translate(text)
    if "$" not in translated:
        return lambda **_mapping: translated

    def fill(**mapping) -> str:
        return _interp_regex.sub(
            lambda match: str(mapping.get(match.group(2) or match.group(3), match.group(1))),
            translated)

    return fill


def words(translate: Callable[[TranslationString], str]) -> Callable[[TranslationString], str]:
    """`translate`, each message translated once (messages without a mapping)."""
    done: dict[tuple, str] = {}

    def word(text: TranslationString) -> str:
        key = (str(text), getattr(text, "domain", None), getattr(text, "default", None))
        found = done.get(key)
        if found is None:
            found = done[key] = translate(text)
        return found

    return word


def _hashable(value):
    if isinstance(value, set | frozenset):
        return tuple(sorted(value, key=repr))
    return tuple(value) if isinstance(value, list) else value


TimelineProvider = Callable[..., "list[TimelineItem] | TimelineRows | None"]
TIMELINE_PROVIDERS: Registry[TimelineProvider] = Registry("timeline providers")
PART = "timeline_part"  # the column saying which part a row of the stacked statement is of


def timeline_provider(name: str) -> Callable[[TimelineProvider], TimelineProvider]:
    """Register `fn(request, target, *, planned, past) -> list[TimelineItem] | TimelineRows`
    under `name` (when its area's includeme scans the module)."""
    return registers(TIMELINE_PROVIDERS, name)


def planned_and_past(id_column, planned: sa.Select | None, past: sa.Select | None,
                     n_planned: int, n_past: int) -> sa.ColumnElement[bool]:
    """Both halves of a timeline in one statement, each read through its own index in its own
    order (`planned` and `past` select the id column, ordered)."""
    return in_first_of_each(id_column, [(planned, n_planned), (past, n_past)])


def read_together(dbsession, parts: Sequence[TimelineRows]) -> list[list[sa.Row]]:
    """The rows of each part, all read in one statement (UNION ALL of the parts, each padded
    with NULL to the columns of all)."""
    if not parts:
        return []
    keys = tuple(part.key for part in parts)
    build = partial(_stacked, parts)
    kept = all(key is not None and None not in key for key in keys)
    statement = part_statement(("stacked", *keys), build) if kept else build()
    params = {name: value for part in parts for name, value in part.params.items()}
    out: list[list[sa.Row]] = [[] for _ in parts]
    for row in dbsession.execute(statement, params):
        out[row[0]].append(row)
    return out


def _stacked(parts: Sequence[TimelineRows]) -> sa.Select | sa.CompoundSelect:
    types: dict[str, sa.types.TypeEngine] = {}
    for part in parts:
        for column in part.select.selected_columns:
            types.setdefault(column.key, column.type)
    stacked = []
    for index, part in enumerate(parts):
        own = {column.key: column for column in part.select.selected_columns}
        stacked.append(part.select.with_only_columns(
            sa.literal(index, sa.Integer).label(PART),
            *(own[name] if name in own else sa.cast(sa.null(), kind).label(name)
              for name, kind in types.items()),
            maintain_column_froms=True))
    return stacked[0] if len(stacked) == 1 else sa.union_all(*stacked)


@dataclass
class Timeline:
    planned: list[TimelineItem]  # oldest first
    past: list[TimelineItem]  # newest first
    hidden: int = 0  # the client's interactions the reader may not see


HIDDEN = "hidden_interactions"  # the column of the hidden-interactions part


def hidden_interactions(request, target: Organization | Contact) -> TimelineRows | None:
    """The part that counts `target`'s interactions the reader's `view` filter leaves out (the
    same filter the interactions' part and the lists use); None when it leaves none out."""
    if isinstance(target, Organization):
        about = Interaction.organization_id
    elif isinstance(target, Contact):
        about = Interaction.contact_id
    else:
        return None
    view = sql_filter(request, Interaction, "view")
    if isinstance(view, sa.sql.elements.True_):
        return None
    key = ("hidden", about.key, filter_key(view))

    def build() -> sa.Select:
        # Rows where the filter is false or unknown (NULL) are the ones a list would not show.
        left_out = sa.case((view, 0), else_=1)
        return (sa.select(sa.func.coalesce(sa.func.sum(left_out), 0).label(HIDDEN))
                .select_from(Interaction)
                .where(about == sa.bindparam("hidden_about")))

    return TimelineRows(part_statement(key, build), lambda rows: [], key,
                        {"hidden_about": target.id})


def timelines(request, target: Organization | Contact, *, planned: int = 10,
              past: int = 40, skip: int = 0, count_hidden: bool = False) -> Timeline:
    """Items of every provider for `target`, each provider asked once for both halves; the
    parts handed over as rows read in one statement for all of them (with `count_hidden`, the
    count of the interactions the reader may not see too). `skip`: the past half starts after
    that many of the newest (each provider gives its newest `skip + past`: the next page of
    all of them together is among those)."""
    todo: list[TimelineItem] = []
    done: list[TimelineItem] = []

    def add(name: str, items) -> None:
        for item in items or ():
            item.kind = item.kind or name
            (todo if item.planned else done).append(item)

    given = [(name, provider(request, target, planned=planned, past=skip + past))
             for name, provider in TIMELINE_PROVIDERS.items()]
    parts = [part for _name, part in given if isinstance(part, TimelineRows)]
    counter = hidden_interactions(request, target) if count_hidden else None
    read = read_together(request.dbsession, [*parts, counter] if counter else parts)
    rows_of = _showable(parts, read[:len(parts)], planned, skip + past)
    for name, part in given:  # in the providers' order: items of one moment keep theirs
        if isinstance(part, TimelineRows):
            rows = rows_of[id(part)]
            add(name, part.items(rows) if rows else ())
        else:
            add(name, part)
    hidden = 0
    if counter is not None:
        rows = read[-1]
        hidden = int(getattr(rows[0], HIDDEN) or 0) if rows else 0
    todo.sort(key=lambda i: i.at)
    done.sort(key=lambda i: i.at, reverse=True)
    shown = Timeline(todo[:planned], done[skip:skip + past], hidden)
    _translate_words(request, [*shown.planned, *shown.past])
    return shown


def _showable(parts: Sequence[TimelineRows], read: Sequence[list[sa.Row]], planned: int,
              past: int) -> dict[int, list[sa.Row]]:
    """Each part's rows (by the part's id) that can make one of the `planned` first planned
    items or the `past` newest past ones: the items are sorted as `timelines` sorts them (by
    their moment, the providers' order and each part's order keeping ties), so a row outside
    the first of its rows alone is outside the first of all the items. Every row when a part
    does not say `when`."""
    if any(part.when is None for part in parts):
        return {id(part): rows for part, rows in zip(parts, read, strict=True)}
    ahead, gone = [], []
    for part, rows in zip(parts, read, strict=True):
        when = part.when
        for row in rows:
            is_planned, at = when(row)
            (ahead if is_planned else gone).append((at, row))
    ahead.sort(key=lambda entry: entry[0])
    gone.sort(key=lambda entry: entry[0], reverse=True)
    kept = {id(row) for _at, row in (*ahead[:planned], *gone[:past])}
    return {id(part): [row for row in rows if id(row) in kept]
            for part, rows in zip(parts, read, strict=True)}


def _translate_words(request, items: list[TimelineItem]) -> None:
    """Badges and action titles given as messages (`_("Result")`) in the reader's language, each
    message translated once: the card's macro writes them as they are."""
    translate = request.localizer.translate
    done: dict[tuple, str] = {}

    def word(text):
        if not isinstance(text, TranslationString):
            return text
        if text.mapping:  # messages are equal by their words alone: not these
            return translate(text)
        key = (str(text), text.domain, text.default)
        if key not in done:
            done[key] = translate(text)
        return done[key]

    for item in items:
        item.badge = word(item.badge)
        if item.actions:
            item.actions = [a if not isinstance(a.title, TranslationString)
                            else replace(a, title=word(a.title)) for a in item.actions]


# short_datetimes' pieces, by language: the words of each minute of a day and of each day
# (the same for every reader of that language). Bounded: a language's days cleared when full.
_TIMES: dict[str, dict[tuple[int, int], str]] = {}
_DAYS: dict[str, dict[dt.date, str]] = {}
DAYS_KEPT = 4096


def short_datetimes(request) -> Callable[[dt.datetime], str]:
    """`portal.core.i18n.format_datetime(request, value, "short")` for the many items of a
    timeline: the locale's patterns looked up once, each day and each time of day written once
    per language (Babel's own call costs some 35 µs, fifty on a card)."""
    name = request.locale_name
    locale, zone = babel_locale(name), request.user_timezone
    # What babel.dates.format_datetime does, its lookups done here once.
    both = str(babel_dates.get_datetime_format("short", locale=locale)).replace("'", "")
    date_pattern = babel_dates.get_date_format("short", locale=locale)
    time_pattern = babel_dates.get_time_format("short", locale=locale)
    days = _DAYS.setdefault(name, {})
    times = _TIMES.setdefault(name, {})  # at most 1,440 (the short format has no seconds)

    def write(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(zone)
        date = local.date()
        day = days.get(date)
        if day is None:
            if len(days) >= DAYS_KEPT:
                days.clear()
            day = days[date] = date_pattern.apply(local, locale)
        time = times.get((local.hour, local.minute))
        if time is None:
            time = times[local.hour, local.minute] = time_pattern.apply(local, locale)
        return both.replace("{0}", time).replace("{1}", day)

    return write


def timeline_for(request, target: Organization | Contact, *, planned: bool = False,
                 limit: int = 30) -> list[TimelineItem]:
    """One half: planned items oldest first, or the rest newest first."""
    both = timelines(request, target, planned=limit if planned else 0,
                     past=0 if planned else limit)
    return both.planned if planned else both.past
