"""views/kb."""
