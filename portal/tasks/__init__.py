"""portal/tasks."""
