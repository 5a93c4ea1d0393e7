"""Where a pipeline spends its time: each component over the 121 news reports, timed on its
own (`nlp.pipe` batch 8, documents passed from one component to the next), two passes.

    python research/scripts/component_times.py [MODEL]      # default: the shipped default

Prints seconds and share per component and the whole pipeline's characters per second.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

import relief_ner
from relief_ner.corpus.texts import TextStore


def main(model: str = "default", passes: int = 2) -> None:
    store = TextStore(None)
    texts = [store(i) for i in store.ids("news")]
    nlp = relief_ner.load(model)
    list(nlp.pipe(texts[:2]))  # warm-up
    seconds = defaultdict(float)
    for _ in range(passes):
        docs = [nlp.make_doc(t) for t in texts]
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            docs = list(proc.pipe(docs, batch_size=8)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
            seconds[name] += time.perf_counter() - start
    total = sum(seconds.values())
    for name, secs in seconds.items():
        print(f"{name:28s} {secs / passes:6.2f} s  {secs / total:6.1%}")
    print(f"{sum(map(len, texts)):,} characters, {passes * sum(map(len, texts)) / total:,.0f} chars/s "
          "(components only, no tokenizer)")


if __name__ == "__main__":
    main(*sys.argv[1:])
