"""Seconds per component on the first 60 news reports, two rounds: python research/scripts/relation_encoder/component_times.py PIPELINE..."""
import time, glob, sys, relief_ner
files = sorted(glob.glob("/work/shared/news/*.txt"))[:60]
texts = [open(f, encoding="utf-8").read() for f in files]
for rep in range(2):
    for path in sys.argv[1:]:
        nlp = relief_ner.load(path)
        docs = [nlp.make_doc(t) for t in texts]
        times = {}
        for name, proc in nlp.pipeline:
            t = time.time()
            docs = list(proc.pipe(docs, batch_size=32)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
            times[name] = round(time.time() - t, 2)
        print(path, times, "total", round(sum(times.values()), 2), flush=True)
