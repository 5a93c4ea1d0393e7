"""Which entities `relief_entity_repair` changes on a split, and whether each change is in
the gold annotation (research/README.md, "Entity repair").

    python scripts/repair_changes.py dev training/runs/default-v1
    python scripts/repair_changes.py dev gold

MODEL must be a pipeline without the repair (the 2026-11-23 default, research/README.md); the
repair is applied to its NER output. With `gold` it is applied to the gold entities instead,
which it should leave as they are (every change listed is a gold span the repair would
break, or a span it would make out of gold spans).
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy

import relief_ner
from relief_ner.corpus import TextStore, gold_to_doc
from relief_ner.corpus.project import CorpusLayout, load_split
from relief_ner.pipeline.entity_repair import EntityRepair


def main(split: str, model: str) -> None:
    golds = load_split(CorpusLayout(Path(".")), TextStore(None), split)
    if model == "gold":
        _check_gold(golds, split)
        return
    nlp = relief_ner.load(model)
    if "relief_entity_repair" in nlp.pipe_names:
        raise SystemExit(f"{model} already repairs its entities; give a pipeline without the repair")
    repair = EntityRepair()
    right = wrong = 0
    docs = nlp.pipe([g.text for g in golds], disable=["relief_relation_extractor", "relief_record_builder"])
    for gold, doc in zip(golds, docs):
        truth = {(e.start, e.end, e.label) for e in gold.entities}
        before = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        after = {(e.start_char, e.end_char, e.label_) for e in repair(doc).ents}
        for start, end, label in sorted(after - before):
            ok = (start, end, label) in truth
            right += ok
            wrong += not ok
            print(f"{'right' if ok else 'WRONG'}  {gold.text[start:end]} → {label}")
    print(f"{split}: {right + wrong} spans changed, {right} right, {wrong} wrong")


def _check_gold(golds, split: str) -> None:
    nlp, repair = spacy.blank("zh"), EntityRepair()
    total = changed = 0
    for gold in golds:
        doc = gold_to_doc(nlp, gold)
        before = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        after = {(e.start_char, e.end_char, e.label_) for e in repair(doc).ents}
        total += len(before)
        for start, end, label in sorted(before - after):
            changed += 1
            print(f"BROKEN  {gold.text[start:end]} ({label})")
        for start, end, label in sorted(after - before):
            print(f"MADE    {gold.text[start:end]} ({label})")
    print(f"{split}: {total} gold spans, {changed} changed by the repair")


if __name__ == "__main__":
    main(*sys.argv[1:])
