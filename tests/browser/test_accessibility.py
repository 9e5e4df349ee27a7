"""Accessible to everyone who works here (issue 14 point 10), in Chromium with axe-core 4.14.

The 17 key pages, each opened by a person whose work it is, have no serious or critical axe
violation (WCAG 2.1 A/AA, best practices, 24 px tap targets: `check_a11y` in conftest.py), and
the keyboard reaches the skip link, the main navigation, the search and the page's primary
action, each showing a visible focus ring.

"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.browser.conftest import axe_violations, check_a11y, describe_violations, log_in


@dataclass(frozen=True)
class KeyPage:
    login: str | None  # None: not logged in
    path: str
    # A link to follow from `path` (CSS selector of an <a>) when the page has no fixed address:
    # the first client of the list, the first ticket...
    follow: str | None = None
    # ...the first one whose address ends with a segment matching this (a record, not a list).
    record: str = r"/[^/]*\d[^/]*/?$"


KEY_PAGES = {
    "my day": KeyPage("popova", "/"),
    "client list": KeyPage("popova", "/clients/"),
    "client card": KeyPage("popova", "/clients/", "table a[href*='/clients/']"),
    "contact": KeyPage("belova", "/clients/contacts/", "a[href*='/contacts/']"),
    "interaction list": KeyPage("popova", "/clients/interactions/?tab=all&state=all"),
    "call form": KeyPage("belova", "/clients/interactions/@@add?kind=call"),
    "task list": KeyPage("popova", "/tasks"),
    "task page": KeyPage("popova", "/tasks", "main a[href*='/tasks/']"),
    "calendar": KeyPage("sokolov", "/calendar"),
    "event form": KeyPage("semenova", "/calendar/add"),
    "knowledge base": KeyPage("mikhailov", "/kb/"),
    "article": KeyPage("mikhailov", "/kb/it/printer/"),
    "search results": KeyPage("popova", "/search?q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80"),
    "people": KeyPage("popova", "/people"),
    "admin users": KeyPage("admin", "/admin/users"),
    "tickets": KeyPage("mikhailov", "/tickets/?view=all"),
    "ticket": KeyPage("mikhailov", "/tickets/?view=all", "tr[data-ticket] a"),
}


# The pages of administration, account and log-in (their templates and styles go with the layout).
ADMIN_PAGES = {
    "log-in": KeyPage(None, "/login"),
    "administration": KeyPage("admin", "/admin"),
    "admin person": KeyPage("admin", "/admin/users", "table a[href*='/admin/users/']", r"/users/[^/?]+/?$"),
    "admin person form": KeyPage("admin", "/admin/users/add"),
    "departments": KeyPage("admin", "/admin/departments"),
    "department": KeyPage("admin", "/admin/departments", "main a[href*='/admin/departments/']"),
    "roles": KeyPage("admin", "/admin/roles"),
    "role matrix": KeyPage("admin", "/admin/roles/matrix"),
    "preferences": KeyPage("popova", "/preferences"),
    "sessions": KeyPage("popova", "/preferences/sessions"),
    "password": KeyPage("popova", "/password"),
}


# Sales pages (issue 15), each at a desk's width and a phone's: the plans grid scrolls sideways in
# a focusable region, stages and product columns stack or hide instead of being cut off.
SALES_PAGES = {
    "sales plans": KeyPage("sokolov", "/sales/plans"),
    "pipelines": KeyPage("admin", "/sales/settings/@@pipelines"),
    "products": KeyPage("sokolov", "/sales/products"),
    "sales dashboard": KeyPage("director", "/sales/dashboard"),
}


def open_key_page(page, base: str, key: KeyPage) -> None:
    if key.login:
        log_in(page, base, key.login)
    page.goto(base + key.path)
    if key.follow:
        hrefs = page.eval_on_selector_all(key.follow, "links => links.map(a => a.href)")
        records = [h for h in hrefs if re.search(key.record, h.split("?")[0])
                   and not h.split("?")[0].rstrip("/").endswith(("/add", "/edit"))]
        assert records, f"no link {key.follow} on {page.url}"
        page.goto(records[0])


@pytest.mark.parametrize("name", list(KEY_PAGES))
def test_key_page_has_no_serious_accessibility_violation(page, live_server, name):
    open_key_page(page, live_server, KEY_PAGES[name])
    assert page.locator("h1").count(), f"{name}: {page.url} is not the page meant"
    check_a11y(page, f"{name} ({page.url})")


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_administration_and_account_pages_have_no_serious_accessibility_violation(
        page, live_server, name):
    open_key_page(page, live_server, ADMIN_PAGES[name])
    assert page.locator("h1").count(), f"{name}: {page.url} is not the page meant"
    check_a11y(page, f"{name} ({page.url})")


# The sales reports (issue 15, review F5): the index and two reports with long tables (each a
# keyboard-reachable scroll region; plan vs fact with its pager and collapsed detail).
REPORT_PAGES = {
    "sales reports": KeyPage("sokolov", "/sales/reports"),
    "plan vs fact": KeyPage("sokolov", "/sales/reports/@@plan_fact"),
    "funnel": KeyPage("sokolov", "/sales/reports/@@funnel"),
}


@pytest.mark.parametrize("name", list(REPORT_PAGES))
def test_sales_report_pages_have_no_serious_accessibility_violation(page, live_server, name):
    open_key_page(page, live_server, REPORT_PAGES[name])
    assert page.locator("h1").count(), f"{name}: {page.url} is not the page meant"
    check_a11y(page, f"{name} ({page.url})")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", list(SALES_PAGES))
def test_sales_pages_have_no_serious_accessibility_violation(page, live_server, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_key_page(page, live_server, SALES_PAGES[name])
    assert page.locator("h1").count(), f"{name}: {page.url} is not the page meant"
    check_a11y(page, f"{name} at {width} px ({page.url})")
    # Nothing sticks out sideways: a wide table scrolls inside its own region.
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} at {width} px"


# Pages with a search form of their own beside the portal's.
TWO_SEARCHES = ("client list", "people", "knowledge base")


@pytest.mark.parametrize("name", TWO_SEARCHES)
def test_each_search_landmark_has_its_own_name(page, live_server, name):
    """The portal's search and the page's own are told apart by name («Поиск по порталу»,
    «Поиск клиентов»), so that a screen reader's list of landmarks can tell which is which."""
    open_key_page(page, live_server, KEY_PAGES[name])
    names = page.eval_on_selector_all(
        "[role=search], search",
        "forms => forms.map(f => f.getAttribute('aria-label') || f.getAttribute('aria-labelledby'))")
    assert len(names) >= 2 and all(names) and len(set(names)) == len(names), (page.url, names)
    found = axe_violations(page, ("moderate", "serious", "critical"))
    unique = [v for v in found if v["id"] == "landmark-unique"]
    assert not unique, describe_violations(unique, page.url)


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, section: el.dataset.section || null,
          primary: el.matches('main .btn-primary'), search: !!el.closest('.portal-search'),
          skip: el.matches('.skip-link'), outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth) || 0, href: el.getAttribute('href')};
}"""


def tab_through(page, stops: int = 80) -> list[dict]:
    """Press Tab from the top of the page `stops` times, noting where the focus lands."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
    return seen


