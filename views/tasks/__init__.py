"""views/tasks."""
