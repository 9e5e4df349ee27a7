"""Rules about client records shared by the web pages, the import, the demo and the CLI.

Validation (INN with its checksum, KPP, phones, e-mails), labels of the codes in
models/clients.py, the default classifier lists, personal settings, and duplicate search.
Merging lives in portal/clients/merge.py, the client card's timeline in
portal/clients/timeline.py.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm
import yaml
from zope.sqlalchemy import mark_changed

from models.clients import (
    CLASSIFIER_LISTS,
    ORGANIZATION_CLASSIFIERS,
    Classifier,
    Contact,
    Email,
    Interaction,
    Organization,
    Phone,
    UserSetting,
    name_key,
    normalize_phone,
)
from models.generations import CLASSIFIERS, GenerationCache, bump, token_of
from models.people import EMAIL_RE, digits
from models.sales import Deal
from portal.core.i18n import _

CONFIG_PATH = Path(__file__).resolve().parents[2] / "config" / "classifiers.yaml"

# --- labels of the codes -------------------------------------------------------------------------

KIND_LABELS = {"client": _("Client"), "prospect": _("Prospect"), "supplier": _("Supplier"),
               "partner": _("Partner"), "agency": _("Advertising agency")}
STAGE_LABELS = {"attraction": _("Attraction"), "interest": _("Interest"),
                "evaluation": _("Evaluation"), "purchase": _("Purchase"), "loyalty": _("Loyalty")}
DECISION_LABELS = {"decision_maker": _("Makes decisions"), "influencer": _("Influences decisions"),
                   "user": _("Uses our products"), "other": _("Other role")}
PHONE_KIND_LABELS = {"work": _("Work"), "mobile": _("Mobile"), "fax": _("Fax"), "home": _("Home"),
                     "other": _("Other")}
EMAIL_KIND_LABELS = {"work": _("Work"), "personal": _("Personal"), "billing": _("Invoices"),
                     "other": _("Other")}
ADDRESS_KIND_LABELS = {"legal": _("Legal address"), "actual": _("Office address"),
                       "postal": _("Postal address"), "delivery": _("Delivery address")}
INTERACTION_KIND_LABELS = {"call": _("Call"), "meeting": _("Meeting"), "email": _("E-mail"),
                           "fax": _("Fax"), "letter": _("Letter"), "visit": _("Visit")}
INTERACTION_KIND_ICONS = {"call": "telephone", "meeting": "people", "email": "envelope",
                          "fax": "printer", "letter": "mailbox", "visit": "geo-alt"}
DIRECTION_LABELS = {"out": _("Outgoing"), "in": _("Incoming")}
COLOR_LABELS = {"": _("No mark"), "red": _("Red"), "orange": _("Orange"), "yellow": _("Yellow"),
                "green": _("Green"), "blue": _("Blue"), "purple": _("Purple")}
CLASSIFIER_LIST_LABELS = {"industry": _("Industry"), "region": _("Region"), "group": _("Group"),
                          "category": _("Category"), "source": _("Advertising source"),
                          "interaction_result": _("Interaction result")}
CLASSIFIER_LIST_HELP = {
    "industry": _("What the client's business is."),
    "region": _("Where the client is."),
    "group": _("Your own grouping of clients, e.g. key accounts or dealers."),
    "category": _("Size or value of the client, e.g. A, B, C."),
    "source": _("Where the client heard of you: the advertising effectiveness report counts them."),
    "interaction_result": _("What a call, meeting or letter led to."),
}

# Personal settings (UserSetting keys) and their defaults.
REMINDER_DAYS = "clients.reminder_days"
SETTING_DEFAULTS = {REMINDER_DAYS: "3"}

LIMITS = {"name": 300, "legal_name": 500, "website": 300, "tags": 500, "full_name": 200,
          "position": 200}


# --- validation ----------------------------------------------------------------------------------

INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(numbers: str, weights) -> int:
    return sum(int(n) * w for n, w in zip(numbers, weights, strict=True)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """Whether `inn` is a Russian tax id: 10 digits (company) or 12 (individual), checksum correct."""
    if not inn.isdigit() or not inn.isascii():
        return False
    if len(inn) == 10:
        return _check_digit(inn[:9], INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return (_check_digit(inn[:10], INN11_WEIGHTS) == int(inn[10])
                and _check_digit(inn[:11], INN12_WEIGHTS) == int(inn[11]))
    return False


def complete_inn(first: str) -> str:
    """A valid INN from its first 9 (company) or 10 (individual) digits: adds the check digits."""
    if len(first) == 9:
        return first + str(_check_digit(first, INN10_WEIGHTS))
    if len(first) == 10:
        eleven = first + str(_check_digit(first, INN11_WEIGHTS))
        return eleven + str(_check_digit(eleven, INN12_WEIGHTS))
    raise ValueError("give the first 9 or 10 digits of an INN")


def clean_inn(value: str | None) -> str:
    """The INN as stored: digits only (people paste it with spaces)."""
    return "".join((value or "").split())


def inn_problem(value: str | None):
    """Why `value` is not a valid INN, or None (an empty INN is allowed)."""
    inn = clean_inn(value)
    if not inn:
        return None
    if not inn.isdigit() or not inn.isascii():
        return _("An INN is made of digits only.")
    if len(inn) not in (10, 12):
        return _("An INN has 10 digits (a company) or 12 digits (an individual entrepreneur); "
                 "this one has ${n}.", mapping={"n": len(inn)})
    if not inn_is_valid(inn):
        return _("The INN ${inn} has a wrong check digit: please check it against the documents.",
                 mapping={"inn": inn})
    return None


def kpp_problem(value: str | None, inn: str | None = ""):
    """Why `value` is not a valid KPP for this INN, or None (an empty KPP is allowed)."""
    kpp = "".join((value or "").split()).upper()
    if not kpp:
        return None
    if len(clean_inn(inn)) == 12:
        return _("Individual entrepreneurs have no KPP: leave it empty.")
    if not (len(kpp) == 9 and kpp[:4].isdigit() and kpp[6:].isdigit()
            and all(c.isdigit() or "A" <= c <= "Z" for c in kpp[4:6])):
        return _("A KPP is 9 characters: 4 digits, 2 digits or Latin capitals, 3 digits.")
    return None


def phone_problem(value: str | None):
    """Why `value` is not a phone number, or None."""
    text = (value or "").strip()
    if not text:
        return None
    allowed = set("0123456789 +-()./")
    main = text
    lowered = text.lower()
    for marker in ("доб", "ext", "вн", "x"):
        pos = lowered.find(marker)
        if pos > 0:
            main = text[:pos]
            break
    if any(ch not in allowed for ch in main):
        return _("“${phone}” is not a phone number: use digits, spaces, +, - and brackets "
                 "(an extension as “доб. 12”).", mapping={"phone": text})
    count = len(digits(main))
    if count < 5:
        return _("A phone number needs at least 5 digits.")
    if count > 15:
        return _("A phone number has at most 15 digits.")
    return None


def normalize_email(value: str | None) -> str:
    return (value or "").strip().lower()


def email_problem(value: str | None):
    text = (value or "").strip()
    if text and (not EMAIL_RE.match(text) or len(text) > 254):
        return _("“${email}” is not an e-mail address.", mapping={"email": text})
    return None


def clean_website(value: str | None) -> str:
    text = (value or "").strip()
    if text and "://" not in text:
        text = "https://" + text
    return text


# --- classifiers ----------------------------------------------------------------------------------

def load_classifiers_config(path: Path | None = None) -> dict[str, list[dict]]:
    with open(path or CONFIG_PATH, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def seed_classifiers(bind, path: Path | None = None) -> int:
    """Add the default list entries that are missing (matched by list and code); returns how many.

    `bind` is a Session or a Connection (the migration seeds with its connection). Entries an
    admin renamed, reordered or retired are left as they are.
    """
    config = load_classifiers_config(path)
    table = Classifier.__table__
    existing = {(r.list, r.code) for r in bind.execute(sa.select(table.c.list, table.c.code))}
    titles = {(r.list, r.title) for r in bind.execute(sa.select(table.c.list, table.c.title))}
    rows = []
    for list_name, entries in config.items():
        if list_name not in CLASSIFIER_LISTS:
            raise ValueError(f"classifiers.yaml: unknown list {list_name}")
        for order, entry in enumerate(entries or []):
            key = (list_name, entry["code"])
            if key in existing or (list_name, entry["title"]) in titles:
                continue
            rows.append({"list": list_name, "code": entry["code"], "title": entry["title"],
                         "sort_order": (order + 1) * 10, "active": True})
    if rows:
        bind.execute(sa.insert(table), rows)
        if isinstance(bind, sa.orm.Session):
            mark_changed(bind)  # a Core insert alone must still commit under pyramid_tm
            bump(bind, CLASSIFIERS)  # a Core insert is not seen by the flush that bumps it
    return len(rows)


@dataclass(frozen=True)
class ClassifierEntry:
    """An entry of an admin-editable list as pages show it (kept in memory, not a row)."""

    id: int
    list: str
    code: str
    title: str
    sort_order: int
    active: bool


@dataclass
class ClassifierLists:
    """Every entry of every list, in order: `of(list)` offers the active ones, `title(id)`
    names any (a retired entry still names the rows that use it)."""

    by_list: dict[str, list[ClassifierEntry]]
    by_id: dict[int, ClassifierEntry]

    @classmethod
    def load(cls, dbsession) -> ClassifierLists:
        entries = [ClassifierEntry(*row) for row in dbsession.execute(sa.select(
            Classifier.id, Classifier.list, Classifier.code, Classifier.title,
            Classifier.sort_order, Classifier.active)
            .order_by(Classifier.list, Classifier.sort_order, Classifier.title))]
        by_list: dict[str, list[ClassifierEntry]] = {}
        for entry in entries:
            by_list.setdefault(entry.list, []).append(entry)
        return cls(by_list, {entry.id: entry for entry in entries})

    def of(self, list_name: str) -> list[ClassifierEntry]:
        return [entry for entry in self.by_list.get(list_name, ()) if entry.active]

    def title(self, entry_id: int | None) -> str:
        entry = self.by_id.get(entry_id) if entry_id is not None else None
        return entry.title if entry is not None else ""


# Kept in memory per generation of the lists (models/generations.py).
CLASSIFIER_LISTS_CACHE = GenerationCache(ClassifierLists.load)


def classifier_lists(request) -> ClassifierLists:
    """`request.classifier_lists`: the lists as this request's generation has them."""
    known = request.preamble
    if CLASSIFIERS not in known:
        known[CLASSIFIERS] = request.dbsession.scalar(sa.select(token_of(CLASSIFIERS)))
    return CLASSIFIER_LISTS_CACHE.get(request.dbsession, known[CLASSIFIERS])


