"""Assistance records from relations: the schema's "Assistance records" section as a plain
function, shared by the record builder component, the gold corpus and the scorer.

Per sentence, measures that have the same set of providers and the same set of recipients
form one record; a record exists only where a measure has at least one relation.

A party whose place was resolved (`span._.place`, `relief_place_resolver`) carries its
code, level and names as `place`; the record carries the finest division that all its
resolved providers (recipients) lie in as `provider_region` (`recipient_region`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

from .extensions import PLACE_SUMMARY_FIELDS, AssistanceRecord, Relation, span_dict, stored_place
from .schema import SentenceIndex

# Verbs that open the "what for" of an assistance sentence; `用于` introduces it directly.
PURPOSE_VERBS = (
    "用于",
    "修建",
    "新建",
    "建设",
    "援建",
    "捐建",
    "改造",
    "硬化",
    "购买",
    "采购",
    "发放",
    "资助",
    "开展",
    "培训",
    "打造",
    "发展",
    "实施",
    "安装",
    "慰问",
    "扶持",
    "建立",
    "提升",
    "解决",
    "帮助",
    "销售",
    "完善",
    "建成",
    "帮扶",
    "支持",
    "奖励",
    "补助",
)
_PURPOSE_STOP = re.compile(r"[，,；;：:。！？!?\n、（）()“”\"《》]|\d")
MAX_PURPOSE_CHARS = 14


def build_records(
    doc: Doc, relations: Sequence[Relation], max_purpose_chars: int = MAX_PURPOSE_CHARS
) -> List[AssistanceRecord]:
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
        providers = [party_dict(p) for p in sorted(entry["providers"], key=lambda s: s.start_char)]
        recipients = [party_dict(p) for p in sorted(entry["recipients"], key=lambda s: s.start_char)]
        record = AssistanceRecord(
            providers=providers,
            recipients=recipients,
            purpose=find_purpose(text, sent_start, sent_end, heads, max_purpose_chars),
            sentence={"start": sent_start, "end": sent_end},
            provider_region=shared_region(p.get("place") for p in providers),
            recipient_region=shared_region(p.get("place") for p in recipients),
        )
        for head in heads:
            bucket = {"MONEY": record.money, "COUNT": record.counts, "AREA": record.areas}[head.label_]
            bucket.append(span_dict(head, label=False, value=True))
        records.append(record)
    return records


def party_dict(span: Span) -> Dict[str, Any]:
    """A provider or recipient: its span and, where resolved, its place."""
    out = span_dict(span)
    place = place_summary(stored_place(span))
    if place:
        out["place"] = place
    return out


def place_summary(data: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """Code, level and names of a resolved place's data; None for anything else."""
    if not data or data.get("code") is None:
        return None
    return {k: data.get(k) for k in PLACE_SUMMARY_FIELDS}


# Digits of the 12-digit code that a division of each level owns.
_LEVEL_DIGITS = {"province": 2, "city": 4, "county": 6, "town": 9, "village": 12}


def shared_region(places) -> Optional[Dict[str, Any]]:
    """The finest division that every place of `places` (summaries, None for unresolved
    parties, which are left out) lies in: {code, level, name}; None if none is known.

    Two villages of one town share the town, a county and a city of another province share
    nothing below China: None. A municipality's districts share the municipality (a
    province), and the counties a province governs directly share the province."""
    known = [p for p in places if p]
    if not known:
        return None
    first = known[0]
    for level in ("village", "town", "county", "city", "province"):
        digits = _LEVEL_DIGITS[level]
        if any(_LEVEL_DIGITS[p["level"]] < digits for p in known):
            continue
        if len({p["code"][:digits] for p in known}) != 1:
            continue
        name = first["name"] if first["level"] == level else first.get(level)
        if level == "city" and name == first.get("province"):
            continue  # `北京市`'s districts: the municipality is the province
        if name:
            return {"code": first["code"][:digits].ljust(12, "0"), "level": level, "name": name}
    return None


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
    return sentence[pos : min(phrase_end, pos + max_chars)].strip()
