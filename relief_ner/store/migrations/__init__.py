"""Alembic migrations of the records database (`relief_ner.store.database.migrate`)."""
