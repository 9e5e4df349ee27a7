"""Client records: organizations and contacts, their forms and saving, lists, card timeline, files,
import and export, merging duplicates, reminders of their dates and the client reports.

- `audit.py`: client records in the audit log, in words (portal/audit/log.py's extension points).
- `export.py`: exporting a filtered list of organizations, contacts or interactions to CSV or XLSX.
- `files.py`: files on the client card: contracts, price lists, scans of an organization,
  optionally about one of its contact persons (attach, detach, the timeline's entries).
- `forms.py`: the organization and contact forms as the pages show them, read and applied.
- `schemas.py`: those forms and the move, merge and import settings forms as colander schemas
  (types, lengths, normalising, cross-field rules).
- `form_reading.py`: reading a posted form through a schema, every problem at once, next to its
  field (shared with the interaction forms).
- `records.py`: saving an organization or a contact: INN refused, duplicates to confirm, edit
  conflicts.
- `import_fields.py`: what an import can fill in, and how a file's headers map to it.
- `import_files.py`: reading an uploaded CSV or XLSX file into a table of text cells.
- `import_lookups.py`: what an import's rows are checked against (people, lists, existing records).
- `import_rights.py`: who holds the import right, named to someone who does not (whom to ask).
- `import_rows.py`: one row of an import, checked (`RowPlan`).
- `importer.py`: importing organizations and contact persons from a file: checking every row,
  running, recording the result.
- `import_write.py`: writing the checked rows of an import.
- `lists.py`: the filtered lists of organizations and contacts, as SQL (pages and export).
- `merge.py`: merging two organizations or two contacts into one, losing nothing; moving a
  contact to another organization.
- `reminders.py`: reminders of clients' dates, delivered as notifications by `portal tick` (job
  "client_reminders").
- `reports.py`: the /reports section and the client reports.
- `resources.py`: the client records' part of the resource tree (DESIGN.md §4).
- `segments.py`: a person's saved filters of the client and interaction lists.
- `rules.py`: rules about client records shared by the web pages, the import, the demo and the
  CLI: tax ids, phones, e-mails, labels, classifiers, settings, duplicate search.
- `timeline.py`: the client card's timeline: items collected from registered providers.
- `titles.py`: titles that live in config/classifiers.yaml, listed here so they are translated.

The includeme binds organizations' and contacts' ACL (the role matrix for their department and
responsible manager), their places in the tree and /clients/{id}/contacts.
"""

from functools import partial

from models.clients import Classifier, Contact, Organization
from models.generations import CLASSIFIERS, token_of, watch
from models.meta import ROW_ACL, ROW_CHILDREN
from portal.clients.reports import Reports
from portal.clients.resources import Clients, organization_children, place_contact, place_organization
from portal.clients.rules import REMINDER_DAYS, classifier_lists, setting_of
from portal.core.i18n import _
from portal.resources import LOCATORS, add_section
from portal.security.acl import row_acl
from portal.security.sessions import PREAMBLE


def includeme(config) -> None:
    config.include(".audit")
    config.include(".reports")
    add_section(config, "clients", Clients, _("Clients"), "buildings", 20)
    add_section(config, "reports", Reports, _("Reports"), "bar-chart", 60)
    # Organizations and contacts: the role matrix for their department and responsible manager
    # (models.clients.ManagedRow), their places in the tree, and /clients/{id}/contacts.
    for model in (Organization, Contact):
        config.register(ROW_ACL, model, row_acl)
    config.register(ROW_CHILDREN, Organization, organization_children)
    config.register(LOCATORS, Organization, place_organization)
    config.register(LOCATORS, Contact, place_contact)
    # The admin-editable lists: in memory per generation, whose token comes with the session.
    watch(Classifier, CLASSIFIERS)
    config.add_request_method(classifier_lists, reify=True)
    config.register(PREAMBLE, CLASSIFIERS, lambda user_id: token_of(CLASSIFIERS))
    # My day shows the person's reminder setting: read with their session.
    config.register(PREAMBLE, REMINDER_DAYS, partial(setting_of, key=REMINDER_DAYS))
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.clients", categories=("portal",))
