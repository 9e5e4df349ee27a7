"""What may be typed into the knowledge base: each form's schema reads good input into values
and puts bad input's problem next to its field (portal/kb/schemas.py)."""
from __future__ import annotations

import pytest
from webob.multidict import MultiDict

from portal.core.forms import read_fields
from portal.kb.markdown import MAX_BODY
from portal.kb.schemas import (
    ArticleMoveSchema,
    ArticleSchema,
    DeleteSchema,
    FeedbackSchema,
    FolderMoveSchema,
    FolderSchema,
    ReadersQuerySchema,
    RestoreSchema,
    ShareSchema,
    SwitchSchema,
    UnshareSchema,
    parse_tags,
    slug_problem,
    slugify,
)


def article(**fields) -> MultiDict:
    form = MultiDict({"title": "Настройка VPN", "body": "Скачайте клиент."})
    for name, value in fields.items():
        if isinstance(value, list):
            for one in value:
                form.add(name, one)
        else:
            form[name] = value
    return form


def test_a_good_article_is_read_into_clean_values():
    values, problems = read_fields(ArticleSchema(), article(
        title="  Настройка \n VPN ", summary=" Кратко\tо главном ", body="Строка\r\nещё",
        slug=" VPN-Setup ", tags="VPN, удалённая  работа, vpn", related=["3", "x", "5", "3"],
        must_read="1", must_read_department_id="7", version="2", comment=" что  изменилось "))
    assert problems == {}
    assert values == {
        "title": "Настройка VPN", "summary": "Кратко о главном", "body": "Строка\nещё",
        "slug": "vpn-setup", "tags": ["vpn", "удалённая работа"], "related": [3, 5],
        "comment": "что изменилось", "must_read": True, "must_read_department_id": 7, "version": 2,
    }


def test_what_is_left_out_of_an_article_form_takes_its_defaults():
    values, problems = read_fields(ArticleSchema(), {"title": "T", "body": "B"})
    assert problems == {}
    assert values["summary"] == "" and values["slug"] == "" and values["tags"] == []
    assert values["related"] == [] and values["must_read"] is False
    assert values["must_read_department_id"] is None and values["version"] is None


@pytest.mark.parametrize("fields, field, message", [
    ({"title": ""}, "title", "Give the article a title."),
    ({"title": "   \n "}, "title", "Give the article a title."),
    ({"title": "x" * 201}, "title", "At most ${max} characters, please."),
    ({"summary": "x" * 501}, "summary", "At most ${max} characters, please."),
    ({"body": ""}, "body", "Write the text of the article."),
    ({"body": " \n\t"}, "body", "Write the text of the article."),
    ({"body": "я" * (MAX_BODY + 1)}, "body", "The text is too long"),
    ({"slug": "Bad Slug!"}, "slug", "Use only small Latin letters"),
    ({"slug": "edit"}, "slug", "is reserved for a page"),
    ({"slug": "a" * 101}, "slug", "At most ${max} characters, please."),
    ({"tags": "a" * 41}, "tags", "A tag may have at most ${max} characters"),
    ({"tags": "vpn, <script>"}, "tags", "A tag is a word or a few words"),
    ({"tags": ", ".join(f"tag{i}" for i in range(16))}, "tags", "At most ${max} tags, please."),
    ({"related": [str(i) for i in range(1, 12)]}, "related", "At most ${max} related articles"),
])
def test_bad_article_input_is_refused_next_to_its_field(fields, field, message):
    _values, problems = read_fields(ArticleSchema(), article(**fields))
    assert list(problems) == [field]
    assert message in problems[field]


def test_a_refused_field_keeps_what_was_typed_and_the_others_are_read():
    values, problems = read_fields(ArticleSchema(), article(title="  " + "x" * 201, tags="a" * 41,
                                                     related=[str(i) for i in range(1, 12)]))
    assert set(problems) == {"title", "tags", "related"}
    assert values["title"] == "x" * 201  # spaces squeezed, as it will be shown again
    assert values["tags"] == "a" * 41  # the text as typed
    assert values["related"] == list(range(1, 12))
    assert values["body"] == "Скачайте клиент."


def test_a_number_field_that_is_no_number_is_no_choice():
    values, problems = read_fields(ArticleSchema(), article(must_read_department_id="٣", version="-1",
                                                     must_read="yes"))
    assert problems == {}
    assert values["must_read_department_id"] is None and values["version"] is None
    assert values["must_read"] is False


