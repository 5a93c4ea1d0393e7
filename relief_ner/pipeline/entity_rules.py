"""Rule-based entity taggers of the baseline pipeline.

Three components, each adding spans to `doc.ents` without overriding what an earlier
component found (measures → organisations → places):

- `relief_measure_rules`: MONEY/AREA/COUNT by number + unit patterns, validated by the
  quantity normaliser;
- `relief_org_rules`: ORG by organisation-name endings (公司, 集团, 局, 党组, 工作队 ...);
- `relief_place_rules`: LOC by the administrative-division gazetteer, chains merged.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..gazetteer import Gazetteer, default_gazetteer
from ..schema import HAN
from ..quantity import (
    AREA_UNITS,
    COUNT_UNITS,
    MONEY_UNITS,
    NUMBER_RE,
    NUMERAL_CHARS,
    QuantityError,
    is_unit_header,
    parse_quantity,
)

_CJK = HAN


def _add_ents(doc: Doc, spans: Iterable[Tuple[int, int, str]]) -> None:
    """Add (start_char, end_char, label) spans that do not overlap existing entities."""
    new: List[Span] = []
    for start, end, label in spans:
        span = doc.char_span(start, end, label=label, alignment_mode="strict")
        if span is not None:
            new.append(span)
    taken = list(doc.ents)
    occupied = set()
    for ent in taken:
        occupied.update(range(ent.start, ent.end))
    kept = [s for s in filter_spans(new) if not occupied.intersection(range(s.start, s.end))]
    doc.ents = sorted(taken + kept, key=lambda s: s.start)


# --------------------------------------------------------------------------- measures

_UNIT_ALTERNATION = "|".join(
    re.escape(u) for u in sorted([*MONEY_UNITS, *AREA_UNITS, *COUNT_UNITS], key=len, reverse=True)
)
# The lookbehind starts a match only where a number starts: otherwise a long run of
# digits or numerals without a unit (an account number) is re-scanned from every position
# inside it, quadratic in its length. Matches inside a number were discarded anyway.
_MEASURE_RE = re.compile(rf"(?<![\d{NUMERAL_CHARS}])(?:{NUMBER_RE.pattern})(?:{_UNIT_ALTERNATION})")
# What follows a measure word and turns the match into a duration, rate or length.
_NOT_AFTER = (
    "月",
    "季度",
    "小时",
    "百分点",
    "年",
    "星期",
    "工作日",
    "多月",
    "阶段",
    "层次",
    "方面",
    "环节",
    "维度",
    "领域",
    "步",
    "点",
    "不",
    "大",
    "一",
    "到",
    "代表",
)
# Set phrases of the policy language that look like counts (schema: never tagged).
_SET_PHRASES = (
    "两不愁三保障",
    "三保障",
    "四个不摘",
    "三会一课",
    "六大行动",
    "一对一",
    "五个一批",
    "四议两公开",
    "两学一做",
    "三个代表",
    "八项规定",
    "四个意识",
    "两个维护",
)


@Language.factory("relief_measure_rules", default_config={"skip_bare_yi": True}, assigns=["doc.ents"])
def make_measure_rules(nlp: Language, name: str, skip_bare_yi: bool) -> "MeasureRules":
    """Number + unit patterns, kept where the normaliser accepts them.

    skip_bare_yi (bool): leave `一` + measure word untagged (`一条路子` means "a", not one).
    """
    return MeasureRules(skip_bare_yi=skip_bare_yi)


class MeasureRules:
    """Number + unit patterns; a match is kept only if the normaliser accepts it."""

    def __init__(self, skip_bare_yi: bool = True) -> None:
        # `一` + measure word means "a" far more often than "one" (`一条路子`, `一家`).
        self.skip_bare_yi = skip_bare_yi

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        blocked = _blocked_ranges(text)
        spans = []
        for m in _MEASURE_RE.finditer(text):
            start, end = m.span()
            # Trim approximation words the number regex may have swallowed on the left.
            while start < end and text[start] in "余多来":
                start += 1
            if any(s <= start < e for s, e in blocked):
                continue
            if start > 0 and (text[start - 1] == "第" or text[start - 1].isdigit() or text[start - 1] in ".．"):
                continue
            if text.startswith(_NOT_AFTER, end):
                continue
            surface = text[start:end]
            if is_unit_header(text, start, end):
                continue
            if self.skip_bare_yi and surface[0] == "一" and (len(surface) == 2 or surface[1] in "个"):
                continue
            try:
                quantity = parse_quantity(surface)
            except QuantityError:
                continue
            spans.append((start, end, quantity.label))
        _add_ents(doc, spans)
        return doc


def _blocked_ranges(text: str) -> List[Tuple[int, int]]:
    out = []
    for phrase in _SET_PHRASES:
        for m in re.finditer(re.escape(phrase), text):
            out.append(m.span())
    return out


# ------------------------------------------------------------------------ organisations

ORG_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "公司",
        "集团",
        "银行",
        "分行",
        "支行",
        "信用社",
        "农信社",
        "联社",
        "协会",
        "商会",
        "学会",
        "基金会",
        "委员会",
        "村委会",
        "居委会",
        "管委会",
        "党委",
        "党组",
        "党支部",
        "党总支",
        "工委",
        "纪委",
        "政府",
        "人大",
        "政协",
        "法院",
        "检察院",
        "局",
        "厅",
        "委",
        "办",
        "办公室",
        "中心",
        "学校",
        "小学",
        "中学",
        "大学",
        "学院",
        "医院",
        "卫生院",
        "研究院",
        "研究所",
        "设计院",
        "科学院",
        "合作社",
        "联合社",
        "工作队",
        "报社",
        "日报",
        "晚报",
        "电视台",
        "总工会",
        "工会",
        "妇联",
        "团委",
        "红十字会",
        "供销社",
        "农场",
        "林场",
        "财政",
        "一中",
        "二中",
        "三中",
        "宣传部",
        "组织部",
        "统战部",
        "武装部",
        "人武部",
        "农业农村部",
        "财政部",
        "商务部",
        "教育部",
        "民政部",
        "水利部",
    ],
    key=len,
    reverse=True,
)
ORG_SUFFIX_RE = re.compile("|".join(map(re.escape, ORG_SUFFIXES)))
_ONE_CHAR_SUFFIX_MIN_STEM = 2
# Characters and words at which a name cannot continue to the left.
_STOP_CHARS = set("的在为向由和与及等是了对把将从给到于被让使并或也还又就跟据每各该我此")
_STOP_WORDS = (
    "投资",
    "捐赠",
    "捐款",
    "捐助",
    "发放",
    "援建",
    "帮扶",
    "协调",
    "组织",
    "争取",
    "联合",
    "携手",
    "来到",
    "深入",
    "前往",
    "走访",
    "慰问",
    "支持",
    "开展",
    "召开",
    "举行",
    "实施",
    "推进",
    "成立",
    "通过",
    "作为",
    "邀请",
    "积极",
    "主动",
    "接过",
    "获得",
    "带领",
    "负责",
    "牵头",
    "指导",
    "表示",
    "介绍",
    "资助",
    "出资",
    "筹资",
    "采购",
    "购买",
    "认购",
    "赠送",
    "帮助",
    "来自",
    "依托",
    "联系",
    "派驻",
    "选派",
    "驻",
    "包括",
    "安排",
    "落实",
    "协助",
    "动员",
    "引导",
    "引进",
    "共同",
    "分别",
    "举办",
    "创办",
    "全部",
    "内部",
    "干部",
    "局部",
    "全体",
)
_LEVEL_PREFIX = set("省市县州区乡镇")
_ANAPHORA = ("该", "我", "本", "此", "各", "其", "这", "那", "贵")
# Generic nouns that end like organisations but name none (schema: not tagged).
_GENERIC = {
    "驻村工作队",
    "工作队",
    "合作社",
    "村党支部",
    "党支部",
    "村委会",
    "政府",
    "企业",
    "公司",
    "集团",
    "银行",
    "学校",
    "医院",
    "帮扶工作队",
    "扶贫工作队",
    "村两委",
    "专业合作社",
    "村集体",
    "党委",
    "党组",
    "中心",
    "委员会",
    "办公室",
    "农村信用社",
    "信用社",
    "党总支",
    "村民委员会",
    "居委会",
    "卫生院",
    "小学",
    "中学",
    "大学",
    "合作联社",
    "各级政府",
    "地方政府",
    "当地政府",
    "基层政府",
    "上级部门",
    "有关部门",
    "相关部门",
    "职能部门",
    "帮扶部门",
    "各部门",
    "局",
    "厅",
    "办",
    "委",
}


@Language.factory("relief_org_rules", default_config={"max_length": 24}, assigns=["doc.ents"])
def make_org_rules(nlp: Language, name: str, max_length: int) -> "OrgRules":
    """Organisation names found by their endings (公司, 集团, 局 …).

    max_length (int): how far before its ending a name may start, in characters.
    """
    return OrgRules(max_length=max_length)


class _UsesGazetteer:
    """Loads the packaged gazetteer on first use (it takes a moment), unless one is given."""

    _gazetteer: Optional[Gazetteer] = None

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer


class OrgRules(_UsesGazetteer):
    """ORG spans ending in an organisation word; the left edge is found by stop words,
    place names from the gazetteer and level prefixes (`省`, `县` ...)."""

    def __init__(self, max_length: int = 24, gazetteer: Optional[Gazetteer] = None) -> None:
        self.max_length = max_length
        self._gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        taken = [(e.start_char, e.end_char) for e in doc.ents]
        spans = []
        for m in ORG_SUFFIX_RE.finditer(text):
            end = m.end()
            # Prefer the longest organisation: `…党组` continues `…厅党组`.
            start = self._left_edge(text, m.start())
            if start is None:
                continue
            name = text[start:end]
            stem = name[: len(name) - len(m.group())]
            if name in _GENERIC or name.startswith(_ANAPHORA):
                continue
            if len(m.group()) == 1 and len(stem) < _ONE_CHAR_SUFFIX_MIN_STEM and stem not in _LEVEL_PREFIX:
                continue
            if stem in {"", "村", "驻村", "帮扶", "扶贫", "专业", "村集体", "集体"}:
                continue
            if any(s < end and start < e for s, e in taken):
                continue
            spans.append((start, end, "ORG"))
        _add_ents(doc, _merge_nested(spans))
        return doc

    def _left_edge(self, text: str, suffix_start: int) -> Optional[int]:
        limit = max(0, suffix_start - self.max_length)
        i = suffix_start
        while i > limit:
            ch = text[i - 1]
            if not re.match(rf"[{_CJK}A-Za-z0-9（）()]", ch) or ch in _STOP_CHARS:
                break
            if any(text.endswith(w, 0, i) for w in _STOP_WORDS):
                break
            i -= 1
        if i == suffix_start:
            return suffix_start  # a bare ending (`县政府` is handled by its prefix)
        window = text[i:suffix_start]
        # A place name in the window anchors the start (`接过安康市长兴集团` → 安康市…).
        places = [s for s, _ in self.gazetteer.find(window)]
        if places:
            return i + places[0]
        for j, ch in enumerate(window):
            if ch in _LEVEL_PREFIX:
                return i + j
        # No anchor: names without a place are short (`长兴集团`, `厅党组`).
        return max(i, suffix_start - 6)


def _merge_nested(spans: List[Tuple[int, int, str]]) -> List[Tuple[int, int, str]]:
    """`省交通运输厅党组` matches both `…厅` and `…党组`; keep the longest."""
    spans = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0])))
    out: List[Tuple[int, int, str]] = []
    for span in spans:
        if out and span[0] < out[-1][1]:
            if span[1] > out[-1][1]:
                out[-1] = (out[-1][0], span[1], "ORG")
            continue
        out.append(span)
    return out


# -------------------------------------------------------------------------- places

_NOT_PLACE_BEFORE = set("全该本我各每")


@Language.factory("relief_place_rules", default_config={}, assigns=["doc.ents"])
def make_place_rules(nlp: Language, name: str) -> "PlaceRules":
    """Places of the packaged gazetteer (administrative divisions), chains merged."""
    return PlaceRules()


class PlaceRules(_UsesGazetteer):
    """LOC by gazetteer longest match; adjacent divisions merge into one chain span."""

    def __init__(self, gazetteer: Optional[Gazetteer] = None) -> None:
        self._gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        chains: List[List[int]] = []
        for start, end in self.gazetteer.find(text):
            if start > 0 and text[start - 1] in _NOT_PLACE_BEFORE:
                continue
            if chains and chains[-1][1] == start:
                chains[-1][1] = end
            else:
                chains.append([start, end])
        _add_ents(doc, [(s, e, "LOC") for s, e in chains])
        return doc
