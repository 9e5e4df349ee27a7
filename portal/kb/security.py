"""Security of the knowledge base: the folder tree, folder and article ACLs, and the same rules
as SQL for listings and search (DESIGN.md §5).

* Local roles shared on a folder (LocalRoleGrant, container type ``kb_folder``) hold in it and
  in everything below it, unless a folder between blocks inheritance (``block_local_roles``).
* A *restricted* folder (and everything below it) is seen only by people holding a local role
  that grants ``article.view`` there: global roles (employee's ``article.view: all``) stop at it.
* An article's ACL is the role matrix for ``article`` narrowed by its workflow state
  (workflows/article.py), computed by portal.security.acl.row_acl, minus the global grants in a
  restricted folder. `article_filter` is that ACL as a WHERE clause; a property test checks
  that they always agree.

The includeme binds these rules to the knowledge base's rows (models/kb.py asks through
models.meta's registries: `ROW_ACL` for the ACLs, `ROW_HOOKS` for the folders whose local roles
reach a row) and gives every request its folder tree (`request.kb_tree`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow
from pyramid.traversal import find_root
from sqlalchemy.orm import object_session

from models.generations import KB_TREE, GenerationCache, token_of, watch
from models.kb import FOLDER_CONTAINER, Article, KbFolder
from models.meta import ROW_ACL, ROW_HOOKS
from models.people import Membership, User
from models.roles import SCOPE_RANK, LocalRoleGrant, Role, RoleGrant
from portal.security.acl import ADMIN_ACE, row_acl
from portal.security.principals import Identity
from portal.security.sessions import PREAMBLE
from workflows.article import ARTICLE

# Folder permissions and the role-matrix cell each of them follows.
FOLDER_PERMISSIONS = {
    "view": ("article", "view"),
    "add": ("article", "add"),
    "add_folder": ("kb_folder", "add"),
    "edit": ("kb_folder", "edit"),
    "share": ("kb_folder", "share"),
}


# --- the folder tree, loaded once per request ---------------------------------------------------

@dataclass
class FolderNode:
    id: int
    parent_id: int | None
    slug: str
    title: str
    block_local_roles: bool
    restricted: bool
    sort_order: int


@dataclass
class KbTree:
    """Every folder (id, parent, slug, title, flags): paths, lineages and restrictions in memory.

    A few hundred folders load in about a millisecond, and every URL, breadcrumb and permission
    of the knowledge base needs them.
    """

    nodes: dict[int, FolderNode]
    children: dict[int | None, list[int]] = field(default_factory=dict)
    by_slug: dict[tuple[int | None, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls, dbsession) -> KbTree:
        rows = dbsession.execute(sa.select(
            KbFolder.id, KbFolder.parent_id, KbFolder.slug, KbFolder.title,
            KbFolder.block_local_roles, KbFolder.restricted, KbFolder.sort_order,
        ).order_by(KbFolder.sort_order, KbFolder.title, KbFolder.id)).all()
        nodes = {r[0]: FolderNode(*r) for r in rows}
        children: dict = defaultdict(list)
        by_slug = {}
        for node in nodes.values():
            children[node.parent_id].append(node.id)
            by_slug[(node.parent_id, node.slug)] = node.id
        return cls(nodes, dict(children), by_slug)

    def child_id(self, parent_id: int | None, slug: str) -> int | None:
        return self.by_slug.get((parent_id, slug))

    def lineage(self, folder_id: int) -> list[int]:
        """The folder and its parents up to the top (nearest first)."""
        out: list[int] = []
        node = self.nodes.get(folder_id)
        while node is not None and node.id not in out:
            out.append(node.id)
            node = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        return out

    def local_lineage(self, folder_id: int) -> list[int]:
        """The folders whose local roles reach `folder_id` (up to the first that blocks)."""
        out: list[int] = []
        for fid in self.lineage(folder_id):
            out.append(fid)
            if self.nodes[fid].block_local_roles:
                break
        return out

    def is_restricted(self, folder_id: int) -> bool:
        return folder_id in self.restricted_ids()

    def restricted_ids(self) -> set[int]:
        """Folders that are restricted or below a restricted one (one walk down the tree)."""
        cached = getattr(self, "_restricted", None)
        if cached is None:
            cached = self._restricted = set()
            stack = [(fid, False) for fid in self.children.get(None, ())]
            while stack:
                fid, above = stack.pop()
                here = above or self.nodes[fid].restricted
                if here:
                    cached.add(fid)
                stack.extend((c, here) for c in self.children.get(fid, ()))
        return cached

    def inherit_down(self, granted: dict[int, set[str]]) -> dict[int, frozenset[str]]:
        """{folder: roles} from roles granted on folders, passed down unless a folder blocks.

        The same grants give the same answer on one tree (a generation of the folders), so it
        is walked once per distinct grants, not on every request: the answer is shared, and
        must not be changed by its callers."""
        key = frozenset((fid, frozenset(roles)) for fid, roles in granted.items() if roles)
        memo = self.__dict__.setdefault("_inherited", {})
        found = memo.get(key)
        if found is not None:
            return found
        out: dict[int, frozenset[str]] = {}
        stack = [(fid, frozenset()) for fid in self.children.get(None, ())]
        while stack:
            fid, above = stack.pop()
            node = self.nodes[fid]
            here = (frozenset() if node.block_local_roles else above) | granted.get(fid, frozenset())
            if here:
                out[fid] = here
            stack.extend((c, here) for c in self.children.get(fid, ()))
        if len(memo) >= _KEPT_PER_TREE:
            memo.clear()
        memo[key] = out
        return out

    def path(self, folder_id: int) -> list[str]:
        """Slugs from the top folder down to `folder_id`."""
        return [self.nodes[f].slug for f in reversed(self.lineage(folder_id))]

    def ancestors(self, folder_id: int) -> list[FolderNode]:
        """The parents of a folder, from the top down (for breadcrumbs)."""
        return [self.nodes[f] for f in reversed(self.lineage(folder_id)[1:])]

    def descendants(self, folder_id: int) -> set[int]:
        """The folder and every folder below it."""
        out, stack = set(), [folder_id]
        while stack:
            node = stack.pop()
            if node not in out:
                out.add(node)
                stack.extend(self.children.get(node, ()))
        return out

    def walk(self, parent_id: int | None = None, depth: int = 0, only=None, max_depth: int = 99):
        """(node, depth) depth-first in display order, optionally only folders in `only`."""
        for fid in self.children.get(parent_id, ()):
            if only is None or fid in only:
                yield self.nodes[fid], depth
                if depth < max_depth:
                    yield from self.walk(fid, depth + 1, only, max_depth)


# What a tree keeps of the answers computed on it (local roles by grants, article filters by
# rights): bounded, cleared when full.
_KEPT_PER_TREE = 4096

# Kept in memory per generation of the folders (models/generations.py).
TREES = GenerationCache(KbTree.load)


def kb_tree(request) -> KbTree:
    """The request's folder tree (a reified request method; see `refresh_kb_tree`)."""
    known = request.preamble
    if KB_TREE not in known:
        known[KB_TREE] = request.dbsession.scalar(sa.select(token_of(KB_TREE)))
    return TREES.get(request.dbsession, known[KB_TREE])


