"""Hostile and unlucky inputs to `relief-ner extract`: nothing is lost silently, every bad
input is an errors-file entry naming where it is, and nothing hangs (docs/BATCH.md,
"Failure modes")."""

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import relief_ner
from relief_ner.batch.engine import process
from relief_ner.batch.feeds import iter_feed_bytes, iter_feed_url
from relief_ner.commands import app
from relief_ner.batch.readers import FetchLimits, InputDoc, InputError, iter_inputs, read_source


def _extract(*args):
    return CliRunner().invoke(app, ["extract", *map(str, args), "-m", "rules", "--batch-size", "8", "-q"])


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _doc_line(i):
    return json.dumps({"id": f"d{i}", "text": f"某公司向明东村捐赠{i + 1}万元。"}, ensure_ascii=False)


# ------------------------------------------------------------------ 1. reader errors


def test_unreadable_jsonl_lines_cost_only_themselves(tmp_path):
    lines = [_doc_line(i) for i in range(300)]
    lines.insert(150, '{"id": "huge", "text": "x", "n": ' + "1" * 5000 + "}")  # ValueError
    lines.insert(151, "[" * 100_000 + "]" * 100_000)  # RecursionError
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _extract(src, "-o", out)
    assert result.exit_code == 1, result.output
    assert [r["id"] for r in _lines(out)] == [f"d{i}" for i in range(300)]
    errors = _lines(tmp_path / "out.errors.jsonl")
    assert [e["where"] for e in errors] == [f"{src}:151", f"{src}:152"]
    assert "2 skipped" in result.output or "2 skipped" in (result.stderr if result.stderr_bytes else "")


def test_a_reader_that_raises_is_an_error_not_the_end_of_the_run(tmp_path):
    def items():
        yield InputDoc("a", "某公司捐赠1万元。")
        raise MemoryError("response too large")

    outcomes = list(process(relief_ner.load("rules"), items()))
    assert [type(o).__name__ for o in outcomes] == ["DocResult", "InputError"]
    assert "MemoryError" in outcomes[1].reason


def test_a_failing_source_costs_only_that_source(tmp_path, monkeypatch):
    import relief_ner.batch.readers as readers

    good = tmp_path / "b.txt"
    good.write_text("某公司捐赠1万元。", encoding="utf-8")
    bad = tmp_path / "a.txt"
    bad.write_text("x", encoding="utf-8")
    real = readers.iter_file

    def flaky(path):
        if path.name == "a.txt":
            raise MemoryError("boom")
        return real(path)

    monkeypatch.setattr(readers, "iter_file", flaky)
    items = list(iter_inputs([str(bad), str(good)]))
    assert isinstance(items[0], InputError) and "MemoryError" in items[0].reason
    assert items[1].id == "b"


# ---------------------------------------------------------------- 3. network input


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            for _ in range(40):  # bounded: 40 bytes over 20 s at most
                try:
                    self.wfile.write(b"<")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.5)
        elif self.path == "/endless":
            self.send_response(200)
            self.end_headers()
            chunk = b"<rss>" + b"x" * 65536
            for _ in range(2000):  # bounded: 128 MB at most
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
        elif self.path == "/ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/feed.xml")
            self.end_headers()


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_trickling_server_hits_the_deadline(server):
    t0 = time.monotonic()
    items = list(iter_feed_url(server + "/trickle", FetchLimits(deadline=2.0)))
    assert time.monotonic() - t0 < 5.0
    assert len(items) == 1 and "not finished after 2 s" in items[0].reason


def test_endless_response_hits_the_size_cap(server):
    t0 = time.monotonic()
    items = list(iter_feed_url(server + "/endless", FetchLimits(deadline=30, max_bytes=2 * 2**20)))
    assert time.monotonic() - t0 < 15.0
    assert len(items) == 1 and "exceeds the limit of 2,097,152 bytes" in items[0].reason


def test_redirect_to_ftp_is_refused(server):
    items = list(iter_feed_url(server + "/ftp", FetchLimits(deadline=5)))
    assert len(items) == 1 and "redirect to a ftp: URL refused" in items[0].reason


