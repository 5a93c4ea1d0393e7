"""Publication dates: from the input's metadata, the report's dateline, or its URL.

The rule, first that applies:

1. `metadata`: the input's `published` field (RSS/Atom entries, JSONL), else `date` (HTML
   pages: trafilatura's reading of the page's metadata; JSONL) or `pubDate`. Source `feed`
   for feed entries, else `metadata`.
2. `dateline`: the report's dateline in its first `HEAD_CHARS` characters, such as
   `…贺州10月31日电`, `本报7月3日讯`, `2022年6月2日讯`.
3. `timestamp`: a date with a time near the top (`2022-06-02 09:17`, `2016/8/17 10:04`,
   `2022年8月4日16:47`).
4. `url`: a date in the source URL (`/2019-11/20/`, `/2017/12/27/`, `/t20191120_`,
   `/201911/20/`).
5. `text`: a full date (`2019年11月20日`) in the first `HEAD_CHARS` characters, else a month
   and day that open a clause there (`6月13日，…`, `5月10日上午`): the day the report is
   about, which news reports publish within days.

A dateline (or a clause-opening date) without a year takes the year from, in order: a date in the URL, another full
date in the first `HEAD_CHARS` characters, the latest year the text names as `20xx年`
(not after the reference date's year, and not a target such as `到2025年`), else the
reference date (the day the document is read) — the year in which that month and day
is not in the future. `year_from` says which (`explicit` when the date had its own year).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Tuple

from ..datelines import DATELINE_DATE, NUMBER

# Datelines and header timestamps sit before the body; later dates are about events.
HEAD_CHARS = 300
# Earlier dates are placeholders (pages that print 1970-01-01), not publication dates.
MIN_YEAR = 1980
METADATA_FIELDS = ("published", "date", "pubDate")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_NUMBERS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_CN_NUMBERS["零"] = 0

_NUM = NUMBER
_DATELINE = DATELINE_DATE
_TIMESTAMP = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?::\d{2})?(?!\d)"
)
_FULL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*(?:年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日"
    r"|[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})(?!\d))"
)
_LEAD_DATE = re.compile(rf"(?<![\d年])(?P<m>{_NUM})月(?P<d>{_NUM})日(?=[，,\s]|上午|下午|晚|凌晨|早|中午)")
# Dates in URLs: /2019-11/20/, /2017/12/27/, /2019-11-20/, t20191120_, /20191120/, /201911/20/
_URL_DATES = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/_]?(?P<m>0[1-9]|1[0-2])[-/_]?/?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/](?P<m>[1-9]|1[0-2])[-/](?P<d>[1-9]|[12]\d|3[01])(?!\d)"),
)
_URL_YEAR_MONTH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/_]?(?P<m>0[1-9]|1[0-2])(?!\d)|/(?P<y2>(?:19|20)\d\d)/")
# `到2025年` and the like name targets, not the present.
_YEAR_MENTION = re.compile(r"(?<!到|至|争|划|计|预|标|\d)(?P<y>(?:19|20)\d\d)年")


@dataclass(frozen=True)
class PublicationDate:
    date: dt.date
    source: str  # metadata, feed, dateline, timestamp, url, text
    evidence: str  # the metadata value, the URL, or the characters read in the text
    year_from: str = "explicit"  # explicit, url, text, reference
    time: Optional[str] = None  # "HH:MM" when the source gives it
    start: Optional[int] = None  # offsets of the evidence in the text (dateline, timestamp, text)
    end: Optional[int] = None


def publication_date(
    text: str,
    extra: Optional[Mapping[str, Any]] = None,
    source_url: Optional[str] = None,
    reference: Optional[dt.date] = None,
) -> Optional[PublicationDate]:
    """The publication date of a document by the rule in the module docstring, or None."""
    extra = extra or {}
    reference = reference or dt.date.today()
    for key in METADATA_FIELDS:
        value = extra.get(key)
        if isinstance(value, str) and value.strip():
            parsed = parse_date_string(value)
            if parsed is not None:
                day, time = parsed
                return PublicationDate(
                    day, "feed" if "feed" in extra else "metadata", f"{key}={value.strip()}", time=time
                )
    head = text[:HEAD_CHARS].translate(_FULLWIDTH_DIGITS)
    url_date = date_in_url(source_url) if source_url else None
    for m in _DATELINE.finditer(head):
        month, day = _number(m.group("m")), _number(m.group("d"))
        if m.group("y"):
            found = _date(int(m.group("y")), month, day)
            if found:
                return PublicationDate(found, "dateline", m.group(0), start=m.start(), end=m.end())
            continue
        year, year_from = _infer_year(month, day, text, head, source_url, reference)
        found = _date(year, month, day) if year else None
        if found:
            return PublicationDate(found, "dateline", m.group(0), year_from=year_from, start=m.start(), end=m.end())
    for m in _TIMESTAMP.finditer(head):
        found = _date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        hour, minute = int(m.group("H")), int(m.group("M"))
        if found and hour < 24 and minute < 60:
            return PublicationDate(
                found, "timestamp", m.group(0), time=f"{hour:02d}:{minute:02d}", start=m.start(), end=m.end()
            )
    if url_date is not None:
        return PublicationDate(url_date, "url", source_url or "")
    for m, found in _full_dates(head):
        return PublicationDate(found, "text", m.group(0), start=m.start(), end=m.end())
    for m in _LEAD_DATE.finditer(head):
        month, day = _number(m.group("m")), _number(m.group("d"))
        year, year_from = _infer_year(month, day, text, head, source_url, reference)
        found = _date(year, month, day) if year else None
        # Unlike a dateline, an event date alone is no sign that the report is recent.
        if found and year_from != "reference":
            return PublicationDate(found, "text", m.group(0), year_from=year_from, start=m.start(), end=m.end())
    return None


def parse_date_string(value: str) -> Optional[Tuple[dt.date, Optional[str]]]:
    """(date, "HH:MM" or None) of a metadata value: ISO 8601, RFC 822 (RSS), or Chinese
    (`2022年6月2日 09:17`, `2022/6/2`). The date is the one written, in its own time zone."""
    value = value.strip().translate(_FULLWIDTH_DIGITS)
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if stamp.year >= MIN_YEAR:
            return stamp.date(), (f"{stamp.hour:02d}:{stamp.minute:02d}" if "T" in value or " " in value else None)
        return None
    except ValueError:
        pass
    try:
        stamp = email.utils.parsedate_to_datetime(value)
        return (stamp.date(), f"{stamp.hour:02d}:{stamp.minute:02d}") if stamp.year >= MIN_YEAR else None
    except (TypeError, ValueError, IndexError):
        pass
    m = _TIMESTAMP.search(value)
    if m:
        found = _date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if found:
            return found, f"{int(m.group('H')):02d}:{m.group('M')}"
    for m, found in _full_dates(value):
        return found, None
    return None


def date_in_url(url: str) -> Optional[dt.date]:
    """The date an URL's path carries, if any (news sites put it there)."""
    path = url.split("://", 1)[-1]
    path = path.split("/", 1)[1] if "/" in path else ""
    for pattern in _URL_DATES:
        for m in pattern.finditer(path):
            found = _date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            if found:
                return found
    return None


