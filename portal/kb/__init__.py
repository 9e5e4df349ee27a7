"""portal/kb."""
