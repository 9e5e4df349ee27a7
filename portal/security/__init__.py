"""portal/security."""
