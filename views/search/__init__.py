"""views/search."""
