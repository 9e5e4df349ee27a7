"""Check access (issue 14, point 5): a person, a record found by search and an action in the role
matrix's words; the answer in words names the role, department or local role that grants it,
from the same ACL the portal applies. The technical details (deciding ACE, principals) remain
below the answer."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories

from models.roles import Role, RoleGrant
from portal.core.i18n import _
from tests.functional.clients.conftest import ClientFactory
from tests.functional.kb.conftest import KbFactory, url_of
from tests.functional.tickets.desk import plain_ticket


def check(testapp, user: str, path: str, permission: str, status=200):
    return testapp.get("/admin/access", {"user": user, "path": path, "permission": permission},
                       status=status)


def words(app, lang: str):
    """The reader's words: what the page says for a message in `lang`."""
    localizer = make_localizer(lang, app.registry.getUtility(ITranslationDirectories))
    return localizer.translate


class Company:
    """Sales and Support; Anna a sales manager by her department's grant; a client of each."""

    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.sales = factory.department("Продажи")
        self.support = factory.department("Поддержка")
        self.anna = factory.user("anna", departments=[self.sales], full_name="Анна Продавцова")
        self.boris = factory.user("boris", departments=[self.sales], full_name="Борис Коллегов")
        sales_role = dbsession.scalar(sa.select(Role).where(Role.name == "sales"))
        dbsession.add(RoleGrant(role=sales_role, department=self.sales))
        dbsession.flush()
        clients = ClientFactory(dbsession, factory)
        self.ours = clients.organization("ООО «Наш клиент»", manager=self.boris,
                                         department=self.sales)
        self.theirs = clients.organization("ООО «Чужой клиент»", department=self.support)


@pytest.fixture
def company(dbsession, factory):
    return Company(dbsession, factory)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_client_of_her_department_is_visible_through_the_department_role(
        testapp, login_as, company, app, lang):
    login_as("admin", locale=lang)
    t = words(app, lang)
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "view")
    verdict = page.html.find(id="verdict")
    assert verdict["data-allowed"] == "yes"
    assert verdict["data-granted-by"] == f"role:sales@dept:{company.sales.id}"
    answer = page.html.find(id="answer").text
    role = t(_("Sales manager"))
    assert answer.startswith(t(_("May see")) + ":")
    assert role in answer and "Продажи" in answer
    if lang == "en":
        assert answer == ("May see: yes — role “Sales manager” (department “Продажи”)")
        assert page.html.find(id="answer-scope").text.strip() == \
            "Reach: records of their departments: this one is in “Продажи”"
    else:
        assert "Менеджер по продажам" in answer


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_editing_a_colleagues_client_is_denied_and_says_why(testapp, login_as, company, app, lang):
    login_as("admin", locale=lang)
    t = words(app, lang)
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "edit")
    verdict = page.html.find(id="verdict")
    assert verdict["data-allowed"] == "no"
    answer = page.html.find(id="answer").text
    assert answer == t(_("${action}: no — ${reason}", mapping={
        "action": t(_("May edit")), "reason": t(_("no role gives this right here"))}))
    notes = page.html.find(id="answer-notes").text
    assert t(_("Sales manager")) in notes
    if lang == "en":
        assert "for their own records only: they are not the responsible manager" in notes


