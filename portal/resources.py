"""The resource tree (traversal). Containers load one row by key; rows are the resources."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow, Authenticated
from pyramid.traversal import find_root
from sqlalchemy.orm import selectinload

from models.people import Department, Membership, User
from models.registry import Registry, TypeRegistry
from models.roles import Role
from portal.core.i18n import _
from portal.core.parsing import parse_int, parse_key
from portal.security.acl import ADMIN_ACE, container_acl
from portal.security.filters import Kept, rights_key

# Where a row loaded by a query belongs in the tree: each area registers, per type, a function
# (request, obj) that sets the row's __parent__ and __name__ (config.register(LOCATORS, Type, fn)).
LOCATORS: TypeRegistry = TypeRegistry("tree locators")


def locate(request, obj):
    """Give a row loaded outside traversal its place in the tree, so that its ACL,
    `request.has_permission` and `request.resource_url` work. Returns `obj`."""
    if getattr(obj, "__parent__", None) is None:
        place = LOCATORS.for_object(obj)
        if place is not None:
            place(request, obj)
    return obj


class Container:
    """A section of the tree. Subclasses set `children` (name → container class) or `load`."""

    children: dict[str, type] = {}

    def __init__(self, parent, name: str):
        self.__parent__ = parent
        self.__name__ = name

    @property
    def request(self):
        return find_root(self).request

    def load(self, key: str):
        raise KeyError(key)

    def __getitem__(self, key: str):
        child = self.children.get(key)
        if child is not None:
            return child(self, key)
        obj = self.load(key)
        if obj is None:
            raise KeyError(key)
        obj.__parent__ = self
        obj.__name__ = key
        return obj


class AdminOnly(Container):
    def __acl__(self):
        return [ADMIN_ACE, DENY_ALL]


class People(Container):
    """/people/{login}: the directory."""

    def __acl__(self):
        return container_acl(self, "person", ("view",))

    def load(self, key):
        login = parse_key(key)
        if login is None:
            return None
        # A person's page shows their departments: read with them.
        return self.request.dbsession.scalar(
            sa.select(User).where(User.login == login)
            .options(selectinload(User.memberships).joinedload(Membership.department)))


def load_by_id(request, model, key: str, options=()):
    """The row of `model` whose id is `key` (ASCII digits within the id column's range), or
    None: a malformed id ("²", "-1", twenty digits) names nothing, as a missing one does.
    `options`: loader options for what the row's pages show (joined in the same statement)."""
    number = parse_int(key) if key.strip() == key else None
    if number is None:
        return None
    return request.dbsession.get(model, number, options=options)


class AdminUsers(AdminOnly):
    def load(self, key):
        return load_by_id(self.request, User, key)


class AdminDepartments(AdminOnly):
    def load(self, key):
        return load_by_id(self.request, Department, key)


class AdminRoles(AdminOnly):
    def load(self, key):
        name = parse_key(key)
        return self.request.dbsession.scalar(sa.select(Role).where(Role.name == name)) \
            if name is not None else None


class Admin(AdminOnly):
    children = {"users": AdminUsers, "departments": AdminDepartments, "roles": AdminRoles}


@dataclass(frozen=True)
class Section:
    """A top-level section in the navigation, shown to whoever may `view` its container."""

    name: str
    title: str
    icon: str
    order: int = 50


# The sections of the portal itself; the areas add theirs from their includeme (add_section).
BASE_SECTIONS = (
    Section("", _("My day"), "sun", 0),
    Section("people", _("People"), "people", 80),
    Section("admin", _("Administration"), "gear", 100),
)
SECTIONS: Registry[Section] = Registry("sections")


def add_section(config, name: str, container: type, title, icon: str, order: int) -> None:
    """Mount `container` at /<name> and show it in the navigation, from an area's includeme;
    two areas mounting one name refuse to start."""
    def apply() -> None:
        Root.children[name] = container
        SECTIONS.add(name, Section(name, title, icon, order), order)

    config.action(("portal.section", name), apply, order=-100)


def sections() -> list[Section]:
    """Every section in the order of the navigation."""
    return sorted([*BASE_SECTIONS, *SECTIONS], key=lambda s: s.order)


class Root:
    __name__ = ""
    __parent__ = None
    children: dict[str, type] = {"people": People, "admin": Admin}

    def __init__(self, request):
        self.request = request

    def __acl__(self):
        return [ADMIN_ACE, (Allow, Authenticated, "view"), DENY_ALL]

    def __getitem__(self, key: str):
        return self.children[key](self, key)

    def visible_sections(self) -> list[Section]:
        """The sections the person may enter. A section's ACL follows from the role matrix
        and no local role reaches a section, so the answer follows from the person's set of
        rights (`rights_key`): worked out once per set, not on every page."""
        request = self.request
        return _SECTIONS_SEEN.get(rights_key(request), lambda: [
            section for section in sections()
            if request.has_permission("view", self if not section.name else self[section.name])])


_SECTIONS_SEEN = Kept(4096)


def root_factory(request) -> Root:
    return Root(request)
