"""Every view that changes anything is CSRF-protected: no view turns the default off, and the
default (set once by portal/security/policy.py) stays on. A view registered with
`require_csrf=False`, or the default switched off, fails here."""
from __future__ import annotations

from pyramid.interfaces import IDefaultCSRFOptions

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_views(app):
    """(view callable name, request methods) of every view an unsafe request can reach."""
    for intr in app.registry.introspector.get_category("views"):
        view = intr["introspectable"]
        context = view["context"]
        if view["exception_only"] or (isinstance(context, type) and issubclass(context, Exception)):
            continue  # error pages answer an error already raised; they change nothing
        methods = view["request_methods"]
        if methods is None or UNSAFE & set(methods if not isinstance(methods, str) else [methods]):
            yield view


def test_csrf_is_required_by_default(app):
    options = app.registry.getUtility(IDefaultCSRFOptions)
    assert options.require_csrf is True


def test_no_view_that_changes_anything_turns_csrf_off(app):
    views = list(unsafe_views(app))
    assert len(views) > 50  # the admin, client, calendar, task and KB forms are all here
    off = [f"{v['callable']!r} {v['name']!r}" for v in views if v["require_csrf"] is False]
    assert off == []


def test_a_view_that_turns_csrf_off_is_found(app):
    """The check above would notice one: build a copy of the configuration's introspection."""
    from pyramid.config import Configurator

    config = Configurator(settings={})
    config.set_default_csrf_options(require_csrf=True)
    config.add_view(lambda request: {}, name="sneaky", request_method="POST", require_csrf=False,
                    renderer="json")
    found = [v for v in unsafe_views(config.make_wsgi_app()) if v["require_csrf"] is False]
    assert [v["name"] for v in found] == ["sneaky"]


def test_a_post_without_the_token_changes_nothing(testapp, login_as, dbsession):
    from models.clients import Organization

    login_as("admin")
    before = dbsession.query(Organization).count()
    testapp.post("/clients/add", {"name": "Без токена", "kind": "client", "stage": "attraction"},
                 status=400)
    assert dbsession.query(Organization).count() == before
