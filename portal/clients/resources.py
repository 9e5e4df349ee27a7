"""The client records' part of the resource tree (DESIGN.md §4).

/clients                        Clients            lists, search, add (organization.view/add)
/clients/{id}                   Organization       the client card
/clients/{id}/contacts/{cid}    Contact            a contact of that organization
/clients/contacts               ContactsSection    every contact; private persons live here:
/clients/contacts/{cid}         Contact            (a contact of an organization found here
                                                    is redirected to its place above)

Other areas hang their own containers under /clients by adding to `Clients.children` in their
includeme (e.g. ``Clients.children["interactions"] = Interactions``).

Rows loaded by a query find their place with `portal.resources.locate`, which asks the
locators registered here (`place_organization`, `place_contact`, bound in portal/clients'
includeme); `Organization.__getitem__` asks `organization_children` the same way.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow
from sqlalchemy.orm import joinedload

from models.clients import Contact, Organization
from models.roles import SCOPE_RANK
from portal.core.parsing import parse_int
from portal.resources import Container, load_by_id, locate
from portal.security.acl import ADMIN_ACE, container_acl

ORGANIZATION_SECTION_PERMISSIONS = ("view", "add", "import", "export", "merge")


def organization_part_acl(org: Organization, request, type_name: str, permissions) -> list:
    """The ACL of something that belongs to one organization (its contacts): a role allows
    type.permission there only on the organizations it lets its holders view, so its scope is
    the narrower of type.permission and organization.view, applied to the organization's
    department and responsible manager as for the organization's own rows.

    Holding contact.add at scope "all" (ROLES.md: sales) thus adds contacts to the clients of
    one's department, never to a client one may not even open.
    """
    matrix = request.role_matrix
    departments, owners = org.security_departments(), org.security_owners()
    acl = [ADMIN_ACE]
    for permission in permissions:
        for role, scope in matrix.roles_with(type_name, permission):
            seen = matrix.scopes.get(role, {}).get(("organization", "view"))
            if SCOPE_RANK[seen] < SCOPE_RANK[scope]:
                scope = seen
            if scope is None:
                continue
            if scope == "all":
                acl.append((Allow, f"role:{role}", permission))
            else:
                if scope == "department":
                    acl.extend((Allow, f"role:{role}@dept:{d}", permission) for d in departments)
                acl.extend((Allow, f"role:{role}@user:{u}", permission) for u in owners)
            acl.append((Allow, f"local:{role}", permission))
    acl.append(DENY_ALL)
    return acl


class OrganizationContacts(Container):
    """/clients/{id}/contacts: the contacts of one organization. Adding one needs contact.add
    reaching this organization from a role that also lets one view it."""

    def __acl__(self):
        return organization_part_acl(self.__parent__, self.request, "contact", ("view", "add"))

    def load(self, key):
        cid = parse_int(key) if key.strip() == key else None
        if cid is None:
            return None
        return self.request.dbsession.scalar(sa.select(Contact).where(
            Contact.id == cid, Contact.organization_id == self.__parent__.id))


class ContactsSection(Container):
    """/clients/contacts: every contact (lists, search); private persons' own place."""

    def __acl__(self):
        return container_acl(self, "contact", ("view", "add"))

    def load(self, key):
        return load_by_id(self.request, Contact, key)


# What an organization's pages show of it besides its own columns, read with it: its manager
# (its department's and its lists' names are kept in memory: request.department_tree,
# request.classifier_lists).
ORGANIZATION_LOADS = (joinedload(Organization.manager),)


class Clients(Container):
    """/clients: organizations by id, and the contacts section."""

    children: dict[str, type] = {"contacts": ContactsSection}

    def __acl__(self):
        return container_acl(self, "organization", ORGANIZATION_SECTION_PERMISSIONS)

    def load(self, key):
        return load_by_id(self.request, Organization, key, ORGANIZATION_LOADS)


def organization_children(org: Organization, key: str):
    """Organization.__getitem__: /clients/{id}/contacts."""
    if key == "contacts":
        return OrganizationContacts(org, "contacts")
    raise KeyError(key)


def place_organization(request, org: Organization) -> None:
    """An organization's place: /clients/{id}."""
    org.__parent__, org.__name__ = request.root["clients"], str(org.id)


def place_contact(request, contact: Contact) -> None:
    """A contact's place: under its organization, or /clients/contacts for a private person."""
    if contact.organization_id is not None:
        org = locate(request, contact.organization)
        contact.__parent__ = OrganizationContacts(org, "contacts")
    else:
        contact.__parent__ = request.root["clients"]["contacts"]
    contact.__name__ = str(contact.id)


def organization_url(request, org: Organization, *elements, **kw) -> str:
    return request.resource_url(locate(request, org), *elements, **kw)


def contact_url(request, contact: Contact, *elements, **kw) -> str:
    return request.resource_url(locate(request, contact), *elements, **kw)
