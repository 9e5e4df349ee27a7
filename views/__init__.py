"""Views: the pages, one package per area (one module per page family), templates under
views/templates/<area>/. Views turn HTTP into calls of the services in `portal` and their
results into pages; they hold no business rule.

- `people/`: My account, log-in, the people directory. `admin/`: users, departments and their
  sharing, roles and the matrix, classifiers, "check access". `audit/`: the audit log.
- `clients/`: organizations, contacts, the card, import, export, files, reports.
  `interactions/`: calls, meetings and letters, My day's block, the card's timeline.
- `calendar/`, `tasks/`, `kb/`: their sections. `notifications/`: the bell's inbox.
  `search/`: the header search.
- `home.py` (My day), `errors.py`, `forms.py` (colander/deform plumbing), `shell.py` (what every
  page needs), `workflow.py` (transitions and history panels).
"""
from __future__ import annotations

from views.shell import csrf_input as _csrf_input  # noqa: F401  (kept for pages still importing it here)

# View areas with an includeme of their own (sections of the tree, My day blocks, children of
# containers); the rest are found by the scan below.
AREAS: list[str] = ["views.kb.home", "views.clients.import_wizard"]


def includeme(config) -> None:
    settings = config.get_settings()
    settings.setdefault("jinja2.i18n.domain", "portal")
    settings.setdefault("jinja2.directories", "views:templates")
    settings.setdefault("jinja2.undefined", "strict")
    # A block tag leaves no line of its own in the page: lists of 50 rows are a third lighter.
    settings.setdefault("jinja2.trim_blocks", "true")
    settings.setdefault("jinja2.lstrip_blocks", "true")

    config.include("views.forms")
    config.include("views.shell")
    for area in AREAS:
        config.include(area)
    config.scan("views", categories=("pyramid", "portal"))