def _url_year(url: Optional[str]) -> Optional[int]:
    if not url:
        return None
    found = date_in_url(url)
    if found:
        return found.year
    path = url.split("://", 1)[-1]
    m = _URL_YEAR_MONTH.search(path.split("/", 1)[1] if "/" in path else "")
    return int(m.group("y") or m.group("y2")) if m else None


def _infer_year(
    month: int, day: int, text: str, head: str, url: Optional[str], reference: dt.date
) -> Tuple[Optional[int], str]:
    year = _url_year(url)
    if year:
        return year, "url"
    for _, found in _full_dates(head):
        return found.year, "text"
    years = [int(m.group("y")) for m in _YEAR_MENTION.finditer(text.translate(_FULLWIDTH_DIGITS))]
    years = [y for y in years if y <= reference.year]
    if years:
        return max(years), "text"
    year = reference.year
    candidate = _date(year, month, day)
    if candidate is None or candidate > reference:
        year -= 1
    return year, "reference"


def _full_dates(text: str) -> Iterator[Tuple[re.Match, dt.date]]:
    for m in _FULL_DATE.finditer(text):
        month = m.group("m1") or m.group("m2")
        day = m.group("d1") or m.group("d2")
        found = _date(int(m.group("y")), int(month), int(day))
        if found:
            yield m, found


def _number(raw: str) -> int:
    """`10`, `十`, `十二`, `二十一`, `三十` → int."""
    if raw.isdigit():
        return int(raw)
    if "十" not in raw:
        return _CN_NUMBERS.get(raw, 0)
    tens, _, units = raw.partition("十")
    return (_CN_NUMBERS.get(tens, 0) if tens else 1) * 10 + (_CN_NUMBERS.get(units, 0) if units else 0)


def _date(year: int, month: int, day: int) -> Optional[dt.date]:
    if year < MIN_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