@pytest.mark.parametrize("login,path", [("popova", "/clients/"), ("popova", "/tasks")])
def test_keyboard_reaches_navigation_search_and_primary_action_with_a_focus_ring(
        page, live_server, login, path):
    log_in(page, live_server, login)
    page.goto(live_server + path)
    seen = tab_through(page)
    assert seen[0]["skip"], f"the first Tab should reach the skip link, not {seen[0]}"
    kinds = {
        "skip link": [s for s in seen if s["skip"]],
        "main navigation": [s for s in seen if s["section"]],
        "portal search": [s for s in seen if s["search"] and s["tag"] == "INPUT"],
        "primary action": [s for s in seen if s["primary"]],
    }
    for kind, stops in kinds.items():
        assert stops, f"Tab never reaches the {kind} on {path}: {seen}"
        first = stops[0]
        assert first["outline"] != "none" and first["width"] >= 2, (
            f"the {kind} shows no focus ring when the keyboard reaches it: {first}")


def test_skip_link_shows_and_moves_the_focus_to_the_main_content(page, live_server):
    log_in(page, live_server, "popova")
    page.goto(live_server + "/clients/")
    page.keyboard.press("Tab")
    skip = page.locator("#skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["height"] >= 24, f"the skip link is not on screen: {box}"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes into the page's content, past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")
