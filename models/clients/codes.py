"""The codes client records use, and how names and phone numbers are folded for comparing.

Labels people see for these codes live in portal/clients/rules.py (`KIND_LABELS`...).
"""
from __future__ import annotations

import datetime as dt
import re

from models.people import digits, fold

ORGANIZATION_KINDS = ("client", "prospect", "supplier", "partner", "agency")
STAGES = ("attraction", "interest", "evaluation", "purchase", "loyalty")
DECISION_LEVELS = ("decision_maker", "influencer", "user", "other")
PHONE_KINDS = ("work", "mobile", "fax", "home", "other")
EMAIL_KINDS = ("work", "personal", "billing", "other")
ADDRESS_KINDS = ("legal", "actual", "postal", "delivery")
INTERACTION_KINDS = ("call", "meeting", "email", "fax", "letter", "visit")
ATTEMPT_OUTCOMES = ("no_answer", "could_not_talk", "talked")
DIRECTIONS = ("out", "in")
COLORS = ("", "red", "orange", "yellow", "green", "blue", "purple")
# Admin-editable lists (Classifier.list); seeded from config/classifiers.yaml.
CLASSIFIER_LISTS = ("industry", "region", "group", "category", "source", "interaction_result",
                    # Sales (issue 15): why a deal was lost, why a client left.
                    "deal_lost_reason", "client_lost_reason")
# Organization column of each list that an organization carries.
ORGANIZATION_CLASSIFIERS = {"industry": "industry_id", "region": "region_id", "group": "group_id",
                            "category": "category_id", "source": "source_id"}

LEGAL_FORMS = re.compile(
    r"\b(ооо|оао|зао|пао|ао|нао|ип|тоо|чп|нко|ано|муп|гуп|фгуп|llc|ltd|inc|gmbh|corp|co)\b")


def name_key(name: str | None) -> str:
    """A company name folded for duplicate search: no legal form, quotes or punctuation.

    «ООО "Ромашка"», "Ромашка, ООО" and "ромашка" share the key "ромашка".
    """
    text = LEGAL_FORMS.sub(" ", fold(name))
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())[:300]


PHONE_EXTENSION_RE = re.compile(r"(?:доб|ext|вн|x)\.?\s*(\d{1,6})\s*$", re.IGNORECASE)


def normalize_phone(text: str | None) -> str:
    """Digits of a phone number, Russian numbers as 7XXXXXXXXXX ("8 (495) 123-45-67" → 74951234567).

    An extension at the end ("доб. 12", "ext 12") is not part of it.
    """
    d = digits(PHONE_EXTENSION_RE.sub("", text or ""))
    if len(d) == 11 and d[0] == "8":
        d = "7" + d[1:]
    elif len(d) == 10 and d[0] in "3489":
        d = "7" + d
    return d[:20]


def phone_search_terms(normalized: str) -> list[str]:
    """The number whole, without the country code and as its last 7 digits (how people type it)."""
    out = [normalized]
    if len(normalized) > 10:
        out.append(normalized[-10:])
    if len(normalized) > 7:
        out.append(normalized[-7:])
    return out


def month_day(value: dt.date | None) -> int | None:
    """Month * 100 + day, so "dates in the next N days" is one indexed range query."""
    return value.month * 100 + value.day if value else None


def shown_key(text: str | None) -> str:
    """A title as readers compare it: no case, ё as е, spaces squeezed ("  москва " = "Москва")."""
    return " ".join(fold(text).split())[:200]
