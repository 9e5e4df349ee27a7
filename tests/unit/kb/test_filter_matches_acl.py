"""Property: for any folder tree (blocked, restricted), sharing, roles and workflow states, the
SQL filter of articles and their computed ACL agree (DESIGN.md §5), for view, edit, review and
delete."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.kb import Article, KbFolder
from models.people import Department, Membership, User
from models.roles import LocalRoleGrant, Role, RoleGrant, RolePermission
from portal.kb.security import article_filter
from portal.security.policy import check_access
from portal.security.principals import identity_for

RUN = 0
STATES = ["draft", "pending", "published", "archived"]
LOCAL_ROLES = ["editor", "reviewer", "reader", "employee"]

cases = st.fixed_dictionaries({
    "parents": st.tuples(*[st.one_of(st.none(), st.integers(0, max(0, i - 1))) for i in range(4)]),
    "blocked": st.lists(st.booleans(), min_size=4, max_size=4),
    "restricted": st.lists(st.booleans(), min_size=4, max_size=4),
    # (folder, state, author: 0 = the viewer, 1 = someone else)
    "articles": st.lists(st.tuples(st.integers(0, 3), st.sampled_from(STATES), st.integers(0, 1)),
                         min_size=1, max_size=8),
    "global_roles": st.lists(st.sampled_from(["employee", "probe", "editor"]), unique=True, max_size=3),
    "probe_scope": st.sampled_from([None, "own", "department", "all"]),
    # (role, folder, to the viewer themselves or to their department)
    "local": st.lists(st.tuples(st.sampled_from(LOCAL_ROLES), st.integers(0, 3), st.booleans()), max_size=3),
})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_article_filter_and_acl_agree(case, dbsession, request_for):
    global RUN
    RUN += 1
    roles = {r.name: r for r in dbsession.scalars(sa.select(Role))}
    probe = Role(name=f"kbprobe{RUN}", title="probe")
    if case["probe_scope"]:
        for perm in ("view", "edit", "review", "delete"):
            probe.permissions.append(
                RolePermission(type="article", permission=perm, scope=case["probe_scope"]))
    dbsession.add(probe)
    roles["probe"] = probe
    dept = Department(name=f"KB{RUN}")
    viewer = User(login=f"kbviewer{RUN}", full_name="Viewer")
    other = User(login=f"kbother{RUN}", full_name="Other")
    viewer.memberships = [Membership(department=dept)]
    dbsession.add_all([dept, viewer, other])
    folders = []
    for i, parent in enumerate(case["parents"]):
        folder = KbFolder(slug=f"p{RUN}-{i}", title=f"P{i}", block_local_roles=case["blocked"][i],
                          restricted=case["restricted"][i],
                          parent=folders[parent] if parent is not None and i else None)
        dbsession.add(folder)
        folders.append(folder)
    dbsession.flush()
    for name in case["global_roles"]:
        dbsession.add(RoleGrant(role=roles[name], user=viewer))
    for name, f, to_viewer in case["local"]:
        holder = {"user": viewer} if to_viewer else {"department": dept}
        dbsession.add(LocalRoleGrant(container_type="kb_folder", container_id=folders[f].id,
                                     role=roles[name], **holder))
    articles = []
    for n, (f, state, author) in enumerate(case["articles"]):
        article = Article(folder_id=folders[f].id, slug=f"a{n}", title=f"A{n}", state=state,
                          author_id=(viewer if author == 0 else other).id)
        dbsession.add(article)
        articles.append(article)
    dbsession.flush()
    ids = [a.id for a in articles]
    request = request_for(viewer)
    identity = identity_for(dbsession, viewer)
    for permission in ("view", "edit", "review", "delete"):
        by_sql = set(dbsession.scalars(sa.select(Article.id).where(
            article_filter(request, permission, identity), Article.id.in_(ids))))
        by_acl = set()
        for article in articles:
            node = request.root["kb"]
            for folder in reversed(_lineage(article.folder_id, folders)):
                node = node[folder.slug]
            context = node[article.slug]
            allowed, _principals = check_access(request, viewer, context, permission)
            if allowed:
                by_acl.add(article.id)
        assert by_sql == by_acl, (permission, case)


def _lineage(folder_id, folders):
    by_id = {f.id: f for f in folders}
    out, node = [], by_id[folder_id]
    while node is not None:
        out.append(node)
        node = by_id.get(node.parent_id)
    return out
