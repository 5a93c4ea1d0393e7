"""A synthetic news feed from the project's own sentence templates, for benchmarks and tests.

The sentences are written for this module (donations, investments, procurement, with
organisations, places and amounts that vary); the places are drawn from the packaged
gazetteer so that the rules recognise them. Same seed, same feed.
"""

from __future__ import annotations

import gzip
import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from ..gazetteer import RESOURCE

_PROVINCES = ("浙江", "江苏", "广东", "山东", "福建", "湖南", "四川", "河南")
_BRANDS = ("恒达", "宏远", "鑫源", "华信", "瑞丰", "金禾", "永新", "天成", "嘉和", "润泽", "丰泰", "博远")
_TRADES = ("建材", "实业", "农业科技", "食品", "电力", "物流", "医药", "能源", "纺织", "置业")
_COMPANY_ENDS = ("有限公司", "集团", "股份有限公司")
_BUREAUS = ("农业农村局", "住建局", "交通运输局", "民政局", "财政局", "商务局", "教育局", "水利局")
_PROJECTS = ("修建道路", "修建村级活动室", "硬化通组公路", "建设蔬菜大棚", "改造饮水工程", "安装太阳能路灯")
_PURPOSES = ("改善村容村貌", "资助困难学生", "发展特色产业", "修缮村小学", "购买农机具", "建设冷链仓库")
_FACILITIES = (("幼儿园", "所"), ("卫生室", "个"), ("文化广场", "个"), ("便民桥", "座"), ("机井", "眼"))
_GOODS = ("茶叶", "猕猴桃", "土鸡蛋", "核桃", "高山蔬菜", "腊肉")
_FILLERS = (
    "驻村工作队深入田间地头了解群众需求。",
    "当地干部群众对此表示衷心感谢。",
    "该项目预计年内完工并交付使用。",
    "活动现场气氛热烈。",
    "下一步，双方将继续深化合作。",
    "村里的产业路越走越宽。",
)
_CN_DIGITS = "一二三四五六七八九"


@lru_cache(maxsize=1)
def _places() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(counties, villages) from the gazetteer, a deterministic sample of short names."""
    counties: List[str] = []
    villages: List[str] = []
    with gzip.open(RESOURCE, "rt", encoding="utf-8") as handle:
        for line in handle:
            name, _, level = line.rstrip("\n").partition("\t")
            if level == "2" and name.endswith("县") and len(name) == 3:
                counties.append(name)
            elif level == "4" and name.endswith("村") and len(name) == 3 and name.isalpha():
                villages.append(name)
    rng = random.Random(7)
    return (
        tuple(rng.sample(sorted(counties), min(200, len(counties)))),
        tuple(rng.sample(sorted(villages), min(2000, len(villages)))),
    )


def _money(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return f"{rng.randint(2, 990)}万元"
    if kind < 0.6:
        return f"{rng.randint(1, 99)}.{rng.randint(1, 9)}万元"
    if kind < 0.75:
        return f"{rng.randint(10, 500)}余万元"
    if kind < 0.85:
        return f"{rng.choice(_CN_DIGITS)}十万元"
    if kind < 0.95:
        return f"{rng.randint(2000, 90000)}元"
    return f"{rng.randint(1, 9)}.{rng.randint(1, 9)}亿元"


def _company(rng: random.Random) -> str:
    return rng.choice(_PROVINCES) + rng.choice(_BRANDS) + rng.choice(_TRADES) + rng.choice(_COMPANY_ENDS)


def sentence(rng: random.Random, record_share: float = 1.0) -> str:
    """A template sentence; with probability 1 - `record_share` a filler without figures."""
    if rng.random() >= record_share:
        return rng.choice(_FILLERS)
    counties, villages = _places()
    org, village, county = _company(rng), rng.choice(villages), rng.choice(counties)
    money = _money(rng)
    pick = rng.randrange(9)
    if pick == 0:
        return f"{org}投资{money}为{village}{rng.choice(_PROJECTS)}。"
    if pick == 1:
        return f"{org}向{village}捐赠{money}，用于{rng.choice(_PURPOSES)}。"
    if pick == 2:
        facility, measure = rng.choice(_FACILITIES)
        return (
            f"{county}{rng.choice(_BUREAUS)}协调{org}出资{money}，为{village}援建"
            f"{facility}{rng.randint(1, 5)}{measure}。"
        )
    if pick == 3:
        return f"近日，{org}为{village}{rng.randint(5, 300)}户困难群众发放慰问金{money}。"
    if pick == 4:
        return f"{org}采购{village}{rng.choice(_GOODS)}{money}，带动{rng.randint(10, 400)}户农户增收。"
    if pick == 5:
        return f"{county}{rng.choice(_BUREAUS)}投入资金{money}，在{village}新建高标准农田{rng.randint(50, 3000)}亩。"
    if pick == 6:
        return f"{village}获得{org}帮扶资金{money}。"
    return rng.choice(_FILLERS)


def article(rng: random.Random, sentences: int, record_share: float = 1.0) -> str:
    parts: List[str] = []
    for i in range(sentences):
        parts.append(sentence(rng, record_share))
        if i % 4 == 3 and i + 1 < sentences:
            parts.append("\n")
    return "".join(parts)


def iter_feed(
    n_docs: int, seed: int = 0, min_sentences: int = 2, max_sentences: int = 8
) -> Iterator[Dict[str, object]]:
    """`{"id", "text", "feed", "published"}` items like a news feed export."""
    rng = random.Random(seed)
    for i in range(n_docs):
        yield {
            "id": f"syn-{i:06d}",
            "text": article(rng, rng.randint(min_sentences, max_sentences)),
            "feed": "synthetic",
            "published": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
        }


def write_feed(path: Path, n_docs: int, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for item in iter_feed(n_docs, seed):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def long_document(min_chars: int, seed: int = 0, record_share: float = 1.0) -> str:
    """One document of at least `min_chars` characters, paragraphs of template sentences."""
    rng = random.Random(seed)
    parts: List[str] = []
    size = 0
    while size < min_chars:
        paragraph = article(rng, rng.randint(3, 12), record_share) + "\n"
        parts.append(paragraph)
        size += len(paragraph)
    return "".join(parts)
