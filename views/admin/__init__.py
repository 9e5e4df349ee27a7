"""views/admin."""
