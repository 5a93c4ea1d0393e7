"""What extraction writes for a document: entities with values, relations, records.

The three result lists are plain JSON data with character offsets. `shift_results` moves
every offset in them, which is how results of a window of a long document are mapped back
to the document (see `relief_ner.batch.windows`).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from spacy.tokens import Doc

from .extensions import span_dict, stored_place
from .records import place_summary, shared_region
from .schema import MEASURE_LABELS

RESULT_KEYS = ("entities", "relations", "records")
# Record fields that hold lists of spans with offsets (the schema's record JSON).
RECORD_SPAN_FIELDS = ("providers", "recipients", "money", "counts", "areas")

Results = Dict[str, List[Dict[str, Any]]]


def entity_dict(span) -> Dict[str, Any]:
    """An entity with its value (measures) or its resolved place (LOC/ORG, where the
    place resolver ran: the division, or `code` null and the `kind` of non-division)."""
    out = span_dict(span, value=span.label_ in MEASURE_LABELS)
    place = stored_place(span)
    if place is not None:
        out["place"] = place
    return out


def doc_results(doc: Doc) -> Results:
    """Entities, relations and records of a processed doc, offsets relative to `doc.text`."""
    return {
        "entities": [entity_dict(e) for e in doc.ents],
        "relations": [r.to_dict() for r in doc._.relations],
        "records": [r.to_dict() for r in doc._.records],
    }


def results_to_json(
    doc_id: str, results: Results, extra: Optional[Dict[str, Any]] = None, text: Optional[str] = None
) -> Dict[str, Any]:
    """The output line of a document: id, the input's extra fields, optionally the text
    (offsets refer to it), then the results. Extra fields never shadow the results."""
    out: Dict[str, Any] = {"id": doc_id}
    if extra:
        out.update({k: v for k, v in extra.items() if k not in RESULT_KEYS and k != "id"})
    if text is not None:
        out["text"] = text
    for key in RESULT_KEYS:
        out[key] = results[key]
    return out


def doc_to_json(doc: Doc, doc_id: str, extra: Dict[str, Any] | None = None) -> Dict[str, Any]:
    return results_to_json(doc_id, doc_results(doc), extra)


def apply_places(results: Results, places: Dict[str, Dict[str, Any]]) -> Results:
    """A copy of `results` whose entities, parties and record regions carry the places
    of `places` ("start:end" -> place data, `relief_place_resolver`) instead of theirs."""
    entities = []
    for entity in results["entities"]:
        entity = {k: v for k, v in entity.items() if k != "place"}
        place = places.get(f"{entity['start']}:{entity['end']}")
        if place is not None:
            entity["place"] = place
        entities.append(entity)
    records = []
    for record in results["records"]:
        record = dict(record)
        for side, region in (("providers", "provider_region"), ("recipients", "recipient_region")):
            parties = []
            for party in record.get(side, []):
                party = {k: v for k, v in party.items() if k != "place"}
                summary = place_summary(places.get(f"{party['start']}:{party['end']}"))
                if summary:
                    party["place"] = summary
                parties.append(party)
            record[side] = parties
            record[region] = shared_region(p.get("place") for p in parties)
        records.append(record)
    return {**results, "entities": entities, "records": records}


def shift_results(results: Results, delta: int) -> Results:
    """A copy of `results` with every character offset moved by `delta`."""
    if delta == 0:
        return results
    return {
        "entities": [_shift_span(e, delta) for e in results["entities"]],
        "relations": [
            {**r, "head": _shift_span(r["head"], delta), "tail": _shift_span(r["tail"], delta)}
            for r in results["relations"]
        ],
        "records": [_shift_record(r, delta) for r in results["records"]],
    }


def _shift_span(span: Dict[str, Any], delta: int) -> Dict[str, Any]:
    return {**span, "start": span["start"] + delta, "end": span["end"] + delta}


def _shift_record(record: Dict[str, Any], delta: int) -> Dict[str, Any]:
    out = dict(record)
    for key in RECORD_SPAN_FIELDS:
        out[key] = [_shift_span(s, delta) for s in record.get(key, [])]
    if record.get("sentence"):
        out["sentence"] = _shift_span(record["sentence"], delta)
    return out
