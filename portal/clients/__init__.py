"""Client records: organizations and contacts, their lists, card timeline, files, import and export,
merging duplicates, reminders of their dates and the client reports.

- `audit.py`: Client records in the audit log, in words (portal/audit/log.py's extension points).
- `export.py`: Exporting a filtered list of organizations, contacts or interactions to CSV or XLSX.
- `files.py`: Files on the client card: contracts, price lists, scans of an organization,
  optionally about one of its contact persons (issue 3, point 3).
- `forms.py`: Reading, checking and applying the organization and contact forms (web pages and
  tests).
- `import_fields.py`: What an import can fill in, and how a file's headers map to it
  (portal/clients/importer.py).
- `import_files.py`: Reading an uploaded CSV or XLSX file into a table of text cells, for the
  client import.
- `import_write.py`: Writing the checked rows of an import (portal/clients/importer.py).
- `importer.py`: Importing organizations and contact persons from a CSV or XLSX file (issue 3,
  point 9).
- `lists.py`: The filtered lists of organizations and contacts, as SQL (shared by the pages and the
  export).
- `merge.py`: Merging two organizations or two contacts into one, losing nothing (issue 3, point
  7).
- `reminders.py`: Reminders of clients' dates, delivered as notifications by `portal tick` (job
  "client_reminders").
- `reports.py`: The /reports section and the client reports (issue 3, point 11).
- `resources.py`: The client records' part of the resource tree (DESIGN.md §4).
- `rules.py`: Rules about client records shared by the web pages, the import, the demo and the CLI.
- `timeline.py`: The client card's timeline: items collected from registered providers.
- `titles.py`: Titles that live in config/classifiers.yaml, listed here so they are translated.
"""


def includeme(config) -> None:
    config.include(".audit")
    config.include(".reports")
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.clients", categories=("portal",))
