"""Deals (сделки): new deals, their details, products and extra costs, reassigning them, moving
them between the stages of their pipeline (forward and backward), winning, losing (with a
reason of the "deal_lost_reason" list) and reopening them.

Two people acting on one deal at the same instant (two tabs of the board, two managers): every
change is claimed by one UPDATE guarded by the deal's id and the `version` the person saw, so
of two moves made from the same picture one is kept and the other is told, instead of the
second silently undoing the first. A stage move is that one UPDATE (stage and version
together); other changes claim the version first, then write what they change through the
ORM (the audit log sees them). Every move, win, loss and reopening writes a DealStageChange:
the funnel reports read those rows.

Money is Decimal, rounded half up to kopecks when it is stored. A deal with products is worth
what its products make (quantity × price less the discount); without products, the amount
typed. The margin is the amount less the extra costs (delivery, agents' commissions, other):
the catalog keeps no purchase prices, so the cost of goods is not taken off.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from models.clients import Classifier, Contact, Organization
from models.errors import UserError
from models.meta import utcnow
from models.people import Membership, User, fold
from models.sales import COST_KINDS, Deal, DealCost, DealProduct, DealStageChange, Pipeline, Product, Stage
from portal.core.i18n import _, zone_named
from portal.notifications.sending import tell
from portal.resources import locate
from portal.sales.pipelines import closing_stage, open_stages, stages_of
from portal.sales.security import visible_deals
from portal.security.filters import sql_filter

TITLE_MAX = 300
NOTE_MAX = 2000
COST_NOTE_MAX = 300
CENT = Decimal("0.01")
MILLI = Decimal("0.001")
# The largest amount Numeric(14, 2) holds, and quantities Numeric(12, 3).
MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("999999999.999")
MAX_PRODUCTS = 200
LOST_REASONS = "deal_lost_reason"
NOTICE_KIND = "deal_assigned"
COST_TITLES = {"delivery": _("Delivery"), "agent": _("Agent's commission"), "other": _("Other")}


class DealChanged(UserError):
    """The deal changed since the person read it (another person, another tab): 409."""

    status = 409

    def __init__(self):
        super().__init__(_("Someone else changed this deal a moment ago: look at it again."),
                         "version")


# --- money ---------------------------------------------------------------------------------------

def money(value) -> Decimal:
    """`value` rounded half up to kopecks."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str | None, field_name: str, *, required: bool = False) -> Decimal | None:
    """A sum as people type it ("1 234,50", "1234.5"); "" → None. Negative, not a number or
    too large → UserError on `field_name`."""
    raw = "".join((text or "").split()).replace("\u00a0", "").replace(",", ".")
    if not raw:
        if required:
            raise UserError(_("Give the amount."), field_name)
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise UserError(_("“${value}” is not a sum of money.", mapping={"value": text}),
                        field_name) from None
    if not value.is_finite():
        raise UserError(_("“${value}” is not a sum of money.", mapping={"value": text}),
                        field_name)
    if value < 0:
        raise UserError(_("A sum cannot be negative."), field_name)
    if value > MAX_AMOUNT:
        raise UserError(_("That sum is too large."), field_name)
    return money(value)


