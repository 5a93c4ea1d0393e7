import math

import cn2an
import pytest
from hypothesis import given, strategies as st

from relief_ner import Quantity, QuantityError, parse_quantity
from relief_ner.quantity import quantity_in_context

MU = 10000 / 15  # square metres per 亩


@pytest.mark.parametrize(
    "text,value,unit,approx",
    [
        ("147.7万元", 1477000.0, "CNY", False),
        ("3万余元", 30000.0, "CNY", True),
        ("3300余万元", 33000000.0, "CNY", True),
        ("114149.46元", 114149.46, "CNY", False),
        ("一万余元", 10000.0, "CNY", True),
        ("亿元", 1e8, "CNY", False),
        ("过亿元", 1e8, "CNY", True),
        ("1.2亿元", 1.2e8, "CNY", False),
        ("3千万元", 3e7, "CNY", False),
        ("一千二百三十四万元", 12340000.0, "CNY", False),
        ("两万元", 20000.0, "CNY", False),
        ("１２３４元", 1234.0, "CNY", False),
        ("1,234,567元", 1234567.0, "CNY", False),
        ("几十万元", 100000.0, "CNY", True),
        ("20多万元", 200000.0, "CNY", True),
        ("153亿元人民币", 1.53e10, "CNY", False),
        ("1万亿元", 1e12, "CNY", False),
        ("一万二千元", 12000.0, "CNY", False),
        ("一万二元", 12000.0, "CNY", False),
        ("约3万元", 30000.0, "CNY", True),
        ("超过500万元", 5e6, "CNY", True),
        ("3000元以上", 3000.0, "CNY", True),
        ("5万元左右", 50000.0, "CNY", True),
        ("累计投入", None, None, None),
        ("达10万元", 100000.0, "CNY", False),
        ("累计500万元", 5e6, "CNY", False),
        ("10-20万元", 100000.0, "CNY", True),
        ("160余亩", 160 * MU, "m2", True),
        ("千亩", 1000 * MU, "m2", False),
        ("四亩", 4 * MU, "m2", False),
        ("500平方米", 500.0, "m2", False),
        ("2万多平米", 20000.0, "m2", True),
        ("5平方公里", 5e6, "m2", False),
        ("20公顷", 2e5, "m2", False),
        ("300㎡", 300.0, "m2", False),
        ("120户", 120.0, "户", False),
        ("30多个", 30.0, "个", True),
        ("十几个", 10.0, "个", True),
        ("三个", 3.0, "个", False),
        ("2万人", 20000.0, "人", False),
        ("1.2万余名", 12000.0, "名", True),
        ("100人次", 100.0, "人次", False),
        ("一百零五户", 105.0, "户", False),
        ("3至5名", 3.0, "名", True),
        ("10来个", 10.0, "个", True),
        # decisions of corpus/GUIDELINES.md
        ("七八十块钱", 70.0, "CNY", True),
        ("三四百户", 300.0, "户", True),
        ("90余农户", 90.0, "户", True),
        ("11县", 11.0, "县", False),
        ("不到500人", 500.0, "人", True),
        ("上百元", 100.0, "CNY", True),
        ("数万株", 10000.0, "株", True),
    ],
)
def test_examples(text, value, unit, approx):
    if value is None:
        with pytest.raises(QuantityError):
            parse_quantity(text)
        return
    q = parse_quantity(text)
    assert math.isclose(q.value, value, rel_tol=1e-9)
    assert (q.unit, q.approx) == (unit, approx)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "123",
        "余元",
        "一二三元",
        "5吨",
        "220米",
        "450立方米",
        "2021年",
        "3月",
        "7个季度",
        "两年",
        "59.3%",
        "3岁",
    ],
)
def test_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_type_error():
    with pytest.raises(TypeError):
        parse_quantity(123)


def test_label_follows_unit():
    assert parse_quantity("3万元").label == "MONEY"
    assert parse_quantity("3亩").label == "AREA"
    assert parse_quantity("3户").label == "COUNT"
    assert Quantity(1.0, "USD").label == "MONEY"


def test_context_sets_approx():
    text = "共投入约30万元左右"
    start = text.index("30万元")
    assert quantity_in_context(text, start, start + 4).approx is True
    text = "累计投入30万元"
    start = text.index("30万元")
    assert quantity_in_context(text, start, start + 4).approx is False
    assert quantity_in_context("年产5吨", 2, 4) is None


@given(st.integers(min_value=1, max_value=10**12))
def test_chinese_numerals_match_cn2an(n):
    # cn2an's Arabic → Chinese writer is an independent oracle for our reader.
    assert parse_quantity(cn2an.an2cn(n) + "户").value == n


@given(st.integers(min_value=0, max_value=10**9))
def test_fullwidth_and_separators(n):
    fullwidth = str(n).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert parse_quantity(fullwidth + "元").value == n
    assert parse_quantity(f"{n:,}元").value == n


@given(
    st.decimals(min_value="0.01", max_value="99999.99", places=2),
    st.sampled_from([("万", 1e4), ("亿", 1e8), ("千万", 1e7), ("百万", 1e6), ("十万", 1e5)]),
)
def test_magnitudes(x, magnitude):
    word, factor = magnitude
    q = parse_quantity(f"{x}{word}元")
    assert math.isclose(q.value, float(x) * factor, rel_tol=1e-9)
    assert not q.approx


@given(
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(["约", "近", "超过", "逾", "至少", "突破", "不少于"]),
    st.sampled_from(["元", "亩", "户"]),
)
def test_approx_prefixes(n, prefix, unit):
    plain, marked = parse_quantity(f"{n}{unit}"), parse_quantity(f"{prefix}{n}{unit}")
    assert marked.approx and not plain.approx
    assert marked.value == plain.value


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(["余", "多"]))
def test_approx_inside(n, mark):
    q = parse_quantity(f"{n}{mark}亩")
    assert q.approx and math.isclose(q.value, n * MU, rel_tol=1e-9)


def test_kuai_is_money_before_qian():
    text = "每天有七八十块钱收入"
    start = text.index("七八十块")
    q = quantity_in_context(text, start, start + 4)
    assert (q.value, q.unit, q.approx) == (70.0, "CNY", True)
    assert quantity_in_context("买了3块砖", 2, 4).unit == "块"


def test_a_known_label_widens_the_units():
    # measure nouns as written, once the span is known to be a count (gold: 两省区 → 2 省区)
    with pytest.raises(QuantityError):
        parse_quantity("两省区")
    assert parse_quantity("两省区", label="COUNT") == Quantity(2.0, "省区", False)
    assert parse_quantity("1-2村屯", label="COUNT") == Quantity(1.0, "村屯", True)
    # lengths, times and long noun phrases stay out even then
    for text in ("2021年度", "5公里", "3个百分点", "220多万建档立卡"):
        with pytest.raises(QuantityError):
            parse_quantity(text, label="COUNT")
    # a bare 块 is yuan in a money span and a measure word otherwise
    assert parse_quantity("3块", label="MONEY") == Quantity(3.0, "CNY", False)
    assert parse_quantity("3块") == Quantity(3.0, "块", False)
    # the span getter passes the entity's label
    import spacy

    doc = spacy.blank("zh")("广东、广西两省区密切合作")
    doc.ents = [doc.char_span(5, 8, label="COUNT")]
    assert doc.ents[0]._.quantity == Quantity(2.0, "省区", False)
