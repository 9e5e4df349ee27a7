"""The page frame (views/templates/layout.jinja2) is on every page: what its bar repeats (the
CSRF field of each language's form and of log-out, the portal's address in every link) is
made once per page (issue 11)."""
from __future__ import annotations

from pyramid.request import Request
from webob.request import BaseRequest

import views.shell


def test_the_bar_makes_one_csrf_field_and_reads_the_address_once(testapp, login_as, monkeypatch):
    login_as("employee")
    fields, addresses = [], []
    get_csrf_token = views.shell.get_csrf_token
    application_url = BaseRequest.application_url

    def count_field(request):
        fields.append(request)
        return get_csrf_token(request)

    def count_address(self):
        if isinstance(self, Request):  # the portal's requests, not the test client's cookie jar
            addresses.append(self)
        return application_url.fget(self)

    monkeypatch.setattr(views.shell, "get_csrf_token", count_field)
    monkeypatch.setattr(BaseRequest, "application_url", property(count_address))
    page = testapp.get("/no-such-page", status=404)
    forms = page.html.select('nav form[method="post"]')
    assert len(forms) == 3  # two languages and log-out, each with its CSRF field
    assert all(f.select_one('input[name="csrf_token"]')["value"] for f in forms)
    assert len(fields) == 1
    links = [a["href"] for a in page.html.select("nav a[href^='http://example.com/']")]
    assert len(links) >= 10
    # A budget for the whole 404 page: the bar reads it once (it read it at each of its links
    # and forms: 27 in all); the six static files and the page's own link read it too. The test
    # client's cookie jar reads its own request's address as often as it has cookies to match, so
    # only the portal's requests are counted.
    assert len(addresses) <= 8