def test_extract_options_set_the_url_limits(server, tmp_path):
    t0 = time.monotonic()
    result = _extract(server + "/trickle", "-o", tmp_path / "o.jsonl", "--url-timeout", "1.5")
    assert result.exit_code == 1 and time.monotonic() - t0 < 10
    assert "not finished after 1.5 s" in _lines(tmp_path / "o.errors.jsonl")[0]["reason"]


# ------------------------------------------------------------------ 4. output paths


def _one(tmp_path):
    src = tmp_path / "one.jsonl"
    src.write_text(_doc_line(0) + "\n", encoding="utf-8")
    return src


@pytest.mark.parametrize(
    "output, message",
    [
        ("/dev/full", "cannot write to /dev/full: No space left on device"),
        ("/proc/x.jsonl", "cannot write /proc/x.jsonl"),
        ("{src}/x.jsonl", "cannot create the folder of"),
        ("{dir}", "is a folder"),
    ],
)
def test_odd_output_paths_fail_with_one_clear_line(tmp_path, output, message):
    src = _one(tmp_path)
    (tmp_path / "empty").mkdir()
    output = output.format(src=src, dir=tmp_path / "empty")
    proc = subprocess.run(
        [sys.executable, "-m", "relief_ner.cli", "extract", str(src), "-o", output, "-m", "rules", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert "errors.jsonl" not in proc.stderr


def test_output_to_a_pipe_does_not_hang(tmp_path):
    src = _one(tmp_path)
    proc = subprocess.run(
        f"{sys.executable} -m relief_ner.cli extract {src} -o /dev/stdout -m rules -q | cat",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    assert json.loads(proc.stdout.splitlines()[0])["id"] == "d0"


# ------------------------------------------------------------------ 5. duplicate ids


def test_duplicate_jsonl_ids_are_reported_and_resume_agrees(tmp_path):
    src = tmp_path / "in.jsonl"
    docs = [
        {"id": "same", "text": "甲公司捐赠1万元。"},
        {"id": "other", "text": "乙公司捐赠2万元。"},
        {"id": "same", "text": "丙公司捐赠3万元。"},
    ]
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = _extract(src, "-o", out)
    assert first.exit_code == 1
    assert [r["id"] for r in _lines(out)] == ["same", "other"]
    errors = _lines(tmp_path / "out.errors.jsonl")
    assert len(errors) == 1 and errors[0]["where"] == f"{src}:3" and "duplicate id 'same'" in errors[0]["reason"]
    again = _extract(src, "-o", out, "--resume")
    assert again.exit_code == 1
    assert [r["id"] for r in _lines(out)] == ["same", "other"]
    assert _lines(tmp_path / "out.errors.jsonl") == errors


def test_files_with_the_same_name_stay_apart(tmp_path):
    for folder, amount in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(f"某公司捐赠{amount}万元。", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _extract(tmp_path / "a", tmp_path / "b", "-o", out)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in _lines(out)] == ["report", str(tmp_path / "b" / "report.txt")]


# ------------------------------------------------------------------------ 7. SIGTERM


def test_one_sigterm_stops_a_long_document_without_tearing_the_output(tmp_path):
    src = tmp_path / "in.jsonl"
    long_text = "某公司向明东村捐赠30万元用于修路。" * 40_000  # 720k characters: ~20 s with the rules
    src.write_text(
        _doc_line(0) + "\n" + json.dumps({"id": "long", "text": long_text}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relief_ner.cli",
            "extract",
            str(src),
            "-o",
            str(out),
            "-m",
            "rules",
            "--batch-size",
            "1",
            "--window",
            "0",
            "-q",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out.exists() and out.read_bytes().endswith(b"\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # inside the long document now
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("one SIGTERM did not stop the run within 5 s")
    assert time.monotonic() - t0 < 5
    assert proc.returncode == 130
    assert [r["id"] for r in _lines(out)] == ["d0"]  # complete lines only


# --------------------------------------------------------------- 9. nlp() on long text


def test_nlp_refuses_texts_above_the_documented_length():
    from relief_ner.loading import TRANSFORMER_MAX_LENGTH

    nlp = relief_ner.load()
    assert nlp.max_length == TRANSFORMER_MAX_LENGTH == 100_000
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="exceeds maximum of 100000"):
        nlp("某公司捐赠1万元。" * 20_000)  # 200k characters
    assert time.monotonic() - t0 < 5
    assert relief_ner.load("rules").max_length >= 1_000_000


# ------------------------------------------------------------------------ fuzzing

_JSONISH = st.text(alphabet='{}[]":,0123456789.-eE tfnrulasx\\\n"id"text某捐', max_size=80)


@settings(max_examples=300, deadline=2000)
@given(st.lists(_JSONISH, max_size=5))
def test_jsonl_reader_fuzz(lines):
    import io

    data = "\n".join(lines).encode("utf-8")
    for item in read_source(io.BytesIO(data), "fuzz.jsonl"):
        assert isinstance(item, (InputDoc, InputError))


@settings(max_examples=200, deadline=3000)
@given(st.binary(max_size=400) | st.text(alphabet="<>/rsitemtlecnd?xml=\"' 某捐&;#", max_size=200).map(str.encode))
def test_feed_reader_fuzz(data):
    for item in iter_feed_bytes(data, "fuzz.xml"):
        assert isinstance(item, (InputDoc, InputError))


# --------------------------------------------------------------------------- minor


def test_bom_is_not_text(tmp_path):
    src = tmp_path / "n.txt"
    src.write_bytes("\ufeff# source: http://example.org/a\n某公司捐赠10万元。".encode("utf-8"))
    (item,) = list(iter_inputs([str(src)]))
    assert item.text == "某公司捐赠10万元。" and item.extra == {"source": "http://example.org/a"}
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_bytes(("\ufeff" + _doc_line(0) + "\n").encode("utf-8"))
    assert [i.id for i in iter_inputs([str(jsonl)])] == ["d0"]


def test_gbk_on_stdin_says_it_is_not_utf8():
    proc = subprocess.run(
        [sys.executable, "-m", "relief_ner.cli", "extract", "-", "-m", "rules", "-q"],
        input="某公司捐赠10万元。".encode("gbk"),
        capture_output=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"},
    )
    assert proc.returncode == 1
    assert b"not UTF-8 text" in proc.stderr and b"surrogate" not in proc.stderr


def test_lone_surrogate_and_empty_documents_are_reported(tmp_path):
    src = tmp_path / "s.jsonl"
    src.write_text(
        '{"id": "s", "text": "\\ud800捐赠10万元"}\n{"id": "e", "text": " \\n"}\n' + _doc_line(1) + "\n",
        encoding="utf-8",
    )
    items = list(iter_inputs([str(src)]))
    assert [type(i).__name__ for i in items] == ["InputError", "InputDoc", "InputDoc"]
    assert "lone surrogate" in items[0].reason
    out = tmp_path / "o.jsonl"
    result = _extract(src, "-o", out)
    assert [r["id"] for r in _lines(out)] == ["e", "d1"]  # the empty one is kept, and said
    assert "e: empty document" in result.output and "1 empty" in result.output
    with pytest.raises(ValueError, match="lone surrogate .U\\+D800. at character 2"):
        relief_ner.load("rules")("捐赠\ud800")


def test_dangling_symlink_is_reported(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "ok.txt").write_text("某公司捐赠1万元。", encoding="utf-8")
    items = list(iter_inputs([str(tmp_path)]))
    assert [type(i).__name__ for i in items] == ["InputError", "InputDoc"]
    assert "broken symbolic link" in items[0].reason


def test_broken_json_message_reads_well(tmp_path):
    src = tmp_path / "b.jsonl"
    src.write_text('{"id": "x", "text": "unterminated\n', encoding="utf-8")
    (item,) = list(iter_inputs([str(src)]))
    assert "at at" not in item.reason and "column" in item.reason
