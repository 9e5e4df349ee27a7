"""views/audit."""
