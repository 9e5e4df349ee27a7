"""portal/interactions."""
