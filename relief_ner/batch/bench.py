"""What `relief-ner bench-batch` measures: throughput of `relief-ner extract` against batch
size, processes and engine on a synthetic feed.

Each configuration runs as its own `relief-ner extract` process, as a user would run it,
so start-up is measured too and memory does not carry over. Peak memory is the largest
sum of the resident set sizes of the process and all its descendants (spaCy workers,
Ray's daemons and actors), sampled from /proc every 0.1 s: Linux only, and shared pages
(Ray's object store) are counted once per process that maps them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from .synthetic import write_feed

_SUMMARY = re.compile(r"([\d,]+) documents, ([\d,]+) characters, ([\d,]+) records in ([\d.]+) s")


@dataclass
class Run:
    label: str
    docs: int
    chars: int
    records: int
    extract_s: float  # from extract's own summary: after the pipeline is loaded (local engine)
    wall_s: float  # the whole command
    peak_rss_mb: float

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.extract_s

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.extract_s


def _tree_rss_kb(root: int) -> int:
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue  # the process ended while we looked
    return total


def run_extract(args: Sequence[str], label: str) -> Run:
    command = [sys.executable, "-m", "relief_ner.cli", "extract", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    found = _SUMMARY.search(stderr or "")
    if proc.returncode not in (0, 1) or not found:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    docs, chars, records = (int(found.group(i).replace(",", "")) for i in (1, 2, 3))
    return Run(label, docs, chars, records, float(found.group(4)), wall, peak[0] / 1024)


def table(runs: Sequence[Run]) -> str:
    lines = [
        "| configuration | docs | docs/s | chars/s | extract s | wall s | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.label} | {r.docs:,} | {r.docs_per_s:,.1f} | {r.chars_per_s:,.0f} | "
            f"{r.extract_s:.1f} | {r.wall_s:.1f} | {r.peak_rss_mb:,.0f} |"
        )
    return "\n".join(lines)


def bench_matrix(
    feed_docs: int,
    batch_sizes: Sequence[int],
    processes: Sequence[int],
    ray: bool,
    concurrency: int,
    model: str,
    work_dir: Optional[Path] = None,
    say: Callable[[str], None] = print,
) -> List[Run]:
    """One `relief-ner extract` run per configuration on a synthetic feed of `feed_docs`:
    each batch size with one process, the middle batch size with each other process count,
    and Ray with `concurrency` actors."""
    root = work_dir or Path(tempfile.mkdtemp(prefix="relief-bench-"))
    feed = write_feed(root / "feed.jsonl", feed_docs)
    say(f"feed: {feed} ({feed_docs:,} documents)")
    middle = batch_sizes[len(batch_sizes) // 2]
    plans = [(f"local, batch {b}, 1 process", ["--batch-size", str(b), "--n-process", "1"]) for b in batch_sizes]
    plans += [
        (f"local, batch {middle}, {p} processes", ["--batch-size", str(middle), "--n-process", str(p)])
        for p in processes
        if p != 1
    ]
    if ray:
        plans.append(
            (
                f"ray local, batch {middle}, {concurrency} actors",
                ["--batch-size", str(middle), "--engine", "ray", "--concurrency", str(concurrency)],
            )
        )
    runs = []
    for i, (label, extra) in enumerate(plans):
        out = root / f"out-{i}.jsonl"
        run = run_extract([str(feed), "-o", str(out), "-m", model, "-q", "--overwrite", *extra], label)
        say(f"{label}: {run.docs_per_s:,.1f} docs/s, {run.chars_per_s:,.0f} chars/s, peak {run.peak_rss_mb:,.0f} MB")
        runs.append(run)
    return runs
