"""How many gold MONEY/AREA/COUNT values of the corpus the normaliser reproduces from the
span and its label (research/README.md, "Values"):

    python research/scripts/check_values.py
"""

from __future__ import annotations

from pathlib import Path

import spacy

from relief_ner.corpus import TextStore, gold_to_doc
from relief_ner.corpus.project import CorpusLayout, iter_split_docs
from relief_ner.scoring import same_value
from relief_ner.quantity import quantity_in_context
from relief_ner.schema import MEASURE_LABELS


def main() -> None:
    nlp = spacy.blank("zh")
    total = same = 0
    for split, golds in iter_split_docs(CorpusLayout(Path(".")), TextStore(None)):
        for gold in golds:
            doc = gold_to_doc(nlp, gold)
            for ent in doc.ents:
                if ent.label_ not in MEASURE_LABELS:
                    continue
                total += 1
                q = quantity_in_context(doc.text, ent.start_char, ent.end_char, label=ent.label_)
                if same_value(ent._.quantity, q):
                    same += 1
                else:
                    print(f"{split} {gold.id}: {ent.text} ({ent.label_}) gold {ent._.quantity}, normaliser {q}")
    print(f"normaliser reproduces {same:,} of {total:,} gold values")


if __name__ == "__main__":
    main()
