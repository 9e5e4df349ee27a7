"""The one way to say "you can't do that": a business rule the user broke.

Every area raises `UserError` (or a subclass) with a translatable message and, when one field
is at fault, that field's name. Forms put the message next to the field; anywhere else one error
view (`views/errors.py`) shows it in the user's language; the ticker and the command line print
it. Lives in `models` so that workflows and models may raise it too.
"""
from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A rule the user broke. `message` is a TranslationString (or plain text), `field` the form
    field it concerns, `status` the HTTP answer when nothing more specific catches it."""

    status = 400

    def __init__(self, message: Any = "", field: str | None = None, *, status: int | None = None,
                 **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        self.details = details

    def __str__(self) -> str:
        # A translation string with placeholders reads as English with the values filled in.
        interpolate = getattr(self.message, "interpolate", None)
        return interpolate() if interpolate is not None else str(self.message)


class ConflictError(UserError):
    """Someone else changed or took the thing first: the user should look again."""

    status = 409


class EditConflict(ConflictError):
    """Someone else saved the record after the form was opened: who, when, and the fields where
    what is saved now differs from what the form holds ((field, saved, posted) triples)."""

    def __init__(self, record: Any = None, author: Any = None, at: Any = None,
                 fields: list[tuple[str, str, str]] | None = None, message: Any = "") -> None:
        super().__init__(message)
        self.record, self.author, self.at = record, author, at
        self.fields = fields or []