def test_a_client_of_another_department_is_not_visible(testapp, login_as, company):
    login_as("admin")
    page = check(testapp, "anna", f"/clients/{company.theirs.id}", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "no"
    assert page.html.find(id="answer").text == "May see: no — no role gives this right here"
    assert "this one is in “Поддержка”" in page.html.find(id="answer-notes").text


def test_a_denial_names_the_roles_that_would_give_it(testapp, login_as, company):
    login_as("admin")
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "merge")
    assert page.html.find(id="verdict")["data-allowed"] == "no"
    notes = page.html.find(id="answer-notes").text
    assert notes.startswith("Roles that give it:")
    assert "“Director”" in notes and "“Department head”" in notes


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_tasks_her_own_yes_a_strangers_no(testapp, login_as, company, factory, dbsession, app,
                                         lang):
    from models.tasks import Task

    login_as("admin", locale=lang)
    t = words(app, lang)
    stranger = factory.user(departments=[company.support])
    mine = Task(title="Подготовить договор", author_id=stranger.id, assignee_id=company.anna.id)
    other = Task(title="Чужая задача", author_id=stranger.id, assignee_id=stranger.id)
    dbsession.add_all([mine, other])
    dbsession.flush()
    page = check(testapp, "anna", f"/tasks/{mine.id}", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    assert page.html.find(id="verdict")["data-granted-by"] == f"role:employee@user:{company.anna.id}"
    answer = page.html.find(id="answer").text
    assert t(_("Employee")) in answer and "Продажи" in answer
    if lang == "en":
        assert answer == "May see: yes — role “Employee” (department “Продажи”)"
        assert "they are the author, the assignee or a co-worker of this one" in \
            page.html.find(id="answer-scope").text
    page = check(testapp, "anna", f"/tasks/{other.id}", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "no"
    assert page.html.find(id="answer").text.startswith(t(_("May see")) + ":")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_articles_published_for_everyone_editing_only_the_authors(
        testapp, login_as, company, factory, dbsession, app, lang):
    login_as("admin", locale=lang)
    t = words(app, lang)
    kb = KbFactory(dbsession, factory)
    folder = kb.folder("Регламенты")
    article = kb.article(folder, "Как оформить отпуск", author=company.boris)
    page = check(testapp, "anna", url_of(dbsession, article), "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    assert page.html.find(id="verdict")["data-granted-by"] == "role:employee"
    assert t(_("Employee")) in page.html.find(id="answer").text
    assert page.html.find(id="answer-scope").text.strip().endswith(t(_("everywhere")))
    draft = kb.article(folder, "Черновик регламента", author=company.boris, state="draft")
    page = check(testapp, "anna", url_of(dbsession, draft), "edit")
    assert page.html.find(id="verdict")["data-allowed"] == "no"
    page = check(testapp, "boris", url_of(dbsession, draft), "edit")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    answer = page.html.find(id="answer").text
    assert answer.startswith(t(_("May edit")) + ":")
    if lang == "en":
        assert answer == "May edit: yes — as the author of this record"


def test_a_local_role_is_named_with_the_folder_it_was_granted_on(
        testapp, login_as, company, factory, dbsession):
    login_as("admin")
    kb = KbFactory(dbsession, factory)
    folder = kb.folder("Поддержка клиентов")
    kb.share(folder, "editor", department=company.sales)
    article = kb.article(folder, "Ответы на частые вопросы", author=factory.user())
    page = check(testapp, "anna", url_of(dbsession, article), "edit")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    assert page.html.find(id="verdict")["data-granted-by"] == "local:editor"
    assert "on folder “Поддержка клиентов” (Sharing)" in page.html.find(id="answer").text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_tickets_of_her_department_yes_of_another_no(testapp, login_as, company, factory,
                                                    dbsession, app, lang):
    login_as("admin", locale=lang)
    t = words(app, lang)
    theirs = plain_ticket(dbsession, factory, "Не печатает принтер")
    ours = plain_ticket(dbsession, factory, "Счёт не пришёл")
    ours.department_id = company.sales.id
    dbsession.flush()
    page = check(testapp, "anna", f"/tickets/{ours.number}", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    assert t(_("Sales manager")) in page.html.find(id="answer").text
    page = check(testapp, "anna", f"/tickets/{theirs.number}", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "no"
    assert page.html.find(id="answer").text.startswith(t(_("May see")) + ":")


def test_an_unknown_action_is_an_error_not_a_denial(testapp, login_as, company):
    login_as("admin")
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "fly", status=400)
    assert page.html.find(id="verdict") is None
    error = page.html.find(id="permission-error").text
    assert "“fly” is not an action on Organizations" in error and "See organizations" in error
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "dispatch", status=400)
    assert page.html.find(id="verdict") is None


def test_the_actions_offered_are_the_matrix_words_of_the_records_type(testapp, login_as, company):
    login_as("admin")
    page = testapp.get("/admin/access-actions", {"path": f"/clients/{company.ours.id}"})
    assert 'value="view"' in page.text and "See organizations" in page.text
    assert "Merge duplicate organizations" in page.text
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "view")
    select = page.html.find(id="permission")
    assert select.find("option", selected=True)["value"] == "view"
    assert "Edit organizations" in select.text


def test_old_links_with_a_path_still_answer_with_the_pickers_prefilled(testapp, login_as, company):
    login_as("admin")
    page = check(testapp, "anna", f"/clients/{company.ours.id}", "view")
    assert page.html.find(id="path")["value"] == f"ООО «Наш клиент» (/clients/{company.ours.id}/)"
    assert page.html.find(id="user")["value"] == "Анна Продавцова (anna)"
    # What the pickers send back answers the same.
    again = check(testapp, "Анна Продавцова (anna)", page.html.find(id="path")["value"], "view")
    assert again.html.find(id="verdict")["data-allowed"] == "yes"


def test_objects_are_found_by_search(testapp, login_as, company):
    login_as("admin")
    page = testapp.get("/admin/access-objects", {"path": "Наш клиент"})
    assert f'value="ООО «Наш клиент» (/clients/{company.ours.id}/)"' in page.text
    page = testapp.get("/admin/access-objects", {"path": "Поддерж"})
    assert f"(/admin/departments/{company.support.id})" in page.text


def test_the_answer_agrees_with_what_the_portal_lets_them_do(request_for, login_as, company,
                                                             factory, dbsession):
    """The answer is the policy's own verdict: for every action on each record, the same as
    `has_permission` in a request of the person."""
    from models.tasks import Task
    from portal.resources import locate
    from portal.security.explain import explain, known_actions

    admin = factory.user(roles=["admin"])
    task = Task(title="Задача", author_id=company.boris.id, assignee_id=company.anna.id)
    dbsession.add(task)
    dbsession.flush()
    for person in (company.anna, company.boris):
        asking, theirs = request_for(admin), request_for(person)
        for record in (company.ours, company.theirs, task):
            mine = locate(theirs, dbsession.get(type(record), record.id))
            for permission, _label in known_actions(asking, mine):
                answer = explain(asking, person, mine, permission)
                assert answer.allowed == bool(theirs.has_permission(permission, mine)), (
                    person.login, record, permission)


def person_row(page, key: str):
    return page.html.find("tr", attrs={"data-permission": key})


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_sales_managers_page_says_in_her_department_and_the_directors_everywhere(
        testapp, login_as, company, factory, app, lang):
    login_as("admin", locale=lang)
    t = words(app, lang)
    page = testapp.get(f"/admin/access/people/{company.anna.id}")
    row = person_row(page, "organization.view")
    assert row["data-scope"] == "department"
    assert t(_("See organizations")) in row.text
    sales = t(_("“${name}”", mapping={"name": "Продажи"}))
    assert t(_("in department ${names}", mapping={"names": sales})) in row.text
    assert t(_("Sales manager")) in row.text and "Продажи" in row.text
    assert person_row(page, "organization.edit")["data-scope"] == "own"
    assert person_row(page, "organization.merge")["data-scope"] == "none"
    assert t(_("no")) in person_row(page, "organization.merge").text
    assert person_row(page, "article.view")["data-scope"] == "all"
    assert person_row(page, "admin.manage")["data-scope"] == "none"
    section = page.html.find("section", attrs={"data-type": "ticket"})
    assert t(_("Tickets")) in section.find("h2").text
    director = factory.user("dir", roles=["director"], departments=[company.sales],
                            full_name="Дмитрий Директоров")
    page = testapp.get(f"/admin/access/people/{director.id}")
    row = person_row(page, "organization.view")
    assert row["data-scope"] == "all" and t(_("everywhere")) in row.text
    assert t(_("Director")) in row.text
    if lang == "en":
        assert "What Дмитрий Директоров may do" in page.html.find("h1").text
        assert "in department “Продажи”" in \
            testapp.get(f"/admin/access/people/{company.anna.id}").html.find(
                "tr", attrs={"data-permission": "interaction.view"}).text


def test_a_persons_page_names_local_roles_and_is_linked_from_the_check(
        testapp, login_as, company, factory, dbsession):
    login_as("admin")
    kb = KbFactory(dbsession, factory)
    kb.share(kb.folder("Поддержка клиентов"), "editor", user=company.anna)
    page = testapp.get(f"/admin/access/people/{company.anna.id}")
    row = person_row(page, "article.edit")
    assert "folder “Поддержка клиентов” (local role “Editor”)" in row.text
    row = person_row(page, "kb_folder.add")  # no role of hers: only where the folder is shared
    assert "only where it was shared with them: folder “Поддержка клиентов”" in \
        " ".join(row.text.split())
    check_page = check(testapp, "anna", f"/clients/{company.ours.id}", "view")
    assert check_page.html.find(id="person-link")["href"] == f"/admin/access/people/{company.anna.id}"
    testapp.get("/admin/access/people/999999", status=404)
    testapp.get("/admin/access/nothing", status=404)


# --- the technical details, as before ------------------------------------------------------------

def test_admin_is_allowed_by_the_admin_entry_on_the_object(testapp, login_as, factory):
    admin = login_as("admin")
    target = factory.user(full_name="Попова Анна Сергеевна")
    page = check(testapp, admin.login, f"/admin/users/{target.id}", "manage")
    verdict = page.html.find(id="verdict")
    assert verdict["data-allowed"] == "yes"
    assert "administrators may do everything" in page.html.find(id="answer").text
    ace = page.html.find(id="deciding-ace").text
    assert "Allow" in ace and "role:admin" in ace and "all permissions" in ace
    assert page.html.find(id="deciding-object").text == f"/admin/users/{target.id}/"
    assert "Попова Анна Сергеевна" in page.html.find(id="decision").text


def test_employee_is_denied_manage_on_a_user_by_the_closing_deny(testapp, login_as, factory):
    login_as("admin")
    clerk = factory.user(login="clerk")
    target = factory.user()
    page = check(testapp, "clerk", f"/admin/users/{target.id}", "manage")
    verdict = page.html.find(id="verdict")
    assert verdict["data-allowed"] == "no"
    ace = page.html.find(id="deciding-ace").text
    assert "Deny" in ace and "system.Everyone" in ace
    principals = page.html.find(id="principals").text
    assert f"user:{clerk.id}" in principals and "role:employee" in principals
    assert "role:admin" not in principals


def test_employee_may_view_a_colleague_through_the_role_matrix(testapp, login_as, factory):
    login_as("admin")
    factory.user(login="clerk")
    factory.user(login="colleague")
    page = check(testapp, "clerk", "/people/colleague", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    ace = page.html.find(id="deciding-ace").text
    assert "role:employee" in ace and "view" in ace
    assert "holds the role Employee" in page.html.find(id="decision").text


def test_a_person_can_be_picked_by_name_with_login(testapp, login_as, factory):
    login_as("admin")
    factory.user(login="clerk", full_name="Сидоров Иван")
    page = check(testapp, "Сидоров Иван (clerk)", "/", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"


def test_a_path_to_nothing_gets_a_clear_message(testapp, login_as):
    admin = login_as("admin")
    page = check(testapp, admin.login, "/admin/users/999999", "manage", status=400)
    assert "There is no such object" in page.html.find(id="path-error").text
    assert page.html.find(id="verdict") is None
    page = check(testapp, admin.login, "/nowhere/at/all", "view", status=400)
    assert "/nowhere/at/all" in page.html.find(id="path-error").text


def test_unknown_person_and_empty_action_get_clear_messages(testapp, login_as):
    login_as("admin")
    page = check(testapp, "nobody-here", "/", "", status=400)
    assert "There is nobody with the login “nobody-here”" in page.html.find(id="user-error").text
    assert "Choose an action" in page.html.find(id="permission-error").text
    page = check(testapp, "", "/", "drop tables", status=400)
    assert "Choose a person" in page.html.find(id="user-error").text
    assert "one lowercase word" in page.html.find(id="permission-error").text


def test_a_full_portal_url_is_accepted_as_a_path(testapp, login_as, factory):
    admin = login_as("admin")
    target = factory.user()
    page = check(testapp, admin.login, f"http://example.com/admin/users/{target.id}", "manage")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"


def test_person_suggestions_find_people_by_name(testapp, login_as, factory):
    login_as("admin")
    factory.user(login="clerk", full_name="Сидоров Иван")
    page = testapp.get("/admin/access-people", {"user": "сидор"})
    assert 'value="clerk"' in page.text and "Сидоров Иван" in page.text


def test_non_admins_may_not_check_access(testapp, login_as, factory):
    someone = factory.user()
    login_as("dept_head")
    testapp.get("/admin/access", status=403)
    testapp.get("/admin/access-people", {"user": "a"}, status=403)
    testapp.get("/admin/access-objects", {"path": "ООО"}, status=403)
    testapp.get("/admin/access-actions", {"path": "/"}, status=403)
    testapp.get(f"/admin/access/people/{someone.id}", status=403)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_user_page_links_to_what_they_may_do_and_names_the_zone_in_words(
        testapp, login_as, factory, lang):
    person = factory.user("zoned", timezone="Asia/Vladivostok")
    login_as("admin", locale=lang)
    page = testapp.get(f"/admin/users/{person.id}")
    link = page.html.select_one("#may-do-link")
    assert link["href"].endswith(f"/admin/access/people/{person.id}")
    testapp.get(link["href"], status=200)
    place = {"en": "Vladivostok", "ru": "Владивосток"}[lang]
    assert place in page.text and "Asia/Vladivostok" not in page.text
