"""The deal workflow: open → won or lost, and back to open (reopen).

Moving an open deal between the stages of its pipeline is the service's (portal/sales/deals.py:
it writes the stage history); winning or losing puts the deal on its pipeline's "won" or "lost"
stage and closes it. Losing needs a reason from the "deal_lost_reason" list (the service sets
`lost_reason_id` before taking the step); reopening a closed deal puts it back in progress.
All steps need deal.edit (own for a sales manager, the department for its head).

Bound to models.sales.Deal by workflows/__init__.py.
"""
from pyramid.i18n import TranslationStringFactory

from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _needs_reason(request, deal):
    if deal.lost_reason_id is None:
        return _("Choose why the deal was lost.")
    return None


DEAL = Workflow(
    name="deal",
    initial="open",
    type_permissions=("view", "add", "edit"),
    states={
        "open": State(_("Open")),
        "won": State(_("Won")),
        "lost": State(_("Lost")),
    },
    transitions=[
        Transition("win", ("open",), "won", "edit", _("Mark as won")),
        Transition("lose", ("open",), "lost", "edit", _("Mark as lost"), guard=_needs_reason),
        Transition("reopen", ("won", "lost"), "open", "edit", _("Reopen")),
    ],
)