def parse_number(text: str | None, field_name: str, *, places: Decimal = MILLI,
                 maximum: Decimal = MAX_QUANTITY) -> Decimal | None:
    """A non-negative decimal number ("2,5"), "" → None."""
    raw = "".join((text or "").split()).replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise UserError(_("“${value}” is not a number.", mapping={"value": text}),
                        field_name) from None
    if not value.is_finite() or value < 0 or value > maximum:
        raise UserError(_("“${value}” is out of range.", mapping={"value": text}), field_name)
    return value.quantize(places, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity × price × (1 − discount / 100), rounded half up to kopecks."""
    return money(quantity * price * (Decimal(100) - discount_percent) / Decimal(100))


def margin(amount: Decimal, costs: Decimal) -> Decimal:
    """What is left of the deal's amount after its extra costs (no cost of goods: the catalog
    has no purchase prices)."""
    return money(amount - costs)


# --- input ---------------------------------------------------------------------------------------

@dataclass
class ProductLine:
    product_id: int
    quantity: Decimal
    price: Decimal | None = None  # None: the product's price in the catalog
    discount_percent: Decimal = Decimal("0")


@dataclass
class DealInput:
    title: str
    organization_id: int | None
    pipeline_id: int | None = None
    contact_id: int | None = None
    amount: Decimal | None = None  # None: the products' sum (or nothing)
    expected_close_on: dt.date | None = None
    owner_id: int | None = None  # None: whoever makes the deal
    products: Sequence[ProductLine] = field(default_factory=tuple)


def _title(value: str) -> str:
    title = " ".join((value or "").split())[:TITLE_MAX]
    if not title:
        raise UserError(_("Say what the deal is about."), "title")
    return title


def _contact(dbsession, organization_id: int, contact_id: int | None) -> int | None:
    if contact_id is None:
        return None
    found = dbsession.scalar(sa.select(Contact.organization_id).where(Contact.id == contact_id))
    if found != organization_id:
        raise UserError(_("That contact person is not of this client."), "contact")
    return contact_id


def _owner(dbsession, owner_id: int | None) -> User:
    owner = dbsession.get(User, owner_id) if owner_id is not None else None
    if owner is None or not owner.active:
        raise UserError(_("Choose an active person as the owner."), "owner")
    return owner


def owner_department(dbsession, user_id: int) -> int | None:
    """The department a deal of `user_id` belongs to: their first one."""
    return dbsession.scalar(sa.select(Membership.department_id).where(
        Membership.user_id == user_id).order_by(Membership.id).limit(1))


def _products(dbsession, lines: Sequence[ProductLine]) -> list[DealProduct]:
    """Deal products of `lines`, checked: products of the catalog, a quantity above zero, a
    price not below zero, a discount from 0 to 100 %."""
    if len(lines) > MAX_PRODUCTS:
        raise UserError(_("A deal has at most ${n} products.", mapping={"n": MAX_PRODUCTS}),
                        "products")
    ids = sorted({line.product_id for line in lines})
    catalog = {p.id: p for p in dbsession.scalars(sa.select(Product).where(Product.id.in_(ids)))} \
        if ids else {}
    out = []
    for line in lines:
        product = catalog.get(line.product_id)
        if product is None:
            raise UserError(_("That product is not in the catalog."), "products")
        if line.quantity is None or line.quantity <= 0 or line.quantity > MAX_QUANTITY:
            raise UserError(_("A quantity is above zero."), "products")
        price = product.price if line.price is None else line.price
        if price < 0 or price > MAX_AMOUNT:
            raise UserError(_("A price cannot be negative."), "products")
        discount = line.discount_percent or Decimal("0")
        if not Decimal("0") <= discount <= Decimal("100"):
            raise UserError(_("A discount is from 0 to 100 %."), "products")
        quantity = line.quantity.quantize(MILLI, rounding=ROUND_HALF_UP)
        price = money(price)
        discount = discount.quantize(CENT, rounding=ROUND_HALF_UP)
        out.append(DealProduct(product_id=product.id, quantity=quantity, price=price,
                               discount_percent=discount,
                               amount=line_amount(quantity, price, discount)))
    return out


def _amount(given: Decimal | None, products: Sequence[DealProduct]) -> Decimal:
    """The deal's amount: the products' sum when it has products (a different amount typed
    is refused, saying the sum), else the amount typed (or zero)."""
    if given is not None and given < 0:
        raise UserError(_("A sum cannot be negative."), "amount")
    if given is not None and given > MAX_AMOUNT:
        raise UserError(_("That sum is too large."), "amount")
    if products:
        total = money(sum((p.amount for p in products), Decimal("0")))
        if total > MAX_AMOUNT:
            raise UserError(_("That sum is too large."), "amount")
        if given is not None and money(given) != total:
            raise UserError(_("The products make ${sum}: leave the amount empty or make it "
                              "the same.", mapping={"sum": str(total)}), "amount")
        return total
    return money(given or 0)


def first_open_stage(dbsession, pipeline_id: int | None) -> tuple[Pipeline, Stage]:
    pipeline = dbsession.get(Pipeline, pipeline_id) if pipeline_id is not None else None
    if pipeline is None or not pipeline.active:
        raise UserError(_("Choose a pipeline."), "pipeline")
    stages = open_stages(stages_of(dbsession, [pipeline.id])[pipeline.id])
    if not stages:
        raise UserError(_("This pipeline has no open stage: an administrator should add one."),
                        "pipeline")
    return pipeline, stages[0]


def _history(dbsession, deal: Deal, actor: User | None, from_stage_id, from_state: str,
             now: dt.datetime) -> None:
    dbsession.add(DealStageChange(deal_id=deal.id, from_stage_id=from_stage_id,
                                  to_stage_id=deal.stage_id, from_state=from_state,
                                  to_state=deal.state, changed_by_id=actor.id if actor else None,
                                  changed_at=now))


# --- new deals, details, owners ------------------------------------------------------------------

def create_deal(dbsession, actor: User | None, data: DealInput, now: dt.datetime | None = None,
                registry=None) -> Deal:
    """A new open deal on its pipeline's first open stage, owned by `data.owner_id` (or the
    actor), in the owner's department. The organization must exist (who may pick it is the
    caller's check: `visible_organization`)."""
    now = now or utcnow()
    title = _title(data.title)
    if data.organization_id is None or dbsession.get(Organization, data.organization_id) is None:
        raise UserError(_("Choose the client."), "organization")
    contact_id = _contact(dbsession, data.organization_id, data.contact_id)
    pipeline, stage = first_open_stage(dbsession, data.pipeline_id)
    owner = _owner(dbsession, data.owner_id if data.owner_id is not None
                   else (actor.id if actor else None))
    products = _products(dbsession, data.products)
    amount = _amount(data.amount, products)
    deal = Deal(title=title, organization_id=data.organization_id, contact_id=contact_id,
                pipeline_id=pipeline.id, stage_id=stage.id, amount=amount,
                expected_close_on=data.expected_close_on, owner_id=owner.id,
                department_id=owner_department(dbsession, owner.id), state="open",
                lost_note="", stage_entered_at=now, created_at=now, updated_at=now,
                created_by_id=actor.id if actor else None)
    deal.products = products
    dbsession.add(deal)
    dbsession.flush()
    _history(dbsession, deal, actor, None, "", now)
    dbsession.flush()
    if owner.id != (actor.id if actor else None):
        tell_owner(dbsession, registry, deal, actor)
    return deal


