"""Sales (issue 15): deals, orders, shipments and payments, plans, reports, documents, access."""
