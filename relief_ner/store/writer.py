"""`relief-ner extract --db`: the extraction results of each batch go into the database in
one transaction.

A batch is committed whole or not at all, so a run that is killed loses at most the batch
being written, and the next run (or `--resume`) reads those documents again. A document is
done when the database holds it with the same text (SHA-256) read by the same model name and
version: such documents are skipped, so re-running a command never duplicates anything. A
document read again (new text, another model or model version, or `--overwrite`) has its
rows replaced; every reading stays in `readings` with its model and time.

Events (`events.py`) are recomputed inside the same transaction for the blocks the batch
touched, so the database never shows a half-assigned story.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set

import sqlalchemy as sa

from ..batch.engine import DocResult
from ..batch.items import InputDoc
from ..batch.writers import Writer
from ..output import RESULT_KEYS
from . import parties as P
from .dates import publication_date
from .database import first_line
from .events import EventRule, update_events
from .reader import Store
from .tables import RESULT_TABLES, documents, entities, measures, readings, records, relations

# Parameters per statement stay far below SQLite's and PostgreSQL's limits.
_CHUNK = 500
_MEASURE_KINDS = (("money", "MONEY"), ("counts", "COUNT"), ("areas", "AREA"))
# A title is the input's; else a short first line (news files start with their headline).
_MAX_TITLE_CHARS = 60


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str


def model_info(nlp: Any, model: str) -> ModelInfo:
    """Name and version of the pipeline that reads the documents. The version joins the
    pipeline's meta version, this package's version and a fingerprint of the pipeline's
    config and weights, so that a retrained model (same name) counts as a new version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package_version = version("relief_ner")
    except PackageNotFoundError:  # run from a source tree that is not installed
        package_version = "unknown"
    name = model if "/" not in model and not Path(model).exists() else str(Path(model).resolve())
    meta_version = str(nlp.meta.get("version", "0.0.0"))
    digest = hashlib.sha256()
    try:
        digest.update(nlp.to_bytes(exclude=["vocab"]))
    except Exception:  # a component that cannot serialise: the config still tells versions apart
        digest.update(nlp.config.to_str().encode("utf-8"))
    return ModelInfo(name, f"{meta_version}+relief_ner-{package_version}+{digest.hexdigest()[:12]}")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class StoreWriter(Writer):
    """A batch writer (`relief_ner.batch.writers.Writer`) into a records database."""

    fmt = "db"

    def __init__(
        self, store: Store, *, reread: bool = False, rule: Optional[EventRule] = None, today: Optional[dt.date] = None
    ) -> None:
        super().__init__()
        self.store = store
        self.reread = reread
        self.model: Optional[ModelInfo] = None
        self.today = today
        self._done: Dict[str, str] = {}
        stored = store.event_rule()
        self.rule = rule or stored or EventRule()
        if self.rule != stored:
            store.recompute_events(self.rule)

    def bind_model(self, model: ModelInfo) -> None:
        """Set the reading model; documents it has read already (same text) are done."""
        self.model = model
        if self.reread:
            return
        query = sa.select(documents.c.id, documents.c.text_hash).where(
            documents.c.model_name == model.name, documents.c.model_version == model.version
        )
        with self.store.engine.connect() as conn:
            self._done = {doc_id: digest for doc_id, digest in conn.execute(query)}
        self.done_ids = set(self._done)

    def is_done(self, item: InputDoc) -> bool:
        digest = self._done.get(item.id)
        return digest is not None and digest == text_hash(item.text)

    def errors_path(self) -> Optional[Path]:
        """`NAME.errors.jsonl` beside a SQLite file; none for a database server (the
        terminal lists what was skipped)."""
        url = sa.engine.make_url(self.store.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database)
            return path.with_name(path.stem + ".errors.jsonl")
        return None

    def close(self) -> None:
        self.store.close()

    def write_batch(self, results: Sequence[DocResult]) -> None:
        if not results:
            return
        if self.model is None:
            raise RuntimeError("StoreWriter.bind_model() must be called before writing")
        latest: Dict[str, DocResult] = {r.id: r for r in results}  # an id twice: the last reading wins
        now = dt.datetime.now(dt.timezone.utc)
        rows = [document_rows(r, self.model, now, self.today or now.date()) for r in latest.values()]
        ids = list(latest)
        try:
            with self.store.engine.begin() as conn:
                first_seen = dict(
                    _select_in(conn, sa.select(documents.c.id, documents.c.first_seen), documents.c.id, ids)
                )
                touched: Set[str] = {
                    b for (b,) in _select_in(conn, sa.select(records.c.block_key).distinct(), records.c.doc_id, ids)
                }
                for table in (*RESULT_TABLES, documents):
                    column = table.c.doc_id if "doc_id" in table.c else table.c.id
                    for chunk in _chunks(ids):
                        conn.execute(sa.delete(table).where(column.in_(chunk)))
                for doc_rows in rows:
                    doc = doc_rows["documents"][0]
                    doc["first_seen"] = first_seen.get(doc["id"]) or now
                for table in (documents, readings, entities, relations, records, measures):
                    batch = [row for doc_rows in rows for row in doc_rows[table.name]]
                    for chunk in _chunks(batch):
                        conn.execute(sa.insert(table), chunk)
                touched.update(row["block_key"] for doc_rows in rows for row in doc_rows["records"])
                update_events(conn, touched, self.rule)
        except sa.exc.SQLAlchemyError as err:
            from ..batch.writers import OutputError

            raise OutputError(f"cannot write to {self.store.display_url}: {first_line(err)}") from None
        for doc_id, row in zip(ids, rows):
            self._done[doc_id] = row["documents"][0]["text_hash"]


