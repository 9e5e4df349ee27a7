"""portal/people."""
