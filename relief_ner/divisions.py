"""The table of China's administrative divisions: every province, city, county, town and
village with its 12-digit NBS code, parent, name, the short forms people write and the
coordinates of the county-level and higher ones.

`build_divisions` compiles it from `../shared/gazetteer` (`relief-ner gazetteer build`) into
`resources/divisions.bin.gz`; `default_divisions()` reads that file once per process.

The file is a gzip'd header line (JSON: format, counts, section lengths) followed by the
names (the divisions', then the short forms and town stems) and flat little-endian arrays. Loaded, the table is a dozen large objects (one string of all names,
arrays of codes, parents, offsets and key hashes) rather than millions of small ones: it
loads in a fraction of a second, takes little memory, and processes forked after loading
share its pages (reference counts touch a dozen objects, not every name).

Names and short forms are looked up by a 64-bit hash of the key in a sorted array; the
loader computes the hashes of all keys in one vectorised pass (`_key_hashes`), and a hit is
checked against the key's text.
"""

from __future__ import annotations

import array
import bisect
import csv
import gzip
import json
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

DIVISIONS_RESOURCE = Path(__file__).parent / "resources" / "divisions.bin.gz"
FORMAT = "relief_ner.divisions"
VERSION = 2
# How a key writes its division (`Divisions.lookup`): the full name, a short form, or the
# bare stem of a town (`陇田` for 陇田镇), which only a known parent makes a name.
FULL, SHORT, STEM = 0, 1, 2
LEVELS = ("province", "city", "county", "town", "village")
# Digits of the 12-digit code that a division of each level owns (province 2, city 4 ...).
CODE_DIGITS = (2, 4, 6, 9, 12)
# City-level rows of the NBS tables that are no city: the districts of a municipality
# (`市辖区`, `县` under 北京市/重庆市) and the counties a province governs directly.
MUNICIPAL_PLACEHOLDERS = frozenset({"市辖区", "县"})
DIRECT_PLACEHOLDERS = frozenset({"省直辖县级行政区划", "自治区直辖县级行政区划"})
PLACEHOLDERS = MUNICIPAL_PLACEHOLDERS | DIRECT_PLACEHOLDERS
# Rows named by a bare level word (a town called `街道`): no key, or `街道党工委` would name it.
GENERIC_NAMES = frozenset(
    {
        "街道",
        "社区",
        "城区",
        "郊区",
        "矿区",
        "新区",
        "市区",
        "开发区",
        "农场",
        "林场",
        "牧场",
        "虚拟社区",
        "居委会",
        "村委会",
        "新村",
        "城关",
    }
)
# Taiwan, Hong Kong and Macao are in neither NBS table; GB/T 2260 gives them province codes
# (cpca's adcodes.csv has them with coordinates).
_EXTRA_PROVINCES = {"710000000000": "台湾省", "810000000000": "香港特别行政区", "820000000000": "澳门特别行政区"}

# The 56 nationalities, as written inside autonomous names: `景东彝族自治县`,
# `新疆维吾尔自治区` (without 族), `龙胜各族自治县`.
_NATIONALITIES = (
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "汉",
    "各",
)
_NATIONALITY_RE = re.compile(
    "(?:"
    + "|".join(
        sorted([f"{n}族" for n in _NATIONALITIES] + [n for n in _NATIONALITIES if len(n) > 1], key=len, reverse=True)
    )
    + ")$"
)
_AUTONOMOUS = re.compile(r"自治(区|州|县|旗)$")
_VILLAGE_COMMITTEE = re.compile(r"(?:村民委员会|村委会)$")
_RESIDENTS_COMMITTEE = re.compile(r"(?:社区居民委员会|社区居委会|居民委员会|居委会)$")
# District names that are ordinary words once the `区` is gone.
_GENERIC_STEMS = frozenset({"城", "郊", "矿", "新", "市辖", "高新", "开发", "东", "西", "南", "北", "中"})
_NO_SHORT_FORM = ("开发区", "管理区", "园区", "示范区", "合作区", "试验区", "保税区", "经济区", "新城")
_MIN_KEY = 2


class Division(NamedTuple):
    code: str  # 12 digits
    name: str
    level: str


# ---------------------------------------------------------------------------- names


def strip_nationalities(stem: str) -> str:
    """`积石山保安族东乡族撒拉族` → `积石山`; never below two characters (`内蒙古` stays)."""
    while True:
        m = _NATIONALITY_RE.search(stem)
        if not m or m.start() < _MIN_KEY:
            return stem
        stem = stem[: m.start()]