def document_rows(
    result: DocResult, model: ModelInfo, now: dt.datetime, today: dt.date
) -> Dict[str, List[Dict[str, Any]]]:
    """The rows of one document for every table (`first_seen` is set by the writer)."""
    line = result.record
    text = result.text
    doc_id = result.id
    extra = {k: v for k, v in line.items() if k not in RESULT_KEYS and k not in ("id", "text")}
    source = extra.get("source") if isinstance(extra.get("source"), str) else None
    found = publication_date(text, extra, source, reference=today)
    digest = text_hash(text)
    ents, rels, recs = line["entities"], line["relations"], line["records"]
    doc = {
        "id": doc_id,
        "source_url": source,
        "title": _title(extra, text),
        "published": found.date if found else None,
        "published_time": found.time if found else None,
        "published_source": found.source if found else None,
        "published_year_from": found.year_from if found else None,
        "published_evidence": found.evidence[:500] if found else None,
        "published_start": found.start if found else None,
        "published_end": found.end if found else None,
        "text_hash": digest,
        "n_chars": len(text),
        "n_entities": len(ents),
        "n_relations": len(rels),
        "n_records": len(recs),
        "model_name": model.name,
        "model_version": model.version,
        "read_at": now,
        "extra": extra or None,
    }
    reading = {
        "doc_id": doc_id,
        "model_name": model.name,
        "model_version": model.version,
        "text_hash": digest,
        "read_at": now,
        "n_entities": len(ents),
        "n_records": len(recs),
    }
    entity_rows = [
        {
            "doc_id": doc_id,
            "idx": i,
            "label": e["label"],
            "text": e["text"],
            "start_char": e["start"],
            "end_char": e["end"],
            "value": e.get("value"),
            "unit": e.get("unit"),
            "approx": e.get("approx"),
            "place": e.get("place") if isinstance(e.get("place"), Mapping) else None,
        }
        for i, e in enumerate(ents)
    ]
    relation_rows = [
        {
            "doc_id": doc_id,
            "idx": i,
            "label": r["label"],
            "head_text": r["head"]["text"],
            "head_start": r["head"]["start"],
            "head_end": r["head"]["end"],
            "tail_text": r["tail"]["text"],
            "tail_start": r["tail"]["start"],
            "tail_end": r["tail"]["end"],
            "score": r.get("score"),
        }
        for i, r in enumerate(rels)
    ]
    record_rows, measure_rows = [], []
    published = found.date if found else None
    for i, rec in enumerate(recs):
        record_rows.append(record_row(doc_id, i, rec, text, published))
        position = 0
        for field, kind in _MEASURE_KINDS:
            for m in rec.get(field, []):
                measure_rows.append(
                    {
                        "doc_id": doc_id,
                        "record_idx": i,
                        "idx": position,
                        "kind": kind,
                        "text": m["text"],
                        "start_char": m["start"],
                        "end_char": m["end"],
                        "value": m.get("value"),
                        "unit": m.get("unit"),
                        "approx": m.get("approx"),
                    }
                )
                position += 1
    return {
        "documents": [doc],
        "readings": [reading],
        "entities": entity_rows,
        "relations": relation_rows,
        "records": record_rows,
        "measures": measure_rows,
    }


