"""The report page: one HTML file that works offline. plotly.js (from the installed `plotly`
package), the page's script and style and the data are all inlined; nothing is fetched.

The data travel as columns with repeated strings replaced by indices into string tables, so
that 100,000 records stay a few megabytes; the page's script filters and aggregates them
in the browser (date range, provider and recipient region) and links every total to the
evidence: the events it counts, each with the sentences and source URLs of its records.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from importlib import resources
from typing import Any, Dict, List, Optional, Tuple

import pandas as pd

from .data import ReportData

_EPOCH = pd.Timestamp("1970-01-01")


def render(
    data: ReportData,
    *,
    title: str,
    source: str,
    rule: Optional[Dict[str, Any]] = None,
    generated: Optional[dt.datetime] = None,
) -> str:
    generated = generated or dt.datetime.now().replace(microsecond=0)
    payload = build_payload(data, title=title, source=source, rule=rule or {}, generated=generated)
    template = _asset("template.html")
    parts = {
        "{{title}}": _escape_html(title),
        "{{style}}": _asset("report.css"),
        "{{plotly}}": _script_safe(_plotly_js()),
        # `<` only occurs inside JSON strings, where \u003c means the same
        "{{data}}": json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
            "<", "\\u003c"
        ),
        "{{script}}": _script_safe(_asset("report.js")),
    }
    # One pass, so that no inlined part is searched for the others' placeholders.
    out: List[str] = []
    rest = template
    while True:
        hits = [(rest.find(k), k) for k in parts if rest.find(k) >= 0]
        if not hits:
            out.append(rest)
            return "".join(out)
        pos, key = min(hits)
        out.append(rest[:pos])
        out.append(parts[key])
        rest = rest[pos + len(key) :]


def build_payload(
    data: ReportData, *, title: str, source: str, rule: Dict[str, Any], generated: dt.datetime
) -> Dict[str, Any]:
    ev = data.events
    evidence = data.evidence
    event_ids = ev["event_id"].tolist()
    months = sorted(m for m in ev["month"].dropna().unique())
    month_index = {m: i for i, m in enumerate(months)}
    regions, (pr, rr) = _factorize(ev["provider_region_label"], ev["recipient_region_label"])
    parties, (p, r) = _factorize(ev["provider"], ev["recipient"])
    units, (unit_codes,) = _factorize(data.counts["unit"])
    docs, (doc_codes,) = _factorize(evidence["doc_id"])
    urls, (url_codes,) = _factorize(evidence["source_url"], missing=True)
    titles, (title_codes,) = _factorize(evidence["title"], missing=True)
    # evidence rows are sorted by event: each event's rows are one slice
    position: Dict[str, int] = {}
    size: Dict[str, int] = {}
    for i, event in enumerate(evidence["event_id"].tolist()):
        if event not in position:
            position[event] = i
        size[event] = size.get(event, 0) + 1
    counts: Dict[str, Tuple[List[int], List[Any]]] = {}
    for event, unit, value in zip(data.counts["event_id"].tolist(), unit_codes, data.counts["value"].tolist()):
        entry = counts.setdefault(event, ([], []))
        entry[0].append(unit)
        entry[1].append(_number(value))
    no_counts: Tuple[List[int], List[Any]] = ([], [])
    events = {
        "id": event_ids,
        "day": _days(ev["first_published"]),
        "month": [month_index[m] if isinstance(m, str) else -1 for m in ev["month"].tolist()],
        "pr": pr,
        "rr": rr,
        "p": p,
        "r": r,
        "money": [_number(v) for v in ev["money_cny"].tolist()],
        "area": [_number(v) for v in ev["area_m2"].tolist()],
        "nrec": [int(v) for v in ev["n_records"].tolist()],
        "ndoc": [int(v) for v in ev["n_documents"].tolist()],
        "cu": [counts.get(e, no_counts)[0] for e in event_ids],
        "cv": [counts.get(e, no_counts)[1] for e in event_ids],
        "src": [position.get(e, 0) for e in event_ids],
        "nsrc": [size.get(e, 0) for e in event_ids],
    }
    proof = {
        "doc": doc_codes,
        "day": _days(evidence["published"]),
        "sent": [s if isinstance(s, str) else "" for s in evidence["sentence"].tolist()],
        "url": url_codes,
        "title": title_codes,
    }
    return {
        "title": title,
        "source": source,
        "generated": generated.isoformat(sep=" "),
        "rule": rule,
        "regions": regions,
        "parties": parties,
        "months": months,
        "units": units,
        "docs": docs,
        "urls": urls,
        "titles": titles,
        "events": events,
        "evidence": proof,
    }


def _factorize(*columns: pd.Series, missing: bool = False) -> Tuple[List[str], List[List[int]]]:
    """One string table for `columns` and each column as indices into it. Missing values
    (None, NaN, "") are -1 with `missing`, else the empty string."""
    joined = pd.concat([c.astype(object) for c in columns], ignore_index=True)
    joined = joined.where(joined.notna() & (joined != ""), None)
    if not missing:
        joined = joined.fillna("")
    codes, uniques = pd.factorize(joined, use_na_sentinel=True)
    codes = codes.tolist()
    out, start = [], 0
    for column in columns:
        out.append(codes[start : start + len(column)])
        start += len(column)
    return [str(u) for u in uniques], out


def _days(values: pd.Series) -> List[int]:
    """Days since 1970-01-01; -1 for no date (what the page's date filters compare)."""
    stamps = pd.to_datetime(values)
    return (stamps - _EPOCH).dt.days.fillna(-1).astype(int).tolist()


def _number(value: Any) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:  # pragma: no cover - depends on the environment
        from ..batch.items import MissingDependency

        raise MissingDependency("the report needs plotly: pip install 'relief_ner[store]'") from None
    return get_plotlyjs()


def _asset(name: str) -> str:
    return resources.files("relief_ner.report").joinpath("assets", name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Script text that cannot end the <script> element it is inlined in. Only `</script`
    and `<!--` matter to the HTML parser; they are refused rather than rewritten, since a
    rewrite could change the meaning of a regular expression in the script."""
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise ValueError("an inlined script contains </script or <!--")
    return text


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
