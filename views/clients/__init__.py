"""views/clients."""
