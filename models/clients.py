"""Client records: organizations, contact persons, interactions, classifiers (issue 3)."""
