"""Sales (issue 15): the pure rules of money, documents and reports."""
