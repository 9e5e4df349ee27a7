"""One data row of a client import, once checked: what the import will do with it (`RowPlan`),
shared by the check (portal/clients/importer.py) and the writing (portal/clients/import_write.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class RowPlan:
    """What the import will do with one data row of the file."""

    index: int  # in Table.rows
    line: int  # in the file
    action: str = "create"  # create | update | skip | fail | merge (into an earlier row)
    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    name: str = ""
    # The existing record it duplicates (id, name), or the earlier row it repeats (merge_into).
    existing_id: int | None = None
    existing_name: str = ""
    merge_into: int | None = None
    # The id written (created or updated).
    result_id: int | None = None
    # {position in `problems`: the column of the file it is about} (when it is about one).
    problem_columns: dict = field(default_factory=dict)
    # Contact persons of the row's organization added (or completed) by the import.
    contacts_added: int = 0
    contacts_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def refuse(self, message, column: int | None = None) -> None:
        """A reason not to import the row, about the file's `column` (an index) if given."""
        if column is not None:
            self.problem_columns[len(self.problems)] = column
        self.problems.append(message)


def chunks(items: list, size: int) -> Iterable[list]:
    """`items` in slices of at most `size` (batches of rows, IN lists of ids)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
