"""Normalisation of money, area and count expressions (schema: "Normalised values").

`parse_quantity("3300余万元")` → `Quantity(value=33000000.0, unit="CNY", approx=True)`.

The numeral reader is our own rather than cn2an's: the schema needs bare magnitudes
(`千亩`, `亿元`), approximation marks *inside* numbers (`3300余万`, `十几个`, `几十万`) and
Arabic/Chinese mixtures (`3千万`), which cn2an's converter rejects.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Dict, Optional, Tuple

from .schema import is_han

CNY = "CNY"
M2 = "m2"

# Leading words that stay outside the span but make the amount approximate (schema list,
# plus their common two-character variants).
APPROX_PREFIXES: Tuple[str, ...] = (
    "不少于",
    "大约",
    "将近",
    "接近",
    "超过了",
    "不超过",
    "超过",
    "至少",
    "突破",
    "不到",
    "不足",
    "约",
    "近",
    "超",
    "逾",
    "过",
    "少于",
    "低于",
    "最多",
    "最高",
    "最少",
    "最低",
    "约有",
    "约合",
)
# `以下`/`以内` bound the amount from above (guideline, 2026-12): approximate like `以上`.
APPROX_SUFFIXES: Tuple[str, ...] = ("及以上", "以上", "以下", "以内", "左右", "上下", "有余")
# Leading/trailing words that are allowed around an amount but do not change it.
NEUTRAL_PREFIXES: Tuple[str, ...] = (
    "累计",
    "共计",
    "合计",
    "总计",
    "总共",
    "一共",
    "达到",
    "价值",
    "共",
    "达",
    "计",
    "为",
)
NEUTRAL_SUFFIXES: Tuple[str, ...] = ("人民币",)
APPROX_MARKS = frozenset("余多来几数")
# Words that end in an approximation prefix's character but are verbs or nouns
# (`签约2个项目`, `经过5次`, `通过3年`): the amount after them is exact.
_NOT_APPROX_WORDS: Tuple[str, ...] = (
    "签约",
    "节约",
    "合约",
    "预约",
    "制约",
    "公约",
    "违约",
    "履约",
    "特约",
    "邀约",
    "相约",
    "条约",
    "经过",
    "通过",
    "不过",
    "动过",
    "做过",
    "有过",
    "办过",
    "度过",
    "路过",
    "看过",
    "去过",
    "来过",
    "开过",
    "搞过",
    "举办过",
    "组织过",
    "附近",
    "最近",
)

# Money: code → yuan per unit. Foreign currencies keep their own code and amount.
MONEY_UNITS: Dict[str, Tuple[str, Decimal]] = {
    "元": (CNY, Decimal(1)),
    "块钱": (CNY, Decimal(1)),
    "元钱": (CNY, Decimal(1)),
    "美元": ("USD", Decimal(1)),
    "港元": ("HKD", Decimal(1)),
    "港币": ("HKD", Decimal(1)),
    "欧元": ("EUR", Decimal(1)),
    "日元": ("JPY", Decimal(1)),
}
AREA_UNITS: Dict[str, Decimal] = {
    "平方公里": Decimal(1_000_000),
    "平方千米": Decimal(1_000_000),
    "平方米": Decimal(1),
    "平米": Decimal(1),
    "公顷": Decimal(10_000),
    "亩": Decimal(10_000) / Decimal(15),
    "km2": Decimal(1_000_000),
    "m2": Decimal(1),
}
# Measure words that the schema counts. Two-character ones first so that 人次 wins over 人.
COUNT_UNITS: Tuple[str, ...] = (
    "人次",
    "户次",
    "批次",
    "场次",
    "台套",
    "台次",
    "车次",
    "架次",
    "户",
    "名",
    "人",
    "个",
    "家",
    "所",
    "套",
    "台",
    "辆",
    "头",
    "只",
    "株",
    "棵",
    "间",
    "座",
    "栋",
    "幢",
    "条",
    "项",
    "次",
    "批",
    "期",
    "场",
    "件",
    "份",
    "本",
    "册",
    "箱",
    "袋",
    "盏",
    "口",
    "眼",
    "处",
    "块",
    "张",
    "笔",
    "位",
    "对",
    "支",
    "副",
    "包",
    "床",
    "桶",
    "部",
    "架",
    "组",
    "类",
    "种",
    "篇",
    "封",
    "双",
    "顶",
    "把",
    "盒",
    "瓶",
    "枚",
    "匹",
    "羽",
    "尾",
)
# Units that look like measure words but are lengths, weights, volumes, time or ratios:
# the schema does not tag them, so parse_quantity refuses them.
NOT_AMOUNT_UNITS: Tuple[str, ...] = (
    "立方米",
    "公里",
    "千米",
    "厘米",
    "毫米",
    "米",
    "公斤",
    "千克",
    "克",
    "吨",
    "斤",
    "升",
    "年",
    "月",
    "日",
    "天",
    "周",
    "小时",
    "分钟",
    "秒",
    "岁",
    "%",
    "％",
    "倍",
    "度",
    "成",
    "季度",
    "百分点",
)

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL) + "".join(_BIG)
# Each Arabic number is read whole (the lookaheads forbid stopping inside a digit run):
# without them a run of n digits splits into 2**(n-1) ways of matching the repeated group
# below, and a run of digits not followed by a unit took seconds to minutes to reject.
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d.,])|\d+(?:\.\d+)?(?!\d)(?!\.\d)"
# Longest Arabic digit run read as an amount, and the largest value: beyond them a string
# of digits is an account or phone number, not an amount (and floats would overflow).
MAX_DIGITS = 20
MAX_VALUE = 1e15
# A number: runs of Arabic numbers, Chinese numerals and approximation marks.
NUMBER_RE = re.compile(rf"(?:{_ARABIC}|[{NUMERAL_CHARS}余多来几数])+")
_TOKEN_RE = re.compile(rf"{_ARABIC}|[{NUMERAL_CHARS}余多来几数]")
_PREFIXES = sorted(
    [(w, True) for w in APPROX_PREFIXES] + [(w, False) for w in NEUTRAL_PREFIXES], key=lambda p: -len(p[0])
)
_SUFFIXES = sorted(
    [(w, True) for w in APPROX_SUFFIXES] + [(w, False) for w in NEUTRAL_SUFFIXES], key=lambda p: -len(p[0])
)
_RANGE_RE = re.compile(r"^(?P<low>.+?)(?:至|到|-|~|～|—|－|–)(?P<high>.+)$")


class QuantityError(ValueError):
    """The text is not an amount of money, area or a count in the schema's sense."""


