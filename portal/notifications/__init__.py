"""Notifications: the rules of a person's delivery preferences. The inbox, the e-mail outbox and
`notify()` (the one door every area uses to tell someone something) are in
models/notifications.py; the outbox is sent and the digest made by portal/core/mail.py.

- `preferences.py`: how each kind of notice reaches a person, the digest, birthdays ahead.
"""
