"""The knowledge base's journey in a real Chromium: write, submit, publish, find."""
from __future__ import annotations

from tests.browser.conftest import log_in


def log_out(page) -> None:
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")


def test_an_article_goes_from_draft_to_found_by_another_department(page, live_server):
    base = live_server
    # A support agent writes an article in the Support folder (shared with Support as editor).
    log_in(page, base, "mikhailov")
    page.goto(f"{base}/kb/")
    with page.expect_navigation():
        page.click('#folders a[data-folder="support"]')
    with page.expect_navigation():
        page.click("#new-article")
    page.fill("#title", "Сброс маршрутизатора к заводским настройкам")
    page.fill("#summary", "Когда клиент потерял пароль от маршрутизатора.")
    page.click("#mode-markdown")  # the raw Markdown: the visual editor opens first
    page.fill("#body", "## Порядок действий\n\n1. Зажмите кнопку **Reset** на 10 секунд.\n"
                       "2. Дождитесь перезагрузки маршрутизатора.\n")
    page.fill("#tags", "маршрутизатор, сброс")
    # The preview shows the text as it will look.
    page.click("#preview-tab")
    page.wait_for_selector("#preview h2")
    assert page.inner_text("#preview h2") == "Порядок действий"
    with page.expect_navigation():
        page.click("#save-article")
    assert page.inner_text("#article-title") == "Сброс маршрутизатора к заводским настройкам"
    assert page.get_attribute("#article", "data-state") == "draft"
    with page.expect_navigation():
        page.click('.workflow-panel button[value="submit"]')
    assert page.get_attribute("#article", "data-state") == "pending"
    article_url = page.url
    log_out(page)

    # A sales manager does not see it yet (another browser test makes popova an admin).
    log_in(page, base, "lebedev")
    response = page.goto(article_url)
    assert response.status == 403
    log_out(page)

    # The head of support reviews it: it waits for her on the knowledge base's page.
    log_in(page, base, "fedorova")
    page.goto(f"{base}/kb/")
    with page.expect_navigation():
        page.click("#review-queue >> text=Сброс маршрутизатора к заводским настройкам")
    page.fill(".workflow-panel input[name=comment]", "Всё понятно, публикую")
    with page.expect_navigation():
        page.click('.workflow-panel button[value="publish"]')
    assert page.get_attribute("#article", "data-state") == "published"
    assert "Всё понятно, публикую" in page.inner_text(".workflow-history")
    log_out(page)

    # A sales manager finds it from the header search by a word in another form (the title says
    # "маршрутизатора"), and in the knowledge base's search by the beginning of a word.
    log_in(page, base, "lebedev")
    page.fill(".portal-search input[name=q]", "маршрутизаторы")
    with page.expect_navigation():
        page.press(".portal-search input[name=q]", "Enter")
    group = page.locator("section.search-group", has_text="Knowledge base")
    assert group.count() == 1
    assert "маршрутизатор" in group.locator("mark").first.inner_text().lower()
    page.goto(f"{base}/kb/search?q=маршрутиз")
    assert "Сброс маршрутизатора к заводским настройкам" in page.inner_text("#results")
    page.go_back()
    with page.expect_navigation():
        group.locator("text=Сброс маршрутизатора к заводским настройкам").click()
    assert page.url == article_url
    assert "Зажмите кнопку" in page.inner_text("#article-body")
    # She may read it but not change it.
    assert page.locator("#edit-article").count() == 0
