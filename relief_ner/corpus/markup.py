"""Inline markup: a gold document as text with its spans marked, for reading and editing by hand.

A markup file holds one document::

    # relief-ner markup v1
    # id: news_0162
    # sha256: 36b1dd74...
    =====TEXT=====
    ⟦州住建局|ORG|1⟧协调⟦浙江鸿基石化股份有限公司|ORG|2⟧投资⟦330万元|MONEY|3⟧为⟦阿尔马之村|LOC|4⟧…
    =====RELATIONS=====
    3 PROVIDER 2
    3 RECIPIENT 4
    =====NOTES=====
    free text, ignored

A span is `⟦text|LABEL|n⟧` with a number `n` unique in the file (any order; ids are renumbered on
import). A measure's value is computed by the normaliser from the span and its neighbours; where
the normaliser cannot read it (`数万株`), or reads it wrong, write it as a fourth field: `⟦数万株|COUNT|7|10000~⟧`
(`~` = approximate), optionally with the unit as a fifth (`⟦八十来块|COUNT|9|80~|块⟧`).
A relation line is `HEAD TYPE TAIL` (measure id, `PROVIDER`/`RECIPIENT` or `P`/`R`, party id);
`#` starts a comment.

The text between the markers, with the brackets removed, must be exactly the document's text
(its sha256 is checked), so an edit that changes a character is caught with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from ..quantity import quantity_in_context
from ..schema import ENTITY_LABELS, MEASURE_LABELS, PARTY_LABELS, SentenceIndex
from .gold import CorpusError, GoldDoc, GoldEntity, GoldRelation, text_sha256

OPEN, CLOSE = "⟦", "⟧"
HEADER = "# relief-ner markup v1"
TEXT_MARK, REL_MARK, NOTES_MARK = "=====TEXT=====", "=====RELATIONS=====", "=====NOTES====="
_REL_TYPES = {"PROVIDER": "PROVIDER", "P": "PROVIDER", "RECIPIENT": "RECIPIENT", "R": "RECIPIENT"}
_VALUE_RE = re.compile(r"(\d+(?:\.\d+)?(?:[eE]\d+)?)(~?)")


@dataclass
class MarkupCheck:
    """Warnings about an annotation that is well-formed but probably incomplete."""
    doc_id: str
    warnings: List[str]


def to_markup(gold: GoldDoc, notes: str = "") -> str:
    """The markup of a gold document; entities are numbered in text order."""
    parts: List[str] = []
    pos = 0
    ordered = sorted(gold.entities, key=lambda e: e.start)
    number = {e.id: i for i, e in enumerate(ordered, 1)}
    for ent in ordered:
        parts.append(gold.text[pos:ent.start])
        fields = [gold.text[ent.start:ent.end], ent.label, str(number[ent.id])]
        if ent.label in MEASURE_LABELS and ent.value is not None:
            auto = quantity_in_context(gold.text, ent.start, ent.end, label=ent.label)
            if auto is None or (auto.value, auto.unit, auto.approx) != (ent.value, ent.unit, ent.approx):
                fields.append(_format_value(ent.value) + ("~" if ent.approx else ""))
                if auto is None or auto.unit != ent.unit:
                    fields.append(ent.unit or "")
        parts.append(OPEN + "|".join(fields) + CLOSE)
        pos = ent.end
    parts.append(gold.text[pos:])
    rels = sorted((number[r.from_id], r.type, number[r.to_id]) for r in gold.relations)
    lines = [HEADER, f"# id: {gold.id}", f"# sha256: {gold.sha256}", TEXT_MARK, "".join(parts), REL_MARK]
    lines += [f"{h} {t} {p}" for h, t, p in rels]
    lines += [NOTES_MARK, notes.rstrip("\n")]
    return "\n".join(lines) + "\n"


def _format_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def from_markup(markup: str, text: Optional[str] = None, where: str = "<markup>") -> GoldDoc:
    """Parse a markup file into a GoldDoc (ids as written). `text`, where given, is the
    document's text from its source; otherwise the header's sha256 is the only check.
    Every problem is a `CorpusError` naming `where` and the line."""
    header, body, rel_block, rel_line0 = _sections(markup, where)
    doc_id = header.get("id")
    if not doc_id:
        raise CorpusError(f"{where}:2: missing '# id: ...' line")
    plain, found = _strip(body, where, markup.index(TEXT_MARK) + len(TEXT_MARK) + 1, markup)
    expected_sha = header.get("sha256")
    if text is not None:
        if plain != text:
            raise CorpusError(f"{where}: {_first_difference(text, plain, markup)}")
    elif expected_sha and text_sha256(plain) != expected_sha:
        raise CorpusError(f"{where}: the text between the markers differs from the annotated "
                          "document (sha256 mismatch): a character was changed, added or removed")
    entities: Dict[int, GoldEntity] = {}
    for lineno, start, end, label, number, value_fields in found:
        loc = f"{where}:{lineno}"
        if number in entities:
            raise CorpusError(f"{loc}: span number {number} is used twice")
        ent = GoldEntity(number, label, start, end)
        if label in MEASURE_LABELS:
            ent.value, ent.unit, ent.approx = _measure_value(plain, start, end, label, value_fields, loc)
        entities[number] = ent
    index = SentenceIndex(plain) if plain else None
    relations: List[GoldRelation] = []
    seen = set()
    for offset, line in enumerate(rel_block.split("\n")):
        loc = f"{where}:{rel_line0 + offset}"
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 3 or fields[1].upper() not in _REL_TYPES:
            raise CorpusError(f"{loc}: a relation is 'HEAD TYPE TAIL' (e.g. '3 PROVIDER 2'), got {line!r}")
        try:
            head, tail = int(fields[0]), int(fields[2])
        except ValueError:
            raise CorpusError(f"{loc}: relation ends must be span numbers, got {line!r}") from None
        rtype = _REL_TYPES[fields[1].upper()]
        for n in (head, tail):
            if n not in entities:
                raise CorpusError(f"{loc}: no span numbered {n}")
        h, t = entities[head], entities[tail]
        if h.label not in MEASURE_LABELS or t.label not in PARTY_LABELS:
            raise CorpusError(f"{loc}: a relation goes from a measure to an ORG/LOC, not "
                              f"{h.label} {plain[h.start:h.end]!r} → {t.label} {plain[t.start:t.end]!r}")
        if not index.same_sentence(h.start, t.start):
            raise CorpusError(f"{loc}: {plain[h.start:h.end]!r} and {plain[t.start:t.end]!r} lie in "
                              "different sentences (a sentence ends at 。！？!? or a newline)")
        if (head, rtype, tail) in seen:
            continue
        seen.add((head, rtype, tail))
        relations.append(GoldRelation(len(relations) + 1, head, tail, rtype))
    return GoldDoc(doc_id, plain, list(entities.values()), relations)


def read_markup(path: Path, texts: Optional[Callable[[str], str]] = None) -> GoldDoc:
    """A markup file as a GoldDoc, checked against `texts(doc_id)` (the source text) where
    given, else against the sha256 in its header."""
    markup = path.read_text(encoding="utf-8")
    text = None
    if texts is not None:
        doc_id = _sections(markup, str(path))[0].get("id")
        text = texts(doc_id) if doc_id else None
    return from_markup(markup, text=text, where=str(path))


def _sections(markup: str, where: str) -> Tuple[Dict[str, str], str, str, int]:
    if not markup.startswith(HEADER):
        raise CorpusError(f"{where}:1: not a markup file (expected {HEADER!r})")
    try:
        head, rest = markup.split("\n" + TEXT_MARK + "\n", 1)
        body, rest = rest.split("\n" + REL_MARK + "\n", 1)
    except ValueError:
        raise CorpusError(f"{where}: the markers {TEXT_MARK} and {REL_MARK} must each stand "
                          "on a line of their own") from None
    rel_block = rest.split(NOTES_MARK, 1)[0]
    rel_line0 = markup[:markup.index("\n" + REL_MARK + "\n")].count("\n") + 3
    header = {}
    for line in head.split("\n")[1:]:
        if line.startswith("#") and ":" in line:
            key, value = line[1:].split(":", 1)
            header[key.strip()] = value.strip()
    return header, body, rel_block, rel_line0


def _strip(body: str, where: str, body_offset: int, markup: str):
    """The plain text and the spans (line, start, end, label, number, value fields)."""
    plain: List[str] = []
    found = []
    pos = 0
    length = 0
    while True:
        i = body.find(OPEN, pos)
        j = body.find(CLOSE, pos)
        if i < 0:
            if j >= 0:
                raise CorpusError(f"{where}:{_line_of(markup, body_offset + j)}: {CLOSE} without {OPEN}")
            plain.append(body[pos:])
            break
        if 0 <= j < i:
            raise CorpusError(f"{where}:{_line_of(markup, body_offset + j)}: {CLOSE} without {OPEN}")
        close = body.find(CLOSE, i)
        lineno = _line_of(markup, body_offset + i)
        if close < 0:
            raise CorpusError(f"{where}:{lineno}: {OPEN} is never closed")
        inner = body[i + 1:close]
        if OPEN in inner:
            raise CorpusError(f"{where}:{lineno}: spans cannot nest ({inner[:40]!r})")
        plain.append(body[pos:i])
        length += i - pos
        fields = inner.split("|")
        if len(fields) < 3 or len(fields) > 5:
            raise CorpusError(f"{where}:{lineno}: a span is ⟦text|LABEL|n⟧ (optionally |value|unit), got {OPEN}{inner}{CLOSE}")
        span_text, label, number = fields[0], fields[1].strip().upper(), fields[2].strip()
        if "\n" in span_text or not span_text or span_text != span_text.strip():
            raise CorpusError(f"{where}:{lineno}: span {span_text!r} is empty, crosses a line or "
                              "starts/ends with whitespace")
        if label not in ENTITY_LABELS:
            raise CorpusError(f"{where}:{lineno}: unknown label {label!r} in {OPEN}{inner}{CLOSE} "
                              f"(expected one of {', '.join(ENTITY_LABELS)})")
        if not number.isdigit():
            raise CorpusError(f"{where}:{lineno}: span number must be an integer, got {number!r}")
        if len(fields) > 3 and label not in MEASURE_LABELS:
            raise CorpusError(f"{where}:{lineno}: only measures carry a value ({OPEN}{inner}{CLOSE})")
        plain.append(span_text)
        found.append((lineno, length, length + len(span_text), label, int(number), fields[3:]))
        length += len(span_text)
        pos = close + 1
    return "".join(plain), found


def _line_of(markup: str, offset: int) -> int:
    return markup.count("\n", 0, offset) + 1


def _first_difference(expected: str, got: str, markup: str) -> str:
    n = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
    return (f"the text without the brackets differs from the document at character {n}: "
            f"document has {expected[max(0, n - 10):n + 10]!r}, markup has {got[max(0, n - 10):n + 10]!r}")


def _measure_value(text: str, start: int, end: int, label: str, fields: List[str], where: str):
    auto = quantity_in_context(text, start, end, label=label)
    if not fields:
        if auto is None:
            raise CorpusError(f"{where}: the normaliser cannot read {text[start:end]!r} as {label}: "
                              f"write its value, e.g. {OPEN}{text[start:end]}|{label}|n|1000~{CLOSE}")
        return auto.value, auto.unit, auto.approx
    m = _VALUE_RE.fullmatch(fields[0].strip())
    if not m:
        raise CorpusError(f"{where}: value {fields[0]!r} must be a number with an optional ~ (approximate)")
    unit = fields[1].strip() if len(fields) > 1 and fields[1].strip() else (auto.unit if auto else None)
    if not unit:
        raise CorpusError(f"{where}: give the unit of {text[start:end]!r} as a fifth field")
    return float(m.group(1)), unit, bool(m.group(2))


def check(gold: GoldDoc) -> MarkupCheck:
    """Warnings: untagged repeats of a tagged name (the schema tags every mention)."""
    warnings: List[str] = []
    covered = [False] * len(gold.text)
    for e in gold.entities:
        for k in range(e.start, e.end):
            covered[k] = True
    names = sorted({gold.text[e.start:e.end] for e in gold.entities if e.label in PARTY_LABELS},
                   key=len, reverse=True)
    for name in names:
        if len(name) < 2:
            continue
        for m in re.finditer(re.escape(name), gold.text):
            if not any(covered[m.start():m.end()]):
                warnings.append(f"{name!r} is tagged elsewhere but not at {m.start()}: "
                                f"…{gold.text[max(0, m.start() - 8):m.end() + 8]}…")
    return MarkupCheck(gold.id, warnings)