def claim(dbsession, deal: Deal, seen: int | None, **values) -> None:
    """Take the deal's next version in one UPDATE guarded by (id, the version the person saw),
    writing `values` with it: of two changes made from one reading, the second finds the
    version moved and is told (DealChanged), and nothing of it is written."""
    seen = deal.version if seen is None else seen
    table = Deal.__table__
    values = {**values, "version": seen + 1}
    done = dbsession.execute(sa.update(table).where(table.c.id == deal.id,
                                                    table.c.version == seen).values(**values))
    if done.rowcount != 1:
        raise DealChanged()
    # The UPDATE went round the session: what it holds of the deal is what was written.
    for key, value in values.items():
        set_committed_value(deal, key, value)


def update_deal(dbsession, actor: User | None, deal: Deal, data: DealInput, *,
                version: int | None = None, now: dt.datetime | None = None) -> Deal:
    """Change a deal's title, contact, amount, expected close and products (its client,
    pipeline and owner stay: a move or a reassignment changes those)."""
    now = now or utcnow()
    title = _title(data.title)
    contact_id = _contact(dbsession, deal.organization_id, data.contact_id)
    products = _products(dbsession, data.products)
    amount = _amount(data.amount, products)
    claim(dbsession, deal, version, updated_at=now)
    deal.title, deal.contact_id, deal.amount = title, contact_id, amount
    deal.expected_close_on = data.expected_close_on
    deal.products = products
    dbsession.flush()
    return deal


def reassign(dbsession, actor: User | None, deal: Deal, owner_id: int | None, *,
             version: int | None = None, now: dt.datetime | None = None, registry=None) -> bool:
    """Give the deal to another person: its department follows the new owner's; the new
    owner is told (unless they did it). False when the owner is the same."""
    now = now or utcnow()
    owner = _owner(dbsession, owner_id)
    if owner.id == deal.owner_id:
        return False
    claim(dbsession, deal, version, updated_at=now)
    deal.owner_id = owner.id
    deal.department_id = owner_department(dbsession, owner.id)
    dbsession.flush()
    tell_owner(dbsession, registry, deal, actor)
    return True


