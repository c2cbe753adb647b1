"""Alembic migrations of the kiosk's local database; run by kiosk.store at every start."""