@pytest.mark.parametrize("fields, problem", [
    ({"title": "Support", "slug": "", "description": "About"}, None),
    ({"title": "  ", "slug": "", "description": ""}, ("title", "Give the folder a title.")),
    ({"title": "x" * 201}, ("title", "At most ${max} characters, please.")),
    ({"title": "X", "slug": "Bad Slug!"}, ("slug", "small Latin letters")),
    ({"title": "X", "slug": "sharing"}, ("slug", "reserved")),
    ({"title": "X", "description": "x" * 2001}, ("description", "At most ${max} characters, please.")),
])
def test_folder_form(fields, problem):
    values, problems = read_fields(FolderSchema(), fields)
    if problem is None:
        assert problems == {}
        assert values == {"title": "Support", "slug": "", "description": "About"}
    else:
        field, message = problem
        assert list(problems) == [field] and message in problems[field]


@pytest.mark.parametrize("target, expected, problem", [
    ("12", 12, None), ("", None, None), (None, None, None), (" 7 ", 7, None),
    ("abc", None, "Choose the folder to move it to."), ("-3", None, "Choose the folder to move it to."),
])
def test_where_a_folder_moves(target, expected, problem):
    values, problems = read_fields(FolderMoveSchema(), {} if target is None else {"target": target})
    if problem is None:
        assert problems == {} and values["target"] == expected
    else:
        assert problems == {"target": problem}


def test_where_an_article_moves():
    assert read_fields(ArticleMoveSchema(), {"target": "4", "slug": " New-Place "}) == (
        {"target": 4, "slug": "new-place"}, {})
    assert read_fields(ArticleMoveSchema(), {"target": "x"}) == ({"target": None, "slug": ""}, {})


@pytest.mark.parametrize("form, problem", [
    ({"role": "editor", "user_id": "5"}, None),
    ({"role": "editor", "department_id": "2"}, None),
    ({"user_id": "5"}, ("role", "Choose a role to share")),
    ({"role": "editor"}, ("", "Choose a person or a department to share with.")),
    ({"role": "editor", "user_id": "5", "department_id": "2"},
     ("", "Choose a person or a department to share with.")),
    ({"role": "editor", "user_id": "five"}, ("", "Choose a person or a department to share with.")),
])
def test_sharing_needs_a_role_and_one_holder(form, problem):
    _values, problems = read_fields(ShareSchema(), form)
    if problem is None:
        assert problems == {}
    else:
        field, message = problem
        assert list(problems) == [field] and message in problems[field]


def test_small_forms_of_the_knowledge_base():
    assert read_fields(FeedbackSchema(), {"helpful": "yes", "comment": " ok "}) == (
        {"helpful": "yes", "comment": "ok"}, {})
    assert read_fields(FeedbackSchema(), {"helpful": "maybe"})[1] == {"helpful": "Choose “Yes” or “No”."}
    assert read_fields(FeedbackSchema(), {})[1] == {"helpful": "Choose “Yes” or “No”."}
    assert read_fields(RestoreSchema(), {"number": "3"}) == ({"number": 3}, {})
    assert read_fields(RestoreSchema(), {"number": "3a"})[1] == {
        "number": "Choose an earlier version to restore."}
    assert read_fields(DeleteSchema(), {"confirm": "yes"})[1] == {}
    assert "Tick the box" in read_fields(DeleteSchema(), {"confirm": "no"})[1]["confirm"]
    assert read_fields(UnshareSchema(), {"grant_id": "9"}) == ({"grant_id": 9}, {})
    assert read_fields(UnshareSchema(), {})[1] == {"grant_id": "That role is not shared on this folder."}
    assert read_fields(SwitchSchema(), {"block": "on"})[0] == {"block": True, "restricted": False}
    assert read_fields(ReadersQuerySchema(), {"show": "everyone", "q": "  ann ", "page": "2"}) == (
        {"show": "pending", "q": "ann", "page": 2}, {})


def test_addresses_and_tags():
    assert slugify("Настройка VPN") == "nastroyka-vpn"
    assert slugify("Edit") == "article-edit" and slugify("!!!", "folder") == "folder"
    assert slug_problem("vpn-setup") is None
    assert slug_problem("") is not None and slug_problem("a--b") is not None
    assert parse_tags("VPN; Почта\nvpn") == (["vpn", "почта"], None)
