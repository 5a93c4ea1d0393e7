"""Corpus I/O: gold and stand-off JSONL, texts, spaCy Docs and DocBins."""

from . import annotated  # noqa: F401  (registers relief.AnnotatedCorpus.v1)
from .docs import doc_to_gold, gold_to_doc, read_docbin, renumber, write_docbin
from .gold import (
    CorpusError, GoldDoc, GoldEntity, GoldRelation, parse_gold_record, read_any, read_gold, read_standoff,
    text_sha256, write_jsonl,
)
from .texts import TextStore, default_texts_dir

__all__ = ["CorpusError", "GoldDoc", "GoldEntity", "GoldRelation", "TextStore",
           "default_texts_dir", "doc_to_gold", "gold_to_doc", "parse_gold_record", "read_any", "read_docbin",
           "read_gold", "read_standoff", "renumber", "text_sha256", "write_docbin",
           "write_jsonl"]
