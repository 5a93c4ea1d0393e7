"""The tables of the records database (SQLAlchemy Core), as the latest migration leaves
them. The migrations under `migrations/versions/` create and change the real schema; a test
checks that they and these definitions agree.

One row per document in `documents` (its current reading), one per reading ever made in
`readings` (the history: which model, which version, when), and the results of the current
reading in `entities`, `relations`, `records` and `measures`, keyed by document id and
position. Offsets are character offsets in the document text, as in the extract output.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# JSON on every backend (JSONB would tie the schema to PostgreSQL); Python None is SQL NULL.
JSON = sa.JSON(none_as_null=True)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("source_url", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("published", sa.Date),
    sa.Column("published_time", sa.String(8)),
    sa.Column("published_source", sa.String(16)),
    sa.Column("published_year_from", sa.String(16)),
    sa.Column("published_evidence", sa.Text),
    sa.Column("published_start", sa.Integer),
    sa.Column("published_end", sa.Integer),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("n_chars", sa.Integer, nullable=False),
    sa.Column("n_entities", sa.Integer, nullable=False),
    sa.Column("n_relations", sa.Integer, nullable=False),
    sa.Column("n_records", sa.Integer, nullable=False),
    sa.Column("model_name", sa.Text, nullable=False),
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("extra", JSON),
    sa.Index("ix_documents_published", "published"),
)

readings = sa.Table(
    "readings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_id", sa.Text, nullable=False),
    sa.Column("model_name", sa.Text, nullable=False),
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("n_entities", sa.Integer, nullable=False),
    sa.Column("n_records", sa.Integer, nullable=False),
    sa.Index("ix_readings_doc_id", "doc_id"),
)

entities = sa.Table(
    "entities",
    metadata,
    sa.Column("doc_id", sa.Text, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(8), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("unit", sa.String(16)),
    sa.Column("approx", sa.Boolean),
    sa.Column("place", JSON),
)

relations = sa.Table(
    "relations",
    metadata,
    sa.Column("doc_id", sa.Text, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(16), nullable=False),
    sa.Column("head_text", sa.Text, nullable=False),
    sa.Column("head_start", sa.Integer, nullable=False),
    sa.Column("head_end", sa.Integer, nullable=False),
    sa.Column("tail_text", sa.Text, nullable=False),
    sa.Column("tail_start", sa.Integer, nullable=False),
    sa.Column("tail_end", sa.Integer, nullable=False),
    sa.Column("score", sa.Float),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("doc_id", sa.Text, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("providers", JSON, nullable=False),
    sa.Column("recipients", JSON, nullable=False),
    sa.Column("provider_region", JSON),
    sa.Column("recipient_region", JSON),
    sa.Column("provider_region_code", sa.String(32)),
    sa.Column("provider_region_name", sa.Text),
    sa.Column("recipient_region_code", sa.String(32)),
    sa.Column("recipient_region_name", sa.Text),
    sa.Column("money_cny", sa.Float),
    sa.Column("area_m2", sa.Float),
    sa.Column("approx", sa.Boolean, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("sentence_start", sa.Integer),
    sa.Column("sentence_end", sa.Integer),
    sa.Column("sentence", sa.Text),
    sa.Column("published", sa.Date),
    sa.Column("provider_key", sa.Text, nullable=False),
    sa.Column("recipient_key", sa.Text, nullable=False),
    sa.Column("amount_key", sa.Text, nullable=False),
    sa.Column("block_key", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(40)),
    sa.Column("record_json", JSON, nullable=False),
    sa.Index("ix_records_block_key", "block_key"),
    sa.Index("ix_records_event_id", "event_id"),
    sa.Index("ix_records_published", "published"),
)

measures = sa.Table(
    "measures",
    metadata,
    sa.Column("doc_id", sa.Text, primary_key=True),
    sa.Column("record_idx", sa.Integer, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("unit", sa.String(16)),
    sa.Column("approx", sa.Boolean),
    sa.ForeignKeyConstraint(["doc_id", "record_idx"], ["records.doc_id", "records.idx"], ondelete="CASCADE"),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", JSON, nullable=False),
)

# Children before parents: the order in which a document's rows are deleted.
RESULT_TABLES = (measures, records, relations, entities)