def tell_owner(dbsession, registry, deal: Deal, actor: User | None) -> None:
    """Tell the deal's owner that it is theirs now (stored as a message id and its
    parameters: read in the owner's language)."""
    names = {"title": deal.title, "amount": str(deal.amount)}
    who = actor.full_name if actor else ""
    body = _("Given to you by ${name}.", mapping={"name": who}) if who else ""
    tell(dbsession, registry, [deal.owner_id], NOTICE_KIND,
         _("The deal “${title}” (${amount}) is yours now", mapping=names), body,
         f"/sales/deals/{deal.id}", exclude=actor.id if actor else None)


# --- moves between stages ------------------------------------------------------------------------

def target_stage(dbsession, deal: Deal, stage_id: int | None) -> Stage:
    """The stage `stage_id` as a place for `deal`: of its own pipeline, else a clear refusal."""
    stage = dbsession.get(Stage, stage_id) if stage_id is not None else None
    if stage is None:
        raise UserError(_("That stage does not exist."), "stage")
    if stage.pipeline_id != deal.pipeline_id:
        raise UserError(_("That stage belongs to another pipeline: a deal moves only between "
                          "the stages of its own pipeline."), "stage")
    return stage


def move(dbsession, actor: User | None, deal: Deal, stage_id: int | None, *,
         version: int | None = None, now: dt.datetime | None = None) -> bool:
    """Move an open deal to another open stage of its pipeline, forward or backward: one
    UPDATE guarded by (id, version), and its history row. False when it is there already.
    (To "Won" or "Lost" a deal goes by `close`.)"""
    now = now or utcnow()
    stage = target_stage(dbsession, deal, stage_id)
    if deal.state != "open":
        raise UserError(_("The deal is closed: reopen it to move it."), "stage")
    if stage.kind != "open":
        raise UserError(_("Win or lose the deal to put it there."), "stage")
    if stage.position < 0:
        raise UserError(_("That stage is no longer used."), "stage")
    if stage.id == deal.stage_id:
        if version is not None and version != deal.version:
            raise DealChanged()
        return False
    from_stage = deal.stage_id
    claim(dbsession, deal, version, stage_id=stage.id, stage_entered_at=now, updated_at=now)
    _history(dbsession, deal, actor, from_stage, "open", now)
    dbsession.flush()
    return True


# --- won, lost, reopened (workflows/deal.py) -----------------------------------------------------

def lost_reasons(dbsession, keep_id: int | None = None) -> list[Classifier]:
    """The reasons a deal may be lost for, in their order (plus `keep_id` if retired)."""
    where = Classifier.active.is_(True)
    if keep_id:
        where = sa.or_(where, Classifier.id == keep_id)
    return list(dbsession.scalars(sa.select(Classifier).where(
        Classifier.list == LOST_REASONS, where).order_by(Classifier.sort_order, Classifier.title)))


def _check_reason(dbsession, reason_id: int | None) -> int:
    found = dbsession.scalar(sa.select(Classifier.id).where(
        Classifier.id == reason_id, Classifier.list == LOST_REASONS,
        Classifier.active.is_(True))) if reason_id is not None else None
    if found is None:
        raise UserError(_("Choose why the deal was lost."), "reason")
    return found


def local_today(user: User | None, now: dt.datetime) -> dt.date:
    """The day `now` is where `user` lives (Moscow for nobody)."""
    return now.astimezone(zone_named(user.timezone if user else "Europe/Moscow")).date()


