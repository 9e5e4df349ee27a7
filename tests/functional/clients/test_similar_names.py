"""A very similar name warns before saving: a typo, another legal form or quotes, ё, the words
in another order; a merely related name does not (issue 3, point 7)."""
from __future__ import annotations

import pytest

from portal.clients.rules import similar_names


@pytest.fixture
def base(clients):
    """The client and, around it in alphabetical order, names sharing its first letters (fewer
    than SIMILAR_NEIGHBOURS: a crowd larger than that between a typo and the name hides it)."""
    for i in range(30):
        clients.organization(f"Прогресс-{i:02d} Торговый дом")
        clients.organization(f"Строй{i:02d}Маркет")
    return clients.organization("Прогресс-Строй")


@pytest.mark.parametrize("typed", [
    "Прогресс-Строй",
    "ООО «Прогрес-Строй»",  # a typo and a legal form
    "прогресс строй, АО",
    "Строй-Прогресс",  # the words swapped
    "ИП Строй Прогрес",
    "Прогрессстрой",
])
def test_a_very_similar_name_is_found(typed, base, dbsession):
    assert base in similar_names(dbsession, typed)


@pytest.mark.parametrize("typed", ["Прогресс-Торг", "Прогресс", "Стройка", "Регресс-Строй Урал"])
def test_a_related_but_different_name_is_not(typed, base, dbsession):
    assert base not in similar_names(dbsession, typed)


def test_the_record_itself_is_not_its_own_duplicate(base, dbsession):
    assert similar_names(dbsession, "Прогресс-Строй", exclude_id=base.id) == []


def test_the_form_warns_about_a_swapped_name_before_saving(testapp, login_as, base):
    me = login_as("director")
    page = testapp.post("/clients/add", {
        "name": "ООО «Строй-Прогрес»", "legal_name": "", "inn": "", "kpp": "", "kind": "client",
        "stage": "attraction", "manager_id": str(me.id), "department_id": "", "website": "",
        "tags": "", "notes": "", "csrf_token": testapp.csrf_token()}, status=200)
    assert "similar name" in page.text and "Прогресс-Строй" in page.text
