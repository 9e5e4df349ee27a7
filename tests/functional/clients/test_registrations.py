"""The client and interaction areas bind their rows' security, children and places in the tree
at configuration (models import no security code), and a second binding refuses to start."""
from __future__ import annotations

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError

from models.clients import Contact, Interaction, Organization
from models.meta import ROW_ACL, ROW_CHILDREN
from portal.clients.resources import organization_children, place_contact, place_organization
from portal.interactions.resources import place_interaction
from portal.resources import LOCATORS
from portal.security.acl import row_acl


def test_client_rows_get_their_acl_children_and_place_from_their_areas(app):
    for model in (Organization, Contact, Interaction):
        assert ROW_ACL.for_object(model()) is row_acl
    assert ROW_CHILDREN.for_object(Organization()) is organization_children
    assert ROW_CHILDREN.for_object(Contact()) is None
    assert [LOCATORS.for_object(m()) for m in (Organization, Contact, Interaction)] == [
        place_organization, place_contact, place_interaction]


def test_an_organization_has_only_its_contacts_below_it(app):
    org = Organization(id=7)
    assert org["contacts"].__parent__ is org
    with pytest.raises(KeyError):
        org["files"]


@pytest.mark.parametrize("registry", [ROW_ACL, ROW_CHILDREN, LOCATORS])
def test_another_area_binding_organizations_again_refuses_to_start(app, registry):
    def another_area(config):
        config.register(registry, Organization, lambda *args: None)

    config = Configurator(settings={})
    config.include("portal.core.registry")
    config.include("portal.clients")
    config.include(another_area)
    with pytest.raises(ConfigurationConflictError):
        config.commit()
    # Refused before anything was bound: the application's bindings are as they were.
    assert ROW_ACL.for_object(Organization()) is row_acl
