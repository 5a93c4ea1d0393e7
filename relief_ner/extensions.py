"""The `._` attributes the pipeline exposes: `doc._.relations`, `doc._.records`,
`span._.quantity`, `span._.place`, `span._.place_kind`.

Everything is stored in `doc.user_data` as plain lists and numbers and turned into objects
by getters. That way `DocBin`, `Doc.to_bytes` and `nlp.pipe(n_process=...)` carry the
results across processes and files without custom serialisers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

from .quantity import Quantity, quantity_in_context
from .schema import MEASURE_LABELS

RELATIONS_KEY = "relief_ner.relations"
RECORDS_KEY = "relief_ner.records"
VALUES_KEY = "relief_ner.values"
# "start:end" of a LOC/ORG span -> its place (`place_dict`), set by `relief_place_resolver`
PLACES_KEY = "relief_ner.places"
# What a record's party carries of its place, and a record's region.
PLACE_SUMMARY_FIELDS = ("code", "level", "name", "province", "city", "county", "town")
# Tokens on each side of a measure that may hold 约/超过/以上 ... (tokens are characters).
_CONTEXT_TOKENS = 8


@dataclass(frozen=True)
class Relation:
    """A directed link from a measure (`head`) to the party that gives or receives it."""

    head: Span
    tail: Span
    label: str
    score: float = 1.0

    def to_dict(self) -> Dict[str, Any]:
        return {
            "head": span_dict(self.head),
            "tail": span_dict(self.tail),
            "label": self.label,
            "score": self.score,
        }


@dataclass(frozen=True)
class Place:
    """The administrative division a LOC span names, or an ORG span's name starts with.

    `code` is the 12-digit NBS code, `level` one of province, city, county, town, village;
    `province` … `town` the names of the division and its ancestors (None below its level,
    and `city` None for the counties a province governs directly); `longitude`/`latitude`
    for county-level and higher divisions; `matched` the part of the span read as the place;
    `candidates` the other divisions the name may be (at most a few, best first) and
    `n_candidates` how many there were in all, this one included.
    """

    code: str
    level: str
    name: str
    province: Optional[str] = None
    city: Optional[str] = None
    county: Optional[str] = None
    town: Optional[str] = None
    longitude: Optional[float] = None
    latitude: Optional[float] = None
    confidence: float = 1.0
    matched: str = ""
    candidates: Tuple[Dict[str, Any], ...] = ()
    n_candidates: int = 1

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Place":
        return cls(
            **{k: (tuple(v) if k == "candidates" else v) for k, v in data.items() if k in cls.__dataclass_fields__}
        )

    def to_dict(self) -> Dict[str, Any]:
        return place_dict(self)

    def summary(self) -> Dict[str, Any]:
        """Code, level and names: what a record's party carries."""
        return {k: getattr(self, k) for k in PLACE_SUMMARY_FIELDS}


def place_dict(place: Place) -> Dict[str, Any]:
    return {k: (list(v) if k == "candidates" else v) for k, v in place.__dict__.items()}


@dataclass
class AssistanceRecord:
    """Who gave what, how much, to whom, for what — with the offsets of every field.

    `to_dict()` is the record JSON of the schema, with the regions of its resolved parties
    (`provider_region`, `recipient_region`; a party's `place` is in its span dict).
    """

    providers: List[Dict[str, Any]] = field(default_factory=list)
    recipients: List[Dict[str, Any]] = field(default_factory=list)
    money: List[Dict[str, Any]] = field(default_factory=list)
    counts: List[Dict[str, Any]] = field(default_factory=list)
    areas: List[Dict[str, Any]] = field(default_factory=list)
    purpose: str = ""
    sentence: Dict[str, int] = field(default_factory=dict)
    # The finest division that all resolved providers (recipients) lie in, {code, level,
    # name}; None where no party's place is known (`relief_ner.records.shared_region`).
    provider_region: Optional[Dict[str, Any]] = None
    recipient_region: Optional[Dict[str, Any]] = None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "providers": [dict(p) for p in self.providers],
            "recipients": [dict(r) for r in self.recipients],
            "money": [dict(m) for m in self.money],
            "counts": [dict(c) for c in self.counts],
            "areas": [dict(a) for a in self.areas],
            "purpose": self.purpose,
            "sentence": dict(self.sentence),
            "provider_region": dict(self.provider_region) if self.provider_region else None,
            "recipient_region": dict(self.recipient_region) if self.recipient_region else None,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "AssistanceRecord":
        fields = {k: data[k] for k in ("providers", "recipients", "money", "counts", "areas", "purpose", "sentence")}
        # records stored before places were resolved have no regions
        return cls(**fields, provider_region=data.get("provider_region"), recipient_region=data.get("recipient_region"))

    @property
    def measures(self) -> List[Dict[str, Any]]:
        return [*self.money, *self.counts, *self.areas]


