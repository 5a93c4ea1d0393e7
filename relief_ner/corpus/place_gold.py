"""Gold place mentions: the stand-off file `relief-ner evaluate-places` scores against.

One JSON object per line, one mention each::

    {"id": "news_0123", "sha256": "<sha256 of the report text>", "start": 10, "end": 13,
     "label": "LOC", "mention": "文县", "code": "621222000000", "level": "county", "kind": null}

`code` is the 12-digit NBS code of the division the mention names and `level` its level
(province, city, county, town, village), or both null for what is no Chinese administrative
division, whose `kind` then says what it is (`country`, `foreign`, `region`, `nature`,
`other`); other fields (a `note`) are ignored. Texts
are joined by document id as for the gold corpus (`TextStore`); every problem is a
`CorpusError` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..divisions import CODE_DIGITS, LEVELS
from .gold import CorpusError, _iter_json_lines, text_sha256

PLACE_LABELS = ("LOC", "ORG")
PLACE_KINDS = ("country", "foreign", "region", "nature", "other")


@dataclass(frozen=True)
class GoldPlace:
    doc_id: str
    start: int
    end: int
    label: str
    mention: str
    code: Optional[str]
    level: Optional[str]
    kind: Optional[str]
    where: str  # file:line


def read_place_gold(path: Union[str, Path], texts: Callable[[str], str]) -> Tuple[List[GoldPlace], Dict[str, str]]:
    """The mentions of a gold place file and the texts of their documents."""
    mentions: List[GoldPlace] = []
    doc_texts: Dict[str, str] = {}
    hashes: Dict[str, str] = {}
    for where, data in _iter_json_lines(Path(path)):
        mention = _parse_line(data, where)
        if mention.doc_id not in doc_texts:
            try:
                doc_texts[mention.doc_id] = texts(mention.doc_id)
            except KeyError as err:
                raise CorpusError(f"{where}: {err.args[0]}") from None
            hashes[mention.doc_id] = text_sha256(doc_texts[mention.doc_id])
        if hashes[mention.doc_id] != data["sha256"]:
            raise CorpusError(f"{where}: the text found for {mention.doc_id} does not match its sha256 "
                              "(the source file changed since it was annotated)")
        text = doc_texts[mention.doc_id]
        if mention.end > len(text) or text[mention.start:mention.end] != mention.mention:
            raise CorpusError(f"{where}: {mention.doc_id} has {text[mention.start:mention.end]!r} at "
                              f"{mention.start}-{mention.end}, not the mention {mention.mention!r}")
        mentions.append(mention)
    return mentions, doc_texts


def _parse_line(data, where: str) -> GoldPlace:
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {type(data).__name__}")
    missing = [k for k in ("id", "sha256", "start", "end", "label", "mention", "code", "level") if k not in data]
    if missing:
        raise CorpusError(f"{where}: missing {', '.join(missing)}")
    doc_id, start, end = data["id"], data["start"], data["end"]
    if not isinstance(doc_id, (str, int)) or doc_id == "":
        raise CorpusError(f"{where}: missing document id")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
        raise CorpusError(f"{where}: offsets {start!r}-{end!r} are not a span")
    if data["label"] not in PLACE_LABELS:
        raise CorpusError(f"{where}: label {data['label']!r} is not one of {', '.join(PLACE_LABELS)}")
    code, level, kind = data["code"], data["level"], data.get("kind")
    if code is None:
        if level is not None:
            raise CorpusError(f"{where}: a level ({level!r}) without a code")
        if kind is not None and kind not in PLACE_KINDS:
            raise CorpusError(f"{where}: kind {kind!r} is not one of {', '.join(PLACE_KINDS)}")
    else:
        if level not in LEVELS:
            raise CorpusError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
        digits = CODE_DIGITS[LEVELS.index(level)]
        if not (isinstance(code, str) and len(code) == 12 and code.isdigit() and set(code[digits:]) <= {"0"}):
            raise CorpusError(f"{where}: code {code!r} is not the 12-digit code of a {level}")
        if kind is not None:
            raise CorpusError(f"{where}: a division (code {code}) has no kind")
    return GoldPlace(str(doc_id), start, end, data["label"], str(data["mention"]), code, level, kind, where)


def gold_place_docs(nlp: Language, mentions: List[GoldPlace], texts: Dict[str, str]) -> Dict[str, Doc]:
    """A doc per document whose `ents` are its gold place mentions."""
    by_doc: Dict[str, List[GoldPlace]] = {}
    for m in mentions:
        by_doc.setdefault(m.doc_id, []).append(m)
    docs = {}
    for doc_id, items in by_doc.items():
        doc = nlp.make_doc(texts[doc_id])
        spans = []
        for m in sorted(items, key=lambda m: m.start):
            span = doc.char_span(m.start, m.end, label=m.label)
            if span is None:
                raise CorpusError(f"{m.where}: {m.start}-{m.end} does not align with the tokenizer's tokens")
            if spans and span.start < spans[-1].end:
                raise CorpusError(f"{m.where}: overlaps the mention at {spans[-1].start_char}-{spans[-1].end_char}")
            spans.append(span)
        doc.ents = spans
        docs[doc_id] = doc
    return docs
