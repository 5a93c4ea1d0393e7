"""`relief.AnnotatedCorpus.v1`: frozen components annotate the training docs once."""

import pytest
import spacy
from spacy.language import Language
from spacy.util import registry

import relief_ner.corpus  # noqa: F401  (registers the reader)
from relief_ner.corpus import gold_to_doc, write_docbin
from test_training import synthetic_gold

CALLS = []


@Language.component("test_counting_annotator")
def counting_annotator(doc):
    CALLS.append(doc.text)
    doc.user_data["annotated"] = len(CALLS)
    return doc


def test_the_named_components_run_once_over_all_epochs(tmp_path):
    nlp = spacy.blank("zh")
    write_docbin((gold_to_doc(nlp, g) for g in synthetic_gold(5)), tmp_path / "train.spacy")
    nlp.add_pipe("test_counting_annotator")
    reader = registry.resolve(
        {
            "r": {
                "@readers": "relief.AnnotatedCorpus.v1",
                "path": str(tmp_path / "train.spacy"),
                "annotate_with": ["test_counting_annotator"],
            }
        }
    )["r"]
    CALLS.clear()
    first = list(reader(nlp))
    second = list(reader(nlp))
    assert len(CALLS) == 5 and len(first) == 5
    assert [eg.predicted.user_data["annotated"] for eg in second] == [1, 2, 3, 4, 5]
    assert all(a is b for a, b in zip(first, second))  # the same annotated examples every epoch
    assert all(eg.reference.ents for eg in first)  # the gold stays on the reference side


def test_an_unknown_component_is_named(tmp_path):
    nlp = spacy.blank("zh")
    write_docbin((gold_to_doc(nlp, g) for g in synthetic_gold(2)), tmp_path / "train.spacy")
    reader = registry.resolve(
        {
            "r": {
                "@readers": "relief.AnnotatedCorpus.v1",
                "path": str(tmp_path / "train.spacy"),
                "annotate_with": ["transformer"],
            }
        }
    )["r"]
    with pytest.raises(ValueError, match="has no transformer"):
        list(reader(nlp))
