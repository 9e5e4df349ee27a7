"""Interactions with clients (calls, meetings, e-mails, faxes, letters, visits): logging and
planning them, results and next steps, call attempts, My day's groups, the list.

- `rules.py`: the services that write (log or plan one, count a call attempt, record the result
  and plan the next steps, reschedule, change one) and the rules they share with the forms;
- `schemas.py`: the interaction, result and reschedule forms as colander schemas;
- `lists.py`: the interaction list's filters and SQL (shared by the page and the export), and
  the organization and contact pickers of the forms;
- `day.py`: My day's groups: my interactions to do today or overdue, by kind;
- `resources.py`: /clients/interactions/{id} in the resource tree.
"""
from models.clients import Interaction
from models.meta import ROW_ACL
from portal.clients.resources import Clients
from portal.interactions.resources import Interactions, place_interaction
from portal.resources import LOCATORS
from portal.security.acl import row_acl


def includeme(config) -> None:
    # Interactions: the role matrix for their department, owned by author and responsible.
    config.register(ROW_ACL, Interaction, row_acl)
    config.register(LOCATORS, Interaction, place_interaction)
    Clients.children["interactions"] = Interactions
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.interactions", categories=("portal",))
