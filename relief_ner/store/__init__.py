"""The records database: documents, entities, relations and records of `relief-ner
extract --db`, kept over time, one event per story (docs/STORE.md).

    import relief_ner.store
    with relief_ner.store.open("records.sqlite") as db:
        records = db.records()          # pandas; db.records(format="arrow") for Arrow
"""

from .database import StoreError, database_url
from .events import EventRule
from .reader import Store, open

__all__ = ["EventRule", "Store", "StoreError", "database_url", "open"]
