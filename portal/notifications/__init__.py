"""Notifications: how a notice is told, stored and read, and each person's delivery preferences.
The inbox, the e-mail outbox and `notify()`/`notify_many()` (storage, preferences, keys) are in
models/notifications.py; the outbox is sent and the digest made by portal/core/mail.py.

- `sending.py`: `tell()`, the door every area uses to tell people something, and `items()` for
  background jobs that gather many notices before `notify_many`.
- `messages.py`: notices stored as a message id and its parameters (the JSON convention), and
  `render_notice()`, which reads one in the reader's language and time zone.
- `preferences.py`: how each kind of notice reaches a person, the digest, birthdays ahead.
"""
