"""What a place mention can name, read off its text alone: the divisions a chain of names
allows (`云南省普洱市景东彝族自治县太忠镇王家村` → one village; `新建村` → 301 villages), or the
kind of non-division it is (`老挝` foreign, `粤港澳大湾区` a region, `金沙江` nature).

The document decides between the candidates (`place_resolver`); this module only parses.

A chain is read left to right as a sequence of keys of the division table (full names and
short forms, `relief_ner.divisions.short_forms`), each one inside the divisions the
previous keys allow; levels may be skipped (`浙江安吉黄杜村`). Below a known parent, towns and
villages are also found by their bare stem (`潮南陇田` → 陇田镇 of 潮南区), which would be far
too ambiguous without the parent. What is left after the longest chain decides the rest:
a hamlet or county seat (`新舟村闷头组`, `仁寿县城`) keeps the chain's place, a natural feature
(`金沙江`: `金沙` is a county, the river is not) or a facility makes the mention no division.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from ..divisions import FULL, STEM, Divisions
from ..gazetteer import COMMON_SHORT_FORMS
from ..schema import HAN

# Single-character names of provinces (`浙`, `在京`, `粤桂协作`).
PROVINCE_ABBREVIATIONS: Dict[str, str] = {
    "京": "11",
    "津": "12",
    "冀": "13",
    "晋": "14",
    "蒙": "15",
    "辽": "21",
    "吉": "22",
    "黑": "23",
    "沪": "31",
    "苏": "32",
    "浙": "33",
    "皖": "34",
    "闽": "35",
    "赣": "36",
    "鲁": "37",
    "豫": "41",
    "鄂": "42",
    "湘": "43",
    "粤": "44",
    "桂": "45",
    "琼": "46",
    "渝": "50",
    "川": "51",
    "蜀": "51",
    "黔": "52",
    "贵": "52",
    "滇": "53",
    "云": "53",
    "藏": "54",
    "陕": "61",
    "秦": "61",
    "甘": "62",
    "陇": "62",
    "青": "63",
    "宁": "64",
    "新": "65",
    "疆": "65",
    "台": "71",
    "港": "81",
    "澳": "82",
}
# Single characters and epithets that stand for one city or province (`在甬`, `羊城`,
# `三秦大地`'s `三秦`), by code.
CITY_ABBREVIATIONS: Dict[str, str] = {
    "甬": "3302",
    "榕": "3501",
    "穗": "4401",
    "邕": "4501",
    "蓉": "5101",
    "筑": "5201",
    "厦": "3502",
    "杭": "3301",
    "深": "4403",
    "莞": "4419",
}
EPITHETS: Dict[str, str] = {
    "羊城": "4401",
    "花城": "4401",
    "鹏城": "4403",
    "榕城": "3501",
    "蓉城": "5101",
    "春城": "5301",
    "冰城": "2301",
    "山城": "50",
    "星城": "4301",
    "鹭岛": "3502",
    "泉城": "3701",
    "金城": "6201",
    "青城": "1501",
    "邕城": "4501",
    "筑城": "5201",
    "鹿城": "1502",
    "三秦": "61",
    "八桂": "45",
    "齐鲁": "37",
    "三晋": "14",
    "陇原": "62",
    "八闽": "35",
    "三湘": "43",
    "荆楚": "42",
    "燕赵": "13",
    "南粤": "44",
    "天府之国": "51",
    "赣鄱": "36",
    "龙江": "23",
    "琼州": "46",
    "世界屋脊": "54",
    "杨凌": "610403",
}
# Countries and other places abroad as the reports write them; a mention that starts with
# one of them is abroad (`老挝琅勃拉邦省`).
FOREIGN = frozenset(
    {
        "老挝",
        "缅甸",
        "越南",
        "柬埔寨",
        "泰国",
        "马来西亚",
        "新加坡",
        "印度尼西亚",
        "印尼",
        "菲律宾",
        "文莱",
        "东帝汶",
        "蒙古国",
        "蒙古",
        "朝鲜",
        "韩国",
        "日本",
        "俄罗斯",
        "哈萨克斯坦",
        "吉尔吉斯斯坦",
        "塔吉克斯坦",
        "乌兹别克斯坦",
        "土库曼斯坦",
        "阿富汗",
        "巴基斯坦",
        "印度",
        "尼泊尔",
        "不丹",
        "孟加拉国",
        "孟加拉",
        "斯里兰卡",
        "马尔代夫",
        "伊朗",
        "伊拉克",
        "叙利亚",
        "约旦",
        "以色列",
        "巴勒斯坦",
        "沙特阿拉伯",
        "沙特",
        "阿联酋",
        "卡塔尔",
        "科威特",
        "阿曼",
        "也门",
        "土耳其",
        "埃及",
        "南非",
        "肯尼亚",
        "埃塞俄比亚",
        "坦桑尼亚",
        "乌干达",
        "卢旺达",
        "津巴布韦",
        "赞比亚",
        "尼日利亚",
        "加纳",
        "塞内加尔",
        "马达加斯加",
        "苏丹",
        "安哥拉",
        "刚果",
        "喀麦隆",
        "马里",
        "美国",
        "加拿大",
        "墨西哥",
        "巴西",
        "阿根廷",
        "智利",
        "秘鲁",
        "古巴",
        "委内瑞拉",
        "哥伦比亚",
        "英国",
        "法国",
        "德国",
        "意大利",
        "西班牙",
        "葡萄牙",
        "荷兰",
        "比利时",
        "瑞士",
        "瑞典",
        "挪威",
        "芬兰",
        "丹麦",
        "波兰",
        "乌克兰",
        "白俄罗斯",
        "希腊",
        "奥地利",
        "匈牙利",
        "捷克",
        "塞尔维亚",
        "爱尔兰",
        "澳大利亚",
        "新西兰",
        "斐济",
        "巴布亚新几内亚",
        "布隆迪",
        "乍得",
        "南苏丹",
        "索马里",
        "吉布提",
        "厄立特里亚",
        "马拉维",
        "莫桑比克",
        "纳米比亚",
        "博茨瓦纳",
        "尼日尔",
        "贝宁",
        "多哥",
        "利比里亚",
        "塞拉利昂",
        "几内亚",
        "毛里塔尼亚",
        "摩洛哥",
        "阿尔及利亚",
        "突尼斯",
        "利比亚",
        "加蓬",
        "赤道几内亚",
        "科特迪瓦",
        "布基纳法索",
        "冈比亚",
        "佛得角",
        "塞舌尔",
        "毛里求斯",
        "科摩罗",
        "莱索托",
        "斯威士兰",
        "南非共和国",
        "黎巴嫩",
        "格鲁吉亚",
        "亚美尼亚",
        "阿塞拜疆",
        "摩尔多瓦",
        "罗马尼亚",
        "保加利亚",
        "克罗地亚",
        "斯洛文尼亚",
        "斯洛伐克",
        "立陶宛",
        "拉脱维亚",
        "爱沙尼亚",
        "冰岛",
        "卢森堡",
        "马耳他",
        "塞浦路斯",
        "阿尔巴尼亚",
        "北马其顿",
        "波黑",
        "厄瓜多尔",
        "玻利维亚",
        "巴拉圭",
        "乌拉圭",
        "圭亚那",
        "苏里南",
        "巴拿马",
        "哥斯达黎加",
        "尼加拉瓜",
        "洪都拉斯",
        "萨尔瓦多",
        "危地马拉",
        "牙买加",
        "海地",
        "多米尼加",
        "特立尼达和多巴哥",
        "汤加",
        "萨摩亚",
        "瓦努阿图",
        "所罗门群岛",
        "基里巴斯",
        "密克罗尼西亚",
        "帕劳",
        "瑙鲁",
        "图瓦卢",
        "马绍尔群岛",
        "非洲",
        "欧洲",
        "亚洲",
        "美洲",
        "拉美",
        "东南亚",
        "南亚",
        "中亚",
        "西亚",
        "中东",
        "东盟",
        "欧盟",
        "湄公河流域",
        "一带一路沿线",
        "海外",
        "境外",
        "国外",
        "纽约",
        "伦敦",
        "巴黎",
        "东京",
        "首尔",
        "曼谷",
        "河内",
        "万象",
        "金边",
        "仰光",
        "莫斯科",
    }
)
_FOREIGN_START = re.compile("|".join(sorted(FOREIGN, key=len, reverse=True)))
_NATIONAL_START = re.compile("中国|中华|全国")
# Traditional and variant forms of characters of place names (`陜西`, `廣東`), folded.
VARIANTS = str.maketrans(
    "陜縣區鎮鄉廣東門陽臺灣遼寧龍蘇潤漢內雲貴陝肅蘭慶濟閩贛粵瓊滬華興億",
    "陕县区镇乡广东门阳台湾辽宁龙苏润汉内云贵陕肃兰庆济闽赣粤琼沪华兴亿",
)
# Single characters that name a country (`赴俄`, `中老铁路`).
FOREIGN_ABBREVIATIONS = frozenset("俄美日韩朝法德英越老缅泰柬印巴非欧意")
# Names of the country as a whole (kind `country`).
COUNTRY = frozenset(
    {
        "中国",
        "我国",
        "全国",
        "祖国",
        "中华",
        "中华人民共和国",
        "新中国",
        "国内",
        "内地",
        "大陆",
        "中国大陆",
        "神州",
        "华夏",
        "海内外",
    }
)
# Regions made of several divisions or cutting across them (economic regions, the
# poverty-alleviation areas, compass regions of a province); `湘西` and `黔西南` are
# divisions and are found in the table first.
REGIONS = frozenset(
    {
        "粤港澳大湾区",
        "大湾区",
        "长三角",
        "长江三角洲",
        "珠三角",
        "珠江三角洲",
        "京津冀",
        "长江经济带",
        "黄河流域",
        "成渝",
        "成渝地区",
        "关中",
        "关中平原",
        "西海固",
        "三峡库区",
        "库区",
        "三区三州",
        "东部",
        "西部",
        "中部",
        "中西部",
        "东北",
        "西北",
        "西南",
        "华北",
        "华东",
        "华南",
        "华中",
        "东北三省",
        "大西北",
        "大西南",
        "东西部",
        "南疆",
        "北疆",
        "南疆四地州",
        "藏区",
        "四省藏区",
        "革命老区",
        "老区",
        "苏区",
        "中央苏区",
        "乌蒙山区",
        "武陵山区",
        "秦巴山区",
        "大别山区",
        "六盘山区",
        "罗霄山区",
        "吕梁山区",
        "燕山-太行山区",
        "滇桂黔石漠化区",
        "滇西边境山区",
        "大兴安岭南麓山区",
        "大凉山",
        "小凉山",
        "港澳台",
        "港澳",
        "天山南北",
        "塞上江南",
        # fused names of cities
        "潮汕",
        "杭嘉湖",
        "甬台温",
        "苏锡常",
        "长株潭",
        "厦漳泉",
        "宁绍",
        "呼包鄂",
        "乌昌",
        "汕潮揭",
        "深莞惠",
        "广佛",
        "广佛肇",
        "珠中江",
        "黔东南州",
        "闽宁",
    }
)
# `苏北`, `川西南`, `鲁西南地区`
_COMPASS_REGION = re.compile(rf"^[{''.join(PROVINCE_ABBREVIATIONS)}][东西南北中]{{1,3}}(?:部|地区|片区)?$")
REGION_SUFFIXES = (
    "大湾区",
    "经济带",
    "经济区",
    "经济圈",
    "城市群",
    "都市圈",
    "三角洲",
    "示范区",
    "山区",
    "库区",
    "片区",
    "老区",
    "藏区",
    "牧区",
    "垦区",
    "地区",
)
NATURE_SUFFIXES = (
    "山脉",
    "山",
    "峰",
    "岭",
    "江",
    "河",
    "湖",
    "海",
    "溪",
    "泉",
    "岛",
    "半岛",
    "群岛",
    "水库",
    "峡",
    "峡谷",
    "瀑布",
    "草原",
    "高原",
    "盆地",
    "平原",
    "沙漠",
    "戈壁",
    "湿地",
    "森林",
    "冰川",
    "雪山",
    "流域",
    "河谷",
    "海峡",
    "运河",
    "林海",
    "南麓",
    "北麓",
    "湾",
    "水",
)
# Facilities, scenic spots and development zones (kind `other`; a zone that the table
# has as a division, such as some `…经济技术开发区`, is found in the table first).
FACILITY_SUFFIXES = (
    "公园",
    "广场",
    "景区",
    "风景区",
    "度假区",
    "园区",
    "产业园",
    "工业园",
    "开发区",
    "高新区",
    "工业区",
    "保税区",
    "试验区",
    "合作区",
    "市场",
    "车站",
    "火车站",
    "机场",
    "码头",
    "口岸",
    "新城",
    "小区",
    "大道",
    "路",
    "桥",
    "大桥",
    "基地",
    "寺",
    "庙",
    "古镇",
    "古城",
    "新区",
)
# What may follow a division inside one place mention without changing the place: a
# hamlet or group below a village (`新舟村闷头组`), the seat of a county (`仁寿县城`).
_SAME_PLACE_TAILS = re.compile(
    r"^(?:县城|城区|市区|城|境内|辖区|一带|周边|片区|片|地区|全境|"
    "[" + HAN + r"]{0,6}(?:组|村民小组|小组|屯|村|自然村|自然寨|寨|社|队|湾|坝|坪|沟|冲|庄|院子))$"
)
# A village's name at the start of what follows a chain (`薛宅村` of `木棠镇薛宅村`).
_UNLISTED_VILLAGE = re.compile("[" + HAN + r"]{1,8}?(?:村|社区|嘎查)(?=$|[" + HAN + r"]{0,6}(?:组|屯|寨|小组))")
# Level words a village is written without (`王家梁` for `王家梁村`).
_VILLAGE_SUFFIX = re.compile(r"(?:村|社区|嘎查|居委会)$")
# A level word after a stem: the name was renamed (`大阳乡` for 大阳镇) or is the level's.
_TOWN_WORD = re.compile(r"镇|乡|街道|街|苏木")
_VILLAGE_WORD = re.compile(r"村|社区|嘎查")
# A division renamed since (`康定县` for 康定市, `山南地区` for 山南市, `乃东县` for 乃东区)
# or written with a level word it does not have (`新疆自治区`): a level word after a short form.
_RENAMED = re.compile(r"地区|自治区|自治州|自治县|[县市区州盟旗]")
# Short forms that are ordinary words or brands more often than places: not read as the
# place of an organisation (`金山牦牛养殖专业合作社`, `阿里巴巴`).
COMMON_WORD_SHORT_FORMS = COMMON_SHORT_FORMS | frozenset(
    {
        "东阳",
        "中山",
        "仁和",
        "先锋",
        "兴业",
        "前进",
        "华容",
        "和田",
        "大同",
        "富民",
        "永和",
        "江山",
        "海洋",
        "红旗",
        "胜利",
        "长丰",
        "长城",
        "阳光",
        "阿里",
    }
)
MAX_KEY_LENGTH = 24
_LEVEL_CHARS = frozenset("省市县区州盟旗镇乡村街")
# A stem search scans every descendant of the parent: only under small parents.
_MAX_STEM_SEARCH = 4000


@dataclass
class MentionParse:
    """What a mention's text allows. `candidates`: divisions it may name (empty for a
    non-division or an unknown name); `kind`: `foreign`, `region`, `nature`, `other` for
    what is no division; `matched`: the part of the text read as the place."""

    candidates: List[int] = field(default_factory=list)
    kind: Optional[str] = None
    matched: str = ""
    short: bool = False  # read with a short form or stem (`平和`, `陇田`), not a full name
    partial: bool = False  # text was left over after the chain (`龙西乡显胜门`)
    parts: List[int] = field(default_factory=list)  # the provinces of `粤桂`, `京津冀`
    # a village named after the chain that the table lacks below it (`木棠镇薛宅村` → `薛宅村`)
    unlisted: str = ""


class Chain(NamedTuple):
    candidates: List[int]  # of the last link
    end: int  # characters read
    links: int
    short: bool  # a link was a short form or stem
    last_short: bool  # the last link was


class MentionParser:
    """Parses LOC mentions and the place at the start of organisation names."""

    def __init__(self, table: Divisions) -> None:
        self.table = table
        self._provinces = {abbr: table.index_of(code) for abbr, code in PROVINCE_ABBREVIATIONS.items()}
        # a table built from other tables may lack some of these divisions
        self._epithets = {
            name: i
            for name, i in ((name, table.index_of(code)) for name, code in {**EPITHETS, **CITY_ABBREVIATIONS}.items())
            if i is not None
        }
        self._provinces = {abbr: i for abbr, i in self._provinces.items() if i is not None}
        # keys_at of the text being read: the links of several chains start at the same
        # place (`云南` and `云南省` …, an organisation's name read from each character)
        self._keys: Dict[int, list] = {}
        self._keys_of: Optional[str] = None

    # ------------------------------------------------------------------ places
    def parse_place(self, text: str) -> MentionParse:
        text = text.strip().translate(VARIANTS)
        if not text:
            return MentionParse(kind="other")
        if text in COUNTRY:
            return MentionParse(kind="country", matched=text)
        exact = [(i, form) for i, form in self.table.lookup(text) if form != STEM]
        if exact:
            return MentionParse([i for i, _ in exact], matched=text, short=all(f != FULL for _, f in exact))
        if text in self._epithets:
            return MentionParse([self._epithets[text]], matched=text, short=True)
        if len(text) == 1:
            return self._single_character(text)
        if self._abroad(text):
            return MentionParse(kind="foreign", matched=text)
        parts = self._fused_provinces(text)
        if parts:
            return MentionParse(kind="region", matched=text, parts=parts)
        if text in REGIONS or _COMPASS_REGION.match(text):
            return MentionParse(kind="region", matched=text)
        chain = self.chain(text)
        if chain is None and text[0] in self._provinces:
            # a province's abbreviation before a place of it (`皖黟县西递镇`)
            inner = self.chain_within(text[1:], frozenset([self._provinces[text[0]]]), whole=False)
            if inner is not None:
                chain = inner._replace(end=inner.end + 1)
        if chain is None:
            # no kind: the resolver looks for it below the document's places (`陇田`)
            return MentionParse(kind=_kind_by_suffix(text))
        rest = text[chain.end :]
        unlisted = _UNLISTED_VILLAGE.match(rest)
        if unlisted and self.table.depth(chain.candidates[0]) < 4:
            # a village the table does not have below its town (renamed, or newer than the
            # table): the place is the town, and the village's name is remembered
            return MentionParse(
                chain.candidates, matched=text[: chain.end], short=chain.short, partial=True, unlisted=unlisted.group()
            )
        if not rest or _SAME_PLACE_TAILS.match(rest):
            return MentionParse(chain.candidates, matched=text[: chain.end], short=chain.short)
        kind = _kind_of_tail(rest, chain.last_short)
        if kind:
            return MentionParse(kind=kind, matched=text[: chain.end])
        if chain.last_short and len(rest) == 1:
            # `三河口` is not 三河市 followed by something: a name of its own, looked for
            # among the document's places
            return MentionParse(kind=_kind_by_suffix(text))
        return MentionParse(chain.candidates, matched=text[: chain.end], short=chain.short, partial=True)

    def _single_character(self, text: str) -> MentionParse:
        province = self._provinces.get(text, self._epithets.get(text))
        if province is not None:
            return MentionParse([province], matched=text, short=True)
        if text in FOREIGN_ABBREVIATIONS:
            return MentionParse(kind="foreign", matched=text)
        return MentionParse()  # `汕`, `铜`: the resolver looks for it among the document's places

    def _fused_provinces(self, text: str) -> List[int]:
        """`粤桂`, `京津冀`, `港澳台`: two to four province abbreviations."""
        if not 2 <= len(text) <= 4 or any(ch not in self._provinces for ch in text):
            return []
        return list(dict.fromkeys(self._provinces[ch] for ch in text))

    def _abroad(self, text: str) -> bool:
        """The text starts with a place abroad, and no longer name of a division
        (`巴西` is Brazil, `黑山县` a county of Liaoning)."""
        foreign = _FOREIGN_START.match(text)
        if foreign is None:
            return len(text) == 2 and text[0] in FOREIGN_ABBREVIATIONS and text[1] in "国方"
        chain = self.chain(text)
        return chain is None or chain.end < foreign.end()

    # ------------------------------------------------------------ organisations
    def parse_org(self, text: str) -> Optional[MentionParse]:
        """The place of an organisation: the branch's place (`中国农业银行兴义分行` → 兴义市)
        or the place its name starts with (`平和县供电公司`); None if it names none."""
        if self._abroad(text):
            return MentionParse(kind="foreign", matched=text[:2])
        branch = self._branch_place(text)
        if branch is not None:
            return branch
        prefix = self.chain(text, strict=True)
        if prefix is not None:
            return MentionParse(prefix.candidates, matched=text[: prefix.end], short=prefix.short)
        national = _NATIONAL_START.match(text)
        if national is None:
            return None
        # `中国甘肃网`, `中国铁路南昌局集团`: a national name, then the place of this body;
        # of overlapping readings the one that ends last (`南昌`, not `路南` of `路南昌`)
        best = None
        for start in range(national.end(), len(text) - 1):
            chain = self.chain(text, strict=True, start=start)
            if chain is not None and (best is None or chain.end > best[1].end):
                best = (start, chain)
            elif best is not None and start >= best[1].end:
                break
        if best is not None:
            start, chain = best
            return MentionParse(chain.candidates, matched=text[start : chain.end], short=chain.short)
        return MentionParse(kind="country", matched=national.group())

    def inner_places(self, text: str, start: int = 0) -> List[Tuple[int, int]]:
        """(offset, division) of the places written in full inside an organisation's name
        after `start` that leave one candidate, adjacent names read as a chain
        (`中山火炬开发区驻冷坑镇团结村工作队` → 冷坑镇, 团结村 of 冷坑镇; `今日房县网` → 房县):
        context for the document, not the organisation's place."""
        table = self.table
        self._forget_keys(text)
        found: List[Tuple[int, int]] = []
        previous: Optional[Tuple[int, List[int]]] = None  # (end, candidates) of the last name
        for m in _LEVEL_END.finditer(text, start):
            end = m.end()
            for begin in range(max(start, end - 10), end - 1):
                keys = self._keys.get(begin)
                if keys is None:
                    keys = self._keys[begin] = table.keys_at(text, begin, MAX_KEY_LENGTH)
                candidates = [i for e, entries in keys if e == end for i, f in entries if f == FULL]
                if not candidates:
                    continue
                if previous is not None and previous[0] == begin:
                    inside = [table.subtree(i) for i in previous[1]]
                    candidates = [i for i in candidates if any(i in r for r in inside)] or candidates
                if len(candidates) == 1:
                    found.append((begin, candidates[0]))
                previous = (end, candidates)
                break
        return found

    def _branch_place(self, text: str) -> Optional[MentionParse]:
        for m in _BRANCH.finditer(text):
            place = m.group("place")
            # the place runs back to the end of the parent organisation's name
            start = max((p.end() for p in _ORG_WORD.finditer(place)), default=0)
            name = place[start:]
            if len(name) < 2:
                continue
            chain = self.chain(name, strict=True)
            if chain is not None and chain.end == len(name):
                return MentionParse(chain.candidates, matched=name, short=chain.short)
        return None

    # -------------------------------------------------------------------- chains
    def chain(self, text: str, strict: bool = False, start: int = 0) -> Optional[Chain]:
        """The longest chain of divisions at `start` of `text` (its `end` counted from the
        start of `text`). `strict` (organisation names): the first link is no common-word
        short form, and no village is found by its stem."""
        self._forget_keys(text)
        return self._chain(text, start, None, strict)

    def _forget_keys(self, text: str) -> None:
        if self._keys_of is not text:
            self._keys.clear()
            self._keys_of = text

    def chain_within(self, text: str, parents: FrozenSet[int], whole: bool = True) -> Optional[Chain]:
        """`text` read as a chain below one of `parents`, its first link possibly a stem;
        with `whole`, None unless all of it is read (but a hamlet's tail)."""
        if not parents:
            return None
        self._forget_keys(text)
        best = self._chain(text, 0, parents, False)
        if best is None or whole and best.end < len(text) and not _SAME_PLACE_TAILS.match(text[best.end :]):
            return None
        return best

    def _chain(self, text: str, start: int, within: Optional[FrozenSet[int]], strict: bool) -> Optional[Chain]:
        best: Optional[Chain] = None
        for end, candidates, short in self._links(text, start, within, strict):
            tail = self._chain(text, end, frozenset(candidates), strict) if end < len(text) else None
            if tail is not None:
                option = Chain(tail.candidates, tail.end, tail.links + 1, short or tail.short, tail.last_short)
            else:
                option = Chain(candidates, end, 1, short, short)
            # the most text read, in the fewest links
            if best is None or (option.end, -option.links) > (best.end, -best.links):
                best = option
        return best

    def _links(self, text: str, start: int, within: Optional[FrozenSet[int]], strict: bool):
        """(end, candidates, short) for every key at `start` that fits inside `within`
        (anywhere if None); below a parent, also towns by their stem and villages by theirs."""
        table = self.table
        inside = [table.subtree(i) for i in within] if within is not None else []
        found = False
        keys = self._keys.get(start)
        if keys is None:
            keys = self._keys[start] = table.keys_at(text, start, MAX_KEY_LENGTH)
        for end, entries in keys:
            if within is None:
                if not strict and _TOWN_WORD.match(text, end):
                    # a town's stem with a level word (`三郎乡` for 三郎镇) may start a chain
                    towns = [i for i, f in entries if f == STEM]
                    if towns:
                        found = True
                        yield _TOWN_WORD.match(text, end).end(), towns, True
                # a town's bare stem names nothing without its parent
                entries = tuple(e for e in entries if e[1] != STEM)
                if (
                    strict
                    and entries
                    and all(f != FULL for _, f in entries)
                    and (text[start:end] in COMMON_WORD_SHORT_FORMS or min(table.depth(i) for i, _ in entries) > 2)
                ):
                    continue
            if not entries:
                continue
            stems = [i for i, f in entries if f == STEM]
            if stems:
                # `大阳乡` for 大阳镇: the level word after a stem belongs to it
                word = _TOWN_WORD.match(text, end)
                towns = _inside([(i, f) for i, f in entries if f == STEM], inside) if word else []
                if towns:
                    found = True
                    yield word.end(), towns, True
            candidates = [i for i, _ in entries] if within is None else _inside(entries, inside)
            if candidates:
                found = True
                short = all(f != FULL for _, f in entries)
                yield end, candidates, short
                renamed = _RENAMED.match(text, end) if short else None
                if renamed:
                    yield renamed.end(), candidates, True
        if not found and within is not None and not strict:
            yield from self._village_stems(text, start, within)

    def _village_stems(self, text: str, start: int, within: FrozenSet[int]):
        """Villages below a known town or county written without their level word
        (`王家梁` for 王家梁村, `陇田村` under 陇田镇)."""
        table = self.table
        first = text[start]
        if first in _LEVEL_CHARS:
            return  # the rest of a name read in its short form (`宿迁` + `市…`)
        matches: Dict[int, List[int]] = {}
        budget = _MAX_STEM_SEARCH
        for parent in sorted(i for i in within if table.depth(i) in (2, 3)):
            descendants = table.subtree(parent)
            budget -= len(descendants)
            if budget < 0:
                break
            for i in descendants:
                name = table.name(i)
                if name[0] != first or table.depth(i) != 4:
                    continue
                stem = _VILLAGE_SUFFIX.sub("", name)
                if len(stem) >= 2 and text.startswith(stem, start):
                    end = start + len(stem)
                    word = _VILLAGE_WORD.match(text, end)
                    matches.setdefault(word.end() if word else end, []).append(i)
        for end in sorted(matches, reverse=True):
            yield end, matches[end], True


