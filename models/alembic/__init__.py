"""Database migrations (Alembic): `env.py`, and in `versions/` one revision per change of the
schema, a branch per area (people, clients, calendar, tasks, kb). Revisions import no code of
ours: each carries the values it needs, so that it gives the same result forever."""
