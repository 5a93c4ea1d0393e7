"""The record builder (`relief_record_builder`): groups related measures into
assistance records, the schema's "Assistance records" section.

Per sentence, measures that have the same set of providers and the same set of recipients
form one record; a record exists only where a measure has at least one relation. It runs
after whatever set `doc._.relations` (rules or the trained relation model).
"""

from __future__ import annotations

from typing import Callable, Dict, Optional

from spacy.language import Language
from spacy.tokens import Doc

from ..records import MAX_PURPOSE_CHARS, build_records
from ..scoring import score_records


@Language.factory(
    "relief_record_builder",
    default_config={"max_purpose_chars": MAX_PURPOSE_CHARS, "scorer": {"@scorers": "relief.record_scorer.v1"}},
    default_score_weights={"records_f": 1.0, "records_p": 0.0, "records_r": 0.0},
    requires=["doc._.relations"],
    assigns=["doc._.records"],
)
def make_record_builder(
    nlp: Language, name: str, max_purpose_chars: int, scorer: Optional[Callable] = None
) -> "RecordBuilder":
    """Assistance records from `doc._.relations` (`relief_ner.records.build_records`).

    max_purpose_chars (int): the longest `purpose` phrase taken from the sentence.
    scorer (Callable): scores records on examples (`relief.record_scorer.v1`).
    """
    return RecordBuilder(max_purpose_chars=max_purpose_chars, scorer=scorer or score_records)


class RecordBuilder:
    def __init__(self, max_purpose_chars: int = MAX_PURPOSE_CHARS, scorer: Callable = score_records) -> None:
        self.max_purpose_chars = max_purpose_chars
        self.scorer = scorer

    def __call__(self, doc: Doc) -> Doc:
        doc._.records = build_records(doc, doc._.relations, self.max_purpose_chars)
        return doc

    def score(self, examples, **kwargs) -> Dict[str, float]:
        return self.scorer(examples, **kwargs)
