"""views/interactions."""