def close(request, deal: Deal, outcome: str, *, version: int | None = None,
          reason_id: int | None = None, note: str = "", stage_id: int | None = None,
          now: dt.datetime | None = None) -> None:
    """Win ("won"), lose ("lost": a reason of the list is needed) or reopen ("open": back on
    `stage_id`, else its pipeline's first open stage) a deal by its workflow's step, which
    checks who may take it. The version is claimed first: two people closing one deal at
    once take the step once. Nothing is written before every check has passed.

    Takes the request (not only the session and the person): the workflow's permission
    checks ask the request's security policy."""
    now = now or utcnow()
    db = request.dbsession
    identity = request.identity
    actor = identity.user if identity else None
    locate(request, deal)  # a deal read by a query: its ACL needs its place in the tree
    workflow = deal.workflow
    names = {"won": "win", "lost": "lose", "open": "reopen"}
    if outcome not in names:
        raise UserError(_("Unknown action “${name}”.", mapping={"name": outcome}), "state")
    step = workflow.get(names[outcome])
    if deal.state not in step.from_:
        raise UserError(_("“${action}” is not possible in the state “${state}”.", mapping={
            "action": request.localizer.translate(step.title or step.name),
            "state": request.localizer.translate(workflow.states[deal.state].title)}), "state")
    if not request.has_permission(step.permission, deal):
        raise UserError(_("You are not allowed to do “${action}” here.", mapping={
            "action": request.localizer.translate(step.title or step.name)}), "state")
    stages = stages_of(db, [deal.pipeline_id])[deal.pipeline_id]
    note = (note or "").strip()[:NOTE_MAX]
    if outcome == "lost":
        reason_id = _check_reason(db, reason_id)
        target = closing_stage(stages, "lost")
    elif outcome == "won":
        target = closing_stage(stages, "won")
    else:
        live = open_stages(stages)
        if stage_id is not None:
            target = target_stage(db, deal, stage_id)
            if target not in live:
                raise UserError(_("Reopen the deal on one of its pipeline's open stages."),
                                "stage")
        elif live:
            target = live[0]
        else:
            raise UserError(_("This pipeline has no open stage: an administrator should add "
                              "one."), "stage")
    from_stage, from_state = deal.stage_id, deal.state
    claim(db, deal, version, updated_at=now)
    if outcome == "lost":
        deal.lost_reason_id, deal.lost_note = reason_id, note
    elif outcome == "open":
        deal.lost_reason_id, deal.lost_note = None, ""
    workflow.transition(request, deal, step.name, note)
    deal.stage_id = target.id
    deal.stage_entered_at = now
    deal.closed_on = local_today(actor, now) if outcome != "open" else None
    _history(db, deal, actor, from_stage, from_state, now)
    db.flush()


# --- extra costs ---------------------------------------------------------------------------------

def add_cost(dbsession, actor: User | None, deal: Deal, kind: str, amount: Decimal | None,
             description: str = "", now: dt.datetime | None = None) -> DealCost:
    """An extra cost of the deal (delivery, an agent's commission, other)."""
    if kind not in COST_KINDS:
        raise UserError(_("Choose what the cost is for."), "kind")
    if amount is None:
        raise UserError(_("Give the amount."), "cost_amount")
    if amount < 0:
        raise UserError(_("A sum cannot be negative."), "cost_amount")
    if amount > MAX_AMOUNT:
        raise UserError(_("That sum is too large."), "cost_amount")
    cost = DealCost(deal_id=deal.id, kind=kind, amount=money(amount),
                    description=" ".join((description or "").split())[:COST_NOTE_MAX],
                    created_by_id=actor.id if actor else None, created_at=now or utcnow())
    dbsession.add(cost)
    dbsession.flush()
    return cost


def remove_cost(dbsession, actor: User | None, deal: Deal, cost_id: int | None) -> None:
    cost = dbsession.get(DealCost, cost_id) if cost_id is not None else None
    if cost is None or cost.deal_id != deal.id:
        raise UserError(_("That cost is not of this deal."), "cost")
    dbsession.delete(cost)
    dbsession.flush()


def costs_sum():
    """A scalar subquery: the extra costs of the deal of the enclosing query."""
    return (sa.select(sa.func.coalesce(sa.func.sum(DealCost.amount), 0))
            .where(DealCost.deal_id == Deal.id).correlate(Deal).scalar_subquery())


# --- who may pick what ---------------------------------------------------------------------------

def visible_organization(request, organization_id: int | None) -> Organization | None:
    """The organization if the person may see it (a deal is made for a client one sees)."""
    if organization_id is None:
        return None
    return request.dbsession.scalar(sa.select(Organization).where(
        Organization.id == organization_id, sql_filter(request, Organization, "view")))


