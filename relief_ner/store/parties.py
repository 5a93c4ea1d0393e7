"""What the database keeps of a record's parties and amounts besides the spans: the keys
that decide whether two records describe the same assistance, and region names.

Parties and regions may carry a place from the place resolver (a party's `place` dict
`{code, level, names}`, a record's `provider_region` / `recipient_region`); they are used
when present and are optional everywhere.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

_DROP = str.maketrans("", "", " \t\r\n\u3000\"'“”‘’「」『』《》")

# Provincial-level divisions by the first two digits of their statistical division code, in
# the short form reports use. Reports group regions by province: a stored region's code
# gives it; without one, the province a party's name starts with (`浙江某某集团` → 浙江).
PROVINCE_CODES = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}
PROVINCES = tuple(PROVINCE_CODES.values())
UNKNOWN_REGION = "未知"


def normalise_name(text: str) -> str:
    """The form names are compared in: NFKC (full-width letters and digits), no spaces or
    quotation marks."""
    return unicodedata.normalize("NFKC", text).translate(_DROP)


def party_key(parties: Sequence[Mapping[str, Any]]) -> str:
    """One side of a record as a key: a place party (LOC) by its resolved place code, so that
    `明东村` and `明东村村委会` meet; anything else by its normalised name (an organisation's
    place only says where it is); sorted and joined."""
    keys = set()
    for party in parties:
        place = party.get("place")
        code = place.get("code") if isinstance(place, Mapping) and party.get("label") == "LOC" else None
        keys.add(f"@{code}" if code else normalise_name(str(party.get("text", ""))))
    return "|".join(sorted(k for k in keys if k))


def amount_key(money_cny: Optional[float], area_m2: Optional[float], counts: Iterable[Mapping[str, Any]]) -> str:
    """The normalised amount: yuan (to the yuan), else square metres (to 0.1 m²), else the
    counts with their measure words."""
    if money_cny is not None:
        return f"CNY:{round(money_cny)}"
    if area_m2 is not None:
        return f"m2:{round(area_m2, 1)}"
    parts = sorted(f"{c.get('value'):g}{c.get('unit') or ''}" for c in counts if c.get("value") is not None)
    return "COUNT:" + ",".join(parts)


def block_key(provider_key: str, recipient_key: str, amount: str) -> str:
    """Records that may be one event share this key (an indexed column)."""
    raw = "\x1f".join((provider_key, recipient_key, amount)).encode("utf-8")
    return hashlib.sha1(raw).hexdigest()


def region_parts(region: Any) -> Tuple[Optional[str], Optional[str]]:
    """(code, name) of a stored region: a dict `{code, level, names}` (the first of `names`
    is the name, or `name`), or a plain name."""
    if region is None:
        return None, None
    if isinstance(region, Mapping):
        code = region.get("code")
        name = region.get("name")
        names = region.get("names")
        if not name and isinstance(names, (list, tuple)) and names:
            name = names[0]
        elif not name and isinstance(names, str):
            name = names
        return (str(code) if code is not None else None), (str(name) if name else None)
    return None, str(region)


_PROVINCE_START = re.compile("|".join(sorted(PROVINCES, key=len, reverse=True)))


def province_of(names: Iterable[str]) -> Optional[str]:
    """The province the first of `names` that starts with one starts with, if any."""
    for name in names:
        m = _PROVINCE_START.match(normalise_name(name))
        if m:
            return m.group(0)
    return None


def province_of_code(code: Optional[str]) -> Optional[str]:
    """The province of a statistical division code (`330000000000` → 浙江)."""
    if code and len(code) >= 2 and code[:2].isdigit():
        return PROVINCE_CODES.get(code[:2])
    return None


def display_region(stored_code: Optional[str], stored_name: Optional[str], parties: Sequence[Mapping[str, Any]]) -> str:
    """The region a report groups by, a province: that of the stored (resolver) region's
    code, else the province the stored region's or a party's name starts with, else
    `UNKNOWN_REGION`."""
    return (
        province_of_code(stored_code)
        or province_of([stored_name] if stored_name else [])
        or province_of(str(p.get("text", "")) for p in parties)
        or UNKNOWN_REGION
    )


def texts(parties: Sequence[Mapping[str, Any]]) -> str:
    return " | ".join(str(p.get("text", "")) for p in parties)
