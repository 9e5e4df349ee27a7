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

from models.clients import Contact, Organization
from models.meta import ROW_ACL, ROW_CHILDREN
from portal.clients.reports import Reports
from portal.clients.resources import Clients, organization_children, place_contact, place_organization
from portal.core.i18n import _
from portal.resources import LOCATORS, add_section
from portal.security.acl import row_acl


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
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.clients", categories=("portal",))