def _inside(entries: Sequence[Tuple[int, int]], subtrees: List[range]) -> List[int]:
    """The divisions of `entries` (in division order) inside one of the `subtrees`."""
    if len(entries) * len(subtrees) <= 64:
        return [i for i, _ in entries if any(i in r for r in subtrees)]
    out: List[int] = []
    for r in subtrees:
        lo, hi = bisect.bisect_left(entries, (r.start,)), bisect.bisect_left(entries, (r.stop,))
        out.extend(i for i, _ in entries[lo:hi])
    return sorted(set(out))


_LEVEL_END = re.compile(r"[省市县区州盟旗镇乡村]|街道")
_BRANCH = re.compile(r"(?P<place>[" + HAN + r"]{2,16}?)(?:分行|支行|分公司|营业部|分理处|中心支公司|分院|分局|分中心)")
_ORG_WORD = re.compile(r"(?:银行|公司|集团|保险|证券|信用社|联社|移动|联通|电信|邮政|中心|局|院)")


def _kind_by_suffix(text: str) -> Optional[str]:
    """The kind of a name that is no chain of divisions, if its ending tells."""
    if text.endswith(REGION_SUFFIXES):
        return "region"
    if text.endswith(NATURE_SUFFIXES):
        return "nature"
    if text.endswith(FACILITY_SUFFIXES):
        return "other"
    return None


def _kind_of_tail(rest: str, short: bool) -> Optional[str]:
    """A natural feature or facility named after a division (`金沙江`, `两河口公园`)."""
    if rest.endswith(FACILITY_SUFFIXES):
        return "other"
    if rest.endswith(NATURE_SUFFIXES) and (short or len(rest) > 1):
        return "nature"
    return None
