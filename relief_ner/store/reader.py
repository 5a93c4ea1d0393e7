"""`relief_ner.store.open(url)`: a records database and its tables as pandas or Arrow.

>>> import relief_ner.store
>>> with relief_ner.store.open("records.sqlite") as db:
...     records = db.records()                 # one row per record, with its document's URL and date
...     events = db.events(format="arrow")     # one row per event (the same assistance told by several reports)
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa

from . import parties as P
from .database import create_engine, database_url, display_url, migrate
from .events import EventRule, update_events
from .tables import documents, entities, measures, metadata, readings, records, relations, settings

FORMATS = ("pandas", "arrow")
_EVENT_RULE_KEY = "event_rule"
# Columns of `records()` besides those of the records table.
_DOC_COLUMNS = (documents.c.source_url, documents.c.title, documents.c.model_name, documents.c.model_version)
_JSON_COLUMNS = ("providers", "recipients", "provider_region", "recipient_region", "record_json", "extra", "place")


class Store:
    """An open records database; `open()` makes one. Usable as a context manager."""

    def __init__(self, target: str, *, upgrade: bool = True) -> None:
        self.url = database_url(target)
        self.display_url = display_url(self.url)
        self.engine = create_engine(self.url)
        if upgrade:
            migrate(self.engine)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ settings

    def event_rule(self) -> Optional[EventRule]:
        """The rule the stored event ids were computed with (None in a new database)."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(settings.c.value).where(settings.c.key == _EVENT_RULE_KEY)).scalar()
        return EventRule.from_json(value) if value is not None else None

    def recompute_events(self, rule: EventRule) -> int:
        """Assign every record's event id with `rule` and keep the rule; the number of
        records whose event changed."""
        with self.engine.begin() as conn:
            changed = update_events(conn, None, rule)
            conn.execute(sa.delete(settings).where(settings.c.key == _EVENT_RULE_KEY))
            conn.execute(sa.insert(settings).values(key=_EVENT_RULE_KEY, value=rule.to_json()))
        return changed

    # ------------------------------------------------------------------- tables

    def counts(self) -> Dict[str, int]:
        """Rows per table."""
        with self.engine.connect() as conn:
            return {
                name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in metadata.tables.items()
            }

    def documents(self, format: str = "pandas") -> Any:
        return self._frame(sa.select(documents).order_by(documents.c.id), format)

    def readings(self, format: str = "pandas") -> Any:
        return self._frame(sa.select(readings).order_by(readings.c.id), format)

    def entities(self, format: str = "pandas") -> Any:
        return self._frame(sa.select(entities).order_by(entities.c.doc_id, entities.c.idx), format)

    def relations(self, format: str = "pandas") -> Any:
        return self._frame(sa.select(relations).order_by(relations.c.doc_id, relations.c.idx), format)

    def measures(self, format: str = "pandas", kind: Optional[str] = None) -> Any:
        """One row per MONEY/COUNT/AREA of a record (`kind`, value, unit: 户, 人, 所 …) with
        the record's event and date; `kind` keeps one kind."""
        query = (
            sa.select(measures, records.c.event_id, records.c.published)
            .join(records, sa.and_(records.c.doc_id == measures.c.doc_id, records.c.idx == measures.c.record_idx))
            .order_by(measures.c.doc_id, measures.c.record_idx, measures.c.idx)
        )
        if kind is not None:
            query = query.where(measures.c.kind == kind)
        return self._frame(query, format)

    def records(self, format: str = "pandas", columns: Optional[Sequence[str]] = None) -> Any:
        """One row per record with its document's source URL and title (and model, when all
        columns are asked for), and the
        regions reports group by (`provider_region_label`, `recipient_region_label`: the
        province of the stored region, else the province a party's name starts with, else
        未知; `parties.display_region`)."""
        wanted = [records.c[name] for name in columns] if columns else list(records.c)
        for needed in (
            "provider",
            "recipient",
            "provider_region_code",
            "provider_region_name",
            "recipient_region_code",
            "recipient_region_name",
        ):
            if needed not in {c.name for c in wanted}:
                wanted.append(records.c[needed])
        doc_columns = _DOC_COLUMNS if columns is None else _DOC_COLUMNS[:2]
        query = (
            sa.select(*wanted, *doc_columns)
            .join(documents, documents.c.id == records.c.doc_id)
            .order_by(records.c.doc_id, records.c.idx)
        )
        frame = self._frame(query, "pandas")
        for side in ("provider", "recipient"):
            frame[f"{side}_region_label"] = _region_labels(
                frame[f"{side}_region_code"], frame[f"{side}_region_name"], frame[side]
            )
        return _as(frame, format)

    def events(self, format: str = "pandas") -> Any:
        """One row per event: the first record's parties, regions and amounts (the records
        of an event have the same ones by the rule), its first and last publication date,
        its sources (document ids, URLs) in date order, and which record is its first."""
        frame = self.records(
            columns=[
                "doc_id",
                "idx",
                "event_id",
                "published",
                "provider",
                "recipient",
                "money_cny",
                "area_m2",
                "purpose",
                "sentence",
            ]
        )
        return _as(events_of(frame), format)

    # ---------------------------------------------------------------- internals

    def query(self, query: Any, format: str = "pandas") -> Any:
        """Any SQLAlchemy select on the tables (`relief_ner.store.tables`) as a frame."""
        return self._frame(query, format)

    def _frame(self, query: Any, format: str) -> Any:
        """The rows of `query` as a frame. The driver's cursor is read directly and each
        column converted at once (dates, JSON, booleans), which takes a fraction of the time
        SQLAlchemy's per-row processing does on 100,000 records."""
        import pandas as pd

        compiled = query.compile(dialect=self.engine.dialect)
        params: Any = compiled.params
        if compiled.positiontup is not None:
            params = tuple(compiled.params[name] for name in compiled.positiontup)
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(compiled.string, params)
                keys = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            finally:
                cursor.close()
        values = list(zip(*rows)) if rows else [() for _ in keys]
        types = {c.name: c.type for c in query.selected_columns}
        data = {}
        for key, column in zip(keys, values):
            kind = types.get(key)
            if isinstance(kind, sa.JSON):
                column = [json.loads(v) if isinstance(v, str) else v for v in column]
                data[key] = pd.Series(column, dtype=object)
            elif isinstance(kind, sa.DateTime):
                data[key] = pd.to_datetime(pd.Series(column, dtype=object), utc=True, format="mixed")
            elif isinstance(kind, sa.Date):
                data[key] = pd.to_datetime(pd.Series(column, dtype=object))
            elif isinstance(kind, sa.Boolean):
                data[key] = pd.Series(column, dtype=object).astype("boolean")
            elif isinstance(kind, sa.Integer):
                # with NULLs an integer column would become floats
                data[key] = pd.Series(column, dtype=object).astype("Int64")
            elif isinstance(kind, sa.Float):
                data[key] = pd.Series(column, dtype="float64")
            else:
                # object, not pandas' Arrow strings: converting 100,000s of them costs a second
                data[key] = pd.Series(column, dtype=object)
        frame = pd.DataFrame(data, columns=keys)
        return _as(frame, format)


