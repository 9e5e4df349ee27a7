"""The client records' pages: organizations, contact persons, their import, export and reports.

- `organizations.py`: the organization list (filters, sorting, segments), client search, the
  header search's groups, and the buttons other areas add to the list, card and contact page;
- `card.py`: the client card, the contact page, moving a contact, merging duplicates;
- `forms.py`: adding and editing organizations and contacts (portal/clients/records.py saves);
- `contacts.py`: the list of contact persons; `files.py`: files on the client card;
- `export.py`: a filtered list as CSV or XLSX; `import_wizard.py`: importing from a file;
- `reports.py`: the /reports section and the client reports.

The rules behind them are in portal/clients/; the templates in views/templates/clients*/.
"""
