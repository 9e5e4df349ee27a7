"""What an import can fill in, and how a file's headers map to it (portal/clients/importer.py).

The fields of organizations and of contact persons, with the header names (Russian and
English) that mean each of them; `guess_mapping` maps a file's headers to them; messages of an
import's report are stored as JSON (`dump_message`) and shown in the reader's language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from models.people import fold
from portal.clients.rules import CLASSIFIER_LIST_LABELS
from portal.core.i18n import _

TARGETS = ("organizations", "contacts")
DUPLICATE_CHOICES = ("skip", "update", "create")


# --- fields and how file headers map to them --------------------------------------------------

@dataclass(frozen=True)
class Field:
    key: str
    label: object
    # Header names that mean this field (compared folded, without punctuation).
    synonyms: tuple[str, ...] = ()
    multi: bool = False  # several columns may map to it (phones, e-mails)
    required: bool = False
    # "contact": the organization's contact person, offered in their own group of the list.
    group: str = ""


ORGANIZATION_FIELDS = [
    Field("name", _("Name"), ("наименование", "название", "организация", "название организации",
                              "наименование организации", "компания", "контрагент", "клиент",
                              "name", "company", "company name", "organization", "organisation",
                              "account", "account name", "customer"), required=True),
    Field("legal_name", _("Legal name"), ("полное наименование", "юридическое наименование",
                                          "юридическое название", "юр наименование",
                                          "полное название", "legal name", "full legal name")),
    Field("inn", _("INN"), ("инн", "inn", "tax id", "taxpayer id", "tin")),
    Field("kpp", _("KPP"), ("кпп", "kpp")),
    Field("kind", _("Kind"), ("тип", "вид", "тип контрагента", "вид контрагента", "kind", "type")),
    Field("stage", _("Stage"), ("стадия", "этап", "стадия клиента", "stage", "lifecycle stage")),
    Field("industry", CLASSIFIER_LIST_LABELS["industry"], ("отрасль", "сфера деятельности",
                                                           "вид деятельности", "industry")),
    Field("region", CLASSIFIER_LIST_LABELS["region"], ("регион", "region")),
    Field("group", CLASSIFIER_LIST_LABELS["group"], ("группа", "группа клиентов", "group")),
    Field("category", CLASSIFIER_LIST_LABELS["category"], ("категория", "category")),
    Field("source", CLASSIFIER_LIST_LABELS["source"], ("источник", "рекламный источник",
                                                       "источник рекламы", "откуда узнали",
                                                       "source", "lead source",
                                                       "advertising source")),
    Field("manager", _("Responsible manager"), ("менеджер", "ответственный",
                                                "ответственный менеджер", "manager",
                                                "responsible", "account manager", "owner")),
    Field("phone", _("Phone"), ("телефон", "телефоны", "тел", "мобильный", "моб телефон",
                                "рабочий телефон", "phone", "phones", "telephone", "tel",
                                "mobile", "work phone"), multi=True),
    Field("email", _("E-mail"), ("e mail", "email", "эл почта", "электронная почта", "почта",
                                 "емейл", "e mail address", "email address", "mail"), multi=True),
    Field("website", _("Website"), ("сайт", "веб сайт", "website", "web site", "site", "url",
                                    "web")),
    Field("postal_code", _("Postal code"), ("индекс", "почтовый индекс", "postal code", "zip",
                                            "zip code", "postcode")),
    Field("city", _("City"), ("город", "населенный пункт", "city", "town")),
    Field("address", _("Office address"), ("адрес", "фактический адрес", "адрес офиса",
                                            "address", "office address", "street")),
    Field("legal_address", _("Legal address"), ("юридический адрес", "юр адрес",
                                                "legal address")),
    Field("notes", _("Notes"), ("примечание", "примечания", "комментарий", "заметки",
                                "описание", "notes", "note", "comment", "comments",
                                "description")),
    Field("tags", _("Tags"), ("теги", "метки", "тэги", "tags", "labels")),
    Field("discount_percent", _("Discount, %"), ("скидка", "скидка %", "discount",
                                                 "discount %")),
    Field("payment_deferral_days", _("Payment deferral, days"), (
        "отсрочка", "отсрочка платежа", "отсрочка дней", "payment deferral", "deferral",
        "payment terms")),
    Field("credit_limit", _("Credit limit"), ("кредитный лимит", "лимит", "credit limit")),
    Field("purchase_potential", _("Purchase potential"), (
        "потенциал", "потенциал закупок", "purchase potential", "potential")),
    # The organization's contact person on the same row (Russian Excel exports have both):
    # several rows of one organization (same INN, or same name) give it several contacts.
    Field("contact_name", _("Contact person: name"), (
        "контактное лицо", "фио контактного лица", "фио контакта", "контакт", "фио",
        "контактное лицо фио", "contact", "contact name", "contact person",
        "contact full name", "contact person name", "контактное лицо имя"), group="contact"),
    Field("contact_position", _("Contact person: position"), (
        "должность", "должность контактного лица", "должность контакта", "position",
        "job title", "contact position", "contact title", "contact person position",
        "контактное лицо должность"), group="contact"),
    Field("contact_phone", _("Contact person: phone"), (
        "телефон контактного лица", "телефон контакта", "мобильный телефон контакта",
        "мобильный контактного лица", "contact phone", "contact mobile", "contact person phone",
        "контактное лицо телефон"), multi=True,
        group="contact"),
    Field("contact_email", _("Contact person: e-mail"), (
        "e mail контактного лица", "email контактного лица", "эл почта контактного лица",
        "почта контактного лица", "e mail контакта", "email контакта", "почта контакта",
        "contact email", "contact e mail", "contact person e mail", "контактное лицо e mail",
        "контактное лицо email"), multi=True, group="contact"),
]
CONTACT_OF_ORGANIZATION = ("contact_name", "contact_position", "contact_phone", "contact_email")

CONTACT_FIELDS = [
    Field("full_name", _("Full name"), ("фио", "контактное лицо", "контакт", "имя",
                                        "ф и о", "full name", "name", "contact",
                                        "contact name", "contact person"), required=True),
    Field("last_name", _("Last name"), ("фамилия", "last name", "surname", "family name")),
    Field("first_name", _("First name"), ("first name", "given name")),
    Field("middle_name", _("Middle name"), ("отчество", "middle name", "patronymic")),
    Field("organization", _("Organization"), ("организация", "компания", "место работы",
                                              "наименование организации", "organization",
                                              "organisation", "company", "account")),
    Field("organization_inn", _("INN of the organization"), ("инн организации", "инн компании",
                                                              "инн", "company inn", "inn")),
    Field("position", _("Position"), ("должность", "position", "job title", "title")),
    Field("decision_level", _("Role in decisions"), ("роль в решении", "уровень решения",
                                                     "роль", "decision level",
                                                     "decision role", "role")),
    Field("phone", _("Phone"), ("телефон", "телефоны", "тел", "мобильный", "моб телефон",
                                "рабочий телефон", "phone", "phones", "telephone", "tel",
                                "mobile", "work phone"), multi=True),
    Field("email", _("E-mail"), ("e mail", "email", "эл почта", "электронная почта", "почта",
                                 "емейл", "email address", "mail"), multi=True),
    Field("birthday", _("Birthday"), ("день рождения", "дата рождения", "др", "birthday",
                                      "date of birth", "birth date", "dob")),
    Field("manager", _("Responsible manager"), ("менеджер", "ответственный", "manager",
                                                "responsible", "owner")),
    Field("notes", _("Notes"), ("примечание", "примечания", "комментарий", "заметки",
                                "notes", "note", "comment", "comments")),
]

FIELDS = {"organizations": ORGANIZATION_FIELDS, "contacts": CONTACT_FIELDS}
TARGET_LABELS = {"organizations": _("Organizations"), "contacts": _("Contact persons")}
DUPLICATE_LABELS = {"skip": _("Skip them"), "update": _("Update the existing records"),
                    "create": _("Create new records anyway")}


def fields_of(target: str) -> dict[str, Field]:
    return {f.key: f for f in FIELDS[target]}


def header_key(text: str) -> str:
    """A header folded for matching: lower case, ё → е, punctuation and extra spaces removed."""
    return " ".join(re.sub(r"[^\w%]+", " ", fold(text)).replace("_", " ").split())


def guess_mapping(headers: list[str], target: str) -> dict[int, str]:
    """{column index: field key} for the headers we recognise (exact names first, then names that
    start with one of ours, e.g. "Телефон 2"). Single fields are used once."""
    fields = FIELDS[target]
    keys = [header_key(h) for h in headers]
    out: dict[int, str] = {}
    used: set[str] = set()
    has_last_name = any(k in ("фамилия", "last name", "surname") for k in keys)
    for exact in (True, False):
        for col, key in enumerate(keys):
            if col in out or not key:
                continue
            if target == "contacts" and key == "имя" and has_last_name:
                if "first_name" not in used:
                    out[col] = "first_name"
                    used.add("first_name")
                continue
            for f in fields:
                if f.key in used and not f.multi:
                    continue
                if any(key == s if exact else (key.startswith(s + " ") and len(s) > 2)
                       for s in f.synonyms):
                    out[col] = f.key
                    used.add(f.key)
                    break
    if target == "organizations" and "contact_name" not in used:
        # A lone «Должность» or «Телефон контакта» without the contact's name is no contact.
        out = {col: key for col, key in out.items() if key not in CONTACT_OF_ORGANIZATION}
    if target == "contacts" and "full_name" in used and "last_name" in used:
        # «Фамилия», «Имя», «Отчество»: the name is made of the three parts.
        for col, key in list(out.items()):
            if key == "full_name":
                out[col] = "first_name"
    return out


def mapping_problems(mapping: dict[int, str], target: str) -> list:
    """What is wrong with a chosen mapping (a required field not chosen, a field chosen twice)."""
    fields = fields_of(target)
    problems = []
    chosen = [k for k in mapping.values() if k]
    for key in sorted(set(chosen)):
        if key in fields and not fields[key].multi and chosen.count(key) > 1:
            problems.append(_("“${field}” is chosen for several columns: choose it for one.",
                              mapping={"field": fields[key].label}))
    if target == "organizations" and "name" not in chosen and "legal_name" not in chosen:
        problems.append(_("Choose the column that holds the organization's name."))
    if (target == "organizations" and set(chosen) & set(CONTACT_OF_ORGANIZATION)
            and "contact_name" not in chosen):
        problems.append(_("Choose the column that holds the contact person's name, or import "
                          "no contact columns."))
    if target == "contacts" and not ({"full_name", "last_name", "first_name"} & set(chosen)):
        problems.append(_("Choose the column that holds the person's name."))
    return problems


# --- messages stored in an import's report ----------------------------------------------------

def dump_message(ts) -> dict:
    """A translation string as JSON (its mapping values may be translation strings too)."""
    mapping = {}
    for key, value in (getattr(ts, "mapping", None) or {}).items():
        mapping[key] = dump_message(value) if hasattr(value, "domain") else str(value)
    return {"m": str(ts), "p": mapping}


def load_message(data: dict):
    mapping = {k: load_message(v) if isinstance(v, dict) else v for k, v in data["p"].items()}
    return _(data["m"], mapping=mapping or None)


def translate(request, ts) -> str:
    """`ts` in the reader's language, with translation strings in its mapping translated too."""
    if not hasattr(ts, "domain"):
        return str(ts)
    mapping = {k: translate(request, v) if hasattr(v, "domain") else v
               for k, v in (ts.mapping or {}).items()}
    return request.localizer.translate(_(str(ts), mapping=mapping or None))


def flash(request, message, queue: str = "") -> None:
    """`session.flash` of a message as the reader reads it: the session keeps text, so a
    translation string (with its ${placeholders} and translation strings in its mapping) is
    translated and filled in first."""
    request.session.flash(translate(request, message), queue)
