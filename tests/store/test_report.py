"""`relief-ner report`: the aggregated tables (CSV, Parquet) count each event once, and the
HTML page is one self-contained file whose data match those tables. The texts are
invented; the page in a real browser is tested in test_report_browser.py."""

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from relief_ner.commands import app

DOCS = [
    {
        "id": "a",
        "text": "浙江某某集团向明东村捐赠30万元，用于修建道路。",
        "published": "2026-11-02",
        "source": "http://example.org/a",
    },
    {
        "id": "b",
        "text": "据了解，浙江某某集团向明东村捐赠了30万元。",
        "published": "2026-11-04",
        "source": "http://example.org/b",
    },
    {
        "id": "c",
        "text": "江苏恒达实业有限公司向明东村捐赠50万元，帮助20户困难群众。",
        "published": "2026-11-03",
        "source": "http://example.org/c",
    },
    {
        "id": "d",
        "text": "浙江某某集团向明东村捐赠30万元，用于修建道路。",
        "published": "2026-12-20",
        "source": "http://example.org/d",
    },
    {"id": "e", "text": "县农业农村局投入资金200万元，在明东村新建高标准农田300亩。", "source": "http://example.org/e"},
    # text that would end the page's script element if it were inlined as it is
    {
        "id": "x",
        "text": "广东某某公司向明东村捐赠10万元（</script><script>window.injected=1</script>）。",
        "published": "2025-01-05",
    },
]


def build_db(db, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOCS), encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(feed), "--db", db, "-m", "rules", "-q"])
    assert result.exit_code == 0, result.output
    return db


def report(*args):
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == 0, result.output
    return result


def test_aggregated_tables_count_each_event_once(db_url, tmp_path):
    build_db(db_url, tmp_path)
    out = tmp_path / "tables"
    report(db_url, "-o", str(out), "--format", "csv")
    tables = {p.stem: pd.read_csv(p) for p in out.glob("*.csv")}
    assert set(tables) == {"flows", "months", "years", "providers", "recipients", "measure_words", "areas", "events"}
    events = tables["events"]
    assert len(events) == 5  # a and b are one story
    months = tables["months"].set_index("month")
    assert months.loc["2026-11", "events"] == 2 and months.loc["2026-11", "records"] == 3
    assert months.loc["2026-11", "money_cny"] == 300000 + 500000
    assert tables["years"].set_index("year").loc[2026, "money_cny"] == 300000 + 500000 + 300000
    providers = tables["providers"].set_index("provider")
    assert providers.loc["浙江某某集团", "events"] == 2 and providers.loc["浙江某某集团", "money_cny"] == 600000
    assert providers.loc["浙江某某集团", "provider_region"] == "浙江"
    words = tables["measure_words"].set_index("unit")
    assert (words.loc["户", "events"], words.loc["户", "total"]) == (1, 20)
    areas = tables["areas"]
    assert areas["area_mu"].sum() == pytest.approx(300)
    flows = tables["flows"].set_index(["provider_region", "recipient_region"])
    assert flows.xs("江苏", level="provider_region")["money_cny"].sum() == 500000
    merged = events[events["n_documents"] == 2].iloc[0]
    assert merged["source_urls"] == "http://example.org/a http://example.org/b"

    parquet = tmp_path / "parquet"
    report(db_url, "-o", str(parquet), "-f", "parquet")
    assert pd.read_parquet(parquet / "providers.parquet").equals(
        pd.read_csv(out / "providers.csv").astype(pd.read_parquet(parquet / "providers.parquet").dtypes.to_dict())
    )


def _payload(html):
    raw = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw)


def test_the_page_is_self_contained_and_carries_the_events(tmp_path):
    db = build_db(str(tmp_path / "records.sqlite"), tmp_path)
    page = tmp_path / "report.html"
    report(db, "-o", str(page), "--title", "Test <report>")
    html = page.read_text(encoding="utf-8")
    assert "<title>Test &lt;report&gt;</title>" in html
    # nothing is fetched: no external scripts, styles, fonts or images
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['\"]?https?:", html)
    assert "plotly.js v" in html
    # the hostile text stays inside the data: three script elements, none injected
    assert len(re.findall(r"<script\b", html)) == 3 and "window.injected=1</script>" not in html
    data = _payload(html)
    events = data["events"]
    assert len(events["id"]) == 5
    merged = [i for i, n in enumerate(events["ndoc"]) if n == 2]
    assert len(merged) == 1
    i = merged[0]
    sources = range(events["src"][i], events["src"][i] + events["nsrc"][i])
    assert [data["urls"][data["evidence"]["url"][k]] for k in sources] == [
        "http://example.org/a",
        "http://example.org/b",
    ]
    assert any("</script><script>window.injected=1</script>" in s for s in data["evidence"]["sent"])
    assert sum(m for m in events["money"] if m) == 300000 + 500000 + 300000 + 2000000 + 100000
    assert data["rule"] == {"max_days": 7}
