"""Time the whole pipeline on one synthetic long sentence full of entities (our own template,
repeated): the worst case for the relation component, whose candidates are all the
measure–party pairs of a sentence (research/README.md, "Speed, int8, long documents").

    python research/scripts/long_document.py [MODEL] [REPEATS]
"""

from __future__ import annotations

import sys
import time

import relief_ner

UNIT = "某某公司向明东村捐赠30万元,县财政投入500万元用于修建道路3条,"


def main(model: str = "default", repeats: str = "300") -> None:
    nlp = relief_ner.load(model)
    text = UNIT * int(repeats)
    start = time.perf_counter()
    doc = nlp(text)
    elapsed = time.perf_counter() - start
    print(f"{len(text):,} characters in one sentence: {elapsed:.1f} s; {len(doc.ents)} entities, "
          f"{len(doc._.relations)} relations, {len(doc._.records)} records")


if __name__ == "__main__":
    main(*sys.argv[1:])
