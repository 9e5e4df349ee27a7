"""The interaction pages: calls, meetings, e-mails, faxes, letters and visits with clients.

- `lists.py`: the list (tabs, filters, segments), one interaction, adding and editing, the
  reminder settings;
- `actions.py`: actions on one (a call attempt, the result and next steps, reschedule), also
  inline in My day; `day.py`: My day's block;
- `forms.py`: the forms as the pages show them, read through portal/interactions/schemas.py;
- `timeline.py`: interactions on the client card and its "Log a call"... buttons;
- `pick.py`: the forms' organization and contact pickers; `helpers.py`: what the pages share.

The rules behind them are in portal/interactions/; the templates in views/templates/interactions/.
"""
