"""Pipelines (воронки) and their stages, as admins keep them at /sales/settings/@@pipelines.

One pipeline per sales channel ("direct", "dealer", "tender", ...). A pipeline's stages are
in the order deals move through them; each gives the probability that a deal on it is won
(the board's weighted sums). Every pipeline has exactly one stage of kind "won" and one of
kind "lost", made with it and never removed or deactivated: "Won" and "Lost" are where
closing a deal puts it. Open stages are added, renamed, reordered and deactivated; a stage on
which a deal stands or stood (its history names it) is never deleted: deactivate it instead.

Stages are kept in `position` order with the open ones first (1..n), then "won" (n+1), then
"lost" (n+2), so that a pipeline reads left to right as its board does. A deactivated open
stage keeps its row (reports read its history) with the position minus its id: out of the
board, unique, and back at the end of the open ones when made active again.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa

from models.errors import UserError
from models.people import User
from models.sales import Deal, DealStageChange, Pipeline, Stage
from portal.core.i18n import _

NAME_MAX = 200
CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# Positions stages pass through while they are put in a new order.
SHUFFLE = -1_000_000_000


def _name(value: str, field: str = "name") -> str:
    name = " ".join((value or "").split())[:NAME_MAX]
    if not name:
        raise UserError(_("Give it a name."), field)
    return name


def _probability(value: int | None) -> int:
    if value is None or not 0 <= value <= 100:
        raise UserError(_("A probability is a whole number from 0 to 100."), "probability")
    return value


def pipelines(dbsession, *, active_only: bool = False) -> list[Pipeline]:
    """Every pipeline in its order."""
    stmt = sa.select(Pipeline).order_by(Pipeline.position, Pipeline.id)
    if active_only:
        stmt = stmt.where(Pipeline.active.is_(True))
    return list(dbsession.scalars(stmt))


def stages_of(dbsession, pipeline_ids: Sequence[int]) -> dict[int, list[Stage]]:
    """{pipeline id: its stages in order} in one statement (inactive ones last)."""
    out: dict[int, list[Stage]] = {i: [] for i in pipeline_ids}
    if not pipeline_ids:
        return out
    for stage in dbsession.scalars(
            sa.select(Stage).where(Stage.pipeline_id.in_(sorted(set(pipeline_ids))))
            .order_by(Stage.pipeline_id, Stage.position < 0, Stage.position, Stage.id)):
        out[stage.pipeline_id].append(stage)
    return out


def is_active_stage(stage: Stage) -> bool:
    return stage.position >= 0


def open_stages(stages: Sequence[Stage]) -> list[Stage]:
    """The open stages a deal may stand on now, in order."""
    return [s for s in stages if s.kind == "open" and is_active_stage(s)]


def closing_stage(stages: Sequence[Stage], kind: str) -> Stage:
    """The pipeline's "won" or "lost" stage."""
    for stage in stages:
        if stage.kind == kind:
            return stage
    raise UserError(_("This pipeline has no “${kind}” stage: an administrator should repair it.",
                      mapping={"kind": kind}), "stage")


def create_pipeline(dbsession, actor: User | None, *, code: str, name: str, channel: str,
                    stages: Sequence[tuple[str, int]] = (),
                    won: str = "Won", lost: str = "Lost") -> Pipeline:
    """A new pipeline of a channel with its open stages [(name, probability)] and its "won"
    (100 %) and "lost" (0 %) stages. Everything is checked before anything is written."""
    code = (code or "").strip().lower()
    channel = (channel or "").strip().lower()
    if not CODE.match(code):
        raise UserError(_("A code is made of small Latin letters, digits, “-” and “_”, "
                          "starting with a letter."), "code")
    if not CODE.match(channel):
        raise UserError(_("A channel is made of small Latin letters, digits, “-” and “_”, "
                          "starting with a letter."), "channel")
    name = _name(name)
    if dbsession.scalar(sa.select(Pipeline.id).where(Pipeline.code == code)):
        raise UserError(_("Another pipeline has this code."), "code")
    if dbsession.scalar(sa.select(Pipeline.id).where(Pipeline.channel == channel)):
        raise UserError(_("This channel has a pipeline already: one pipeline per channel."),
                        "channel")
    wanted = [(_name(stage_name), _probability(probability)) for stage_name, probability in stages]
    if not wanted:
        raise UserError(_("A pipeline needs at least one open stage."), "stages")
    won, lost = _name(won), _name(lost)
    last = dbsession.scalar(sa.select(sa.func.max(Pipeline.position))) or 0
    pipeline = Pipeline(code=code, name=name, channel=channel, position=last + 1, active=True)
    dbsession.add(pipeline)
    dbsession.flush()
    for position, (stage_name, probability) in enumerate(wanted, start=1):
        dbsession.add(Stage(pipeline_id=pipeline.id, name=stage_name, position=position,
                            probability=probability, kind="open"))
    dbsession.add(Stage(pipeline_id=pipeline.id, name=won, position=len(wanted) + 1,
                        probability=100, kind="won"))
    dbsession.add(Stage(pipeline_id=pipeline.id, name=lost, position=len(wanted) + 2,
                        probability=0, kind="lost"))
    dbsession.flush()
    return pipeline


def update_pipeline(dbsession, actor: User | None, pipeline: Pipeline, *, name: str,
                    active: bool) -> None:
    pipeline.name = _name(name)
    pipeline.active = bool(active)
    dbsession.flush()


def _stage_of(dbsession, pipeline: Pipeline, stage_id: int | None) -> Stage:
    stage = dbsession.get(Stage, stage_id) if stage_id is not None else None
    if stage is None or stage.pipeline_id != pipeline.id:
        raise UserError(_("That stage is not in this pipeline."), "stage")
    return stage


