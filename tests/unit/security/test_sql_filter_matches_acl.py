"""Property: for any roles, scopes, departments and local grants, the SQL filter of a listing
and the computed ACL agree on every row (DESIGN.md §5)."""
from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.people import Department, Membership, User
from models.roles import LocalRoleGrant, Role, RoleGrant, RolePermission
from portal.security.filters import sql_filter
from portal.security.policy import check_access
from portal.security.principals import identity_for

RUN = 0
SCOPE = st.sampled_from([None, "own", "department", "all"])

cases = st.fixed_dictionaries({
    # parent index (or None) for each of 5 departments: index < own index keeps it a tree
    "parents": st.tuples(*[st.one_of(st.none(), st.integers(0, max(0, i - 1))) for i in range(5)]),
    "blocked": st.lists(st.booleans(), min_size=5, max_size=5),
    # departments of 6 people (0..2 each)
    "members": st.lists(st.lists(st.integers(0, 4), max_size=2, unique=True), min_size=6, max_size=6),
    "scope_a": SCOPE,
    "scope_b": SCOPE,
    "viewer_roles": st.lists(st.sampled_from(["a", "b"]), unique=True, max_size=2),
    "dept_roles": st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 4)), max_size=2),
    "local": st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 4), st.booleans()), max_size=2),
})


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_sql_filter_and_acl_agree(case, dbsession, request_for):
    # Each example adds fresh rows with unique names to the test's doomed transaction.
    global RUN
    RUN += 1
    depts = []
    for i, parent in enumerate(case["parents"]):
        dept = Department(name=f"P{RUN}-{i}", parent=depts[parent] if parent is not None and i else None,
                          block_local_roles=case["blocked"][i])
        dbsession.add(dept)
        depts.append(dept)
    roles = {}
    for key in ("a", "b"):
        role = Role(name=f"probe_{key}{RUN}", title=key)
        scope = case[f"scope_{key}"]
        if scope:
            role.permissions.append(RolePermission(type="person", permission="view", scope=scope))
        dbsession.add(role)
        roles[key] = role
    people = []
    for n, member_of in enumerate(case["members"]):
        user = User(login=f"probe{RUN}-{n}", full_name=f"Probe {n}")
        user.memberships = [Membership(department=depts[i]) for i in member_of]
        dbsession.add(user)
        people.append(user)
    viewer = people[0]
    dbsession.flush()
    for key in case["viewer_roles"]:
        dbsession.add(RoleGrant(role=roles[key], user=viewer))
    for key, d in case["dept_roles"]:
        if not dbsession.scalar(sa.select(RoleGrant.id).where(
                RoleGrant.role_id == roles[key].id, RoleGrant.department_id == depts[d].id)):
            dbsession.add(RoleGrant(role=roles[key], department=depts[d]))
    for key, d, to_viewer in case["local"]:
        holder = {"user": viewer} if to_viewer else {"department": depts[d]}
        dbsession.add(LocalRoleGrant(container_type="department", container_id=depts[d].id,
                                     role=roles[key], **holder))
    dbsession.flush()
    # The probe rows live among other people of the test database: compare on them only.
    ids = [p.id for p in people]
    request = request_for(viewer)
    identity = identity_for(dbsession, viewer)
    clause = sql_filter(request, User, "view", identity)
    by_sql = set(dbsession.scalars(sa.select(User.id).where(clause, User.id.in_(ids))))
    people_container = request.root["people"]
    by_acl = set()
    for person in people:
        context = people_container[person.login]
        allowed, _ = check_access(request, viewer, context, "view")
        if allowed:
            by_acl.add(person.id)
    # employee (person.view: all) is not granted to these probe departments
    assert by_sql == by_acl, case