def record_row(
    doc_id: str, idx: int, rec: Mapping[str, Any], text: str, published: Optional[dt.date]
) -> Dict[str, Any]:
    providers, recipients = rec.get("providers", []), rec.get("recipients", [])
    money = _total(rec.get("money", []))
    area = _total(rec.get("areas", []))
    provider_key, recipient_key = P.party_key(providers), P.party_key(recipients)
    amount = P.amount_key(money, area, rec.get("counts", []))
    sentence = rec.get("sentence") or {}
    provider_code, provider_name = P.region_parts(rec.get("provider_region"))
    recipient_code, recipient_name = P.region_parts(rec.get("recipient_region"))
    measures_ = [*rec.get("money", []), *rec.get("counts", []), *rec.get("areas", [])]
    return {
        "doc_id": doc_id,
        "idx": idx,
        "provider": P.texts(providers),
        "recipient": P.texts(recipients),
        "providers": list(providers),
        "recipients": list(recipients),
        "provider_region": rec.get("provider_region"),
        "recipient_region": rec.get("recipient_region"),
        "provider_region_code": provider_code,
        "provider_region_name": provider_name,
        "recipient_region_code": recipient_code,
        "recipient_region_name": recipient_name,
        "money_cny": money,
        "area_m2": area,
        "approx": any(bool(m.get("approx")) for m in measures_),
        "purpose": rec.get("purpose", "") or "",
        "sentence_start": sentence.get("start"),
        "sentence_end": sentence.get("end"),
        "sentence": text[sentence["start"] : sentence["end"]] if "start" in sentence else None,
        "published": published,
        "provider_key": provider_key,
        "recipient_key": recipient_key,
        "amount_key": amount,
        "block_key": P.block_key(provider_key, recipient_key, amount),
        "event_id": None,
        "record_json": dict(rec),
    }


def _title(extra: Mapping[str, Any], text: str) -> Optional[str]:
    title = extra.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    first = text.strip().split("\n", 1)[0].strip()
    if first and len(first) <= _MAX_TITLE_CHARS and not first.endswith(("。", "！", "？", "；")):
        return first
    return None


def _total(measures_: Sequence[Mapping[str, Any]]) -> Optional[float]:
    values = [m["value"] for m in measures_ if m.get("value") is not None]
    return float(sum(values)) if values else None


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(conn: sa.Connection, query: Any, column: Any, values: Sequence[Any]) -> List[Any]:
    out: List[Any] = []
    for chunk in _chunks(values):
        out.extend(conn.execute(query.where(column.in_(chunk))).all())
    return out


def holds(writer: Writer, result: DocResult) -> bool:
    """The writer has this document already (a file output: its id; a database: its id
    with the same text and model)."""
    if isinstance(writer, StoreWriter):
        return writer.is_done(InputDoc(result.id, result.text))
    return result.id in writer.done_ids


class TeeWriter(Writer):
    """A file output and a database together (`-o OUT --db URL`): each gets the documents it
    does not hold yet, so that resuming one never duplicates in the other."""

    def __init__(self, writers: Sequence[Writer]) -> None:
        super().__init__()
        self.writers = list(writers)
        self.fmt = "+".join(w.fmt for w in self.writers)
        self.repaired = "; ".join(w.repaired for w in self.writers if w.repaired)
        self.refresh()

    def refresh(self) -> None:
        """Done: what every writer holds (after `StoreWriter.bind_model`)."""
        sets = [w.done_ids for w in self.writers]
        self.done_ids = set.intersection(*sets) if sets else set()

    def is_done(self, item: InputDoc) -> bool:
        return all(w.is_done(item) if isinstance(w, StoreWriter) else item.id in w.done_ids for w in self.writers)

    def write_batch(self, results: Sequence[DocResult]) -> None:
        for writer in self.writers:
            writer.write_batch([r for r in results if not holds(writer, r)])

    def close(self) -> None:
        for writer in self.writers:
            writer.close()