def classifiers(dbsession, list_name: str, *, keep_id: int | None = None) -> list[Classifier]:
    """Active entries of a list in their order (plus `keep_id`, a retired one still in use)."""
    where = Classifier.active.is_(True)
    if keep_id:
        where = sa.or_(where, Classifier.id == keep_id)
    return list(dbsession.scalars(
        sa.select(Classifier).where(Classifier.list == list_name, where)
        .order_by(Classifier.sort_order, Classifier.title)))


# Lists whose entries are held by a column other than the organization's own of the list.
CLASSIFIER_USERS = {
    "interaction_result": Interaction.result_id,
    "deal_lost_reason": Deal.lost_reason_id,
    "client_lost_reason": Organization.lost_reason_id,
}


def classifier_usage(dbsession, entry: Classifier) -> int:
    """How many organizations, interactions (or other areas' rows) use the entry."""
    column = CLASSIFIER_USERS.get(entry.list)
    if column is None:
        column = getattr(Organization, ORGANIZATION_CLASSIFIERS[entry.list])
    return dbsession.scalar(sa.select(sa.func.count()).where(column == entry.id))


# --- personal settings ----------------------------------------------------------------------------

def get_setting(dbsession, user_id: int, key: str, default: str | None = None) -> str | None:
    value = dbsession.scalar(sa.select(UserSetting.value).where(
        UserSetting.user_id == user_id, UserSetting.key == key))
    if value is None:
        return default if default is not None else SETTING_DEFAULTS.get(key)
    return value


