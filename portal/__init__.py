"""Portal CRM: the WSGI application factory."""
from __future__ import annotations

import gc
from pathlib import Path

from pyramid.config import Configurator

from portal.core.assets import YEAR, ContentHashCacheBuster
from portal.core.settings import resolve_env

# The areas of the portal, each a package whose includeme registers what it offers.
AREAS = ["portal.clients", "portal.interactions", "portal.calendar", "portal.tasks", "portal.kb",
         "portal.tickets", "portal.dispatch", "portal.sales"]
STATIC_DIR = str(Path(__file__).resolve().parent.parent / "static")


def main(global_config, **settings):
    """Build the WSGI application from the ini file's settings."""
    settings = resolve_env(settings)
    with Configurator(settings=settings, root_factory="portal.resources.root_factory") as config:
        # A view that forgets its permission still needs one: nothing is public by accident.
        config.set_default_permission("view")
        config.include("pyramid_jinja2")
        config.include("models")
        config.include("portal.core")
        config.include("portal.core.retry")  # a lost database connection: 503, GET retried once
        config.include("portal.security")
        config.include("workflows")
        for area in AREAS:
            config.include(area)
        config.include("views")
        # Static URLs carry their file's hash (templates: `static('css/portal.css')`), so a
        # browser keeps each file a year and a changed file gets a new URL; bodies compressed.
        config.include("portal.core.assets")
        config.include("portal.core.gate")  # requests take turns (portal.requests_at_once)
        config.add_static_view("static", STATIC_DIR, cache_max_age=YEAR)
        config.add_static_view("deform_static", "deform:static", cache_max_age=YEAR)
        config.add_cache_buster(STATIC_DIR, ContentHashCacheBuster())
        config.add_cache_buster("deform:static", ContentHashCacheBuster())
    app = config.make_wsgi_app()
    # The objects made at start-up (mappers, templates, catalogs: about 200,000) live as long as
    # the process; keeping them out of the collector's full passes removes pauses of 100+ ms
    # that otherwise hit every tenth request or so.
    gc.collect()
    gc.freeze()
    return app
