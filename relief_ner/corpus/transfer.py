"""Public Chinese NER corpora mapped to the project's ORG/LOC, for optional pre-training
of the NER head. Read from `../shared/datasets`; never copied into the project.

Mapping decisions (everything not listed becomes O, i.e. not an entity):

| corpus | ORG | LOC | dropped |
|---|---|---|---|
| MSRA (SIGHAN 2006, B/M/E/S tags) | ORG | LOC | PER |
| People's Daily (nerpy char BIO) | ORG | LOC | PER, TIME |
| People's Daily sample (GuocaiL JSON) | ORG | GPE | PERSON, DATE |
| CLUENER2020 | government, company, organization | address, scene | name, position, game, book, movie |
| Boson | org_name, company_name | location | person_name, time, product_name |

Caveats: the corpora follow their own guidelines. CLUENER `address` spans often run on into
street numbers and buildings, which the schema's LOC does not include; `scene` covers scenic
spots and named mountains/rivers, which the schema counts as LOC. Measures (MONEY, AREA,
COUNT) are absent from all of them, so a model pre-trained on these must not learn "no
measure" from them: use them for the ORG/LOC part only (see configs/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

Example = Tuple[str, List[Tuple[int, int, str]]]

MSRA_MAP = {"ORG": "ORG", "LOC": "LOC"}
PD_MAP = {"ORG": "ORG", "LOC": "LOC"}
PD_SAMPLE_MAP = {"ORG": "ORG", "GPE": "LOC"}
CLUENER_MAP = {"government": "ORG", "company": "ORG", "organization": "ORG",
               "address": "LOC", "scene": "LOC"}
BOSON_MAP = {"org_name": "ORG", "company_name": "ORG", "location": "LOC"}


def read_char_tags(path: Path, mapping: Dict[str, str], sep: Optional[str] = None) -> Iterator[Example]:
    """Char-per-line files with B-/I-/M-/E-/S- tags; a blank line ends a sentence."""
    chars: List[str] = []
    tags: List[str] = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                if chars:
                    yield _spans_from_tags(chars, tags, mapping)
                chars, tags = [], []
                continue
            parts = line.split(sep) if sep else line.split()
            if len(parts) < 2:
                # A space character as the token leaves only the tag.
                parts = [" ", parts[0]] if parts else parts
            if len(parts) < 2:
                raise ValueError(f"{path}:{lineno}: expected 'char TAG'")
            chars.append(parts[0][:1] or " ")
            tags.append(parts[-1])
    if chars:
        yield _spans_from_tags(chars, tags, mapping)


def _spans_from_tags(chars: List[str], tags: List[str], mapping: Dict[str, str]) -> Example:
    spans: List[Tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, kind = tag.partition("-")
        continues = prefix in ("I", "M", "E") and label == kind and start is not None
        if not continues and start is not None:
            if label in mapping:
                spans.append((start, i, mapping[label]))
            start, label = None, None
        if prefix in ("B", "S") or (prefix in ("I", "M", "E") and start is None):
            start, label = i, kind
        if prefix in ("E", "S") and start is not None:
            if label in mapping:
                spans.append((start, i + 1, mapping[label]))
            start, label = None, None
    return "".join(chars), spans


def read_cluener(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            data = json.loads(line)
            spans = []
            for kind, mentions in data.get("label", {}).items():
                if kind not in CLUENER_MAP:
                    continue
                for offsets in mentions.values():
                    for start, end_inclusive in offsets:  # CLUENER ends are inclusive
                        spans.append((start, end_inclusive + 1, CLUENER_MAP[kind]))
            yield data["text"], spans


def read_entity_list(path: Path, mapping: Dict[str, str]) -> Iterator[Example]:
    """GuocaiL's `{"text", "entity_list": [{"entity_index": {begin, end}, "entity_type"}]}`."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            data = json.loads(line)
            spans = [(e["entity_index"]["begin"], e["entity_index"]["end"], mapping[e["entity_type"]])
                     for e in data.get("entity_list", []) if e["entity_type"] in mapping]
            yield data["text"], spans


DATASETS: Dict[str, Callable[[Path], Iterator[Example]]] = {
    "msra": lambda root: read_char_tags(root / "msra" / "train.bio", MSRA_MAP, sep="\t"),
    "msra_test": lambda root: read_char_tags(root / "msra" / "test.bio", MSRA_MAP, sep="\t"),
    "peoples_daily": lambda root: _chain(
        read_char_tags(root / "peoples_daily" / "dev.char.bio.tsv", PD_MAP, sep="\t"),
        read_char_tags(root / "peoples_daily" / "test.char.bio.tsv", PD_MAP, sep="\t"),
        read_entity_list(root / "peoples_daily" / "guocail_pd1998_sample1000.jsonl", PD_SAMPLE_MAP)),
    "cluener": lambda root: _chain(read_cluener(root / "cluener2020" / "train.json"),
                                   read_cluener(root / "cluener2020" / "dev.json")),
    "boson": lambda root: read_entity_list(root / "boson" / "boson.jsonl", BOSON_MAP),
}


def _chain(*iterators: Iterator[Example]) -> Iterator[Example]:
    for it in iterators:
        yield from it


def to_doc(nlp: Language, text: str, spans: List[Tuple[int, int, str]]) -> Doc:
    doc = nlp.make_doc(text)
    ents = []
    for start, end, label in spans:
        span = doc.char_span(start, end, label=label, alignment_mode="contract")
        if span is not None and len(span):
            ents.append(span)
    # Some corpora nest or overlap mentions; the schema does not.
    doc.ents = filter_spans(ents)
    return doc


def write_transfer(nlp: Language, name: str, datasets_root: Path, out: Path,
                   limit: Optional[int] = None) -> Dict[str, int]:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    db = DocBin()
    counts = {"docs": 0, "ORG": 0, "LOC": 0}
    for i, (text, spans) in enumerate(DATASETS[name](datasets_root)):
        if limit is not None and i >= limit:
            break
        doc = to_doc(nlp, text, spans)
        db.add(doc)
        counts["docs"] += 1
        for ent in doc.ents:
            counts[ent.label_] += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(out)
    return counts


def transfer_mix(docs: Dict[str, List[Doc]], sentences: int, seed: int,
                 find_measures: Callable[[str], List[Tuple[int, int]]],
                 min_chars: int = 15, max_chars: int = 250) -> List[Doc]:
    """A sample of transfer sentences for mixed training: equal shares per corpus, only
    sentences with at least one ORG or LOC, and every measure-like stretch (as found by
    `find_measures`, e.g. the rules pipeline) marked *missing* rather than O: the corpora
    never annotate MONEY/AREA/COUNT, so O there would teach "this amount is no measure"."""
    import random

    rng = random.Random(seed)
    share = sentences // max(len(docs), 1)
    out: List[Doc] = []
    for name in sorted(docs):
        pool = [d for d in docs[name] if d.ents and min_chars <= len(d.text) <= max_chars]
        rng.shuffle(pool)
        out.extend(mask_measures(d, find_measures(d.text)) for d in pool[:share])
    rng.shuffle(out)
    return out


def mask_measures(doc: Doc, measures: List[Tuple[int, int]]) -> Doc:
    missing = []
    for start, end in measures:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and not any(t.ent_type_ for t in span):
            missing.append(span)
    doc.set_ents(list(doc.ents), missing=missing, default="outside")
    return doc
