"""Tasks across departments: tasks, checklists, comments, watchers, recurrence (issue 4)."""
