"""The funnel: deals entering each stage in the period, by pipeline (each channel has its own),
conversion from stage to stage and to won, the average days in a stage, and the reasons deals
were lost, with counts and amounts (issue 15, point 5).

Read from the stage history (DealStageChange) of the deals the viewer may see
(`visible_deals`):
- entered: deals with a move into the stage within the period (a deal counts once per stage);
- moved on: of those, the deals that later (after that entry) went into a further open stage or
  were won; conversion to the next stage = moved on / entered;
- won: of those, the deals won now; conversion to won = won / entered;
- days in stage: from an entry in the period to the deal's next move, on average (a deal still
  in the stage is not counted);
- lost reasons: the deals lost (closed) in the period, by reason.
The period is in the viewer's time zone.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa

from models.clients import Classifier
from models.sales import Deal, DealStageChange, Pipeline, Stage
from portal.core.i18n import _
from portal.sales.reports.base import (
    ZERO,
    Column,
    Filters,
    ReportResult,
    Table,
    department_ids,
    money,
    percent,
    period_instants,
    sales_report,
)
from portal.sales.security import visible_deals

DAY = Decimal(86400)
TENTH = Decimal("0.1")


def deal_where(request, filters: Filters, pipeline_ids: list[int]) -> list:
    where = [visible_deals(request), Deal.pipeline_id.in_(pipeline_ids or [-1])]
    if filters.manager_id is not None:
        where.append(Deal.owner_id == filters.manager_id)
    if filters.department_id is not None:
        where.append(Deal.department_id.in_(department_ids(request, filters.department_id)))
    if filters.organization_id is not None:
        where.append(Deal.organization_id == filters.organization_id)
    return where


def chosen_pipelines(request, filters: Filters) -> list[Pipeline]:
    stmt = sa.select(Pipeline).order_by(Pipeline.position, Pipeline.name)
    if filters.pipeline_id is not None:
        stmt = stmt.where(Pipeline.id == filters.pipeline_id)
    if filters.channel is not None:
        stmt = stmt.where(Pipeline.channel == filters.channel)
    return list(request.dbsession.scalars(stmt))


def funnel_figures(request, filters: Filters, pipelines: list[Pipeline]) -> dict:
    """Per stage id: entered, moved_on, won, days (a list of durations in days)."""
    db = request.dbsession
    lo, hi = period_instants(request, filters)
    where = deal_where(request, filters, [p.id for p in pipelines])
    entered_deals = (sa.select(DealStageChange.deal_id)
                     .join(Deal, Deal.id == DealStageChange.deal_id)
                     .where(DealStageChange.changed_at >= lo, DealStageChange.changed_at < hi,
                            *where))
    history: dict[int, list] = defaultdict(list)
    for deal_id, stage_id, at in db.execute(
            sa.select(DealStageChange.deal_id, DealStageChange.to_stage_id,
                      DealStageChange.changed_at)
            .where(DealStageChange.deal_id.in_(entered_deals.distinct()))
            .order_by(DealStageChange.deal_id, DealStageChange.changed_at, DealStageChange.id)):
        history[deal_id].append((stage_id, at))
    won_now = set(db.scalars(sa.select(Deal.id).where(
        Deal.id.in_(entered_deals.distinct()), Deal.state == "won")))
    stages = {s.id: s for s in db.scalars(
        sa.select(Stage).where(Stage.pipeline_id.in_([p.id for p in pipelines] or [-1])))}

    def rank(stage_id):
        stage = stages.get(stage_id)
        if stage is None or stage.kind == "lost":
            return None
        return (1, 0) if stage.kind == "won" else (0, stage.position)

    figures: dict[int, dict] = defaultdict(lambda: {"entered": set(), "moved_on": set(),
                                                     "won": set(), "days": []})
    for deal_id, moves in history.items():
        for i, (stage_id, at) in enumerate(moves):
            if not (lo <= at < hi):
                continue
            cell = figures[stage_id]
            cell["entered"].add(deal_id)
            here = rank(stage_id)
            if here is not None and any(rank(s) is not None and rank(s) > here
                                        for s, _at in moves[i + 1:]):
                cell["moved_on"].add(deal_id)
            if deal_id in won_now:
                cell["won"].add(deal_id)
            if i + 1 < len(moves):
                cell["days"].append(Decimal((moves[i + 1][1] - at).total_seconds()) / DAY)
    return {"figures": figures, "stages": stages}


def lost_reasons(request, filters: Filters, pipelines: list[Pipeline]) -> list[tuple]:
    """(reason id, count, amount) of the deals lost in the period."""
    stmt = (sa.select(Deal.lost_reason_id, sa.func.count(), sa.func.sum(Deal.amount))
            .where(Deal.state == "lost", Deal.closed_on >= filters.period_start,
                   Deal.closed_on <= filters.period_end,
                   *deal_where(request, filters, [p.id for p in pipelines]))
            .group_by(Deal.lost_reason_id))
    return list(request.dbsession.execute(stmt))


@sales_report("funnel", _("Funnel conversion"), 30,
              filters=("period", "pipeline", "channel", "manager", "department"),
              description=_("Deals entering each stage, conversion from stage to stage and to "
                            "won, days in a stage, and why deals were lost."),
              icon="funnel", default_period="year")
def funnel(request, filters: Filters) -> ReportResult:
    pipelines = chosen_pipelines(request, filters)
    data = funnel_figures(request, filters, pipelines)
    figures, stages = data["figures"], data["stages"]
    columns = [Column("stage", _("Deal stage")), Column("probability", _("Probability, %"), "int"),
               Column("entered", _("Entered"), "int"), Column("moved_on", _("Moved on"), "int"),
               Column("to_next", _("Conversion to the next stage, %"), "percent"),
               Column("won", _("Won"), "int"),
               Column("to_won", _("Conversion to won, %"), "percent"),
               Column("days", _("Average days in stage"), "qty")]
    tables = []
    chart = None
    for pipeline in pipelines:
        own = sorted((s for s in stages.values() if s.pipeline_id == pipeline.id),
                     key=lambda s: ({"open": 0, "won": 1, "lost": 2}.get(s.kind, 3), s.position))
        rows = []
        for stage in own:
            cell = figures.get(stage.id)
            entered = len(cell["entered"]) if cell else 0
            days = cell["days"] if cell else []
            row = {"stage": stage.name, "probability": stage.probability, "entered": entered,
                   "days": (sum(days, Decimal(0)) / len(days)).quantize(TENTH)
                   if days else None}
            if stage.kind == "open":
                moved = len(cell["moved_on"]) if cell else 0
                won = len(cell["won"]) if cell else 0
                row.update(moved_on=moved, to_next=percent(moved, entered), won=won,
                           to_won=percent(won, entered))
            rows.append(row)
        tables.append(Table(columns, rows, None,
                            _("Pipeline «${name}» (${channel})",
                              mapping={"name": pipeline.name, "channel": pipeline.channel})))
        if chart is None:
            open_and_won = [s for s in own if s.kind != "lost"]
            chart = {"type": "bar", "labels": [s.name for s in open_and_won],
                     "datasets": [{"label": _("Entered"),
                                   "data": [len(figures[s.id]["entered"]) if s.id in figures
                                            else 0 for s in open_and_won]}]}

    reasons = lost_reasons(request, filters, pipelines)
    names = {}
    ids = [r for r, _n, _a in reasons if r is not None]
    if ids:
        tr = request.localizer.translate
        names = {c.id: (tr(_(c.title)) if c.code and c.title else c.title)
                 for c in request.dbsession.scalars(sa.select(Classifier)
                                                    .where(Classifier.id.in_(ids)))}
    lost_rows = [{"reason": names.get(r, "") if r is not None else _("Not specified"),
                  "deals": n, "amount": money(a)}
                 for r, n, a in sorted(reasons, key=lambda x: (-x[1], names.get(x[0], "")))]
    lost_total = {"reason": _("Total"), "deals": sum(r["deals"] for r in lost_rows),
                  "amount": sum((r["amount"] for r in lost_rows), ZERO)}
    for row in lost_rows:
        row["share"] = percent(row["deals"], lost_total["deals"])
    lost_total["share"] = percent(lost_total["deals"], lost_total["deals"])
    tables.append(Table([Column("reason", _("Lost reason")), Column("deals", _("Deals"), "int"),
                         Column("share", _("Share, %"), "percent"),
                         Column("amount", _("Amount"), "money")],
                        lost_rows, lost_total, _("Lost reasons")))
    notes = [_("Entered: deals moved into the stage in the period. Moved on: of them, those that "
               "went further or were won later. Days in stage: until the next move.")]
    return ReportResult(tables, chart, notes)
