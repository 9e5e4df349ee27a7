"""Core services every area uses: settings from the ini file and the environment, translation and
formatting in the user's language and time zone, reading forms through colander schemas, parsing
what people type, e-mail (the outbox and the daily digest), the runner of portal tick's jobs, and
the config.register directive through which areas offer what they have.

- `assets.py`: What the browser downloads: gzip compression (a tween) and static URLs
  fingerprinted by content, cached a year.
- `forms.py`: The one way a form is read: through a colander schema, the way people expect of a
  form (every problem at once, next to its field, and what they typed shown again).
- `i18n.py`: Translation: the `portal` domain, the locale negotiator and formatting in the user's
  zone.
- `i18n_titles.py`: Titles that live in data files (config/roles.yaml), listed here so they are
  translated.
- `mail.py`: E-mail: the outbox drained by `portal tick`, retried on failure, and the daily digest.
- `parsing.py`: Reading what people type and what URLs carry: whole numbers, dates, local times.
- `retry.py`: When the database is away: which errors say so, a 503, and one more try for requests
  that only read.
- `registry.py`: The `config.register` directive: areas offer what they have from their
  `includeme`.
- `settings.py`: Settings helpers: values written as `env:NAME` in an ini file come from the
  environment.
- `ticker.py`: Background work run by `portal tick` (a systemd timer) or by `make serve`'s thread.
"""


def includeme(config) -> None:
    config.include(".registry")
    config.include(".i18n")
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.core", categories=("portal",))
