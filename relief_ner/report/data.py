"""What a report shows, from a records database: one row per event (counted once however
many reports tell it), the evidence of each (every record with its sentence and source),
and the aggregated tables (`tables`) that the page draws and `--format csv/parquet` writes.

An event's date is its earliest publication date; its parties, regions and amounts are its
first record's (by the event rule they are the same in all its records); its counts by
measure word (户, 人, 所 …) are its first record's COUNT values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

import pandas as pd
import sqlalchemy as sa

from ..store.parties import UNKNOWN_REGION
from ..store.reader import EVENT_SUMMARY_COLUMNS, Store, events_of
from ..store.tables import measures

# m² per 亩 (the schema's unit: 1 亩 = 10000/15 m²)
M2_PER_MU = 10000 / 15
_RECORD_COLUMNS = [
    "doc_id",
    "idx",
    "event_id",
    "published",
    "provider",
    "recipient",
    "money_cny",
    "area_m2",
    "sentence",
    "sentence_start",
    "sentence_end",
]


@dataclass
class ReportData:
    events: pd.DataFrame  # one row per event (see `load`)
    evidence: pd.DataFrame  # one row per record: event_id, doc_id, idx, published, sentence, source_url, title
    counts: pd.DataFrame  # event_id, unit, value: the COUNT measures of each event's first record


def load(store: Store) -> ReportData:
    records = store.records(columns=_RECORD_COLUMNS)
    events = events_of(records)
    if events.empty:
        events = events.assign(month=pd.Series(dtype=str), year=pd.Series(dtype="Int64"))
    else:
        published = pd.to_datetime(events["first_published"])
        events["month"] = published.dt.strftime("%Y-%m").where(published.notna(), None)
        events["year"] = published.dt.year.astype("Int64")
    for column in ("provider_region_label", "recipient_region_label"):
        events[column] = events[column].fillna(UNKNOWN_REGION)
    evidence = (
        records[["event_id", "doc_id", "idx", "published", "sentence", "source_url", "title"]]
        .sort_values(["event_id", "published", "doc_id", "idx"], na_position="last", kind="stable")
        .reset_index(drop=True)
    )
    counts = store.query(
        sa.select(measures.c.doc_id, measures.c.record_idx, measures.c.unit, measures.c.value).where(
            measures.c.kind == "COUNT"
        )
    )
    counts = counts.merge(
        events[["event_id", "first_doc_id", "first_idx"]],
        left_on=["doc_id", "record_idx"],
        right_on=["first_doc_id", "first_idx"],
    )
    counts = counts[["event_id", "unit", "value"]].reset_index(drop=True)
    counts["unit"] = counts["unit"].fillna("")
    return ReportData(events.reset_index(drop=True), evidence, counts)


def tables(data: ReportData) -> Dict[str, pd.DataFrame]:
    """The aggregated tables, each a total per group over events: money in yuan, areas in m²
    and 亩, counts per measure word; `events` lists every event with its sources."""
    ev = data.events
    out: Dict[str, pd.DataFrame] = {}
    out["flows"] = _totals(ev, ["provider_region_label", "recipient_region_label"]).rename(
        columns={"provider_region_label": "provider_region", "recipient_region_label": "recipient_region"}
    )
    out["months"] = _totals(ev.dropna(subset=["month"]), ["month"]).sort_values("month").reset_index(drop=True)
    out["years"] = _totals(ev.dropna(subset=["year"]), ["year"]).sort_values("year").reset_index(drop=True)
    out["providers"] = _totals(ev, ["provider", "provider_region_label"]).rename(
        columns={"provider_region_label": "provider_region"}
    )
    out["recipients"] = _totals(ev, ["recipient", "recipient_region_label"]).rename(
        columns={"recipient_region_label": "recipient_region"}
    )
    units = data.counts.groupby("unit", sort=False).agg(events=("event_id", "nunique"), total=("value", "sum"))
    out["measure_words"] = (
        units.reset_index().sort_values(["events", "unit"], ascending=[False, True]).reset_index(drop=True)
    )
    with_area = ev[ev["area_m2"].notna()]
    areas = (
        with_area.groupby("recipient_region_label", sort=False)
        .agg(events=("event_id", "size"), area_m2=("area_m2", "sum"))
        .reset_index()
    )
    areas["area_mu"] = areas["area_m2"] / M2_PER_MU
    out["areas"] = (
        areas.rename(columns={"recipient_region_label": "recipient_region"})
        .sort_values(["area_m2", "recipient_region"], ascending=[False, True])
        .reset_index(drop=True)
    )
    listing = ev[EVENT_SUMMARY_COLUMNS].copy()
    listing["doc_ids"] = [" ".join(map(str, v)) for v in ev["doc_ids"]]
    listing["source_urls"] = [" ".join(map(str, v)) for v in ev["source_urls"]]
    out["events"] = listing.rename(
        columns={"provider_region_label": "provider_region", "recipient_region_label": "recipient_region"}
    )
    return out


def _totals(ev: pd.DataFrame, keys: Any) -> pd.DataFrame:
    grouped = ev.groupby(keys, sort=False, dropna=False)
    out = grouped.agg(
        events=("event_id", "size"),
        records=("n_records", "sum"),
        money_cny=("money_cny", "sum"),
        area_m2=("area_m2", "sum"),
    ).reset_index()
    return out.sort_values(["money_cny", "events"], ascending=False, kind="stable").reset_index(drop=True)