def refresh_kb_tree(request) -> KbTree:
    """Forget the request's tree after folders were added, moved or renamed in it: read again
    as this transaction sees it now."""
    request.__dict__.pop("_kb_local", None)
    request.__dict__.pop("_kb_filters", None)
    request.__dict__["kb_tree"] = KbTree.load(request.dbsession)
    return request.kb_tree


def _request_of(obj):
    return getattr(find_root(obj), "request", None)


def kb_tree_for(obj) -> KbTree:
    """The tree for a located resource (from its request), else freshly loaded."""
    request = _request_of(obj)
    if request is not None:
        return request.kb_tree
    return KbTree.load(object_session(obj))


def folder_local_roles(folder: KbFolder) -> list[tuple[str, int]]:
    """The folders whose local roles reach `folder` (itself first), up to one that blocks."""
    return [(FOLDER_CONTAINER, i) for i in kb_tree_for(folder).local_lineage(folder.id)]


def article_local_roles(article: Article) -> list[tuple[str, int]]:
    """The folders whose local roles reach `article`: those that reach its folder."""
    return [(FOLDER_CONTAINER, i) for i in kb_tree_for(article).local_lineage(article.folder_id)]


# --- local roles of one person on every folder --------------------------------------------------

def local_roles_by_folder(request, identity: Identity) -> dict[int, frozenset[str]]:
    """{folder id: local role names} the person holds there, inherited unless blocked (shared:
    not to be changed)."""
    cache = request.__dict__.setdefault("_kb_local", {})
    key = identity.user.id
    if key in cache:
        return cache[key]
    granted: dict[int, set[str]] = defaultdict(set)
    for (container_type, folder_id), roles in identity.local_grants.items():
        if container_type == FOLDER_CONTAINER:
            granted[folder_id] |= roles
    out = request.kb_tree.inherit_down(granted) if granted else {}
    cache[key] = out
    return out


