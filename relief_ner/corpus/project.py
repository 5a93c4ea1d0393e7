"""The project's own gold corpus: stand-off files under `corpus/news/` and `seeds/`
(one file per report), a fixed document split in `corpus/splits.json`, and the `.spacy`
files built from them for training.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence

from ..schema import ENTITY_LABELS, RELATION_LABELS
from .gold import CorpusError, GoldDoc, read_standoff, write_jsonl
from .texts import TextStore

SPLITS = ("train", "dev", "test")
DEFAULT_FRACTIONS = (0.7, 0.15, 0.15)


@dataclass
class CorpusLayout:
    root: Path

    @property
    def news_dir(self) -> Path:
        return self.root / "corpus" / "news"

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def splits_file(self) -> Path:
        return self.root / "corpus" / "splits.json"

    def path_for(self, doc_id: str) -> Path:
        folder = self.news_dir if doc_id.startswith("news_") else self.seeds_dir
        return folder / f"{doc_id}.jsonl"

    def files(self) -> List[Path]:
        return sorted(self.news_dir.glob("*.jsonl")) + sorted(self.seeds_dir.glob("*.jsonl"))


def load_corpus(layout: CorpusLayout, texts: TextStore, ids: Optional[Iterable[str]] = None) -> List[GoldDoc]:
    wanted = set(ids) if ids is not None else None
    docs = []
    for path in layout.files():
        if wanted is not None and path.stem not in wanted:
            continue
        docs.extend(read_standoff(path, texts))
    if wanted is not None:
        missing = wanted - {d.id for d in docs}
        if missing:
            raise CorpusError(f"documents in the split but not annotated: {', '.join(sorted(missing))}")
    return docs


def save_document(layout: CorpusLayout, doc: GoldDoc, overwrite: bool = False) -> str:
    """Write one stand-off file. Returns 'new', 'same' or 'updated'; an existing different
    annotation is only replaced with `overwrite` (never lose an annotation silently)."""
    path = layout.path_for(doc.id)
    line = json.dumps(doc.to_json(standoff=True), ensure_ascii=False)
    if path.exists():
        old = path.read_text(encoding="utf-8").strip()
        if old == line:
            return "same"
        if not overwrite:
            raise CorpusError(f"{path} already holds a different annotation of {doc.id}; "
                              "use --overwrite to replace it")
        write_jsonl([doc], path, standoff=True)
        return "updated"
    write_jsonl([doc], path, standoff=True)
    return "new"


def make_split(docs: Sequence[GoldDoc], seed: int = 13,
               fractions: Sequence[float] = DEFAULT_FRACTIONS, max_tries: int = 1000) -> Dict[str, object]:
    """Seeded split by document; reshuffles (seed, seed+1, ...) until every split has every
    entity label and relation type, so the seed that was used is recorded."""
    ids = sorted(d.id for d in docs)
    by_id = {d.id: d for d in docs}
    for attempt in range(max_tries):
        rng = random.Random(seed + attempt)
        order = ids[:]
        rng.shuffle(order)
        n_train = round(len(order) * fractions[0])
        n_dev = round(len(order) * fractions[1])
        parts = {"train": order[:n_train], "dev": order[n_train:n_train + n_dev],
                 "test": order[n_train + n_dev:]}
        if all(_covers(by_id[i] for i in part) for part in parts.values()):
            return {"seed": seed + attempt, "fractions": list(fractions),
                    **{k: sorted(v) for k, v in parts.items()}}
    raise CorpusError("no split found where every part has every label; annotate more documents")


def extend_split(previous: Dict[str, object], docs: Sequence[GoldDoc], seed: int,
                 fractions: Sequence[float] = DEFAULT_FRACTIONS,
                 max_tries: int = 1000) -> Dict[str, object]:
    """Grow a split to a larger corpus: every document keeps the part it had (so the old
    test documents stay in test and figures on them stay comparable), and the new ones are
    dealt out, seeded, so that dev and test each reach their fraction of all documents.
    Reshuffles (seed, seed+1, ...) until every part has every label and relation type."""
    import math
    old = {name: list(previous[name]) for name in SPLITS}  # type: ignore[arg-type]
    known = {i for ids in old.values() for i in ids}
    by_id = {d.id: d for d in docs}
    missing = sorted(known - set(by_id))
    if missing:
        raise CorpusError(f"{len(missing)} documents of the previous split have no annotation "
                          f"({', '.join(missing[:3])} …)")
    new = sorted(set(by_id) - known)
    total = len(by_id)
    want = {name: max(0, math.ceil(total * f) - len(old[name]))
            for name, f in zip(("dev", "test"), fractions[1:])}
    if sum(want.values()) > len(new):
        raise CorpusError(f"{len(new)} new documents cannot bring dev and test to "
                          f"{fractions[1]:.0%}/{fractions[2]:.0%} of {total}")
    for attempt in range(max_tries):
        order = new[:]
        random.Random(seed + attempt).shuffle(order)
        parts = {"test": old["test"] + order[:want["test"]],
                 "dev": old["dev"] + order[want["test"]:want["test"] + want["dev"]],
                 "train": old["train"] + order[want["test"] + want["dev"]:]}
        if all(_covers(by_id[i] for i in part) for part in parts.values()):
            history = list(previous.get("history", [])) + [  # type: ignore[arg-type]
                {k: previous[k] for k in ("seed", "fractions") if k in previous}
                | {"documents": len(known)}]
            return {"seed": seed + attempt, "fractions": list(fractions), "history": history,
                    **{k: sorted(parts[k]) for k in SPLITS}}
    raise CorpusError("no extension found where every part has every label")


def _covers(docs: Iterable[GoldDoc]) -> bool:
    labels, rels = set(), set()
    for d in docs:
        labels.update(e.label for e in d.entities)
        rels.update(r.type for r in d.relations)
    return labels >= set(ENTITY_LABELS) and rels >= set(RELATION_LABELS)


def subsample(ids: Sequence[str], fraction: float, seed: int) -> List[str]:
    """A seeded share of documents for a learning curve: nested, so that the 25% sample is
    part of the 50% sample of the same seed."""
    if not 0 < fraction <= 1:
        raise CorpusError(f"a fraction of the training documents must be in (0, 1], not {fraction}")
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return sorted(order[:max(1, round(len(order) * fraction))])


def read_split(layout: CorpusLayout) -> Dict[str, List[str]]:
    if not layout.splits_file.exists():
        raise CorpusError(f"{layout.splits_file} not found; create it with `relief-ner corpus split`")
    data = json.loads(layout.splits_file.read_text(encoding="utf-8"))
    return {k: data[k] for k in SPLITS}


def load_split(layout: CorpusLayout, texts: TextStore, name: str) -> List[GoldDoc]:
    """The gold documents of one split (`train`, `dev`, `test`)."""
    parts = read_split(layout)
    if name not in parts:
        raise CorpusError(f"unknown split {name!r}; choose from {', '.join(parts)}")
    return load_corpus(layout, texts, parts[name])


def statistics(docs: Sequence[GoldDoc]) -> Dict[str, object]:
    ents: Counter = Counter()
    rels: Counter = Counter()
    for d in docs:
        ents.update(e.label for e in d.entities)
        rels.update(r.type for r in d.relations)
    return {
        "documents": len(docs),
        "characters": sum(len(d.text) for d in docs),
        "entities": {label: ents[label] for label in ENTITY_LABELS},
        "relations": {label: rels[label] for label in RELATION_LABELS},
        "with_relations": sum(1 for d in docs if d.relations),
    }


def iter_split_docs(layout: CorpusLayout, texts: TextStore) -> Iterator[tuple]:
    split = read_split(layout)
    for name in SPLITS:
        yield name, load_corpus(layout, texts, split[name])