@dataclass(frozen=True)
class Quantity:
    """A normalised amount: `value` in yuan (CNY), square metres (m2) or units counted."""

    value: float
    unit: str
    approx: bool = False

    @property
    def label(self) -> str:
        """The entity label this quantity belongs to: MONEY, AREA or COUNT."""
        if self.unit == M2:
            return "AREA"
        if self.unit in {code for code, _ in MONEY_UNITS.values()}:
            return "MONEY"
        return "COUNT"

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)


def _read_number(text: str) -> Tuple[Decimal, bool]:
    """Read a numeral run such as `3300余万`, `一千二百三十四万`, `十几`, `1.2亿`.

    Returns the value and whether an approximation mark (余/多/来/几/数) occurred in it.
    """
    tokens = _TOKEN_RE.findall(text)
    if not tokens or "".join(tokens) != text:
        raise QuantityError(f"not a number: {text!r}")
    approx = False
    total = Decimal(0)  # finished 亿 groups
    group = Decimal(0)  # finished 万 group inside the current 亿 group
    section = Decimal(0)  # the part below 万
    number: Optional[Decimal] = None
    last_mult = 0  # multiplier of the latest 十/百/千/万, for colloquial `一万二` = 12000
    zero_before = False  # a 零 stands right before the pending digit (`一百零五`)
    vague = False
    read_any = False
    section_mult = 0  # the latest 十/百/千 of the current section
    previous_big = ""  # the token before, when it was 万/亿
    used_yi = False
    for tok in tokens:
        if tok not in _BIG and tok not in APPROX_MARKS:
            previous_big = ""
        if tok in APPROX_MARKS:
            approx = True
            # Leading 几十/数百: the mark stands where a digit would; read it as one.
            if tok in "几数" and number is None and not (total or group or section):
                number, read_any = Decimal(1), True
            continue
        read_any = True
        if tok in "零〇":
            number, zero_before = None, True
        elif tok in _DIGITS:
            digit = Decimal(_DIGITS[tok])
            if number is not None:
                # `七八十`, `三四百`: two neighbouring digits give a vague range; keep the low
                # one. Anything else (`一二三`) is a positional string, not an amount.
                if digit == number + 1 and not vague:
                    vague = approx = True
                    continue
                raise QuantityError(f"positional digits are not an amount: {text!r}")
            number = digit
        elif tok in _SMALL:
            mult = _SMALL[tok]
            if section_mult and mult >= section_mult:
                # `十十`, `百千`: places must fall within a section (`一千二百三十`).
                raise QuantityError(f"misplaced {tok!r} in {text!r}")
            section_mult = mult
            section += (number if number is not None else Decimal(1)) * mult
            number, last_mult, zero_before = None, mult, False
        elif tok in _BIG:
            mult = _BIG[tok]
            if previous_big == tok or (previous_big == "亿" and mult == 10_000):  # `亿亿`, `万万`, `亿万`
                raise QuantityError(f"misplaced {tok!r} in {text!r}")
            if mult != 10_000 and used_yi and (section or number or group):
                # `1亿2亿`: a second 亿 only follows 万 (`万亿`).
                raise QuantityError(f"misplaced {tok!r} in {text!r}")
            previous_big, section_mult = tok, 0
            used_yi = used_yi or mult != 10_000
            value = section + (number or 0)
            if value == 0 and not (total or group):
                value = Decimal(1)  # bare `万`, `亿` (`亿元` in `过亿元`)
            if mult == 10_000:
                group += value * mult
            else:
                total = (total + group + value) * mult
                group = Decimal(0)
            section, number, last_mult, zero_before = Decimal(0), None, mult, False
        else:
            if number is not None:
                raise QuantityError(f"two numbers in a row: {text!r}")
            digits = tok.replace(",", "")
            if len(digits.replace(".", "")) > MAX_DIGITS:
                raise QuantityError(f"{len(tok)} digits are not an amount: {text[:30]!r}…")
            number = Decimal(digits)
    if not read_any:
        raise QuantityError(f"not a number: {text!r}")
    if number is not None:
        if last_mult >= 100 and not zero_before and number < 10 and number == int(number):
            # `一万二` = 12000, `三千五` = 3500: a lone digit after a multiplier stands
            # for the next lower place.
            number *= Decimal(last_mult) / 10
        section += number
    return total + group + section, approx


