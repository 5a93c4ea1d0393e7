"""Assistance records from relations: the schema's "Assistance records" section as a plain
function, shared by the record builder component, the gold corpus and the scorer.

Per sentence, measures that have the same set of providers and the same set of recipients
form one record; a record exists only where a measure has at least one relation.
"""

from __future__ import annotations

import re
from typing import Dict, List, Sequence, Tuple

from spacy.tokens import Doc, Span

from .extensions import AssistanceRecord, Relation, span_dict
from .schema import SentenceIndex

# Verbs that open the "what for" of an assistance sentence; `用于` introduces it directly.
PURPOSE_VERBS = (
    "用于", "修建", "新建", "建设", "援建", "捐建", "改造", "硬化", "购买", "采购", "发放", "资助",
    "开展", "培训", "打造", "发展", "实施", "安装", "慰问", "扶持", "建立", "提升", "解决", "帮助",
    "销售", "完善", "建成", "帮扶", "支持", "奖励", "补助",
)
_PURPOSE_STOP = re.compile(r"[，,；;：:。！？!?\n、（）()“”\"《》]|\d")
MAX_PURPOSE_CHARS = 14


def build_records(doc: Doc, relations: Sequence[Relation],
                  max_purpose_chars: int = MAX_PURPOSE_CHARS) -> List[AssistanceRecord]:
    text = doc.text
    index = SentenceIndex(text)
    parties: Dict[Tuple[int, int], Dict[str, List[Span]]] = {}
    measures: Dict[Tuple[int, int], Span] = {}
    for rel in relations:
        key = (rel.head.start_char, rel.head.end_char)
        measures[key] = rel.head
        side = "providers" if rel.label == "PROVIDER" else "recipients"
        entry = parties.setdefault(key, {"providers": [], "recipients": []})
        if all(p.start_char != rel.tail.start_char for p in entry[side]):
            entry[side].append(rel.tail)
    groups: Dict[tuple, List[Span]] = {}
    for key in sorted(measures):
        head = measures[key]
        entry = parties[key]
        group_key = (
            index.sentence_id(head.start_char),
            tuple(sorted((p.start_char, p.end_char) for p in entry["providers"])),
            tuple(sorted((p.start_char, p.end_char) for p in entry["recipients"])),
        )
        groups.setdefault(group_key, []).append(head)
    records = []
    for group_key, heads in groups.items():
        entry = parties[(heads[0].start_char, heads[0].end_char)]
        sent_start, sent_end = index.bounds_of(heads[0].start_char)
        record = AssistanceRecord(
            providers=[span_dict(p) for p in sorted(entry["providers"], key=lambda s: s.start_char)],
            recipients=[span_dict(p) for p in sorted(entry["recipients"], key=lambda s: s.start_char)],
            purpose=find_purpose(text, sent_start, sent_end, heads, max_purpose_chars),
            sentence={"start": sent_start, "end": sent_end},
        )
        for head in heads:
            bucket = {"MONEY": record.money, "COUNT": record.counts, "AREA": record.areas}[head.label_]
            bucket.append(span_dict(head, label=False, value=True))
        records.append(record)
    return records


def find_purpose(text: str, start: int, end: int, heads: Sequence[Span], max_chars: int) -> str:
    """Best effort: the purpose verb nearest to the record's first measure and its object,
    up to the next punctuation or number (`…为阿尔马之村修建幼儿园1所` → `修建幼儿园`)."""
    sentence = text[start:end]
    anchor = heads[0].start_char - start
    best = None
    for verb in PURPOSE_VERBS:
        for m in re.finditer(verb, sentence):
            # Prefer verbs after the measure (`投资330万元…修建…`), then the closest before.
            distance = m.start() - anchor if m.start() >= anchor else (anchor - m.start()) * 2
            if best is None or distance < best[0]:
                best = (distance, m.start(), verb)
    if best is None:
        return ""
    _, pos, verb = best
    if verb == "用于":
        pos += len(verb)
    stop = _PURPOSE_STOP.search(sentence, pos + (0 if verb == "用于" else len(verb)))
    phrase_end = stop.start() if stop else len(sentence)
    return sentence[pos:min(phrase_end, pos + max_chars)].strip()
