"""Render `relief-ner evaluate --json` output (several models) as Markdown tables.

relief-ner evaluate --split test -m rules -m A -m B --errors 20 --json > eval.json
python scripts/eval_report.py eval.json
"""

import json
import sys

ROWS = [
    ("ORG", "entities"),
    ("LOC", "entities"),
    ("MONEY", "entities"),
    ("AREA", "entities"),
    ("COUNT", "entities"),
    ("micro", "entities"),
    ("PROVIDER", "relations"),
    ("RECIPIENT", "relations"),
    ("micro", "relations"),
]


def main(path: str) -> None:
    data = json.load(open(path, encoding="utf-8"))
    names = list(data)
    print("| | " + " | ".join(f"{n} P | R | F" for n in names) + " |")
    print("|---|" + "---|---|---|" * len(names))
    for key, group in ROWS:
        label = f"{group} (micro)" if key == "micro" else key
        cells = []
        for n in names:
            d = data[n][group][key]
            cells += [f"{d['p']:.3f}", f"{d['r']:.3f}", f"**{d['f']:.3f}**"]
        print(f"| {label} | " + " | ".join(cells) + " |")
    cells = []
    for n in names:
        d = data[n]["records"]
        cells += [f"{d['p']:.3f}", f"{d['r']:.3f}", f"**{d['f']:.3f}**"]
    print("| records | " + " | ".join(cells) + " |")
    cells = []
    for n in names:
        v = data[n]["values"]
        cells += ["", f"{v['correct']}/{v['total']}", f"**{v['accuracy']:.3f}**"]
    print("| value accuracy | " + " | ".join(cells) + " |")
    print()
    for n in names:
        sp = data[n]["speed"]
        print(
            f"- {n}: {sp['characters']:,} characters in {sp['seconds']} s "
            f"({sp['chars_per_second']:,} chars/s, inside `evaluate`)"
        )
    for n in names:
        if data[n].get("errors"):
            print(f"\n#### Most frequent error kinds: {n}\n")
            print("| # | kind | count | examples |")
            print("|---|---|---|---|")
            for i, e in enumerate(data[n]["errors"], 1):
                ex = " · ".join(x.replace("|", "\\|") for x in e["examples"])
                print(f"| {i} | {e['kind']} | {e['count']} | {ex} |")


if __name__ == "__main__":
    main(sys.argv[1])