def village_name(raw: str) -> str:
    """The name people write for a village-level committee: `新建村委会` → `新建村`,
    `银闸社区居委会` → `银闸社区`; other rows (`xx林场生活区`) keep their name."""
    if _VILLAGE_COMMITTEE.search(raw):
        stem = _VILLAGE_COMMITTEE.sub("", raw)
        return stem if stem.endswith("村") else stem + "村"
    if _RESIDENTS_COMMITTEE.search(raw):
        stem = _RESIDENTS_COMMITTEE.sub("", raw)
        return stem if stem.endswith("社区") else stem + "社区"
    return raw


def short_forms(name: str, level: str) -> List[str]:
    """The other keys a division is written with: `杭州市` → `杭州`;
    `黔西南布依族苗族自治州` → `黔西南`, `黔西南州`; `赣县区` → `赣县`; `浦东新区` → `浦东`;
    `xx彝族乡` → `xx乡`. Towns and villages are written in full (`陇田镇`, `新建村`): their
    bare stems are words far too often, and are found under a known parent instead
    (`relief_ner.pipeline.place_names`)."""
    forms: List[str] = []
    m = _AUTONOMOUS.search(name)
    if m:
        stem = strip_nationalities(name[: m.start()])
        forms.append(stem)
        if m.group(1) in "州县旗":
            forms.append(stem + m.group(1))
    elif level == "town" and name.endswith("族乡"):
        stem = name[:-1]
        forms.append((stem[:-2] if stem.endswith("民族") else strip_nationalities(stem)) + "乡")
    elif level in ("province", "city", "county") and not name.endswith(_NO_SHORT_FORM):
        for suffix in ("特别行政区", "新区", "林区", "特区", "地区", "省", "市", "县", "区", "盟", "旗"):
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                if stem not in _GENERIC_STEMS:
                    forms.append(stem)
                break
    return [f for f in dict.fromkeys(forms) if len(f) >= _MIN_KEY and f != name]


