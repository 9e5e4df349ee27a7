"""portal/audit."""