# --- the list and the board (filters in SQL: visible_deals) --------------------------------------

PAGE_SIZE = 50
COUNT_CAP = 10_000
CARDS_PER_STAGE = 30  # the first cards of a column; "show more" asks for more, up to MAX_CARDS
MAX_CARDS = 500
SORTS = {
    "-created": (Deal.created_at.desc(), Deal.id.desc()),
    "created": (Deal.created_at, Deal.id),
    "-amount": (Deal.amount.desc(), Deal.id.desc()),
    "amount": (Deal.amount, Deal.id),
    "close": (sa.func.coalesce(Deal.closed_on, Deal.expected_close_on), Deal.id),
    "-close": (sa.func.coalesce(Deal.closed_on, Deal.expected_close_on).desc(), Deal.id.desc()),
    "title": (Deal.title, Deal.id),
}
STATES = ("open", "won", "lost")


@dataclass
class DealFilters:
    """What the deal list shows: by pipeline, stage, owner, state, client (words of its name
    or its INN), a period of closing (the day it closed, else the day it is expected to), in
    an order, a page."""

    pipeline: int | None = None
    stage: int | None = None
    owner: int | None = None
    state: str = ""
    q: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    sort: str = "-created"
    page: int = 1

    def params(self, **changes) -> dict:
        """The query string of these filters (with `changes`), without empty ones."""
        values = {"pipeline": self.pipeline, "stage": self.stage, "owner": self.owner,
                  "state": self.state, "q": self.q,
                  "start": self.start.isoformat() if self.start else None,
                  "end": self.end.isoformat() if self.end else None,
                  "sort": self.sort if self.sort != "-created" else None, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items()
                if v is not None and v != "" and not (k == "page" and v == 1)}


def deal_filter(request, f: DealFilters) -> sa.ColumnElement[bool]:
    """WHERE of the list: the person's visible deals that match `f`."""
    where = [visible_deals(request)]
    if f.pipeline is not None:
        where.append(Deal.pipeline_id == f.pipeline)
    if f.stage is not None:
        where.append(Deal.stage_id == f.stage)
    if f.owner is not None:
        where.append(Deal.owner_id == f.owner)
    if f.state in STATES:
        where.append(Deal.state == f.state)
    if f.q:
        words = fold(f.q).split()[:5]
        digits_only = "".join(ch for ch in f.q if ch.isdigit())
        by_name = sa.and_(*(Organization.name_key.contains(w, autoescape=True) for w in words))
        where.append(sa.or_(by_name, Organization.inn == digits_only) if digits_only
                     and len(digits_only) in (10, 12) else by_name)
    closing = sa.func.coalesce(Deal.closed_on, Deal.expected_close_on)
    if f.start is not None:
        where.append(closing >= f.start)
    if f.end is not None:
        where.append(closing <= f.end)
    return sa.and_(*where)