def setting_of(user_id, key: str) -> sa.ScalarSelect:
    """A person's setting, as a column to read with something else (the session's statement:
    portal.security.sessions.PREAMBLE)."""
    return (sa.select(UserSetting.value)
            .where(UserSetting.user_id == user_id, UserSetting.key == key).scalar_subquery())


def my_reminder_days(request) -> int:
    """`reminder_days` of the request's person, read with their session when it could be."""
    known = request.preamble
    if request.method == "GET" and REMINDER_DAYS in known:
        return reminder_days(request.dbsession, request.identity.user.id,
                             known[REMINDER_DAYS] or SETTING_DEFAULTS[REMINDER_DAYS])
    return reminder_days(request.dbsession, request.identity.user.id)


def set_setting(dbsession, user_id: int, key: str, value: str) -> None:
    row = dbsession.scalar(sa.select(UserSetting).where(
        UserSetting.user_id == user_id, UserSetting.key == key))
    if row is None:
        dbsession.add(UserSetting(user_id=user_id, key=key, value=value))
    else:
        row.value = value


def reminder_days(dbsession, user_id: int, value: str | None = None) -> int:
    """How many days ahead the person wants birthdays and important dates reminded (0–60);
    `value`: their setting when it was read already."""
    if value is None:
        value = get_setting(dbsession, user_id, REMINDER_DAYS)
    try:
        return max(0, min(60, int(value or 0)))
    except ValueError:
        return int(SETTING_DEFAULTS[REMINDER_DAYS])


