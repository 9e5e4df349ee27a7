"""Pipelines and stages as admins keep them (/sales/settings/@@pipelines): one pipeline per
channel, stages added, renamed, reordered, deactivated and made active again; "Won" and "Lost"
stay last; a stage deals stand or stood on is never deleted; only admins see the page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.errors import UserError
from models.sales import Pipeline, Stage
from portal.sales import pipelines as service
from tests.functional.sales.test_deals import build_deal_world, new_deal

PAGE = "/sales/settings/@@pipelines"


@pytest.fixture
def w(dbsession, factory):
    return build_deal_world(dbsession, factory)


def names(db, pipeline) -> list[str]:
    db.expire_all()
    return [s.name + ("" if s.position >= 0 else " (off)")
            for s in service.stages_of(db, [pipeline.id])[pipeline.id]]


def test_stages_are_added_reordered_deactivated_and_kept_in_order(dbsession, w):
    p = w.direct
    service.add_stage(dbsession, None, p, name="Contract", probability=90)
    assert names(dbsession, p) == ["Qualification", "Proposal", "Negotiation", "Contract",
                                   "Won", "Lost"]
    service.move_stage(dbsession, None, p, w.nego.id, -1)
    service.move_stage(dbsession, None, p, w.qual.id, -1)  # already first: nothing
    assert names(dbsession, p)[:3] == ["Qualification", "Negotiation", "Proposal"]
    service.set_stage_active(dbsession, None, p, w.proposal.id, False)
    assert names(dbsession, p) == ["Qualification", "Negotiation", "Contract", "Won", "Lost",
                                   "Proposal (off)"]
    service.set_stage_active(dbsession, None, p, w.proposal.id, True)
    assert names(dbsession, p)[3:] == ["Proposal", "Won", "Lost"]
    service.update_stage(dbsession, None, p, w.qual.id, name="Lead", probability=5)
    assert (w.qual.name, w.qual.probability) == ("Lead", 5)
    service.update_stage(dbsession, None, p, w.won.id, name="Signed", probability=3)
    assert (w.won.name, w.won.probability) == ("Signed", 100)


@pytest.mark.parametrize(("call", "field"), [
    (lambda db, w: service.update_stage(db, None, w.direct, w.qual.id, name="X",
                                        probability=101), "probability"),
    (lambda db, w: service.update_stage(db, None, w.direct, w.contract.id, name="X",
                                        probability=1), "stage"),
    (lambda db, w: service.add_stage(db, None, w.direct, name=" ", probability=1), "name"),
    (lambda db, w: service.delete_stage(db, None, w.direct, w.won.id), "stage"),
    (lambda db, w: service.set_stage_active(db, None, w.direct, w.lost.id, False), "stage"),
    (lambda db, w: service.create_pipeline(db, None, code="x", name="X", channel=w.direct.channel,
                                           stages=[("A", 1)]), "channel"),
    (lambda db, w: service.create_pipeline(db, None, code="Bad Code", name="X", channel="y",
                                           stages=[("A", 1)]), "code"),
    (lambda db, w: service.create_pipeline(db, None, code="z", name="X", channel="z",
                                           stages=[]), "stages"),
])
def test_bad_changes_are_refused(dbsession, w, call, field):
    with pytest.raises(UserError) as refused:
        call(dbsession, w)
    assert refused.value.field == field


def test_a_stage_with_deals_is_not_deleted_nor_deactivated_while_open_deals_stand_on_it(
        dbsession, w):
    deal = new_deal(dbsession, w)
    with pytest.raises(UserError) as refused:
        service.delete_stage(dbsession, None, w.direct, w.qual.id)
    assert "cannot be deleted" in refused.value.message.interpolate()
    with pytest.raises(UserError):
        service.set_stage_active(dbsession, None, w.direct, w.qual.id, False)
    assert deal.stage_id == w.qual.id
    service.delete_stage(dbsession, None, w.direct, w.nego.id)  # never used: deleted
    assert dbsession.get(Stage, w.nego.id) is None


def test_stage_lines_as_admins_type_them():
    assert service.parse_stage_lines("Lead; 10\n\nProposal, 40 %\nTalk") == [
        ("Lead", 10), ("Proposal", 40), ("Talk", 0)]
    with pytest.raises(UserError):
        service.parse_stage_lines("Lead; ten")


def test_the_admin_page(testapp, dbsession, w, login_as):
    login_as("admin")
    page = testapp.get(PAGE)
    assert w.direct.name in page.text and "Negotiation" in page.text
    testapp.post_csrf(PAGE, {"action": "create", "code": "tender", "name": "Тендеры",
                             "channel": "tender", "stages": "Заявка; 20\nТорги; 50"}, status=303)
    tender = dbsession.scalar(sa.select(Pipeline).where(Pipeline.code == "tender"))
    assert [s.name for s in service.stages_of(dbsession, [tender.id])[tender.id]] == [
        "Заявка", "Торги", "Won", "Lost"]
    testapp.post_csrf(PAGE, {"action": "add_stage", "pipeline": str(w.direct.id),
                             "name": "Contract", "probability": "90"}, status=303)
    refused = testapp.post_csrf(PAGE, {"action": "delete", "pipeline": str(w.direct.id),
                                       "stage": str(w.contract.id)}, status=303).follow()
    assert "not in this pipeline" in refused.text
    for junk in ({"action": "explode"}, {"action": "up", "pipeline": "abc"},
                 {"action": "up", "pipeline": str(w.direct.id), "stage": "-1"}):
        testapp.post_csrf(PAGE, junk, status=303)
    assert "Contract" in testapp.get(PAGE).text


@pytest.mark.parametrize("who", ["director", "sales", "employee"])
def test_only_admins_keep_pipelines(testapp, w, login_as, who):
    login_as(who)
    testapp.get(PAGE, status=403)
    testapp.post_csrf(PAGE, {"action": "create", "code": "x", "name": "X", "channel": "x",
                             "stages": "A; 1"}, status=403)


def test_the_admin_page_on_a_phone_and_its_words(testapp, w, login_as):
    """Stages stack on phones (pipeline-stages: a block a stage, no fixed-width name input);
    the title is the common page header; the column is «этап», not the clients' «Стадия»."""
    login_as("admin")
    page = testapp.get(PAGE, headers={"Accept-Language": "en"})
    assert page.html.select_one(".page-header .page-lead h1").get_text(strip=True) == \
        "Pipelines and stages"
    table = page.html.select_one("table.pipeline-stages")
    assert table.select_one("thead th").get_text(strip=True) == "Deal stage"
    names = table.select("input.stage-name")
    assert len(names) >= 3 and not any("w-auto" in i["class"] for i in names)
    assert all("flex-wrap" in f["class"] for f in table.select("form.stage-form"))
    ru = testapp.get(PAGE, headers={"Accept-Language": "ru"})
    assert "Стадия" not in ru.html.select_one("table.pipeline-stages thead").get_text()