def add_stage(dbsession, actor: User | None, pipeline: Pipeline, *, name: str,
              probability: int | None) -> Stage:
    """A new open stage, the last of the open ones."""
    stages = stages_of(dbsession, [pipeline.id])[pipeline.id]
    stage = Stage(pipeline_id=pipeline.id, name=_name(name), position=SHUFFLE + 1,
                  probability=_probability(probability), kind="open")
    dbsession.add(stage)
    dbsession.flush()
    _layout(dbsession, [*stages, stage], [*open_stages(stages), stage])
    return stage


def update_stage(dbsession, actor: User | None, pipeline: Pipeline, stage_id: int | None, *,
                 name: str, probability: int | None) -> Stage:
    """Rename a stage or change its probability ("won" stays 100 %, "lost" 0 %)."""
    stage = _stage_of(dbsession, pipeline, stage_id)
    name = _name(name)
    if stage.kind == "open":
        stage.probability = _probability(probability)
    stage.name = name
    dbsession.flush()
    return stage


def _layout(dbsession, stages: Sequence[Stage], ordered: Sequence[Stage]) -> None:
    """Positions for a pipeline's `stages`: the open ones of `ordered` 1..n in that order, then
    "won", then "lost"; any other open stage is inactive (minus its id). Through positions no
    stage has, so that the unique (pipeline, position) holds at every statement."""
    for i, stage in enumerate(stages):
        stage.position = SHUFFLE - i
    dbsession.flush()
    chosen = {s.id for s in ordered}
    n = len(ordered)
    for i, stage in enumerate(ordered, start=1):
        stage.position = i
    for stage in stages:
        if stage.kind == "won":
            stage.position = n + 1
        elif stage.kind == "lost":
            stage.position = n + 2
        elif stage.id not in chosen:
            stage.position = -stage.id
    dbsession.flush()


def move_stage(dbsession, actor: User | None, pipeline: Pipeline, stage_id: int | None,
               offset: int) -> None:
    """Move an open stage one place earlier (-1) or later (+1) among the active open ones."""
    stage = _stage_of(dbsession, pipeline, stage_id)
    every = stages_of(dbsession, [pipeline.id])[pipeline.id]
    stages = open_stages(every)
    if stage not in stages:
        raise UserError(_("Only an active open stage is moved: “Won” and “Lost” stay last."),
                        "stage")
    i = stages.index(stage)
    j = i + (1 if offset > 0 else -1)
    if not 0 <= j < len(stages):
        return
    stages[i], stages[j] = stages[j], stages[i]
    _layout(dbsession, every, stages)


def stage_in_use(dbsession, stage: Stage) -> bool:
    """A deal stands on the stage, or its history names it."""
    return bool(dbsession.scalar(sa.select(
        sa.exists().where(Deal.stage_id == stage.id)
        | sa.exists().where(DealStageChange.to_stage_id == stage.id)
        | sa.exists().where(DealStageChange.from_stage_id == stage.id))))


def set_stage_active(dbsession, actor: User | None, pipeline: Pipeline, stage_id: int | None,
                     active: bool) -> None:
    """Deactivate an open stage (no open deal may stand on it: move them first), or make it
    active again (the last of the open ones)."""
    stage = _stage_of(dbsession, pipeline, stage_id)
    if stage.kind != "open":
        raise UserError(_("“Won” and “Lost” are part of every pipeline: they stay."), "stage")
    stages = stages_of(dbsession, [pipeline.id])[pipeline.id]
    live = open_stages(stages)
    if not active and is_active_stage(stage):
        if len(live) <= 1:
            raise UserError(_("A pipeline needs at least one open stage."), "stage")
        if dbsession.scalar(sa.select(sa.func.count()).where(
                Deal.stage_id == stage.id, Deal.state == "open")):
            raise UserError(_("Open deals stand on this stage: move them to another stage "
                              "first."), "stage")
        _layout(dbsession, stages, [s for s in live if s is not stage])
    elif active and not is_active_stage(stage):
        _layout(dbsession, stages, [*live, stage])


def delete_stage(dbsession, actor: User | None, pipeline: Pipeline, stage_id: int | None) -> None:
    """Delete an open stage that no deal stands or stood on."""
    stage = _stage_of(dbsession, pipeline, stage_id)
    if stage.kind != "open":
        raise UserError(_("“Won” and “Lost” are part of every pipeline: they stay."), "stage")
    if stage_in_use(dbsession, stage):
        raise UserError(_("Deals stand or stood on this stage: it cannot be deleted. "
                          "Deactivate it instead."), "stage")
    stages = stages_of(dbsession, [pipeline.id])[pipeline.id]
    live = [s for s in open_stages(stages) if s.id != stage.id]
    if not live and is_active_stage(stage):
        raise UserError(_("A pipeline needs at least one open stage."), "stage")
    dbsession.delete(stage)
    dbsession.flush()
    _layout(dbsession, [s for s in stages if s.id != stage.id], live)


def parse_stage_lines(text: str) -> list[tuple[str, int]]:
    """Open stages as an admin types them, one a line: "Proposal; 40" (the probability after
    the last ";" or ","; 0 when left out)."""
    out = []
    for line in (text or "").splitlines()[:50]:
        line = line.strip()
        if not line:
            continue
        name, probability = line, 0
        for sep in (";", ","):
            head, found, tail = line.rpartition(sep)
            if found:
                digits = tail.strip().rstrip("%").strip()
                if not digits.isdigit():
                    raise UserError(_("Write each stage as “Name; probability”, e.g. "
                                      "“Proposal; 40”."), "stages")
                name, probability = head.strip(), int(digits)
                break
        out.append((name, probability))
    return out