# --- duplicates ----------------------------------------------------------------------------------

SIMILAR_NAME_RATIO = 0.85
# Candidates for a similar name: the names next to it in name_key order, with each of its words
# put first (a typo, a swapped word order), this many on each side, for at most this many words.
SIMILAR_NEIGHBOURS = 40
SIMILAR_WORDS = 6
MIN_PHONE_DIGITS = 7


@dataclass
class Duplicate:
    """An existing record that looks like the one being saved, and why (reason codes)."""

    obj: object
    reasons: list[str] = field(default_factory=list)  # "phone", "email", "name"

    def reason_labels(self) -> list:
        labels = {"phone": _("same phone"), "email": _("same e-mail"), "name": _("similar name")}
        return [labels[r] for r in self.reasons]


def inn_owner(dbsession, inn: str | None, exclude_id: int | None = None) -> Organization | None:
    """The organization that already has this INN (other than `exclude_id`), if any."""
    inn = clean_inn(inn)
    if not inn:
        return None
    stmt = sa.select(Organization).where(Organization.inn == inn)
    if exclude_id is not None:
        stmt = stmt.where(Organization.id != exclude_id)
    return dbsession.scalars(stmt.order_by(Organization.id).limit(1)).first()


def _normalized_phones(phones) -> list[str]:
    out = []
    for p in phones or ():
        n = normalize_phone(p)
        if len(n) >= MIN_PHONE_DIGITS and n not in out:
            out.append(n)
    return out


def _normalized_emails(emails) -> list[str]:
    return sorted({normalize_email(e) for e in emails or () if normalize_email(e)})


def name_similarity(a: str, b: str) -> float:
    """How alike two name keys are (0…1): difflib's ratio of the keys as they are, or of their
    words in alphabetical order ("строй прогресс" is "прогресс строй"), whichever is higher."""
    if a == b:
        return 1.0
    best = difflib.SequenceMatcher(None, a, b).ratio()
    sorted_a, sorted_b = " ".join(sorted(a.split())), " ".join(sorted(b.split()))
    if sorted_a == sorted_b:
        return 1.0
    if sorted_a != a or sorted_b != b:
        best = max(best, difflib.SequenceMatcher(None, sorted_a, sorted_b).ratio())
    return best


