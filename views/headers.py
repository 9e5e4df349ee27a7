"""Security headers on every response (DESIGN.md §5, §11): a strict Content-Security-Policy
(scripts only from our own files: no inline script, no eval), no framing, no MIME sniffing,
the referrer kept inside the portal, and HSTS when `portal.hsts` says so (production.ini).

Inline `style="..."` attributes are allowed ('unsafe-inline' for styles only): the templates
size bars and charts with them and Bootstrap's and htmx's scripts set styles; a style cannot run
script. Page data reaches scripts through `data-` attributes or `<script type="application/json">`
blocks filled by `tojson`, which the policy does not execute.

Registered by the scan of `views` (the `@subscriber` below), so it holds for pages, JSON,
files, static assets and error pages alike.
"""
from __future__ import annotations

from pyramid.events import NewResponse, subscriber

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def security_headers(settings: dict) -> dict[str, str]:
    """The headers every response carries under these settings (HSTS only when configured)."""
    headers = dict(HEADERS)
    hsts = (settings.get("portal.hsts") or "").strip()
    if hsts:
        headers["Strict-Transport-Security"] = hsts
    return headers


@subscriber(NewResponse)
def add_security_headers(event: NewResponse) -> None:
    """Set the security headers a view did not set itself."""
    response = event.response
    for name, value in security_headers(event.request.registry.settings or {}).items():
        if name not in response.headers:
            response.headers[name] = value


def revalidated(request) -> None:
    """The answer carries an ETag of its body and is asked for again each time
    (`no-cache`): a browser (or a calendar program) that has it gets 304 Not Modified and no
    body. For JSON the calendar pages poll and for the .ics feed."""
    request.response.conditional_response = True
    request.response.cache_control = "private, no-cache"

    def tag(request, response) -> None:
        if response.status_int == 200 and response.etag is None:
            response.md5_etag()
    request.add_response_callback(tag)
