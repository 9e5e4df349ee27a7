"""views/people."""
