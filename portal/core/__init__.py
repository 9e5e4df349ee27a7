"""portal/core."""
