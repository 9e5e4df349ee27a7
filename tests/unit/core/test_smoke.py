def test_admin_can_log_in_and_see_administration(testapp, login_as):
    login_as("admin")
    page = testapp.get("/")
    assert 'data-section="admin"' in page.text


def test_employee_does_not_see_administration(testapp, login_as):
    login_as("employee")
    page = testapp.get("/")
    assert 'data-section="people"' in page.text
    assert 'data-section="admin"' not in page.text
