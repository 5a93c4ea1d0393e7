"""`relief-ner bench`: speed and memory of a whole pipeline on CPU.

Each configuration runs in a fresh subprocess, so load time and peak memory are those of
one user process and the runs do not warm each other's caches.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import MODEL_HELP, TEXTS_HELP, app, err, fail

_WORKER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import relief_ner
from relief_ner.inference import is_int8, optimise_for_cpu
args = json.loads(sys.argv[1])
nlp = relief_ner.load(args["model"], int8=args["int8"])
optimise_for_cpu(nlp, threads=args["threads"])
load_s = time.perf_counter() - t0
texts = [line for line in open(args["texts"], encoding="utf-8").read().split("\x1e") if line]
list(nlp.pipe(texts[:2], batch_size=args["batch_size"]))  # warm-up: lazy init, allocator
t1 = time.perf_counter()
n = 0
for doc in nlp.pipe(texts, batch_size=args["batch_size"], n_process=args["processes"]):
    n += len(doc.text)
secs = time.perf_counter() - t1
row = {"int8": is_int8(nlp), "load_s": load_s, "chars": n, "seconds": secs, "chars_per_s": n / secs,
       "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
if args["processes"] > 1:
    # the largest worker (the workers start inside the timed loop)
    row["worker_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(row))
"""


@app.command()
def bench(
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    batch_size: List[int] = typer.Option([1, 8, 32], "--batch-size", help="Repeat for several."),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP + " Its news/*.txt are the benchmark texts."),
    limit: int = typer.Option(0, "--limit", min=0, help="Use at most this many documents (0 = all)."),
    threads: int = typer.Option(0, "--threads", min=0, help="torch threads (0 = all cores)."),
    processes: int = typer.Option(
        1, "--processes", min=1, help="nlp.pipe worker processes (n_process); each runs torch on one thread."
    ),
    int8: Optional[bool] = typer.Option(
        None,
        "--int8/--fp32",
        help="Force int8 (dynamic, per channel) or float32 inference of the transformer (default: as the pipeline was shipped).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Characters per second of the whole pipeline with nlp.pipe, peak memory and load time."""
    import tempfile

    from ..corpus.texts import TextStore

    store = TextStore(texts)
    ids = list(store.ids("news"))
    if not ids:
        fail(f"no news/*.txt under {store.root}")
    docs = [store(i) for i in ids][: limit or None]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write("\x1e".join(docs))
        path = f.name
    results = []
    for size in batch_size:
        args = {
            "model": model,
            "texts": path,
            "batch_size": size,
            "threads": threads,
            "int8": int8,
            "processes": processes,
        }
        proc = subprocess.run([sys.executable, "-c", _WORKER, json.dumps(args)], capture_output=True, text=True)
        if proc.returncode != 0:
            fail(f"benchmark run failed (batch size {size}):\n{proc.stderr[-2000:]}")
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        row["batch_size"] = size
        row["processes"] = processes
        results.append(row)
    Path(path).unlink()
    used_int8 = results[0].get("int8", False)
    summary = {"model": model, "documents": len(docs), "int8": used_int8, "runs": results}
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    table = Table(
        title=f"{model}: {len(docs)} documents, {results[0]['chars']:,} characters"
        + (" (int8)" if used_int8 else "")
        + (f", {processes} processes" if processes > 1 else "")
    )
    for col in ("batch size", "chars/s", "seconds", "peak RSS MiB", "load s"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            str(r["batch_size"]),
            f"{r['chars_per_s']:,.0f}",
            f"{r['seconds']:.2f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['load_s']:.2f}",
        )
    Console().print(table)


@app.command("bench-batch")
def bench_batch(
    docs: int = typer.Option(10_000, "--docs", min=1, help="Documents in the synthetic feed."),
    batch_sizes: str = typer.Option("8,32,128", "--batch-sizes", help="nlp.pipe batch sizes (comma-separated)."),
    processes: str = typer.Option("1,2", "--processes", help="--n-process values (at the middle batch size)."),
    ray: bool = typer.Option(True, "--ray/--no-ray", help="Also run --engine ray on a local Ray instance."),
    concurrency: int = typer.Option(2, "--concurrency", min=1, help="Ray actors."),
    model: str = typer.Option("rules", "--model", "-m", help="Pipeline to measure."),
    work_dir: Optional[Path] = typer.Option(
        None, "--work-dir", help="Where the feed and outputs go (default: a temporary folder)."
    ),
) -> None:
    """Throughput of extract against batch size, processes and engine; peak memory."""
    from ..batch.bench import bench_matrix, table

    def ints(text: str) -> List[int]:
        return [int(x) for x in text.split(",") if x.strip()]

    runs = bench_matrix(docs, ints(batch_sizes), ints(processes), ray, concurrency, model, work_dir, say=err.print)
    print(table(runs))
