"""What extraction writes for a document: entities with values, relations, records."""

from __future__ import annotations

from typing import Any, Dict

from spacy.tokens import Doc

from .schema import MEASURE_LABELS


def entity_dict(span) -> Dict[str, Any]:
    out: Dict[str, Any] = {"text": span.text, "label": span.label_,
                           "start": span.start_char, "end": span.end_char}
    if span.label_ in MEASURE_LABELS:
        q = span._.quantity
        out.update(value=q.value if q else None, unit=q.unit if q else None,
                   approx=q.approx if q else None)
    return out


def doc_to_json(doc: Doc, doc_id: str, extra: Dict[str, Any] | None = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {"id": doc_id}
    if extra:
        out.update({k: v for k, v in extra.items() if k not in ("entities", "relations", "records")})
    out["entities"] = [entity_dict(e) for e in doc.ents]
    out["relations"] = [r.to_dict() for r in doc._.relations]
    out["records"] = [r.to_dict() for r in doc._.records]
    return out
