"""Many people moving one deal at the same instant, in real transactions on SQLite and
PostgreSQL (one session per thread, real commits; the rows are removed afterwards): every
thread read the deal at version 1 and checked the move before any wrote, so only the UPDATE
guarded by (id, version) stands between them. Exactly one move is kept, with one history row;
every other thread is told clearly (DealChanged) and wrote nothing."""
from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction

import models
import portal.sales.deals as service
from models.clients import Classifier, Contact, Organization
from models.people import User
from models.roles import RoleGrant
from models.sales import Deal, DealStageChange, Pipeline, Product, ProductGroup, Stage
from tests.conftest import Factory
from tests.functional.sales.test_deals import build_deal_world

THREADS = 8


@pytest.fixture
def race(app):
    """A committed world and one deal at version 1; removed afterwards."""
    tag = uuid.uuid4().hex[:6]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        w = build_deal_world(db, Factory(db), tag)
        deal = service.create_deal(db, w.manager, service.DealInput(
            title=f"Race {tag}", organization_id=w.client.id, pipeline_id=w.direct.id))
        ids = {"deal": deal.id, "manager": w.manager.id,
               "stages": [w.proposal.id, w.nego.id], "pipelines": [w.direct.id, w.dealer.id],
               "orgs": [w.client.id, w.south_client.id],
               "users": [u.id for u in (w.manager, w.colleague, w.south_manager, w.head,
                                        w.director, w.employee)],
               "depts": [w.north.id, w.south.id], "products": [w.pump.id, w.valve.id],
               "group": w.pump.group_id,
               "classifiers": [w.price.id, w.retired.id, w.industry.id]}
    yield ids
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.delete(DealStageChange.__table__).where(
            DealStageChange.deal_id == ids["deal"]))
        conn.execute(sa.delete(Deal.__table__).where(Deal.id == ids["deal"]))
        conn.execute(sa.delete(Stage.__table__).where(Stage.pipeline_id.in_(ids["pipelines"])))
        conn.execute(sa.delete(Pipeline.__table__).where(Pipeline.id.in_(ids["pipelines"])))
        conn.execute(sa.delete(Product.__table__).where(Product.id.in_(ids["products"])))
        conn.execute(sa.delete(ProductGroup.__table__).where(ProductGroup.id == ids["group"]))
        conn.execute(sa.delete(Contact.__table__).where(
            Contact.organization_id.in_(ids["orgs"])))
        conn.execute(sa.delete(Organization.__table__).where(Organization.id.in_(ids["orgs"])))
        conn.execute(sa.delete(Classifier.__table__).where(
            Classifier.id.in_(ids["classifiers"])))
        # Their roles stay no one's: later tests delete the role "sales".
        conn.execute(sa.delete(RoleGrant.__table__).where(RoleGrant.user_id.in_(ids["users"])))


def test_many_people_moving_one_deal_at_once_one_move_is_kept(app, dbengine, race, monkeypatch):
    barrier = threading.Barrier(THREADS, timeout=30)
    original = service.target_stage

    def check_then_wait(*args, **kw):
        found = original(*args, **kw)
        barrier.wait()  # every thread has read version 1 and checked the move
        return found

    monkeypatch.setattr(service, "target_stage", check_then_wait)
    done, refused, errors = [], [], []

    def go(i):
        try:
            try:
                tm = transaction.TransactionManager()
                with tm:
                    db = models.get_tm_session(app.registry["dbsession_factory"], tm)
                    deal = db.get(Deal, race["deal"])
                    actor = db.get(User, race["manager"])
                    target = race["stages"][i % 2]
                    service.move(db, actor, deal, target, version=1)
                    done.append(target)
            except service.DealChanged as refusal:
                refused.append(refusal.message.interpolate())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors
    assert len(done) == 1, f"{len(done)} moves of one deal were kept"
    assert len(refused) == THREADS - 1
    assert all("changed this deal" in message for message in refused)
    with dbengine.connect() as conn:
        stage, version = conn.execute(sa.select(Deal.stage_id, Deal.version).where(
            Deal.id == race["deal"])).one()
        moves = conn.execute(sa.select(DealStageChange.to_stage_id).where(
            DealStageChange.deal_id == race["deal"], DealStageChange.from_stage_id.is_not(None))
        ).scalars().all()
    assert (stage, version) == (done[0], 2)
    assert moves == [done[0]]
