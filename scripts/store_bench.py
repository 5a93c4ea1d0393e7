"""Timings of the records database and the report (docs/STORE.md, "Timings").

    .venv/bin/python scripts/store_bench.py --docs 10000 --work-dir /tmp/store-bench [--pg URL] [--replicate 3]

1. A synthetic feed of `--docs` documents (relief_ner/batch/synthetic.py) is extracted once
   with the rules to JSONL (`--with-text`), and once straight into SQLite with
   `relief-ner extract --db` (each its own process, wall time).
2. The JSONL results are written into SQLite (and PostgreSQL with `--pg`) through the
   store's writer alone, batch by batch as `extract --db` does: the store's own cost.
3. `relief-ner report` of that database (HTML, CSV), as processes, wall time.
4. With `--replicate K`, the results are written K more times under new ids, each copy a
   year earlier, into a larger database, and its report is timed the same way (100,000
   records and more without extracting them again); with `--browser`, the time headless
   Chromium takes to open the page and draw it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "relief_ner.cli"]


def run(args, label):
    start = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{label} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def results(path: Path, copy: int = 0):
    from relief_ner.batch.engine import DocResult

    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        if copy:
            record["id"] = f"{record['id']}-copy{copy}"
            published = dt.date.fromisoformat(record["published"])
            record["published"] = published.replace(year=published.year - copy).isoformat()
        text = record.pop("text")
        yield DocResult(record["id"], record, text)


def store_only(jsonl: Path, url: str, label: str, copies: int = 1, batch: int = 32) -> dict:
    from relief_ner.store import Store
    from relief_ner.store.writer import ModelInfo, StoreWriter

    store = Store(url)
    writer = StoreWriter(store)
    writer.bind_model(ModelInfo("rules", "bench"))
    start = time.perf_counter()
    docs = 0
    for copy in range(copies):
        pending = []
        for result in results(jsonl, copy):
            pending.append(result)
            if len(pending) == batch:
                writer.write_batch(pending)
                docs += len(pending)
                pending = []
        writer.write_batch(pending)
        docs += len(pending)
    seconds = time.perf_counter() - start
    counts = store.counts()
    writer.close()
    print(
        f"{label}: {docs:,} documents, {counts['records']:,} records in {seconds:.1f} s ({docs / seconds:,.0f} docs/s)",
        flush=True,
    )
    return {"docs": docs, "records": counts["records"], "seconds": round(seconds, 1)}


def reports(db: str, work: Path, label: str, browser: bool) -> dict:
    out = {}
    page = work / f"{label}.html"
    out["html_s"] = round(run([*CLI, "report", db, "-o", str(page)], f"{label}: report html"), 1)
    out["html_mb"] = round(page.stat().st_size / 2**20, 1)
    out["csv_s"] = round(
        run([*CLI, "report", db, "-o", str(work / f"{label}-tables"), "-f", "csv"], f"{label}: report csv"), 1
    )
    from relief_ner.report import data as report_data
    from relief_ner.report.page import render
    from relief_ner.store import Store

    start = time.perf_counter()
    with Store(db) as store:
        data = report_data.load(store)
    render(data, title="bench", source=db, rule={"max_days": 7})
    out["in_process_s"] = round(time.perf_counter() - start, 1)
    print(
        f"{label}: report in-process {out['in_process_s']} s ({len(data.evidence):,} records, "
        f"{len(data.events):,} events), page {out['html_mb']} MB",
        flush=True,
    )
    if browser:
        out["browser_s"] = round(open_in_browser(page), 1)
        print(f"{label}: page drawn in Chromium in {out['browser_s']} s", flush=True)
    return out


def open_in_browser(page: Path) -> float:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        start = time.perf_counter()
        driver.get(page.as_uri())
        while not driver.execute_script("return document.body && document.body.dataset.rendered"):
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/store-bench"))
    parser.add_argument("--pg", help="a PostgreSQL URL (an empty database) for the store-only timing")
    parser.add_argument("--replicate", type=int, default=0, help="extra copies for the large report")
    parser.add_argument("--browser", action="store_true", help="time the page in headless Chromium")
    args = parser.parse_args()
    from relief_ner.batch.synthetic import write_feed

    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    feed = write_feed(work / "feed.jsonl", args.docs)
    jsonl = work / "out.jsonl"
    summary = {"docs": args.docs, "date": dt.date.today().isoformat()}
    if not jsonl.exists():
        summary["extract_jsonl_s"] = round(
            run([*CLI, "extract", str(feed), "-o", str(jsonl), "-m", "rules", "--with-text", "-q"], "extract to JSONL"),
            1,
        )
    db = work / "extract.sqlite"
    for stale in work.glob("*.sqlite*"):
        stale.unlink()
    summary["extract_db_s"] = round(
        run([*CLI, "extract", str(feed), "--db", str(db), "-m", "rules", "-q"], "extract --db SQLite"), 1
    )
    only = work / "store.sqlite"
    summary["store_sqlite"] = store_only(jsonl, str(only), "store only, SQLite")
    if args.pg:
        summary["store_postgresql"] = store_only(jsonl, args.pg, "store only, PostgreSQL")
    summary["report"] = reports(str(db), work, "report", args.browser)
    if args.replicate:
        large = work / "large.sqlite"
        summary["store_large"] = store_only(jsonl, str(large), "store only, SQLite, copies", copies=args.replicate + 1)
        summary["report_large"] = reports(str(large), work, "large", args.browser)
    (work / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