# --- ACLs -----------------------------------------------------------------------------------------

def folder_acl(folder: KbFolder) -> list:
    """A folder's ACL: list and read (view), write drafts (add), sub-folders, rename, share."""
    request = _request_of(folder)
    matrix = request.role_matrix
    restricted = request.kb_tree.is_restricted(folder.id)
    acl = [ADMIN_ACE]
    for permission, (type_name, cell) in FOLDER_PERMISSIONS.items():
        for role, scope in matrix.roles_with(type_name, cell):
            if not restricted and (permission in ("view", "add") or scope == "all"):
                acl.append((Allow, f"role:{role}", permission))
            acl.append((Allow, f"local:{role}", permission))
    acl.append(DENY_ALL)
    return acl


def kb_root_acl(request) -> list:
    """/kb: everyone who may read articles enters; top-level folders need kb_folder.add: all."""
    matrix = request.role_matrix
    acl = [ADMIN_ACE]
    for role, _scope in matrix.roles_with("article", "view"):
        acl.append((Allow, f"role:{role}", "view"))
    for role, scope in matrix.roles_with("kb_folder", "add"):
        if scope == "all":
            acl.append((Allow, f"role:{role}", "add_folder"))
    acl.append(DENY_ALL)
    return acl


def article_acl(article: Article) -> list:
    """The role matrix narrowed by the workflow state; in a restricted folder, local roles only."""
    acl = row_acl(article)
    if kb_tree_for(article).is_restricted(article.folder_id):
        acl = [ace for ace in acl if ace == ADMIN_ACE or not str(ace[1]).startswith("role:")]
    return acl


# --- the same rules as SQL ------------------------------------------------------------------------

def _identity(request, identity):
    return identity if identity is not None else request.identity


def ids_in(column, ids, negate: bool = False):
    """`column IN (1, 2, 3)` with the integers written into the SQL: folder lists repeat in
    every branch of a permission filter, and hundreds of bound parameters cost more to prepare
    than the query costs to run."""
    values = sorted({int(i) for i in ids})
    if not values:
        return sa.true() if negate else sa.false()
    listed = sa.literal_column("(" + ", ".join(map(str, values)) + ")")
    return column.op("NOT IN" if negate else "IN")(listed)


def article_filter(request, permission: str, identity: Identity | None = None):
    """WHERE for the articles the person may `permission`, exactly as `article_acl` decides."""
    identity = _identity(request, identity)
    if identity is None:
        return sa.false()
    if identity.is_admin:
        return sa.true()
    cache = request.__dict__.setdefault("_kb_filters", {})
    key = (identity.user.id, permission)
    if key not in cache:
        cache[key] = _shared_article_filter(request, permission, identity)
    return cache[key]


def _folder_grants(identity: Identity) -> frozenset:
    return frozenset((folder_id, frozenset(roles))
                     for (container_type, folder_id), roles in identity.local_grants.items()
                     if container_type == FOLDER_CONTAINER and roles)


def _shared_article_filter(request, permission: str, identity: Identity):
    """`_article_filter`, made once per tree (a generation of the folders) and role matrix for
    everyone with the same rights: what decides it is the matrix, the tree, the person's id,
    roles and local grants on folders. SQL expressions are immutable, so one is shared."""
    tree = request.kb_tree
    matrix = request.role_matrix
    key = (id(matrix), permission, identity.user.id, identity.roles, _folder_grants(identity))
    memo = tree.__dict__.setdefault("_filters", {})
    found = memo.get(key)
    if found is not None and found[0] is matrix:  # the id of a matrix still alive: the same one
        return found[1]
    clause = _article_filter(request, permission, identity)
    if len(memo) >= _KEPT_PER_TREE:
        memo.clear()
    memo[key] = (matrix, clause)
    return clause


