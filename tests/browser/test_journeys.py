"""The main journey of the foundation, in a real Chromium."""
from __future__ import annotations

from tests.browser.conftest import log_in


def test_admin_grants_a_role_and_the_person_sees_the_new_section(page, live_server):
    base = live_server
    # The sales manager does not see Administration yet.
    log_in(page, base, "popova")
    assert page.locator('#sections a[data-section="people"]').is_visible()
    assert page.locator('#sections a[data-section="admin"]').count() == 0
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")

    # The administrator finds her and grants the Administrator role.
    log_in(page, base, "admin")
    page.click('#sections a[data-section="admin"]')
    page.goto(f"{base}/admin/users?q=popova")
    with page.expect_navigation():
        page.click("table >> text=Попова Анна Сергеевна")
    with page.expect_navigation():
        page.click("a[href$='/edit']")
    page.get_by_label("Administrator", exact=True).check()
    with page.expect_navigation():
        page.click("button[name=save]")
    assert "Administrator" in page.content()
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")

    # She logs in again and now has the Administration section.
    log_in(page, base, "popova")
    admin_link = page.locator('#sections a[data-section="admin"]')
    assert admin_link.is_visible()
    with page.expect_navigation():
        admin_link.click()
    assert page.url.rstrip("/").endswith("/admin")
    assert page.locator("h1").first.is_visible()
