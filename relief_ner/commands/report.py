"""`relief-ner report DB -o report.html`: the analyst's report of a records database
(`relief_ner.report`; docs/STORE.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ._common import app, err, fail


@app.command()
def report(
    db: str = typer.Argument(..., help="The database: a SQLAlchemy URL (postgresql://…) or a SQLite file."),
    output: str = typer.Option(
        ..., "--output", "-o", help="report.html, or a folder for --format csv/parquet (one file per table)."
    ),
    fmt: str = typer.Option("html", "--format", "-f", help="html (one offline page), csv or parquet."),
    title: Optional[str] = typer.Option(None, "--title", help="Title of the page."),
) -> None:
    """One offline HTML page of the records: money by region, month and year, top providers
    and recipients, counts by measure word, areas, with filters and the evidence of every
    total; or the aggregated tables as CSV or Parquet files."""
    from ..batch.items import MissingDependency
    from ..report.build import write_report
    from ..store import StoreError

    if "://" not in db and not Path(db).is_file():
        fail(f"{db}: no such database file (create one with relief-ner extract ... --db {db})")
    try:
        summary = write_report(db, output, fmt, title)
    except (StoreError, MissingDependency, ValueError, OSError) as e:
        fail(str(e))
    files = ", ".join(str(f) for f in summary.files[:3]) + (" …" if len(summary.files) > 3 else "")
    err.print(
        f"{summary.events:,} events from {summary.records:,} records in "
        f"{sum(summary.seconds.values()):.1f} s (reading {summary.seconds['read']:.1f} s, "
        f"writing {summary.seconds['write']:.1f} s): {escape(files)}"
    )
