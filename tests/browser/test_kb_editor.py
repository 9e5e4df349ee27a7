"""The visual editor of articles (issue 14 point 8) in a real Chromium: text made bold in the
visual editor is stored as Markdown, the "Markdown" switch shows the raw text, the editor speaks
the page's language, and the Content-Security-Policy holds (the `page` fixture fails on any
JavaScript error or blocked script or style)."""
from __future__ import annotations

import sqlalchemy as sa

from models.kb import Article
from tests.browser.conftest import check_a11y, live_engine, log_in

VISUAL = "#visual-editor .toastui-editor-ww-container [contenteditable=true]"


def stored_body(title: str) -> str:
    with live_engine().connect() as conn:
        return conn.scalar(sa.select(Article.body).where(Article.title == title))


def write_with_bold(page, title: str) -> None:
    page.fill("#title", title)
    page.wait_for_selector(VISUAL)
    assert not page.is_visible("#body")  # the visual editor stands in for the textarea
    page.click(VISUAL)
    page.keyboard.type("Restart the router, ")
    page.keyboard.press("Control+b")
    page.keyboard.type("then wait")
    page.keyboard.press("Control+b")
    page.keyboard.type(" a minute.")


def test_bold_text_typed_in_the_visual_editor_is_stored_as_markdown(page, live_server):
    base = live_server
    log_in(page, base, "mikhailov")
    page.goto(f"{base}/kb/support/add-article")
    write_with_bold(page, "Router restart")
    check_a11y(page, "edit visual")
    # The Markdown switch shows the raw text, the visual one comes back to it.
    page.click("#mode-markdown")
    check_a11y(page, "edit markdown")
    assert page.is_visible("#body") and not page.is_visible("#visual-editor")
    assert page.get_attribute("#mode-markdown", "aria-pressed") == "true"
    assert "**then wait**" in page.input_value("#body")
    page.fill("#body", page.input_value("#body") + "\n\n## Afterwards\n\nCall the client.")
    page.click("#mode-visual")
    page.wait_for_selector(VISUAL + " h2")
    assert page.inner_text(VISUAL + " h2") == "Afterwards"
    with page.expect_navigation():
        page.click("#save-article")
    body = stored_body("Router restart")
    assert "**then wait**" in body and "## Afterwards" in body
    assert page.inner_text("#article-body strong") == "then wait"
    check_a11y(page, "article")

    # Opened again and saved untouched, the Markdown stays exactly as it was.
    page.click("#edit-article")
    page.wait_for_selector(VISUAL)
    with page.expect_navigation():
        page.click("#save-article")
    assert stored_body("Router restart") == body
    assert "did not change" in page.inner_text("main")

    # A second version, compared as readers see it: the new paragraph is marked inserted.
    page.click("#edit-article")
    page.click("#mode-markdown")
    page.fill("#body", page.input_value("#body") + "\n\nThen close the ticket.")
    with page.expect_navigation():
        page.click("#save-article")
    page.goto(page.url + "diff?a=1&b=2&view=rendered")
    assert page.inner_text("#rendered-diff ins") == "Then close the ticket."
    check_a11y(page, "rendered comparison")


def test_the_editor_speaks_russian_on_a_russian_page(browser, live_server):
    base = live_server
    context = browser.new_context(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    try:
        log_in(page, base, "mikhailov")
        page.goto(f"{base}/kb/support/add-article")
        assert page.get_attribute("html", "lang") == "ru"
        write_with_bold(page, "Перезагрузка роутера")
        assert page.get_attribute("#visual-editor button.bold", "aria-label") == "Жирный"
        page.click("#mode-markdown")
        assert "**then wait**" in page.input_value("#body")
        with page.expect_navigation():
            page.click("#save-article")
        assert "**then wait**" in stored_body("Перезагрузка роутера")
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_without_javascript_the_textarea_is_the_editor(browser, live_server):
    base = live_server
    context = browser.new_context(java_script_enabled=False, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    try:
        log_in(page, base, "mikhailov")
        page.goto(f"{base}/kb/support/add-article")
        assert page.is_visible("#body") and not page.is_visible("#editor-modes")
        page.fill("#title", "Without script")
        page.fill("#body", "Plain **Markdown**.")
        with page.expect_navigation():
            page.click("#save-article")
        assert stored_body("Without script") == "Plain **Markdown**."
    finally:
        context.close()