def _article_filter(request, permission: str, identity: Identity):
    uid = identity.user.id
    holders = request.role_matrix.roles_with("article", permission)
    restricted = request.kb_tree.restricted_ids()
    not_restricted = ids_in(Article.folder_id, restricted, negate=True)
    local = local_roles_by_folder(request, identity)
    clauses = []
    for state_name, state in ARTICLE.states.items():
        rule = state.permissions.get(permission)

        def allowed(role, rule=rule):
            return rule is None or role in rule

        best = None
        for role, scope in holders:
            if role in identity.roles and allowed(role) and SCOPE_RANK[scope] > SCOPE_RANK[best]:
                best = scope
        parts = []
        if best == "all":
            parts.append(not_restricted)
        elif best in ("department", "own"):
            # Articles belong to no department: department scope reaches one's own rows only.
            parts.append(sa.and_(not_restricted, Article.author_id == uid))
        local_ok = {role for role, _scope in holders if allowed(role)}
        folders = [f for f, roles in local.items() if roles & local_ok]
        if folders:
            parts.append(ids_in(Article.folder_id, folders))
        if rule and "Owner" in rule:
            parts.append(Article.author_id == uid)
        if parts:
            clauses.append(sa.and_(Article.state == state_name, sa.or_(*parts)))
    return sa.or_(*clauses) if clauses else sa.false()


def visible_folder_ids(request, identity: Identity | None = None, permission: str = "view") -> set[int]:
    """Folders the person may `permission` (view, add...), as `folder_acl` decides."""
    identity = _identity(request, identity)
    tree = request.kb_tree
    if identity is None:
        return set()
    if identity.is_admin:
        return set(tree.nodes)
    type_name, cell = FOLDER_PERMISSIONS[permission]
    holders = request.role_matrix.roles_with(type_name, cell)
    global_ok = any(role in identity.roles and (permission in ("view", "add") or scope == "all")
                    for role, scope in holders)
    local_ok = {role for role, _scope in holders}
    local = local_roles_by_folder(request, identity)
    restricted = tree.restricted_ids()
    return {f for f in tree.nodes
            if (global_ok and f not in restricted) or (local.get(f, set()) & local_ok)}


def folder_holders(request, folder_id: int, type_name: str, permission: str) -> set[int]:
    """Active people who hold type.permission on a folder: by a local role there (themselves or
    through a department), or by a global role with scope all unless the folder is restricted."""
    db = request.dbsession
    tree = request.kb_tree
    roles = {role for role, _scope in request.role_matrix.roles_with(type_name, permission)}
    if not roles:
        return set()
    role_ids = sa.select(Role.id).where(Role.name.in_(roles))
    grants = db.execute(sa.select(LocalRoleGrant.user_id, LocalRoleGrant.department_id).where(
        LocalRoleGrant.container_type == FOLDER_CONTAINER,
        LocalRoleGrant.container_id.in_(tree.local_lineage(folder_id)),
        LocalRoleGrant.role_id.in_(role_ids))).all()
    user_ids = {u for u, _d in grants if u}
    dept_ids = {d for _u, d in grants if d}
    if not tree.is_restricted(folder_id):
        global_roles = [role for role, scope in request.role_matrix.roles_with(type_name, permission)
                        if scope == "all"]
        if global_roles:
            rows = db.execute(sa.select(RoleGrant.user_id, RoleGrant.department_id)
                              .join(Role, Role.id == RoleGrant.role_id)
                              .where(Role.name.in_(global_roles))).all()
            user_ids |= {u for u, _d in rows if u}
            dept_ids |= {d for _u, d in rows if d}
    if dept_ids:
        user_ids |= set(db.scalars(sa.select(Membership.user_id)
                                   .where(Membership.department_id.in_(dept_ids))))
    if not user_ids:
        return set()
    return set(db.scalars(sa.select(User.id).where(User.id.in_(user_ids), User.active)))


def includeme(config) -> None:
    """Every request's folder tree; the knowledge base's rows' ACLs and local-role lineage."""
    config.add_request_method(kb_tree, "kb_tree", reify=True)
    # The folder tree each request sees: its generation, read with the session.
    watch(KbFolder, KB_TREE)
    config.register(PREAMBLE, KB_TREE, lambda user_id: token_of(KB_TREE))
    config.register(ROW_ACL, KbFolder, folder_acl)
    config.register(ROW_ACL, Article, article_acl)
    config.register(ROW_HOOKS, KbFolder, {"local_role_containers": folder_local_roles})
    config.register(ROW_HOOKS, Article, {"local_role_containers": article_local_roles})
