"""Hostile inputs to the normaliser and the rules' number patterns: finite values, the
documented error for nonsense, and no exponential regex backtracking."""

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import relief_ner
from relief_ner.quantity import MAX_VALUE, NUMBER_RE, QuantityError, is_unit_header, parse_quantity


@pytest.fixture(scope="module")
def rules():
    nlp = relief_ner.load("rules")
    nlp("捐赠10万元。")  # loads the gazetteer outside the timed part
    return nlp


@pytest.mark.parametrize(
    "text",
    [
        "1" * 60,  # a bank account number without a unit
        "1" * 60 + "a至5名",
        "1" * 24 + "a至5名",
        "3" * 40 + "万元",
        "1,234," * 20 + "x",
        "1.1." * 30 + "x",
    ],
)
def test_digit_runs_do_not_backtrack(text, rules):
    # Exponential backtracking took 35 s at 26 digits; 60 digits must be instant.
    t0 = time.perf_counter()
    NUMBER_RE.fullmatch(text)
    with pytest.raises(QuantityError):
        parse_quantity(text)
    rules(f"账号{text}。捐赠10万元。")
    assert time.perf_counter() - t0 < 2.0


def test_document_of_digits_finishes(rules):
    nlp = rules
    t0 = time.perf_counter()
    doc = nlp(("6222" * 500 + "，") * 20 + "捐款3万元。")
    assert time.perf_counter() - t0 < 5.0
    assert [e.text for e in doc.ents] == ["3万元"]


@pytest.mark.parametrize(
    "text",
    [
        "1" * 309 + "元",
        "1" * 10**6 + "万元",
        "9" * 16 + "亿元",
        "亿亿亿亿亿元",
        "十十十十元",
        "万万元",
        "百千元",
        "1亿2亿元",
        "亿万元",
    ],
)
def test_overflow_and_nonsense_are_quantity_errors(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize(
    "text, value",
    [
        ("3万亿元", 3e12),
        ("一亿三千万元", 1.3e8),
        ("一千二百三十四万元", 1.234e7),
        ("十几个", 10),
        ("1,234,567元", 1234567),
        ("3.5万元", 35000),
        ("一万二千元", 12000),
        ("二十万零五百元", 200500),
    ],
)
def test_valid_numerals_still_read(text, value):
    assert parse_quantity(text).value == pytest.approx(value)


@pytest.mark.parametrize(
    "text, header",
    [
        ("单位：万元", True),
        ("单位:万元", True),
        ("表1 投入（万元）", True),
        ("(亿元)", True),
        ("发放万元助学金", False),
        ("投入(3万元)建设", False),
    ],
)
def test_unit_header_is_no_money(text, header, rules):
    start = text.index("元") - (1 if text[text.index("元") - 1] in "万亿" else 0)
    start = text.index("3") if "3" in text else start
    end = text.index("元") + 1
    assert is_unit_header(text, start, end) is header
    ents = [e.text for e in rules(text).ents]
    assert (text[start:end] in ents) is (not header)


_AMOUNT_CHARS = "0123456789.,一二三四五六七八九十百千万亿零两余多来几数约近超过以上左右元万亩平方米户名个人至-~ 　a%"


@settings(max_examples=400, deadline=2000)
@given(st.text(alphabet=_AMOUNT_CHARS, max_size=60) | st.text(max_size=40))
def test_parse_quantity_fuzz(text):
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert math.isfinite(q.value) and 0 <= q.value <= MAX_VALUE
    assert isinstance(q.unit, str) and q.unit


@pytest.mark.parametrize(
    "text, start, end, approx",
    [
        ("签约2个项目", 2, 4, False),
        ("经过5次", 2, 4, False),
        ("通过3次培训", 2, 4, False),
        ("约为300万元", 2, 8, True),
        ("约300万元", 1, 7, True),
        ("将近30万元", 2, 6, True),
        ("超过5次", 2, 4, True),
        ("最高达25亿元", 3, 7, True),
        ("5万元以下", 0, 3, True),
        ("不超过5亿元", 3, 6, True),
        ("约有300名", 2, 6, True),
    ],
)
def test_approximation_words_and_verbs(text, start, end, approx):
    from relief_ner.quantity import quantity_in_context

    assert quantity_in_context(text, start, end).approx is approx
