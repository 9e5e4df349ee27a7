"""portal/files."""
