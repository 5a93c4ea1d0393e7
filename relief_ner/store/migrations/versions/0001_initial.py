"""The first schema: documents and their readings, entities, relations, records with
their measures, and settings (the event rule).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "documents",
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
    )
    op.create_index("ix_documents_published", "documents", ["published"])
    op.create_table(
        "readings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("model_name", sa.Text, nullable=False),
        sa.Column("model_version", sa.Text, nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_entities", sa.Integer, nullable=False),
        sa.Column("n_records", sa.Integer, nullable=False),
    )
    op.create_index("ix_readings_doc_id", "readings", ["doc_id"])
    op.create_table(
        "entities",
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
    op.create_table(
        "relations",
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
    op.create_table(
        "records",
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
    )
    op.create_index("ix_records_block_key", "records", ["block_key"])
    op.create_index("ix_records_event_id", "records", ["event_id"])
    op.create_index("ix_records_published", "records", ["published"])
    op.create_table(
        "measures",
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
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("settings", "measures", "records", "relations", "entities", "readings", "documents"):
        op.drop_table(table)
