"""Gold documents ↔ doccano examples, annotation fingerprints and measure values.

A doccano example carries, in its `meta`:

- `id`: the project's document id. The key is `id` on purpose: doccano's own JSONL export
  writes `{"id": <example pk>, "text": ..., **meta}`, so with the document id in `meta["id"]`
  an export made from doccano's web UI is already a line of the project's gold format (less
  the measure values); and a gold JSONL uploaded through the UI should map back too, as
  doccano's relation import keeps a record's other keys, `id` among them, as meta.
- `relief_pushed_sha`: the fingerprint of the annotation as it was last pushed (see
  `annotation_fingerprint`); `merge` compares against it to tell who changed what.
- `relief_text_margins`: `[head, tail]`, the whitespace around the text. doccano's API
  strips it (DRF's CharField trims), which would change the text and, at the head, shift
  every offset; so the stripped text goes to doccano with offsets moved by `len(head)`,
  and pull puts both back. Spans never lie in the margins (gold forbids whitespace at span
  edges).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from ..corpus.docs import renumber
from ..corpus.gold import CorpusError, GoldDoc, GoldEntity, parse_gold_record, text_sha256
from ..quantity import quantity_in_context
from ..schema import MEASURE_LABELS

META_ID = "id"
META_PUSHED_SHA = "relief_pushed_sha"
META_MARGINS = "relief_text_margins"
# Stored while a push uploads an example's spans and relations, replaced by the fingerprint
# once they are all in: a later push may then complete the example, while an example
# without any relief_pushed_sha is someone else's and is never overwritten.
PUSH_INCOMPLETE = "incomplete"
# Where `pull` puts what it knows about the doccano side of a document. `merge` reads it and
# never lets it into its result, so gold files stay free of server state.
SYNC_META = "doccano"

SpanKey = Tuple[int, int, str]


def annotation_fingerprint(doc: GoldDoc) -> str:
    """A sha256 of what an annotator can change in doccano: the text, the spans
    (start, end, label) and the relations (head span, tail span, type).

    Entity/relation ids are left out because doccano assigns its own; measure values are
    left out because doccano does not store them (they are recomputed on pull).
    """
    spans = {e.id: (e.start, e.end, e.label) for e in doc.entities}
    payload = {
        "text": text_sha256(doc.text),
        "entities": sorted(spans.values()),
        "relations": sorted((spans[r.from_id], spans[r.to_id], r.type) for r in doc.relations),
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def margins(text: str) -> Tuple[str, str, str]:
    """(head, core, tail) with core = text.strip(), exactly as DRF trims it."""
    core = text.strip()
    if not core:
        return "", text, ""
    head = text[: len(text) - len(text.lstrip())]
    return head, core, text[len(head) + len(core) :]


def example_meta(doc: GoldDoc, pushed_sha: Optional[str]) -> Dict[str, Any]:
    meta = {k: v for k, v in doc.meta.items() if k != SYNC_META}
    meta[META_ID] = doc.id
    head, _, tail = margins(doc.text)
    if head or tail:
        meta[META_MARGINS] = [head, tail]
    meta[META_PUSHED_SHA] = pushed_sha or PUSH_INCOMPLETE
    return meta


def example_text(example: Mapping[str, Any]) -> Tuple[str, int]:
    """The document text of a doccano example (margins restored) and the offset shift
    from doccano's offsets to the document's."""
    text = example.get("text") or ""
    pad = (example.get("meta") or {}).get(META_MARGINS)
    if isinstance(pad, list) and len(pad) == 2 and all(isinstance(p, str) for p in pad) and not "".join(pad).strip():
        return pad[0] + text + pad[1], len(pad[0])
    return text, 0


def example_doc_id(example: Mapping[str, Any]) -> str:
    """The project's document id of a doccano example; examples created in doccano itself
    (no id in meta) get `doccano-<example pk>` so that they are not lost on pull."""
    doc_id = (example.get("meta") or {}).get(META_ID)
    if isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) and str(doc_id):
        return str(doc_id)
    return f"doccano-{example['id']}"


def example_to_gold(
    example: Mapping[str, Any],
    spans: Iterable[Mapping[str, Any]],
    relations: Iterable[Mapping[str, Any]],
    span_labels: Mapping[int, str],
    relation_labels: Mapping[int, str],
    where: str,
) -> GoldDoc:
    """Build a GoldDoc from doccano's API objects, validated by the corpus' own parser
    (labels, offsets, overlaps, relation ends), with ids renumbered in text order and
    without values (see `fill_values`)."""
    meta = dict(example.get("meta") or {})
    text, shift = example_text(example)
    record: Dict[str, Any] = {
        "id": example_doc_id(example),
        "text": text,
        "entities": [
            {
                "id": s["id"],
                "label": span_labels.get(s["label"], f"#{s['label']}"),
                "start_offset": s["start_offset"] + shift,
                "end_offset": s["end_offset"] + shift,
            }
            for s in spans
        ],
        "relations": [
            {
                "id": r["id"],
                "from_id": r["from_id"],
                "to_id": r["to_id"],
                "type": relation_labels.get(r["type"], f"#{r['type']}"),
            }
            for r in relations
        ],
    }
    doc = renumber(parse_gold_record(record, where))
    doc.meta = {k: v for k, v in meta.items() if k not in (META_ID, META_PUSHED_SHA, META_MARGINS)}
    pushed = meta.get(META_PUSHED_SHA)
    doc.meta[SYNC_META] = {"example_id": example["id"], "pushed_sha": None if pushed == PUSH_INCOMPLETE else pushed}
    return doc


def fill_values(doc: GoldDoc, known: Optional[GoldDoc] = None) -> GoldDoc:
    """Give every measure a value: the one `known` has for the exact same span and label
    (a value checked by a person beats the normaliser), else the normaliser's reading.

    A span the normaliser cannot read, or reads as another kind of measure (a MONEY amount
    tagged COUNT), keeps no value rather than a wrong one; gold allows a missing value.
    """
    values: Dict[SpanKey, GoldEntity] = {}
    if known is not None and known.text == doc.text:
        values = {(e.start, e.end, e.label): e for e in known.entities if e.value is not None}
    for ent in doc.entities:
        if ent.label not in MEASURE_LABELS:
            ent.value = ent.unit = ent.approx = None
            continue
        prior = values.get((ent.start, ent.end, ent.label))
        if prior is not None:
            ent.value, ent.unit, ent.approx = prior.value, prior.unit, prior.approx
            continue
        q = quantity_in_context(doc.text, ent.start, ent.end, label=ent.label)
        if q is not None and q.label == ent.label:
            ent.value, ent.unit, ent.approx = q.value, q.unit, q.approx
        else:
            ent.value = ent.unit = ent.approx = None
    return doc


def strip_sync_meta(doc: GoldDoc) -> GoldDoc:
    """The same document without what `pull` recorded about doccano (for writing gold)."""
    return GoldDoc(
        doc.id, doc.text, list(doc.entities), list(doc.relations), {k: v for k, v in doc.meta.items() if k != SYNC_META}
    )


def pushed_sha(doc: GoldDoc) -> Optional[str]:
    sync = doc.meta.get(SYNC_META)
    return sync.get("pushed_sha") if isinstance(sync, dict) else None


def collect_errors(errors: List[str], what: str) -> None:
    """Raise one CorpusError listing every bad document, so an annotator can fix them all
    in one go instead of one per pull."""
    if errors:
        shown = "\n  ".join(errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise CorpusError(f"{what}: {len(errors)} document(s) do not pass the schema:\n  {shown}{more}")
