"""Two (and more) people saving one plan cell at the same instant: one row, the last write
wins, every change in its history, each correction starting from the amount before it. Real
commits, one session per thread, all released together; on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
import threading
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
import transaction
from pyramid.request import Request
from pyramid.scripting import prepare

import models
from models.roles import RoleGrant
from models.sales import ProductGroup, SalesPlan, SalesPlanChange
from portal.sales.plans import save_plan
from tests.clock import local_today
from tests.conftest import Factory
from tests.functional.sales.test_plans import next_month

THREADS = 6


@pytest.fixture
def committed(app):
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Race {tag}")
        manager = people.user(login=f"race-{tag}", roles=["sales"], departments=[dept])
        group = ProductGroup(name=f"Race {tag}")
        db.add(group)
        db.flush()
        group.set_path(None)
        ids = (manager.id, group.id)
    yield ids
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        plans = sa.select(SalesPlan.id).where(SalesPlan.group_id == ids[1])
        conn.execute(sa.delete(SalesPlanChange.__table__).where(SalesPlanChange.plan_id.in_(plans)))
        conn.execute(sa.delete(SalesPlan.__table__).where(SalesPlan.group_id == ids[1]))
        # The manager's role stays no one's: later tests delete the role "sales".
        conn.execute(sa.delete(RoleGrant.__table__).where(RoleGrant.user_id == ids[0]))


def run_together(app, n, work):
    barrier = threading.Barrier(n, timeout=30)
    results, errors = [None] * n, []

    def one(i):
        request = Request.blank("/", environ={"HTTP_HOST": "example.com"})
        env = prepare(request=request, registry=app.registry)
        try:
            with request.tm:
                barrier.wait()
                results[i] = work(i, request)
        except BaseException as error:
            errors.append(error)
        finally:
            env["closer"]()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return results, errors


def test_one_cell_saved_at_once_by_many(app, committed):
    manager_id, group_id = committed
    today = local_today()
    month = next_month(today)

    def work(i, request):
        plan = save_plan(request.dbsession, None, manager_id, group_id, month,
                         Decimal(100 * (i + 1)), today)
        return plan.id

    ids, errors = run_together(app, THREADS, work)
    assert not errors, errors
    assert len(set(ids)) == 1
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        plans = conn.execute(sa.select(SalesPlan.id, SalesPlan.amount, SalesPlan.version)
                             .where(SalesPlan.group_id == group_id)).all()
        changes = conn.execute(sa.select(SalesPlanChange.old_amount, SalesPlanChange.new_amount)
                               .where(SalesPlanChange.plan_id == plans[0].id)
                               .order_by(SalesPlanChange.id)).all()
    assert len(plans) == 1
    assert len(changes) == THREADS  # every write is in the history
    assert changes[0].old_amount is None
    for before, after in itertools.pairwise(changes):
        assert after.old_amount == before.new_amount  # each correction saw the one before
    assert plans[0].amount == changes[-1].new_amount  # the last write wins
    assert sorted(c.new_amount for c in changes) == [Decimal(100 * (i + 1)) for i in range(THREADS)]
