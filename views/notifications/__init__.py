"""views/notifications."""
