"""Writing a report: the HTML page, or the aggregated tables as CSV or Parquet files."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ..store.events import EventRule
from ..store.reader import Store
from . import data as report_data
from .page import render

FORMATS = ("html", "csv", "parquet")


@dataclass
class ReportSummary:
    events: int
    records: int
    files: List[Path]
    seconds: Dict[str, float] = field(default_factory=dict)


def write_report(db: str, output: str, fmt: Optional[str] = None, title: Optional[str] = None) -> ReportSummary:
    """Write the report of database `db` to `output`: an HTML file, or for `csv`/`parquet` a
    folder with one file per aggregated table (`data.tables`)."""
    fmt = fmt or "html"
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    seconds: Dict[str, float] = {}
    start = time.perf_counter()
    with Store(db) as store:
        data = report_data.load(store)
        rule = (store.event_rule() or EventRule()).to_json()
        source = store.display_url
    seconds["read"] = time.perf_counter() - start
    path = Path(output)
    files: List[Path] = []
    start = time.perf_counter()
    if fmt == "html":
        page = render(data, title=title or "Assistance records", source=source, rule=rule)
        _write_atomic(path, page.encode("utf-8"))
        files.append(path)
    else:
        if path.exists() and not path.is_dir():
            raise ValueError(f"{path} is a file: --format {fmt} writes a folder with one file per table")
        path.mkdir(parents=True, exist_ok=True)
        for name, frame in report_data.tables(data).items():
            target = path / f"{name}.{fmt}"
            tmp = target.with_name(target.name + ".tmp")
            if fmt == "csv":
                frame.to_csv(tmp, index=False)
            else:
                frame.to_parquet(tmp, index=False)
            os.replace(tmp, target)
            files.append(target)
    seconds["write"] = time.perf_counter() - start
    return ReportSummary(len(data.events), len(data.evidence), files, seconds)


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