def _similar_candidates(key: str, exclude_id: int | None):
    """Ids of organizations whose name key lies next to `key`, or next to `key` with one of its
    words put first, among the names sharing that word's first four letters: a few short range
    scans of ix_organizations_name_key, however large the base."""
    words = list(dict.fromkeys(w for w in key.split() if len(w) >= 3))[:SIMILAR_WORDS]
    parts = []
    for word in words:
        probe = " ".join([word, *(w for w in key.split() if w != word)])
        low = word[:4]
        column = Organization.name_key
        parts.append(sa.select(Organization.id).where(column >= probe, column < low + "\uffff")
                     .order_by(column).limit(SIMILAR_NEIGHBOURS))
        parts.append(sa.select(Organization.id).where(column < probe, column >= low)
                     .order_by(column.desc()).limit(SIMILAR_NEIGHBOURS))
    if not parts:
        return None
    ids = sa.union(*[sa.select(p.subquery().c.id) for p in parts]).subquery()
    stmt = sa.select(ids.c.id)
    if exclude_id is not None:
        stmt = stmt.where(ids.c.id != exclude_id)
    return stmt


def similar_names(dbsession, name: str, exclude_id: int | None = None,
                  limit: int = 5) -> list[Organization]:
    """Organizations whose name is the same or very close, once the legal form, quotes,
    punctuation, case and ё are set aside (name_key): "Прогресс-Строй" and "ООО «Прогрес
    Строй»", or "Строй-Прогресс"; closeness is `name_similarity` ≥ SIMILAR_NAME_RATIO.
    """
    key = name_key(name)
    if len(key) < 3:
        return []
    candidates = _similar_candidates(key, exclude_id)
    if candidates is None:
        return []
    scored = []
    for org in dbsession.scalars(sa.select(Organization).where(Organization.id.in_(candidates))):
        ratio = name_similarity(key, org.name_key)
        if ratio >= SIMILAR_NAME_RATIO:
            scored.append((-ratio, org.name, org.id, org))
    return [t[-1] for t in sorted(scored, key=lambda t: t[:3])[:limit]]


def organization_duplicates(dbsession, *, name: str = "", phones=(), emails=(),
                            exclude_id: int | None = None, limit: int = 10) -> list[Duplicate]:
    """Organizations with the same normalized phone or e-mail (their own or a contact's) or a
    very similar name. The INN is checked separately (`inn_owner`): it refuses, these warn."""
    found: dict[int, Duplicate] = {}

    def add(org: Organization | None, reason: str) -> None:
        if org is None or org.id == exclude_id:
            return
        dup = found.setdefault(org.id, Duplicate(org))
        if reason not in dup.reasons:
            dup.reasons.append(reason)

    numbers = _normalized_phones(phones)
    if numbers:
        rows = dbsession.execute(
            sa.select(Phone.organization_id, Contact.organization_id)
            .outerjoin(Contact, Contact.id == Phone.contact_id)
            .where(Phone.normalized.in_(numbers)).limit(50)).all()
        for org_id in {a or b for a, b in rows if a or b}:
            add(dbsession.get(Organization, org_id), "phone")
    addresses = _normalized_emails(emails)
    if addresses:
        rows = dbsession.execute(
            sa.select(Email.organization_id, Contact.organization_id)
            .outerjoin(Contact, Contact.id == Email.contact_id)
            .where(Email.normalized.in_(addresses)).limit(50)).all()
        for org_id in {a or b for a, b in rows if a or b}:
            add(dbsession.get(Organization, org_id), "email")
    if name:
        for org in similar_names(dbsession, name, exclude_id):
            add(org, "name")
    return sorted(found.values(), key=lambda d: (-len(d.reasons), d.obj.name))[:limit]


def contact_duplicates(dbsession, *, phones=(), emails=(), exclude_id: int | None = None,
                       limit: int = 10) -> list[Duplicate]:
    """Contacts with the same normalized phone or e-mail."""
    found: dict[int, Duplicate] = {}
    for reason, column, owner, values in (
        ("phone", Phone.normalized, Phone.contact_id, _normalized_phones(phones)),
        ("email", Email.normalized, Email.contact_id, _normalized_emails(emails)),
    ):
        if not values:
            continue
        ids = set(dbsession.scalars(
            sa.select(owner).where(column.in_(values), owner.is_not(None)).limit(50)))
        for contact_id in ids - {exclude_id}:
            dup = found.setdefault(contact_id, Duplicate(dbsession.get(Contact, contact_id)))
            dup.reasons.append(reason)
    return sorted(found.values(), key=lambda d: (-len(d.reasons), d.obj.full_name))[:limit]
