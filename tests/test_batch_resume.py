"""A run killed midway and resumed gives exactly the output of an uninterrupted run."""

import json
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from relief_ner.batch.synthetic import iter_feed
from relief_ner.commands import app

N_DOCS = 600


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    lines = [
        json.dumps(item, ensure_ascii=False) for item in iter_feed(N_DOCS, seed=11, min_sentences=1, max_sentences=2)
    ]
    lines.insert(300, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _extract(args):
    return CliRunner().invoke(app, ["extract", *args, "-m", "rules", "--batch-size", "8"])


def _start(feed, out):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relief_ner.cli",
            "extract",
            str(feed),
            "-o",
            str(out),
            "-m",
            "rules",
            "--batch-size",
            "8",
            "-q",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_rows(proc, out, rows, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= rows:
            return
        if proc.poll() is not None:
            pytest.fail(f"extract ended before it could be interrupted: {proc.stderr.read()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("extract wrote nothing in time")


def test_sigkill_then_resume_equals_uninterrupted_run(feed, tmp_path):
    reference = tmp_path / "ref.jsonl"
    result = _extract([str(feed), "-o", str(reference)])
    assert result.exit_code == 1  # the broken line
    expected = reference.read_bytes()
    assert expected.count(b"\n") == N_DOCS

    out = tmp_path / "out.jsonl"
    proc = _start(feed, out)
    _wait_for_rows(proc, out, 40)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = out.read_bytes()
    assert 0 < partial.count(b"\n") < N_DOCS
    assert expected.startswith(partial[: partial.rfind(b"\n") + 1])
    # what a crash in the middle of a write leaves behind
    out.write_bytes(partial + b'{"id": "syn-000')

    result = _extract([str(feed), "-o", str(out), "--resume"])
    assert result.exit_code == 1, result.output
    assert "already in" in result.output and "cut " in result.output
    assert out.read_bytes() == expected
    errors = [json.loads(l) for l in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    assert [e["where"] for e in errors] == [f"{feed}:301"]

    # resuming a finished run adds nothing
    result = _extract([str(feed), "-o", str(out), "--resume"])
    assert out.read_bytes() == expected and f"{N_DOCS:,} already done" in result.output


def test_sigterm_commits_and_resume_completes_csv(feed, tmp_path):
    reference = tmp_path / "ref.csv"
    _extract([str(feed), "-o", str(reference)])
    out = tmp_path / "out.csv"
    proc = _start(feed, out)
    _wait_for_rows(proc, out, 40)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in stderr
    assert 0 < out.read_bytes().count(b"\n") < reference.read_bytes().count(b"\n")
    result = _extract([str(feed), "-o", str(out)])
    assert result.exit_code == 2 and "exists" in result.output  # no silent overwrite
    _extract([str(feed), "-o", str(out), "--resume"])
    assert out.read_bytes() == reference.read_bytes()