def span_dict(span: Span, label: bool = True, value: bool = False) -> Dict[str, Any]:
    """The JSON form of a span, the one used everywhere in the output: text and offsets,
    its label (not for a record's measures, whose field says what they are) and, for a
    measure with `value`, its normalised value, unit and approx flag."""
    out: Dict[str, Any] = {"text": span.text}
    if label:
        out["label"] = span.label_
    out.update(start=span.start_char, end=span.end_char)
    if value:
        q = span._.quantity
        out.update(value=q.value if q else None, unit=q.unit if q else None, approx=q.approx if q else None)
    return out


def _char_span(doc: Doc, start: int, end: int, ents: Optional[Dict[Tuple[int, int], Span]] = None) -> Span:
    """The entity at these offsets if there is one (keeps its label), else a plain span."""
    if ents is None:
        ents = _ents_by_offsets(doc)
    if (start, end) in ents:
        return ents[(start, end)]
    span = doc.char_span(start, end)
    if span is None:
        raise ValueError(f"offsets {start}-{end} do not align with tokens of the doc")
    return span


def _ents_by_offsets(doc: Doc) -> Dict[Tuple[int, int], Span]:
    return {(e.start_char, e.end_char): e for e in doc.ents}


def get_relations(doc: Doc) -> List[Relation]:
    stored = doc.user_data.get(RELATIONS_KEY, [])
    # One pass over the entities, not one per relation: long documents have thousands.
    ents = _ents_by_offsets(doc) if stored else {}
    return [
        Relation(_char_span(doc, hs, he, ents), _char_span(doc, ts, te, ents), label, score)
        for hs, he, ts, te, label, score in stored
    ]


def set_relations(doc: Doc, relations: Sequence[Relation]) -> None:
    doc.user_data[RELATIONS_KEY] = [
        [r.head.start_char, r.head.end_char, r.tail.start_char, r.tail.end_char, r.label, float(r.score)]
        for r in relations
    ]


def get_records(doc: Doc) -> List[AssistanceRecord]:
    return [AssistanceRecord.from_dict(r) for r in doc.user_data.get(RECORDS_KEY, [])]


def set_records(doc: Doc, records: Sequence[AssistanceRecord]) -> None:
    doc.user_data[RECORDS_KEY] = [r.to_dict() for r in records]


def get_quantity(span: Span) -> Optional[Quantity]:
    """Normalised value of a MONEY/AREA/COUNT span; None for ORG/LOC and non-amounts.

    Values stored with the doc (gold corpora) take precedence over the normaliser.
    """
    if span.label_ not in MEASURE_LABELS:
        return None
    stored = span.doc.user_data.get(VALUES_KEY, {}).get(f"{span.start_char}:{span.end_char}")
    if stored is not None:
        value, unit, approx = stored
        return Quantity(float(value), unit, bool(approx))
    # Only a few characters around the span matter (approximation words); building them
    # from neighbouring tokens avoids `doc.text`, which joins the whole doc on every call.
    doc = span.doc
    before = doc[max(0, span.start - _CONTEXT_TOKENS) : span.start].text_with_ws
    after = span.text_with_ws[len(span.text) :] + doc[span.end : span.end + _CONTEXT_TOKENS].text_with_ws
    return quantity_in_context(before + span.text + after, len(before), len(before) + len(span.text), label=span.label_)


def set_stored_quantity(doc: Doc, start: int, end: int, quantity: Quantity) -> None:
    doc.user_data.setdefault(VALUES_KEY, {})[f"{start}:{end}"] = [quantity.value, quantity.unit, quantity.approx]


def stored_place(span: Span) -> Optional[Dict[str, Any]]:
    """The resolver's plain data for a span: a place (`code` set) or a non-division
    (`code` None, `kind` set); None if the span was not resolved."""
    return span.doc.user_data.get(PLACES_KEY, {}).get(f"{span.start_char}:{span.end_char}")


def get_place(span: Span) -> Optional[Place]:
    """The division a LOC span names (or an ORG's name starts with); None for what is no
    Chinese administrative division, for unresolved spans and where no resolver ran."""
    data = stored_place(span)
    if not data or data.get("code") is None:
        return None
    return Place.from_dict(data)


def get_place_kind(span: Span) -> Optional[str]:
    """What a span whose `place` is None names instead: `country`, `foreign`, `region`,
    `nature` or `other`; None for a division and where nothing was resolved."""
    data = stored_place(span)
    return data.get("kind") if data else None


def set_places(doc: Doc, places: Dict[str, Dict[str, Any]]) -> None:
    """Store the resolver's output: "start:end" -> plain place data."""
    doc.user_data[PLACES_KEY] = places


def register_extensions() -> None:
    """Idempotent: importing the package calls it; spaCy forbids double registration
    without `force`, so check first."""
    if not Doc.has_extension("relations"):
        Doc.set_extension("relations", getter=get_relations, setter=set_relations)
    if not Doc.has_extension("records"):
        Doc.set_extension("records", getter=get_records, setter=set_records)
    if not Span.has_extension("quantity"):
        Span.set_extension("quantity", getter=get_quantity)
    if not Span.has_extension("place"):
        Span.set_extension("place", getter=get_place)
    if not Span.has_extension("place_kind"):
        Span.set_extension("place_kind", getter=get_place_kind)
