"""portal/calendar."""