def open(url: str, *, upgrade: bool = True) -> Store:  # noqa: A001 - the API the README shows
    """The records database at `url` (a SQLAlchemy URL or the path of a SQLite file),
    migrated to the current schema unless `upgrade=False`."""
    return Store(url, upgrade=upgrade)


# What an event is summed up by (the report lists these, then its documents and sources).
EVENT_SUMMARY_COLUMNS = [
    "event_id",
    "first_published",
    "last_published",
    "provider",
    "recipient",
    "provider_region_label",
    "recipient_region_label",
    "money_cny",
    "area_m2",
    "n_records",
    "n_documents",
]


def events_of(frame: Any) -> Any:
    """Events from a records frame (`Store.records()` columns)."""
    import numpy as np
    import pandas as pd

    columns = EVENT_SUMMARY_COLUMNS + ["doc_ids", "source_urls", "first_doc_id", "first_idx"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    # Each event's records together, its first record (earliest date, document, position) first.
    ordered = frame.sort_values(
        ["event_id", "published", "doc_id", "idx"], na_position="last", kind="stable"
    ).reset_index(drop=True)
    ids = ordered["event_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    first = ordered.iloc[starts]
    docs = ordered["doc_id"].tolist()
    urls = ordered["source_url"].tolist()
    bounds = list(zip(starts.tolist(), ends.tolist()))  # Python ints: numpy scalars index lists slowly
    doc_ids = [[docs[a]] if b - a == 1 else _unique_list(docs[a:b]) for a, b in bounds]
    source_urls = [
        ([urls[a]] if urls[a] is not None else []) if b - a == 1 else _unique_list(urls[a:b]) for a, b in bounds
    ]
    last = ordered.groupby("event_id", sort=False)["published"].max()
    out = pd.DataFrame(
        {
            "event_id": first["event_id"].to_numpy(),
            "first_published": first["published"].to_numpy(),
            "last_published": last.to_numpy(),
            "provider": first["provider"].to_numpy(),
            "recipient": first["recipient"].to_numpy(),
            "provider_region_label": first["provider_region_label"].to_numpy(),
            "recipient_region_label": first["recipient_region_label"].to_numpy(),
            "money_cny": first["money_cny"].to_numpy(),
            "area_m2": first["area_m2"].to_numpy(),
            "n_records": ends - starts,
            "n_documents": [len(d) for d in doc_ids],
            "doc_ids": doc_ids,
            "source_urls": source_urls,
            "first_doc_id": first["doc_id"].to_numpy(),
            "first_idx": first["idx"].to_numpy(),
        },
        columns=columns,
    )
    return out.sort_values(["first_published", "event_id"], na_position="last").reset_index(drop=True)


def _unique_list(values: Iterable[Any]) -> List[Any]:
    seen: Dict[Any, None] = {}
    for value in values:
        if value is not None and value == value:  # drop None and NaN
            seen.setdefault(value, None)
    return list(seen)


def _region_labels(codes: Any, names: Any, party_texts: Any) -> List[str]:
    """`parties.display_region` of every row, computed once per distinct value."""
    import pandas as pd

    def once(values: Any, label: Any) -> Any:
        distinct = {v: label(v) for v in pd.unique(values.dropna())}
        return values.map(distinct)

    by_code = once(codes, P.province_of_code)
    by_name = once(names, lambda n: P.province_of([n]))
    by_party = once(party_texts, lambda t: P.province_of(t.split(" | ")))
    labels = by_code.where(by_code.notna(), by_name)
    labels = labels.where(labels.notna(), by_party)
    return labels.where(labels.notna(), P.UNKNOWN_REGION).tolist()


def _as(frame: Any, format: str) -> Any:
    if format == "pandas":
        return frame
    if format != "arrow":
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    import pyarrow as pa

    frame = frame.copy()
    for column in frame.columns:
        if column in _JSON_COLUMNS:
            frame[column] = [None if v is None else json.dumps(v, ensure_ascii=False) for v in frame[column]]
    return pa.Table.from_pandas(frame, preserve_index=False)
