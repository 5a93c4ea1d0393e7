"""`relief-ner report`: an analyst's report of a records database — one offline HTML page
with plots, filters and the evidence behind every total, or the aggregated tables as CSV or
Parquet (docs/STORE.md)."""

from .build import write_report

__all__ = ["write_report"]