def _strip_affixes(text: str) -> Tuple[str, bool]:
    """Remove the context words allowed around an amount; report whether any is approximate."""
    approx = False
    while True:
        for word, is_approx in _PREFIXES:
            rest = text[len(word) :]
            if text.startswith(word) and NUMBER_RE.match(rest):
                text, approx = rest, approx or is_approx
                break
        else:
            break
    while True:
        for word, is_approx in _SUFFIXES:
            if text.endswith(word) and len(text) > len(word):
                text, approx = text[: -len(word)], approx or is_approx
                break
        else:
            break
    return text, approx


def _split_unit(text: str) -> Tuple[str, str]:
    """Split `3300余万元` into (`3300余万`, `元`). Raises ValueError on unknown units."""
    m = NUMBER_RE.match(text)
    if m is None or m.end() == 0:
        raise QuantityError(f"{text!r} does not start with a number")
    # No unit starts with a numeral character, so the greedy number never eats the unit;
    # `余` after a magnitude stays in the number: `3万余元` → (`3万余`, `元`).
    return text[: m.end()], text[m.end() :]


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace("m²", "m2").replace("km²", "km2").replace("㎡", "m2")
    return text.replace(" ", "")


def parse_quantity(text: str, label: Optional[str] = None) -> Quantity:
    """Normalise a single MONEY, AREA or COUNT expression.

    Accepts context words around the amount (`约`, `超过`, `以上`, `左右`, `累计` ...), which set
    or leave `approx` as the schema says. Raises `ValueError` for text that is not an
    amount of money, area or a count (no number, no unit, or a length/weight/time unit).

    `label`: the entity label of the span where one is known (from a model or a gold file).
    A COUNT then takes any short measure noun as written (`两省区` → 2 省区) and a MONEY reads
    a bare colloquial `块` as yuan; without it those stay errors / counts.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_quantity expects a str, got {type(text).__name__}")
    try:
        quantity = _parse(text, label)
    except ArithmeticError as err:  # decimal.Overflow and kin
        raise QuantityError(f"{text[:30]!r}: not a readable amount ({type(err).__name__})") from None
    if not math.isfinite(quantity.value) or quantity.value > MAX_VALUE:
        raise QuantityError(f"{text[:30]!r}: {quantity.value:g} is larger than any amount this reads ({MAX_VALUE:g})")
    return quantity


def _parse(text: str, label: Optional[str]) -> Quantity:
    original = text
    text = _normalise(text)
    if not text:
        raise QuantityError("empty text is not an amount")
    text, approx = _strip_affixes(text)
    if text.startswith("上") and text[1:2] in "百千万亿":
        text, approx = text[1:], True  # `上百元`: "as many as a hundred"
    range_match = _RANGE_RE.match(text)
    if range_match and NUMBER_RE.fullmatch(range_match["low"]):
        # `3至5名`, `10-20万元`: keep the lower bound; the high side carries the unit and,
        # when the low side has none, the magnitude (`10-20万` is 10万 to 20万).
        low = range_match["low"]
        high_number, unit = _split_unit(range_match["high"])
        magnitude = re.search(rf"[{''.join(_BIG)}]+$", high_number)
        if magnitude and not re.search(rf"[{''.join(_BIG)}]", low):
            low += magnitude.group(0)
        number, approx = low, True
    else:
        number, unit = _split_unit(text)
    if not unit:
        raise QuantityError(f"{original!r} has no unit; an amount needs 元, 亩, 平方米 or a measure word")
    try:
        amount, inner_approx = _read_number(number)
    except QuantityError as err:
        raise QuantityError(f"{original!r}: {err}") from None
    approx = approx or inner_approx
    if label == "MONEY" and unit == "块":
        unit = "元"  # colloquial `3块` in a span already read as money
    if unit in MONEY_UNITS:
        code, factor = MONEY_UNITS[unit]
        return Quantity(float(amount * factor), code, approx)
    if unit in AREA_UNITS:
        return Quantity(float(amount * AREA_UNITS[unit]), M2, approx)
    if unit.endswith("余") and unit[:-1] in COUNT_UNITS:  # `100名余` (rare)
        unit, approx = unit[:-1], True
    if unit.startswith(NOT_AMOUNT_UNITS) or unit.endswith(NOT_AMOUNT_UNITS) or "百分" in unit:
        raise QuantityError(f"{original!r} is a length, weight, time or ratio, not a schema amount")
    if unit in COUNT_UNITS or _is_measure_word(unit):
        return Quantity(float(amount), unit, approx)
    if len(unit) <= 4 and unit.endswith(("户", "人", "名")) and is_han(unit):
        # `90余农户`, `270多贫困户`: a noun stands between the number and the measure word.
        return Quantity(float(amount), unit[-1], approx)
    if label == "COUNT" and len(unit) <= 3 and is_han(unit):
        # Once something (a model, an annotator) has said the span is a count, the schema
        # takes the measure word as written, nouns included (`两省区`, `1-2村屯`, `两党委`).
        # Without the label such units stay unknown: the rules must not read every
        # number + noun as a count.
        return Quantity(float(amount), unit, approx)
    raise QuantityError(f"{original!r}: unknown unit {unit!r}")


def _is_measure_word(unit: str) -> bool:
    """Measure words are an open class: any single CJK character that is not a length,
    weight, time or ratio unit counts (`11县`, `两市`)."""
    return len(unit) == 1 and is_han(unit)


def quantity_in_context(
    text: str, start: int, end: int, window: int = 4, label: Optional[str] = None
) -> Optional[Quantity]:
    """Normalise the span `text[start:end]`, letting the words next to it set `approx`.

    The schema keeps `约`/`超过`/`以上` outside the span but lets them set the flag.
    `label` is the span's entity label where known (see `parse_quantity`).
    Returns None when the span is not an amount.
    """
    try:
        q = parse_quantity(text[start:end], label=label)
    except QuantityError:
        return None
    before = text[max(0, start - window - 2) : start]
    # `约为300万元`, `近达`: a neutral word between the approximation and the amount.
    for word in NEUTRAL_PREFIXES:
        if before.endswith(word) and before[: -len(word)].endswith(APPROX_PREFIXES):
            before = before[: -len(word)]
            break
    if before.endswith(_NOT_APPROX_WORDS):
        before = ""  # `签约2个`, `经过5次`: the 约/过 belongs to a verb, not to the amount
    after = text[end : end + window]
    if q.unit == "块" and after.startswith("钱"):
        q = Quantity(q.value, CNY, q.approx)  # colloquial `七八十块钱`: 块 is 元
    vague_before = before.endswith("上") and text[start : start + 1] in "百千万亿"
    if not q.approx and (before.endswith(APPROX_PREFIXES) or vague_before or after.startswith(APPROX_SUFFIXES)):
        q = Quantity(q.value, q.unit, True)
    return q


_UNIT_LABELS = ("单位:", "单位：", "单位")
_OPENING_BRACKETS = ("(", "（", "[", "【")
_CLOSING_BRACKETS = (")", "）", "]", "】")


def is_unit_header(text: str, start: int, end: int) -> bool:
    """`单位：万元`, `(万元)`: a table's unit header, not an amount (schema: numbers without
    their unit in the text are not tagged, and the header itself is no amount either).
    Only a bare magnitude with its unit (`万元`, `亿元`, `元`, `亩`) counts; `(3万元)` is an amount."""
    surface = _normalise(text[start:end])
    if any(ch.isdigit() or ch in _DIGITS or ch in _SMALL for ch in surface):
        return False
    before = text[max(0, start - 4) : start].rstrip(" \u3000")
    after = text[end : end + 2].lstrip(" \u3000")
    return before.endswith(_UNIT_LABELS) or (before.endswith(_OPENING_BRACKETS) and after.startswith(_CLOSING_BRACKETS))
