"""Areas offer what they have from their includeme: nothing is registered by importing a module,
and two registrations of one name stop the application from starting."""
from __future__ import annotations

import sys
import types

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError

import models.search.index  # noqa: F401  (its registries are swapped in a test)
from models import search
from models.registry import Registry, TypeRegistry, registers


def configurator() -> Configurator:
    config = Configurator(settings={})
    config.include("portal.core.registry")
    return config


def test_a_registration_happens_when_the_configuration_is_committed():
    jobs = Registry("jobs")
    config = configurator()
    config.register(jobs, "reminders", len)
    assert "reminders" not in jobs
    config.commit()
    assert jobs["reminders"] is len


def test_two_registrations_of_one_name_refuse_to_start():
    jobs = Registry("jobs")
    config = configurator()
    config.register(jobs, "reminders", len)
    config.register(jobs, "reminders", max)
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_entries_are_read_by_order_then_as_they_came():
    blocks = Registry("blocks")
    blocks.add("c", 3)
    blocks.add("a", 1, order=-1)
    blocks.add("b", 2)
    assert blocks.names() == ["a", "c", "b"]
    assert list(blocks) == [1, 3, 2]


def test_a_type_registry_finds_the_entry_of_a_base_class():
    class Row: ...
    class Organization(Row): ...
    acls = TypeRegistry("acl")
    acls.add(Row, "row acl")
    assert acls.for_object(Organization()) == "row acl"
    assert acls.for_object(object()) is None


def test_a_decorated_function_is_registered_by_the_scan_not_by_the_import(tmp_path, monkeypatch):
    jobs = Registry("scanned jobs")
    module = types.ModuleType("portal_test_area")
    module.__file__ = str(tmp_path / "portal_test_area.py")
    monkeypatch.setitem(sys.modules, "portal_test_area", module)
    module.registers, module.jobs = registers, jobs
    exec(compile("@registers(jobs, 'nightly')\ndef nightly(request):\n    return 1\n",
                 module.__file__, "exec"), module.__dict__)
    assert "nightly" not in jobs
    config = configurator()
    config.scan(module, categories=("portal",))
    config.commit()
    assert jobs["nightly"] is module.nightly


def test_two_search_kinds_with_one_code_refuse_to_start(monkeypatch):
    monkeypatch.setattr(search.index, "KINDS", {})
    monkeypatch.setattr(search.index, "INDEXED", {})
    config = configurator()
    search.register(config, "something", object, lambda obj: ("", ""), code=1)
    search.register(config, "something_else", int, lambda obj: ("", ""), code=1)
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_a_search_code_outside_the_range_is_refused():
    with pytest.raises(ValueError):
        search.register(configurator(), "something", object, lambda obj: ("", ""), code=900)


def test_the_application_registers_every_area(app):
    from portal.core.ticker import JOBS
    from portal.tasks.links import RESOLVERS
    from views.search.header import SEARCH_PROVIDERS

    # The suite's application is configured by now (tests/conftest.py builds it once).
    assert {"task_reminders", "event_reminders", "client_reminders", "mail_sent", "ticket_sla",
            "ticket_mail"} <= set(JOBS.names())
    assert {"organization", "contact", "ticket", "job"} <= set(RESOLVERS.names())
    assert len(SEARCH_PROVIDERS) >= 7
    assert set(search.KINDS) == {"organization", "contact", "event", "task", "article", "ticket",
                                 "job"}


def test_two_areas_mounting_one_section_refuse_to_start():
    from portal.resources import add_section

    class Shelf: ...

    config = configurator()
    add_section(config, "shelf", Shelf, "Shelf", "box", 70)
    add_section(config, "shelf", Shelf, "Another shelf", "box", 71)
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_the_navigation_lists_every_area_in_order(app):
    from portal.resources import sections

    names = [s.name for s in sections()]
    assert names[0] == "" and names[-1] == "admin"
    assert {"clients", "calendar", "tasks", "kb", "reports", "people"} <= set(names)
    assert [s.order for s in sections()] == sorted(s.order for s in sections())
