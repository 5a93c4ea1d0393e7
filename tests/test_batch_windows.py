"""Windows of long documents: cuts at sentence ends, offsets mapped back, same results."""

from hypothesis import given, settings, strategies as st

from relief_ner.batch.engine import process
from relief_ner.batch.synthetic import long_document
from relief_ner.batch.windows import DEFAULT_WINDOW_CHARS, pipeline_window, plan_windows
from relief_ner.batch.readers import InputDoc
from relief_ner.schema import SENTENCE_ENDS

pieces = st.lists(
    st.sampled_from(["州住建局", "投资30万元", "。", "！", "?", "\n", "，", " ", "村", "修建道路"]), max_size=80
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=pieces, size=st.integers(1, 40))
def test_windows_cover_the_text_and_cut_at_sentence_ends(text, size):
    windows = plan_windows(text, size)
    assert windows[0][0] == 0 and windows[-1][1] == len(text)
    for (s1, e1), (s2, _) in zip(windows, windows[1:]):
        assert e1 == s2
    for start, end in windows:
        assert 0 < end - start <= size or (start, end) == (0, 0)
    for start, end in windows[:-1]:
        # a cut inside a sentence only where no sentence end was within reach
        if text[end - 1] not in SENTENCE_ENDS:
            assert not any(ch in SENTENCE_ENDS for ch in text[start:end])


def test_pipeline_window_precedence(blank_nlp):
    assert pipeline_window(blank_nlp) == DEFAULT_WINDOW_CHARS
    assert pipeline_window(blank_nlp, 0) is None
    assert pipeline_window(blank_nlp, 500) == 500
    blank_nlp.meta["relief_ner"] = {"window_chars": 1200}
    try:
        assert pipeline_window(blank_nlp) == 1200
        blank_nlp.meta["relief_ner"] = {"window_chars": None}
        assert pipeline_window(blank_nlp) is None
        assert pipeline_window(blank_nlp, 10**9) == blank_nlp.max_length
    finally:
        del blank_nlp.meta["relief_ner"]


def test_windowed_equals_whole_document(rules_nlp):
    text = long_document(12_000, seed=3)
    (whole,) = process(rules_nlp, [InputDoc("d", text)], window=None)
    (windowed,) = process(rules_nlp, [InputDoc("d", text)], window=700)
    assert len(plan_windows(text, 700)) > 15
    assert whole.record["records"], "the document must have records for the test to mean anything"
    assert windowed.record == whole.record


def test_200k_document_offsets(rules_nlp):
    text = long_document(200_000, seed=5, record_share=0.15)
    assert len(text) >= 200_000
    (result,) = process(rules_nlp, [InputDoc("long", text)], window=2000)
    record = result.record
    assert len(record["records"]) > 100
    # The last windows hold results too, and every offset points at its text.
    assert max(e["start"] for e in record["entities"]) > 190_000
    for ent in record["entities"]:
        assert text[ent["start"] : ent["end"]] == ent["text"]
    for rel in record["relations"]:
        for end in ("head", "tail"):
            assert text[rel[end]["start"] : rel[end]["end"]] == rel[end]["text"]
    for rec in record["records"]:
        sentence = text[rec["sentence"]["start"] : rec["sentence"]["end"]]
        assert sentence and sentence[-1] in "。！？!?"
        for key in ("providers", "recipients", "money", "counts", "areas"):
            for span in rec[key]:
                assert text[span["start"] : span["end"]] == span["text"]
                assert rec["sentence"]["start"] <= span["start"] < span["end"] <= rec["sentence"]["end"]


def test_quantity_getter_matches_the_normaliser_on_the_whole_text(rules_nlp):
    # The getter reads only the tokens around a span; the reference reads the full text.
    from relief_ner.quantity import quantity_in_context

    text = "约有30余万元的资金为明东村修建道路，发放大米300斤以上，另有超过 5万元 和20户左右。" * 3
    doc = rules_nlp(text)
    measures = [e for e in doc.ents if e.label_ in ("MONEY", "AREA", "COUNT")]
    assert len(measures) >= 6
    for span in measures:
        assert span._.quantity == quantity_in_context(text, span.start_char, span.end_char)
