"""Markdown table of the dev comparison runs (research/training/compare.sh) from their train.log:
the evaluation with the best score (what model-best holds) and the last one.

    python research/scripts/compare_report.py training/runs/cmp-*
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def evaluations(log: Path):
    """(stage, step, ents_f, rel_f, records_f, score) per evaluation row; a resumed run
    starts a new stage (its step counter restarts)."""
    stage, rows, header = 0, [], False
    for line in ANSI.sub("", log.read_text(encoding="utf-8")).splitlines():
        if line.startswith("E "):
            header = True
            stage += 1
            continue
        m = ROW.match(line)
        if not m or not header:
            continue
        # the last ten columns: ENTS_F/P/R, REL_MICRO_F/P/R, RECORDS_F/P/R, SCORE (the loss
        # columns before them depend on the pipeline)
        v = [float(x) for x in line.split()[-10:]]
        rows.append((stage, int(m.group(2)), v[0], v[3], v[6], v[9]))
    return rows


def main(paths) -> None:
    print("| run | best: stage.step | entity F | relation F | record F | score | last: entity F | relation F | record F | score |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in paths:
        log = Path(path) / "train.log"
        rows = evaluations(log) if log.exists() else []
        if not rows:
            continue
        best = max(rows, key=lambda r: r[5])
        last = rows[-1]
        print(f"| {Path(path).name} | {best[0]}.{best[1]} | {best[2]:.1f} | {best[3]:.1f} | {best[4]:.1f} | "
              f"{best[5]:.2f} | {last[2]:.1f} | {last[3]:.1f} | {last[4]:.1f} | {last[5]:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