def deal_rows(request, f: DealFilters) -> tuple[int, list[sa.Row]]:
    """(how many deals match, capped at COUNT_CAP + 1; the rows of page `f.page`), in two
    statements whatever the number of deals: each row with its client, owner, stage,
    pipeline, extra costs and margin."""
    db = request.dbsession
    where = deal_filter(request, f)
    base = sa.select(Deal.id).where(where)
    if f.q:  # the client's name or INN: only then is the client needed to count
        base = base.join(Organization, Organization.id == Deal.organization_id)
    total = db.scalar(sa.select(sa.func.count()).select_from(
        base.limit(COUNT_CAP + 1).subquery()))
    costs = costs_sum().label("costs")
    rows = db.execute(
        sa.select(Deal.id, Deal.title, Deal.amount, Deal.state, Deal.version,
                  Deal.expected_close_on, Deal.closed_on, Deal.created_at,
                  Organization.id.label("organization_id"),
                  Organization.name.label("organization"),
                  User.full_name.label("owner"), Stage.name.label("stage"),
                  Stage.probability, Pipeline.name.label("pipeline"), costs)
        .join(Organization, Organization.id == Deal.organization_id)
        .join(User, User.id == Deal.owner_id)
        .join(Stage, Stage.id == Deal.stage_id)
        .join(Pipeline, Pipeline.id == Deal.pipeline_id)
        .where(where).order_by(*SORTS.get(f.sort, SORTS["-created"]))
        .offset((max(f.page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return total, rows


@dataclass
class Column:
    """A column of the board: an open stage with its cards, or the "won"/"lost" drop zone."""

    stage: Stage
    cards: list = field(default_factory=list)
    count: int = 0
    amount: Decimal = Decimal("0.00")
    more: bool = False

    @property
    def weighted(self) -> Decimal:
        """The amount weighted by the stage's probability."""
        return money(self.amount * self.stage.probability / Decimal(100))


@dataclass
class Board:
    pipeline: Pipeline | None
    pipelines: list[Pipeline]
    columns: list[Column]  # the open stages
    won: Column | None
    lost: Column | None
    since: dt.date | None  # won and lost count from this day (the month's first)

    @property
    def total(self) -> Decimal:
        return money(sum((c.amount for c in self.columns), Decimal("0")))

    @property
    def weighted(self) -> Decimal:
        return money(sum((c.weighted for c in self.columns), Decimal("0")))


def board(request, pipeline_id: int | None, *, owner_id: int | None = None,
          today: dt.date | None = None, cards: int = CARDS_PER_STAGE) -> Board:
    """The board of a pipeline (the first active one if none is named) for the deals the
    person may see: open stages with their cards (at most `cards` each, at most MAX_CARDS, the
    latest-moved first), count, sum and weighted sum (in SQL); "Won" and "Lost" with the deals
    closed since the first of this month. Four statements whatever the number of deals."""
    db = request.dbsession
    every = list(db.scalars(sa.select(Pipeline).where(Pipeline.active.is_(True))
                            .order_by(Pipeline.position, Pipeline.id)))
    pipeline = next((p for p in every if p.id == pipeline_id), every[0] if every else None)
    if pipeline is None:
        return Board(None, [], [], None, None, None)
    stages = stages_of(db, [pipeline.id])[pipeline.id]
    live = open_stages(stages)
    columns = {s.id: Column(s) for s in live}
    won = Column(closing_stage(stages, "won"))
    lost = Column(closing_stage(stages, "lost"))
    since = (today or local_today(request.identity.user if request.identity else None,
                                  utcnow())).replace(day=1)
    where = [Deal.pipeline_id == pipeline.id, visible_deals(request)]
    if owner_id is not None:
        where.append(Deal.owner_id == owner_id)
    current = sa.or_(Deal.state == "open",
                     sa.and_(Deal.state.in_(("won", "lost")), Deal.closed_on >= since))
    for stage_id, state, count, amount in db.execute(
            sa.select(Deal.stage_id, Deal.state, sa.func.count(), sa.func.sum(Deal.amount))
            .where(*where, current).group_by(Deal.stage_id, Deal.state)):
        column = (columns.get(stage_id) if state == "open" else
                  won if state == "won" else lost)
        if column is None:
            continue  # an open deal left on a stage since deactivated
        column.count += count
        column.amount = money(column.amount + Decimal(amount or 0))
    if columns:
        ranked = (sa.select(Deal.id, sa.func.row_number().over(
            partition_by=Deal.stage_id,
            order_by=(Deal.stage_entered_at.desc(), Deal.id.desc())).label("n"))
            .where(*where, Deal.state == "open", Deal.stage_id.in_(sorted(columns)))
            .subquery())
        for row in db.execute(
                sa.select(Deal.id, Deal.title, Deal.amount, Deal.stage_id, Deal.version,
                          Deal.expected_close_on, Deal.stage_entered_at,
                          Organization.name.label("organization"),
                          User.full_name.label("owner"))
                .join(ranked, ranked.c.id == Deal.id)
                .join(Organization, Organization.id == Deal.organization_id)
                .join(User, User.id == Deal.owner_id)
                .where(ranked.c.n <= max(1, min(cards, MAX_CARDS)))
                .order_by(Deal.stage_id, ranked.c.n)):
            columns[row.stage_id].cards.append(row)
    for column in columns.values():
        column.more = column.count > len(column.cards)
    return Board(pipeline, every, list(columns.values()), won, lost, since)
