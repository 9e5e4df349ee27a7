"""Interactions with clients (calls, meetings, e-mails, faxes, letters, visits): logging and planning
them, results and next steps, My day's groups.

- `rules.py`: Rules of interactions (calls, meetings, e-mails, faxes, letters, visits), shared by
  the web pages, the API and the CLI.
"""


def includeme(config) -> None:
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.interactions", categories=("portal",))
