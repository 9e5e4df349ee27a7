"""The person's identity is read with their session, in the session's own statement (issue 11:
one statement less on every page): the departments, roles and local grants read so are the ones
`identity_for` reads, person by person, however many others are logged in."""
from __future__ import annotations

from models.roles import LocalRoleGrant
from models.sessions import WebSession
from portal.security.matrix import DepartmentTree
from portal.security.principals import identity_for, identity_from_columns
from portal.security.sessions import ServerSessionFactory
from tests.querycount import counting


def session_of(dbsession, user) -> str:
    secret = WebSession.new_secret()
    dbsession.add(WebSession(id_hash=WebSession.hash(secret), user_id=user.id,
                             data={"uid": user.id}, remote_addr="", user_agent=""))
    dbsession.flush()
    return secret


def test_the_identity_read_with_the_session_is_the_persons_own(dbsession, factory):
    sales, kb = factory.role("sales"), factory.role("editor")
    parent = factory.department("Продажи")
    child = factory.department("Продажи Юг", parent=parent)
    one = factory.user(roles=["sales"], departments=[parent, child])
    other = factory.user(departments=[factory.department()])
    nobody = factory.user(departments=[])
    dbsession.add_all([
        LocalRoleGrant(container_type="department", container_id=child.id, role_id=kb.id,
                       user_id=one.id),
        LocalRoleGrant(container_type="kb_folder", container_id=7, role_id=sales.id,
                       department_id=parent.id),
        LocalRoleGrant(container_type="kb_folder", container_id=8, role_id=kb.id,
                       user_id=other.id),
    ])
    dbsession.flush()
    secrets = {user.id: session_of(dbsession, user) for user in (one, other, nobody)}
    tree = DepartmentTree.load(dbsession)
    factory_ = ServerSessionFactory({})
    for user in (one, other, nobody):
        known: dict = {}
        assert factory_.open_row(dbsession, secrets[user.id], known) is not None
        read = identity_from_columns(user, known, tree)
        expected = identity_for(dbsession, user, tree)
        assert read is not None
        assert (read.roles, read.department_ids, read.dept_scope_ids, read.local_grants) == (
            expected.roles, expected.department_ids, expected.dept_scope_ids,
            expected.local_grants)
    assert read.roles == frozenset() and read.department_ids == frozenset()
    # Read for another person (a log-in changing who the session is): not used.
    known = {}
    factory_.open_row(dbsession, secrets[one.id], known)
    assert identity_from_columns(other, known, tree) is None


def test_a_page_reads_no_identity_of_its_own(testapp, app, login_as):
    """The session's statement carries the identity: no statement reads the memberships and
    grants apart."""
    login_as("sales")
    testapp.get("/people")
    with counting(app.registry["dbengine"]) as counts:
        testapp.get("/people")
    assert not [s for s in counts.statements if "role_grants" in s and "sessions" not in s]
