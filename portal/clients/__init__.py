"""portal/clients."""
