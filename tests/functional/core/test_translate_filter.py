"""The `|t` filter: an empty value stays empty (the empty message id is the catalog's header)."""
import pytest

from views.shell import _translate


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("value", ["", None])
def test_nothing_translates_to_nothing(request_for, factory, locale, value):
    request = request_for(factory.user(locale=locale))
    request.locale_name = locale
    call = getattr(_translate, "__wrapped__", _translate)
    assert call({"request": request}, value) == ""


def test_a_title_is_translated(request_for, factory):
    request = request_for(factory.user(locale="ru"))
    request.locale_name = "ru"
    call = getattr(_translate, "__wrapped__", _translate)
    assert call({"request": request}, "Sales settings") == "Настройки продаж"
