"""Inputs (HTML, RSS/Atom files and URLs, JSONL) and outputs (CSV, Parquet) through the CLI."""

import csv
import http.server
import json
import threading

import pytest
from typer.testing import CliRunner

from relief_ner.batch.html import fragment_text
from relief_ner.commands import app

SENT = "浙江某某集团投资30万元为明东村修建道路。"
RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>乡村振兴</title>
<item><guid>n-1</guid><title>某集团捐资修路</title><link>http://example.org/n1</link>
<description>&lt;p&gt;{SENT}&lt;/p&gt;&lt;p&gt;当地群众表示感谢。&lt;/p&gt;</description>
<pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate></item>
<item><guid>n-2</guid><title>无关新闻</title><description>天气晴好。</description></item>
</channel></rss>"""
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-11-02T00:00:00Z</updated>
<entry><id>urn:a1</id><title>帮扶</title><updated>2026-11-02T00:00:00Z</updated>
<content type="html">&lt;div&gt;{SENT}&lt;/div&gt;</content></entry></feed>"""
PAGE = f"""<html><head><meta charset="gbk"><title>捐赠新闻</title>
<link rel="canonical" href="http://example.org/page"></head><body>
<div class="nav">首页 | 新闻中心 | 联系我们</div>
<article><h1>浙江某某集团助力乡村振兴</h1><p>{SENT}</p>
<p>该项目预计年内完工并交付使用，当地干部群众对此表示衷心感谢。</p></article>
<footer>版权所有 2026</footer></body></html>"""


def run(args, input=None):
    return CliRunner().invoke(app, ["extract", *args, "-m", "rules"], input=input)


def rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fragment_text_keeps_blocks_as_lines():
    assert fragment_text("<p>甲。</p><p>乙<b>丙</b></p><script>x()</script>&amp;") == "甲。\n乙丙\n&"


def test_html_folder_is_reduced_to_article_text(tmp_path):
    pytest.importorskip("trafilatura")
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "p1.html").write_bytes(PAGE.encode("gbk"))
    (folder / "empty.html").write_text("<html><body></body></html>", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = run([str(folder), "-o", str(out)])
    assert result.exit_code == 1 and "empty.html: no article text" in result.output
    (row,) = rows(out)
    assert row["id"] == "p1" and row["source"] == "http://example.org/page"
    assert SENT in row["text"] and "版权所有" not in row["text"]
    money = [e for e in row["entities"] if e["label"] == "MONEY"][0]
    assert row["text"][money["start"] : money["end"]] == "30万元"


def test_rss_and_atom_files(tmp_path):
    pytest.importorskip("feedparser")
    (tmp_path / "news.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "news.atom").write_text(ATOM, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = run([str(tmp_path / "news.rss"), str(tmp_path / "news.atom"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = {r["id"]: r for r in rows(out)}
    assert list(got) == ["n-1", "n-2", "urn:a1"]
    first = got["n-1"]
    assert first["text"] == f"某集团捐资修路\n{SENT}\n当地群众表示感谢。"
    assert first["source"] == "http://example.org/n1" and first["title"] == "某集团捐资修路"
    assert first["records"][0]["money"][0]["value"] == 300000.0
    assert got["urn:a1"]["records"] and got["n-2"]["records"] == []


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = RSS.encode("utf-8")
        self.send_response(200 if self.path == "/feed.xml" else 404)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_feed_url_on_loopback_and_unreachable(tmp_path):
    pytest.importorskip("feedparser")
    server = http.server.HTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        out = tmp_path / "o.jsonl"
        result = run([f"{base}/feed.xml", f"{base}/missing.xml", "-o", str(out)])
        assert [r["id"] for r in rows(out)] == ["n-1", "n-2"]
        assert rows(out)[0]["feed"] == f"{base}/feed.xml"
        assert result.exit_code == 1 and "missing.xml: cannot fetch feed: HTTP 404" in result.output
    finally:
        server.shutdown()
        server.server_close()
    # a closed port: refused at once, with a message that says what to do
    result = run([f"http://127.0.0.1:{server.server_address[1]}/feed.xml", "-o", str(tmp_path / "p.jsonl")])
    assert result.exit_code == 1 and "cannot fetch feed" in result.output and "network" in result.output


def test_jsonl_line_in_another_encoding_costs_that_line(tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(
        json.dumps({"id": "a", "text": SENT}, ensure_ascii=False).encode("utf-8")
        + b"\n"
        + json.dumps({"id": "b", "text": SENT}, ensure_ascii=False).encode("gbk")
        + b"\n"
        + json.dumps({"id": "c", "text": SENT}, ensure_ascii=False).encode("utf-8")
        + b"\n"
    )
    out = tmp_path / "o.jsonl"
    result = run([str(src), "-o", str(out)])
    assert result.exit_code == 1 and f"{src}:2: not UTF-8" in result.output
    assert [r["id"] for r in rows(out)] == ["a", "c"]
    errors = [json.loads(l) for l in (tmp_path / "o.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert errors == [{"id": f"{src}:2", "where": f"{src}:2", "reason": errors[0]["reason"]}]


def test_csv_and_parquet_outputs_agree(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            json.dumps({"id": f"d{i}", "text": SENT * (i % 3), "site": "x"}, ensure_ascii=False) for i in range(7)
        )
        + "\n",
        encoding="utf-8",
    )
    assert run([str(src), "-o", str(tmp_path / "o.csv"), "--batch-size", "2"]).exit_code == 0
    assert run([str(src), "-o", str(tmp_path / "o.parquet"), "--batch-size", "2"]).exit_code == 0
    with (tmp_path / "o.csv").open(encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    table = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert [r["doc_id"] for r in csv_rows] == [r["doc_id"] for r in table]
    # d0, d3, d6 have no text: one row each with no record; the others one row per record
    assert [r["doc_id"] for r in csv_rows] == ["d0", "d1", "d2", "d2", "d3", "d4", "d5", "d5", "d6"]
    assert csv_rows[0]["record_index"] == "" and table[0]["record_index"] is None
    d2 = [r for r in table if r["doc_id"] == "d2"]
    assert [r["record_index"] for r in d2] == [0, 1]
    assert d2[1]["sentence_start"] == len(SENT) and d2[1]["sentence"] == SENT
    assert d2[1]["money_cny"] == 300000.0 and d2[1]["providers"] == "浙江某某集团"
    assert json.loads(d2[0]["extra_json"]) == {"site": "x"}
    # the format option wins over the suffix; CSV goes to stdout too
    result = CliRunner().invoke(app, ["extract", "-", "-m", "rules", "-f", "csv", "-q"], input=SENT)
    assert result.stdout.splitlines()[0].startswith("doc_id,doc_records,record_index")
