"""The security policy: who the user is (session or API token), what they may do (principals
against the computed ACL), log-in and log-out, and "why may or may not they?" for admins.

Plone's model on Pyramid 2 with Dynamics-style scopes (DESIGN.md §5):

* a person holds roles granted to them or to one of their departments;
* each role grants, per resource type and permission, a scope: own, department or all;
* principals: ``role:R`` (scope all), ``role:R@dept:<id>`` for each department in the person's
  department scope, ``role:R@user:<id>`` (scope own), and ``local:R`` for each local role
  granted to them on the lineage of the object being checked;
* ACLs are computed from the role matrix, never stored; admin comes first and always wins.
"""
from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa
from pyramid.authorization import ACLAllowed, ACLDenied, ACLHelper, Allow
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.request import RequestLocalCache
from pyramid.traversal import lineage
from sqlalchemy.orm import Session

from models.generations import SECURITY, token_of
from models.meta import ROW_ACL, utcnow
from models.people import ApiToken, Department, User
from models.sessions import WebSession
from portal.security.acl import row_acl
from portal.security.matrix import department_tree, role_matrix
from portal.security.principals import (
    Identity,
    identity_columns,
    identity_for,
    identity_from_columns,
    principals_for,
)
from portal.security.sessions import (
    PREAMBLE,
    ServerSessionFactory,
    on_account_transitioned,
    preamble,
    preamble_of,
)
from workflows.engine import Transitioned


class SecurityPolicy:
    def __init__(self):
        self.identity_cache = RequestLocalCache(self.load_identity)
        self.helper = ACLHelper()

    def load_identity(self, request) -> Identity | None:
        user = self._user_from_bearer(request) or self._user_from_session(request)
        if user is None or not user.active:
            return None
        request.dbsession.info["actor_id"] = user.id
        request.dbsession.info["remote_addr"] = (request.remote_addr or "")[:50]
        # Read with the session when it is this person's (else one statement of its own).
        return identity_from_columns(user, preamble_of(request), request.department_tree) \
            or identity_for(request.dbsession, user, request.department_tree)

    def _user_from_session(self, request) -> User | None:
        # The session lives in its database row (portal/security/sessions.py): an ended or
        # expired row gives an empty session, so log-out and the like take effect at once.
        uid = request.session.get("uid")
        if uid is None:
            return None
        return request.dbsession.get(User, uid)

    def _user_from_bearer(self, request) -> User | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        token = request.dbsession.scalar(
            sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(auth[7:].strip()))
        )
        now = utcnow()
        if token is None or token.revoked or (token.expires_at and token.expires_at < now):
            return None
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
            token.last_used_at = now
        request.environ["portal.api_token"] = True
        return token.user

    def identity(self, request) -> Identity | None:
        return self.identity_cache.get_or_create(request)

    def authenticated_userid(self, request):
        identity = self.identity(request)
        return identity.user.id if identity else None

    def permits(self, request, context, permission):
        # A page that only reads asks about one object several times (its buttons, its
        # parts): the principals for an object, the ACL of each object of its lineage and each
        # verdict are worked out once per request. The objects are kept with them, so that
        # their ids name them for the whole request. A request that writes asks afresh.
        identity = self.identity(request)  # first: reading it may write the session's row
        if request.method not in ("GET", "HEAD"):
            principals = principals_for(request.dbsession, identity, context,
                                        request.department_tree)
            return self.helper.permits(context, principals, permission)
        # Anything written in the meantime (a state moved, an owner changed) asks afresh.
        writes = request.dbsession.info.get(WRITES, 0)
        kept = request.__dict__.get("_portal_rights")
        if kept is None or kept[0] != writes:
            kept = request.__dict__["_portal_rights"] = (writes, {}, {})
        _writes, objects, acls = kept
        found = objects.get(id(context))
        if found is None:
            found = objects[id(context)] = (context, principals_for(
                request.dbsession, identity, context, request.department_tree), {})
        verdicts = found[2]
        verdict = verdicts.get(permission)
        if verdict is None:
            verdict = verdicts[permission] = _verdict(acls, context, found[1], permission)
        return verdict

    def remember(self, request, userid, **kw):
        """A new session (with a new id) for `userid`; the one before, if any, ends."""
        request.session.invalidate()
        request.session["uid"] = userid
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


# How many times the session has written (flushed, or run an UPDATE, INSERT or DELETE): the
# rights a request keeps hold only while this stays the same.
WRITES = "portal.writes"


@sa.event.listens_for(Session, "after_flush")
def _flushed(session, _context) -> None:
    session.info[WRITES] = session.info.get(WRITES, 0) + 1


@sa.event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info[WRITES] = state.session.info.get(WRITES, 0) + 1


def _acl_kept(acls: dict, location):
    """The ACL of `location` (None: it has none), computed once per request."""
    found = acls.get(id(location))
    if found is None:
        acl = getattr(location, "__acl__", None)
        if acl is not None and callable(acl):
            acl = acl()
        found = acls[id(location)] = (location, acl)
    return found[1]


def _verdict(acls: dict, context, principals, permission: str):
    """Pyramid's ACL rule — the first entry, from the object up its lineage, that names one of
    `principals` and `permission` decides; none: denied — over ACLs kept in `acls`."""
    acl = "<No ACL found on any object in resource lineage>"
    for location in lineage(context):
        found = _acl_kept(acls, location)
        if found is None:
            continue
        acl = found
        for ace in acl:
            action, principal, permissions = ace
            if principal not in principals:
                continue
            if permissions == permission if isinstance(permissions, str) \
                    else permission in permissions:
                allowed = ACLAllowed if action == Allow else ACLDenied
                return allowed(ace, acl, permission, principals, location)
    return ACLDenied("<default deny>", acl, permission, principals, context)


def _identity_column(user_id, name: str):
    return identity_columns(user_id)[name]


def check_access(request, user: User, context, permission: str):
    """Why `user` may or may not `permission` on `context`: Pyramid's ACLAllowed/ACLDenied."""
    identity = identity_for(request.dbsession, user, request.department_tree)
    principals = principals_for(request.dbsession, identity if user.active else None, context,
                                request.department_tree)
    return ACLHelper().permits(context, principals, permission), principals


def includeme(config) -> None:
    settings = config.get_settings()
    # The cookie carries only the session's id; the session lives in the database.
    config.set_session_factory(ServerSessionFactory(settings))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(SecurityPolicy())
    config.add_request_method(preamble, reify=True)
    config.add_request_method(role_matrix, reify=True)
    config.add_request_method(department_tree, reify=True)
    # The roles and departments each request sees: their generation, read with the session.
    config.register(PREAMBLE, SECURITY, lambda user_id: token_of(SECURITY))
    # Who the person is: their departments, roles and local grants (principals.py).
    for name in identity_columns(WebSession.user_id):
        config.register(PREAMBLE, name, partial(_identity_column, name=name))
    # People and departments: the role matrix as it is (their area is the administration's).
    config.register(ROW_ACL, User, row_acl)
    config.register(ROW_ACL, Department, row_acl)
    # A person deactivated: their sessions end at once.
    config.add_subscriber(on_account_transitioned, Transitioned)
