"""/sales/deals/@@board: the kanban of a pipeline (?pipeline=<id>, else the first one) for the
deals the reader may see: a column per open stage with its count, sum and sum weighted by the
stage's probability, then the "Won" and "Lost" drop zones (deals closed this month).

A card is moved by dragging it (static/js/sales-board.js) or, with the keyboard and without
script, by its "Move to…" menu: both POST to /sales/deals/<id>/@@move (views/sales/deals.py)
with the version the board showed, so a deal someone else moved meanwhile is refused and the
card goes back. Dropping on "Lost" asks the reason in a dialog first (the no-script menu asks
it in its own form). Four statements for the board whatever the number of deals: the counts
and sums per column in SQL, the first CARDS_PER_STAGE cards of each (?cards= shows more)."""
from __future__ import annotations

from pyramid.view import view_config

from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.sales.deals import CARDS_PER_STAGE, MAX_CARDS, board, lost_reasons
from portal.sales.resources import Deals
from views.sales.deals import deal_helpers


@view_config(context=Deals, name="board", renderer="sales/deals/board.jinja2", permission="view")
def board_page(request):
    pipeline_id = parse_int(request.GET.get("pipeline", ""))
    owner_id = parse_int(request.GET.get("owner", "")) if request.GET.get("mine") != "1" \
        else request.identity.user.id
    # "Show more": ?cards=<n> (the link doubles it), from CARDS_PER_STAGE up to MAX_CARDS.
    cards = min(max(parse_int(request.GET.get("cards", "")) or CARDS_PER_STAGE, CARDS_PER_STAGE),
                MAX_CARDS)
    data = board(request, pipeline_id, owner_id=owner_id, cards=cards)
    shown = {key: value for key, value in request.GET.items() if key != "cards"}
    return {
        "title": _("Deals by stage"),
        "board": data,
        "mine": request.GET.get("mine") == "1",
        "reasons": lost_reasons(request.dbsession),
        "cards_per_stage": cards,
        # The same board with twice the cards a column (None: as many as it gives already).
        "more_url": request.resource_url(request.context, "@@board",
                                         query={**shown, "cards": min(cards * 2, MAX_CARDS)})
        if cards < MAX_CARDS else None,
        "list_url": request.resource_url(request.context),
        "may_add": request.has_permission("add", request.context),
        **deal_helpers(request),
    }
