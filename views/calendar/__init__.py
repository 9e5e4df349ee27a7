"""views/calendar."""