def town_stem(name: str) -> str:
    """`陇田镇` → `陇田`, `牛街彝族乡` → `牛街`; "" if nothing of two characters is left."""
    for suffix in ("民族乡", "族乡", "街道", "苏木", "镇", "乡"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if suffix == "族乡":
                stem = strip_nationalities(stem + "族")
            return stem if len(stem) >= _MIN_KEY else ""
    return ""


def key_hash(key: str) -> int:
    """Polynomial hash of the code points modulo 2**64 (Python's `hash` of a str changes
    with every process); `_key_hashes` computes the same for every key of the table at once."""
    h = 0
    for ch in key:
        h = (h * _P + ord(ch)) & _MASK
    return h


_P = 1_000_003
_MASK = (1 << 64) - 1


# ----------------------------------------------------------------------------- build


def _read_table(path: Path) -> Iterator[Dict[str, str]]:
    if not path.exists():
        raise FileNotFoundError(f"gazetteer table missing: {path}")
    with path.open(encoding="utf-8", newline="") as f:
        for lineno, row in enumerate(csv.DictReader(f), 2):
            code, name = (row.get("code") or "").strip(), (row.get("name") or "").strip()
            if not code.isdigit() or not name:
                raise ValueError(f"{path}:{lineno}: expected a numeric code and a name, got {row}")
            yield {"code": code, "name": name}


def iter_source(source: Path) -> Iterator[Division]:
    """Every division of the NBS tables of `china-division`, in any order."""
    tables = (
        ("provinces.csv", "province"),
        ("cities.csv", "city"),
        ("areas.csv", "county"),
        ("streets.csv", "town"),
        ("villages.csv", "village"),
    )
    for filename, level in tables:
        digits = CODE_DIGITS[LEVELS.index(level)]
        path = source / filename
        for row in _read_table(path):
            if len(row["code"]) != digits:
                raise ValueError(f"{path}: code {row['code']} of {row['name']} is not {digits} digits long")
            name = village_name(row["name"]) if level == "village" else row["name"]
            yield Division(row["code"].ljust(12, "0"), name, level)


def read_coordinates(path: Optional[Path]) -> Dict[str, Tuple[float, float]]:
    """12-digit code → (longitude, latitude) from cpca's `adcodes.csv`; {} without a file."""
    if path is None:
        return {}
    if not path.exists():
        raise FileNotFoundError(f"coordinates table missing: {path}")
    out: Dict[str, Tuple[float, float]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for lineno, row in enumerate(csv.DictReader(f), 2):
            try:
                if not row["longitude"] and not row["latitude"]:
                    continue  # `市辖区` rows have none
                out[row["adcode"].strip()] = (float(row["longitude"]), float(row["latitude"]))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise ValueError(f"{path}:{lineno}: expected adcode,name,longitude,latitude") from None
    return out


def build_divisions(source: Path, coordinates: Optional[Path] = None, out: Path = DIVISIONS_RESOURCE) -> Dict[str, int]:
    """Compile the division table; returns the number of divisions per level and of keys.

    A code that the tables give twice (a city without counties repeated as its own county,
    `东莞市`; `金门县` repeated as its town and village) is one division, of the higher level."""
    rows: Dict[str, Division] = {}
    for d in iter_source(source):
        rows.setdefault(d.code, d)
    coords = read_coordinates(coordinates)
    for code, name in _EXTRA_PROVINCES.items():
        if coords and code not in coords:
            continue  # a coordinates table without them: the NBS tables alone
        rows.setdefault(code, Division(code, name, "province"))
    divisions = [rows[c] for c in sorted(rows)]
    index = {d.code: i for i, d in enumerate(divisions)}
    parents_of = [_parent_index(d, index) if d.level != "province" else -1 for d in divisions]
    codes = [int(d.code) for d in divisions]
    shorts: List[str] = []
    short_owners: List[int] = []
    short_kinds: List[int] = []
    ancestors_short: Dict[str, set] = {}  # code -> the short forms of the division and its ancestors
    for i, d in enumerate(divisions):
        parent = parents_of[i]
        above = ancestors_short.get(divisions[parent].code, set()) if parent >= 0 else set()
        ancestors_short[d.code] = above | set(short_forms(d.name, d.level))
        if not (d.level == "city" and d.name in PLACEHOLDERS):
            # a county is not written with the short name of its city (`承德` is 承德市, not
            # 承德县; `兰州` is not 兰州新区)
            forms = [(f, SHORT) for f in short_forms(d.name, d.level) if f not in above]
            if d.level == "town" and town_stem(d.name):
                forms.append((town_stem(d.name), STEM))
            for form, kind in forms:
                shorts.append(form)
                short_owners.append(i)
                short_kinds.append(kind)
    owner: Dict[int, str] = {}
    for i, text in enumerate([d.name for d in divisions] + shorts):
        if "\n" in text:
            raise ValueError(f"a name holds a line break: {text!r}")
        if i < len(divisions) and divisions[i].level == "city" and text in PLACEHOLDERS:
            continue
        # the loader compares a hit with one key only (`Divisions._entries`)
        if owner.setdefault(key_hash(text), text) != text:
            raise ValueError(f"the keys {owner[key_hash(text)]!r} and {text!r} have the same hash")
    coord_index, coord_values = array.array("i"), array.array("f")
    for i, d in enumerate(divisions):
        if d.code in coords:
            coord_index.append(i)
            coord_values.extend(coords[d.code])
    # Sorted codes and the distance to the parent are small numbers that compress to almost
    # nothing; the loader adds them up again.
    sections = [
        ("code_steps", array.array("q", [codes[0]] + [b - a for a, b in zip(codes, codes[1:])])),
        ("levels", array.array("b", (LEVELS.index(d.level) for d in divisions))),
        ("parent_steps", array.array("I", (i - p if p >= 0 else 0 for i, p in enumerate(parents_of)))),
        ("short_owners", array.array("i", short_owners)),
        ("short_kinds", array.array("b", short_kinds)),
        ("coord_index", coord_index),
        ("coord_values", coord_values),
    ]
    blobs = ["\n".join(d.name for d in divisions).encode("utf-8"), "\n".join(shorts).encode("utf-8")]
    counts: Dict[str, int] = {level: 0 for level in LEVELS}
    for d in divisions:
        counts[d.level] += 1
    counts["short forms"] = short_kinds.count(SHORT)
    counts["town stems"] = short_kinds.count(STEM)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "counts": counts,
        "blobs": [len(b) for b in blobs],
        "sections": [[name, arr.typecode, len(arr)] for name, arr in sections],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    # No name and mtime=0 in the gzip header: rebuilds of the same tables are byte-identical.
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
        for blob in blobs:
            gz.write(blob)
        for _, arr in sections:
            gz.write(_little_endian(arr).tobytes())
    tmp.replace(out)
    return counts


def _parent_index(d: Division, index: Dict[str, int]) -> int:
    depth = LEVELS.index(d.level)
    for digits in reversed(CODE_DIGITS[:depth]):
        parent = d.code[:digits].ljust(12, "0")
        if parent in index:
            return index[parent]
    raise ValueError(f"{d.name} ({d.code}) has no parent in the tables")


def _little_endian(arr: array.array) -> array.array:
    if sys.byteorder == "big" and arr.itemsize > 1:
        arr = array.array(arr.typecode, arr)
        arr.byteswap()
    return arr


# ------------------------------------------------------------------------------ load


def _key_hashes(code_points, starts, ends):
    """`key_hash` of every key text[starts[k]:ends[k]] of one text given as code points,
    vectorised over the keys one character position at a time (keys are short); numpy's
    uint64 arithmetic wraps modulo 2**64 as `key_hash` does."""
    import numpy

    lengths = ends - starts
    hashes = numpy.zeros(len(starts), dtype=numpy.uint64)
    p = numpy.uint64(_P)
    live = numpy.arange(len(starts))
    for j in range(int(lengths.max()) if len(lengths) else 0):
        live = live[lengths[live] > j]
        hashes[live] = hashes[live] * p + code_points[starts[live] + j].astype(numpy.uint64)
    return hashes


def _return_freed_memory() -> None:
    """Loading frees some 90 MB of temporary arrays that glibc keeps in the heap, where they
    count as resident memory of the process (and of every worker forked from it): give them
    back to the system."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do


class _Keys:
    """The lines of a text of names: their bounds, hashes, first two characters, lengths."""

    def __init__(self, text: str) -> None:
        import numpy

        points = numpy.frombuffer(text.encode("utf-32-le"), dtype="<u4") if text else numpy.zeros(0, "<u4")
        breaks = numpy.flatnonzero(points == 10)
        self.starts = numpy.concatenate(([0], breaks + 1)).astype(numpy.int64) if text else breaks
        self.ends = numpy.concatenate((breaks, [len(points)])).astype(numpy.int64) if text else breaks
        self.lengths = self.ends - self.starts
        self.hashes = _key_hashes(points, self.starts, self.ends)
        # keys have two characters at least (`_MIN_KEY`)
        self.pairs = points[self.starts].astype(numpy.uint64) << numpy.uint64(21) | points[self.starts + 1]

    def bounds(self) -> array.array:
        """start, end of line i at 2i, 2i+1."""
        import numpy

        out = numpy.empty(2 * len(self.starts), dtype=numpy.uint32)
        out[0::2], out[1::2] = self.starts, self.ends
        return _to_array("I", out)


def _to_array(typecode: str, values) -> array.array:
    """A numpy array as an `array.array`, whose items read faster one at a time."""
    import numpy

    out = array.array(typecode)
    dtype = {"q": numpy.int64, "i": numpy.int32, "I": numpy.uint32, "b": numpy.int8, "Q": numpy.uint64}[typecode]
    out.frombytes(memoryview(numpy.ascontiguousarray(values, dtype=dtype)).cast("B"))
    return out


class Divisions:
    """The division table. Divisions are numbered in code order, so that the descendants
    of a division follow it as one run (`subtree`)."""

    def __init__(
        self,
        names: str,
        shorts: str,
        codes: array.array,
        levels: array.array,
        parents: array.array,
        name_bounds: array.array,
        short_bounds: array.array,
        short_owners: array.array,
        short_kinds: array.array,
        key_hashes: array.array,
        key_ids: array.array,
        pair_ids: array.array,
        pair_lengths: array.array,
        coordinates: Dict[int, Tuple[float, float]],
    ) -> None:
        self._names = names
        self._shorts = shorts
        self._codes = codes
        self._levels = levels
        self._parents = parents
        # start, end of name i at 2i, 2i+1
        self._name_bounds = name_bounds
        self._short_bounds = short_bounds
        self._short_owners = short_owners
        self._short_kinds = short_kinds
        self._key_hashes = key_hashes
        # a key id below len(self) is the name of that division, above it a short form
        self._key_ids = key_ids
        # sorted first-two-character pairs of the keys, and for each the lengths of its keys
        # as bits (bit n: a key of n characters)
        self._pair_ids = pair_ids
        self._pair_lengths = pair_lengths
        self._coordinates = coordinates
        self.lookup = lru_cache(maxsize=1 << 16)(self._lookup)
        self.lineage = lru_cache(maxsize=1 << 16)(self._lineage)
        # the placeholder cities of the counties a province governs directly (`省直辖县级行政区划`)
        self.direct_placeholders = frozenset(
            i for i in range(len(codes)) if levels[i] == 1 and self.name(i) in DIRECT_PLACEHOLDERS
        )

    @classmethod
    def from_file(cls, path: Path = DIVISIONS_RESOURCE) -> "Divisions":
        import numpy

        if not path.exists():
            raise FileNotFoundError(f"division table not found at {path}; build it with `relief-ner gazetteer build`")
        # read piece by piece, each array once, without the whole file in memory
        with gzip.open(path, "rb") as f:
            header = json.loads(f.readline())
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                raise ValueError(
                    f"{path}: not a division table of version {VERSION}; rebuild it with `relief-ner gazetteer build`"
                )
            names, shorts = (f.read(size).decode("utf-8") for size in header["blobs"])
            arrays = {}
            for name, typecode, length in header["sections"]:
                dtype = numpy.dtype({"q": "<i8", "b": "i1", "I": "<u4", "i": "<i4", "f": "<f4"}[typecode])
                arrays[name] = numpy.frombuffer(f.read(dtype.itemsize * length), dtype=dtype)
        codes = numpy.cumsum(arrays["code_steps"], dtype=numpy.int64)
        levels = arrays["levels"]
        n = len(codes)
        parents = numpy.arange(n, dtype=numpy.int32) - arrays["parent_steps"].astype(numpy.int32)
        parents[levels == 0] = -1
        owners = arrays["short_owners"].astype(numpy.int64)

        name_keys = _Keys(names)
        # divisions without a key: the placeholder cities and the rows named by a level word
        unkeyed = lambda words: numpy.array([key_hash(w) for w in words], dtype=numpy.uint64)  # noqa: E731
        keyed = ~(
            (numpy.isin(name_keys.hashes, unkeyed(PLACEHOLDERS)) & (levels == 1))
            | numpy.isin(name_keys.hashes, unkeyed(GENERIC_NAMES))
        )
        short_keys = _Keys(shorts)
        hashes = numpy.concatenate((name_keys.hashes[keyed], short_keys.hashes))
        key_ids = numpy.concatenate((numpy.flatnonzero(keyed), numpy.arange(len(owners)) + n))
        owner_of = numpy.concatenate((numpy.flatnonzero(keyed), owners))
        # a key's divisions in code order
        order = numpy.lexsort((owner_of, hashes))
        # the longest key starting with each pair of characters bounds the look-ups in text
        pairs = numpy.concatenate((name_keys.pairs[keyed], short_keys.pairs))
        lengths = numpy.concatenate((name_keys.lengths[keyed], short_keys.lengths))
        pair_order = numpy.argsort(pairs, kind="stable")
        pairs = pairs[pair_order]
        length_bits = numpy.left_shift(numpy.uint64(1), numpy.minimum(lengths[pair_order], 63).astype(numpy.uint64))
        first = numpy.flatnonzero(numpy.insert(pairs[1:] != pairs[:-1], 0, True))
        length_bits = numpy.bitwise_or.reduceat(length_bits, first)
        values = arrays["coord_values"]
        coordinates = {
            int(i): (round(float(values[2 * k]), 6), round(float(values[2 * k + 1]), 6))
            for k, i in enumerate(arrays["coord_index"])
        }
        table = cls(
            names,
            shorts,
            _to_array("q", codes),
            _to_array("b", levels),
            _to_array("i", parents),
            name_keys.bounds(),
            short_keys.bounds(),
            _to_array("i", owners),
            _to_array("b", arrays["short_kinds"]),
            _to_array("Q", hashes[order]),
            _to_array("i", key_ids[order]),
            _to_array("Q", pairs[first]),
            _to_array("Q", length_bits),
            coordinates,
        )
        del name_keys, short_keys, arrays, hashes, key_ids, owner_of, order, pairs, lengths, length_bits
        _return_freed_memory()
        return table

    def __len__(self) -> int:
        return len(self._codes)

    # a division
    def name(self, i: int) -> str:
        return self._names[self._name_bounds[2 * i] : self._name_bounds[2 * i + 1]]

    def code(self, i: int) -> str:
        return f"{self._codes[i]:012d}"

    def level(self, i: int) -> str:
        return LEVELS[self._levels[i]]

    def depth(self, i: int) -> int:
        """0 for a province … 4 for a village."""
        return self._levels[i]

    def parent(self, i: int) -> int:
        """The parent's index, -1 for a province."""
        return self._parents[i]

    def coordinates(self, i: int) -> Optional[Tuple[float, float]]:
        """(longitude, latitude) of county-level and higher divisions."""
        return self._coordinates.get(i)

    def _lineage(self, i: int) -> Tuple[int, ...]:
        """The division and its ancestors, the province first (`lineage`, cached)."""
        out = []
        while i >= 0:
            out.append(i)
            i = self._parents[i]
        return tuple(reversed(out))

    def subtree(self, i: int) -> range:
        """The indices of all descendants of `i`."""
        span = 10 ** (12 - CODE_DIGITS[self._levels[i]])
        end = bisect.bisect_left(self._codes, self._codes[i] + span, i + 1)
        return range(i + 1, end)

    def is_within(self, i: int, ancestor: int) -> bool:
        """True if `i` is `ancestor` or one of its descendants."""
        while i > ancestor:
            i = self._parents[i]
        return i == ancestor

    def index_of(self, code: str) -> Optional[int]:
        """The division with this code (12 digits, or the 2/4/6/9 digits a level owns)."""
        if not code.isdigit() or len(code) > 12:
            return None
        value = int(code.ljust(12, "0"))
        i = bisect.bisect_left(self._codes, value)
        return i if i < len(self._codes) and self._codes[i] == value else None

    # names
    def _key_text(self, key_id: int) -> str:
        n = len(self._codes)
        if key_id < n:
            return self.name(key_id)
        k = key_id - n
        return self._shorts[self._short_bounds[2 * k] : self._short_bounds[2 * k + 1]]

    def _lookup(self, key: str) -> Tuple[Tuple[int, int], ...]:
        """(division, FULL/SHORT/STEM) for every division written `key`, in code order."""
        if len(key) < _MIN_KEY:
            return ()
        return self._entries(key_hash(key), key)

    def _entries(self, h: int, key: str) -> Tuple[Tuple[int, int], ...]:
        hashes, ids, n = self._key_hashes, self._key_ids, len(self._codes)
        j = bisect.bisect_left(hashes, h)
        # The build makes sure that no two keys of the table share a hash, so one comparison
        # tells a key of the table from text that only has its hash.
        if j == len(hashes) or hashes[j] != h or self._key_text(ids[j]) != key:
            return ()
        out = []
        while j < len(hashes) and hashes[j] == h:
            key_id = ids[j]
            out.append(
                (key_id, FULL) if key_id < n else (self._short_owners[key_id - n], self._short_kinds[key_id - n])
            )
            j += 1
        return tuple(out)

    def keys_at(self, text: str, start: int, max_length: int = 24) -> List[Tuple[int, Tuple[Tuple[int, int], ...]]]:
        """(end, lookup(text[start:end])) for every key that starts at `start`, the longest
        first. The hash of each longer key extends the previous one, and only the lengths of
        keys that start with the same two characters are looked up."""
        if start + _MIN_KEY > len(text):
            return []
        pair = ord(text[start]) << 21 | ord(text[start + 1])
        k = bisect.bisect_left(self._pair_ids, pair)
        if k == len(self._pair_ids) or self._pair_ids[k] != pair:
            return []
        lengths = self._pair_lengths[k]
        stop = min(len(text), start + max_length, start + lengths.bit_length() - 1)
        hashes = self._key_hashes
        found = []
        h = 0
        for end in range(start, stop):
            h = (h * _P + ord(text[end])) & _MASK
            if lengths >> (end + 1 - start) & 1:
                j = bisect.bisect_left(hashes, h)
                if j < len(hashes) and hashes[j] == h:
                    entries = self.lookup(text[start : end + 1])  # cached: names recur
                    if entries:
                        found.append((end + 1, entries))
        return found[::-1]

    def divisions(self, key: str) -> List[int]:
        """The divisions named or short-named `key` (not by a town's stem)."""
        return [i for i, form in self.lookup(key) if form != STEM]


@lru_cache(maxsize=2)
def default_divisions(path: str = str(DIVISIONS_RESOURCE)) -> Divisions:
    """The packaged table, read once per process."""
    return Divisions.from_file(Path(path))
