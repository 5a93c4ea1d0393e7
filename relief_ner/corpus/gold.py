"""The gold file format of the schema and its stand-off variant.

Gold (`*.jsonl`): doccano's relation export plus the document id and measure values::

    {"id": "news_0005", "text": "...",
     "entities": [{"id": 1, "label": "MONEY", "start_offset": 57, "end_offset": 61,
                   "value": 100000.0, "unit": "CNY", "approx": false}],
     "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "PROVIDER"}]}

Stand-off (what the repository commits, since the texts belong to their publishers): the
same without `text`, with `sha256` of the text instead; texts are joined at load time from
a text directory (see `texts.py`).

Every problem is reported as a `CorpusError` naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from ..schema import ENTITY_LABELS, MEASURE_LABELS, PARTY_LABELS, RELATION_LABELS, SentenceIndex

PathLike = Union[str, Path]


class CorpusError(ValueError):
    """A gold or stand-off file is malformed; the message names the file and line."""


@dataclass
class GoldEntity:
    id: int
    label: str
    start: int
    end: int
    value: Optional[float] = None
    unit: Optional[str] = None
    approx: Optional[bool] = None

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": self.id, "label": self.label,
                               "start_offset": self.start, "end_offset": self.end}
        if self.label in MEASURE_LABELS:
            out.update(value=self.value, unit=self.unit, approx=self.approx)
        return out


@dataclass
class GoldRelation:
    id: int
    from_id: int
    to_id: int
    type: str

    def to_json(self) -> Dict[str, Any]:
        return {"id": self.id, "from_id": self.from_id, "to_id": self.to_id, "type": self.type}


@dataclass
class GoldDoc:
    id: str
    text: str
    entities: List[GoldEntity] = field(default_factory=list)
    relations: List[GoldRelation] = field(default_factory=list)
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)

    def to_json(self, standoff: bool = False) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": self.id}
        if standoff:
            out["sha256"] = self.sha256
        else:
            out["text"] = self.text
        out["entities"] = [e.to_json() for e in sorted(self.entities, key=lambda e: e.start)]
        out["relations"] = [r.to_json() for r in self.relations]
        out.update(self.meta)
        return out

    def entity(self, entity_id: int) -> GoldEntity:
        for e in self.entities:
            if e.id == entity_id:
                return e
        raise KeyError(entity_id)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_gold_record(data: Any, where: str, text: Optional[str] = None) -> GoldDoc:
    """Validate one JSON object (gold or, with `text` given, stand-off) into a GoldDoc."""
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {type(data).__name__}")
    doc_id = data.get("id")
    if not isinstance(doc_id, (str, int)) or doc_id == "":
        raise CorpusError(f"{where}: missing document id")
    doc_id = str(doc_id)
    if text is None:
        text = data.get("text")
        if not isinstance(text, str):
            raise CorpusError(f"{where}: document {doc_id} has no text")
    elif "sha256" in data and data["sha256"] != text_sha256(text):
        raise CorpusError(
            f"{where}: the text found for {doc_id} does not match its sha256 "
            "(the source file changed since it was annotated)")
    entities = []
    seen_ids = set()
    for raw in data.get("entities", []):
        ent = _parse_entity(raw, text, f"{where}: {doc_id}")
        if ent.id in seen_ids:
            raise CorpusError(f"{where}: {doc_id}: duplicate entity id {ent.id}")
        seen_ids.add(ent.id)
        entities.append(ent)
    ordered = sorted(entities, key=lambda e: e.start)
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end:
            raise CorpusError(
                f"{where}: {doc_id}: entities {a.id} ({a.start}-{a.end}) and {b.id} "
                f"({b.start}-{b.end}) overlap")
    by_id = {e.id: e for e in entities}
    relations = []
    index = SentenceIndex(text)
    rel_ids = set()
    for raw in data.get("relations", []):
        rel = _parse_relation(raw, by_id, index, f"{where}: {doc_id}")
        if rel.id in rel_ids:
            raise CorpusError(f"{where}: {doc_id}: duplicate relation id {rel.id}")
        rel_ids.add(rel.id)
        relations.append(rel)
    meta = {k: v for k, v in data.items()
            if k not in {"id", "text", "sha256", "entities", "relations"}}
    return GoldDoc(doc_id, text, entities, relations, meta)


def _parse_entity(raw: Any, text: str, where: str) -> GoldEntity:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: entity is not an object: {raw!r}")
    try:
        eid, label = raw["id"], raw["label"]
        start, end = raw["start_offset"], raw["end_offset"]
    except KeyError as err:
        raise CorpusError(f"{where}: entity {raw.get('id')!r} lacks {err.args[0]!r}") from None
    if label not in ENTITY_LABELS:
        raise CorpusError(f"{where}: entity {eid}: unknown label {label!r} "
                          f"(expected one of {', '.join(ENTITY_LABELS)})")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise CorpusError(f"{where}: entity {eid}: offsets {start}-{end} do not fit the text "
                          f"(length {len(text)})")
    span = text[start:end]
    if span != span.strip():
        raise CorpusError(f"{where}: entity {eid}: span {span!r} starts or ends with whitespace "
                          "(misaligned offsets?)")
    ent = GoldEntity(eid, label, start, end)
    if label in MEASURE_LABELS:
        value, unit, approx = raw.get("value"), raw.get("unit"), raw.get("approx")
        if value is None and unit is None and approx is None:
            return ent  # values may be filled in later by the normaliser
        if (not isinstance(value, (int, float)) or isinstance(value, bool)
                or not isinstance(unit, str) or not isinstance(approx, bool)):
            raise CorpusError(f"{where}: entity {eid} {span!r}: value/unit/approx must be "
                              f"number/string/bool, got {value!r}/{unit!r}/{approx!r}")
        ent.value, ent.unit, ent.approx = float(value), unit, approx
    return ent


def _parse_relation(raw: Any, by_id: Dict[int, GoldEntity], index: SentenceIndex,
                    where: str) -> GoldRelation:
    try:
        rel = GoldRelation(raw["id"], raw["from_id"], raw["to_id"], raw["type"])
    except (KeyError, TypeError):
        raise CorpusError(f"{where}: malformed relation {raw!r}") from None
    if rel.type not in RELATION_LABELS:
        raise CorpusError(f"{where}: relation {rel.id}: unknown type {rel.type!r}")
    head, tail = by_id.get(rel.from_id), by_id.get(rel.to_id)
    if head is None or tail is None:
        raise CorpusError(f"{where}: relation {rel.id} refers to a missing entity")
    if head.label not in MEASURE_LABELS or tail.label not in PARTY_LABELS:
        raise CorpusError(f"{where}: relation {rel.id} must go from a measure to an ORG/LOC, "
                          f"not {head.label} → {tail.label}")
    if not index.same_sentence(head.start, tail.start):
        raise CorpusError(f"{where}: relation {rel.id}: its ends lie in different sentences")
    return rel


def _iter_json_lines(path: Path) -> Iterator[tuple]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise CorpusError(f"{path}: cannot read: {err.strerror}") from None
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                yield where, json.loads(line)
            except json.JSONDecodeError as err:
                raise CorpusError(f"{where}: broken JSON at column {err.colno} ({err.msg})") from None


def read_gold(path: PathLike) -> Iterator[GoldDoc]:
    """Read a gold JSONL file (with texts)."""
    for where, data in _iter_json_lines(Path(path)):
        yield parse_gold_record(data, where)


def read_standoff(path: PathLike, texts: Callable[[str], str]) -> Iterator[GoldDoc]:
    """Read a stand-off JSONL file, joining each record with `texts(doc_id)`."""
    for where, data in _iter_json_lines(Path(path)):
        doc_id = data.get("id") if isinstance(data, dict) else None
        if doc_id is None:
            raise CorpusError(f"{where}: missing document id")
        if "sha256" not in data:
            raise CorpusError(f"{where}: stand-off record {doc_id} has no sha256")
        try:
            text = texts(str(doc_id))
        except KeyError as err:
            raise CorpusError(f"{where}: {err.args[0]}") from None
        yield parse_gold_record(data, where, text=text)


def read_any(path: PathLike, texts: Optional[Callable[[str], str]] = None) -> Iterator[GoldDoc]:
    """Read gold or stand-off records, deciding per line (a line with `text` is gold)."""
    for where, data in _iter_json_lines(Path(path)):
        if isinstance(data, dict) and "text" not in data and "sha256" in data:
            if texts is None:
                raise CorpusError(f"{where}: stand-off record needs a text directory")
            try:
                text = texts(str(data.get("id")))
            except KeyError as err:
                raise CorpusError(f"{where}: {err.args[0]}") from None
            yield parse_gold_record(data, where, text=text)
        else:
            yield parse_gold_record(data, where)


def write_jsonl(docs: Iterable[GoldDoc], path: PathLike, standoff: bool = False) -> int:
    """Write gold (or stand-off) JSONL atomically; returns the number of documents."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for doc in docs:
            f.write(json.dumps(doc.to_json(standoff=standoff), ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n
