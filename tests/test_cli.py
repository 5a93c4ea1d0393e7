import json
import subprocess
import sys

from typer.testing import CliRunner

from relief_ner.commands import app
from relief_ner.corpus import text_sha256

runner = CliRunner()
SENT = "浙江某某集团投资30万元为明东村修建道路。"


def run(args, input=None):
    return runner.invoke(app, args, input=input)


def test_extract_txt_folder_and_jsonl(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SENT, encoding="utf-8")
    (folder / "b.txt").write_text("# source: http://example.org/b\n" + SENT, encoding="utf-8")
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text(json.dumps({"id": "j1", "text": SENT, "feed": "x"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run(["extract", str(folder), str(jsonl), "-o", str(out), "--model", "rules"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "j1"]
    assert rows[1]["source"] == "http://example.org/b" and rows[2]["feed"] == "x"
    # the `# source:` line is not part of the document: offsets are the same as for a.txt
    assert rows[0]["entities"] == rows[1]["entities"]
    money = [e for e in rows[0]["entities"] if e["label"] == "MONEY"][0]
    assert SENT[money["start"] : money["end"]] == "30万元" and money["value"] == 300000.0
    assert rows[0]["records"][0]["money"][0]["text"] == "30万元"


def test_extract_broken_jsonl_keeps_good_lines(tmp_path):
    src = tmp_path / "feed.jsonl"
    src.write_text(
        json.dumps({"id": "ok1", "text": SENT}, ensure_ascii=False)
        + "\n"
        + "{not json\n"
        + json.dumps({"id": "nt"})
        + "\n"
        + json.dumps({"id": "ok2", "text": ""})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = run(["extract", str(src), "-o", str(out), "-m", "rules"])
    assert result.exit_code == 1
    assert f"{src}:2: broken JSON" in result.output
    assert f"{src}:3" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["ok1", "ok2"]
    assert rows[1]["entities"] == [] and rows[1]["records"] == []


def test_extract_missing_input_and_model(tmp_path):
    result = run(["extract", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.jsonl"), "-m", "rules"])
    assert result.exit_code == 1 and "no such file or folder" in result.output
    result = run(["extract", "-", "-m", "no-such-model"], input=SENT)
    assert result.exit_code == 2 and "no pipeline named 'no-such-model'" in result.output


def test_extract_non_utf8(tmp_path):
    bad = tmp_path / "gbk.txt"
    bad.write_bytes(SENT.encode("gbk"))
    result = run(["extract", str(bad), "-o", str(tmp_path / "o.jsonl"), "-m", "rules"])
    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_console_script_stdin_stdout():
    proc = subprocess.run(
        [sys.executable, "-m", "relief_ner.cli", "extract", "-", "-m", "rules", "-q"],
        input=SENT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert row["id"] == "stdin" and row["records"]


def test_evaluate_json_on_standoff(tmp_path):
    texts = tmp_path / "texts"
    (texts / "seeds").mkdir(parents=True)
    (texts / "seeds" / "d1.txt").write_text(SENT, encoding="utf-8")
    ents = [
        {"id": 1, "label": "ORG", "start_offset": 0, "end_offset": 6},
        {
            "id": 2,
            "label": "MONEY",
            "start_offset": 8,
            "end_offset": 12,
            "value": 300000.0,
            "unit": "CNY",
            "approx": False,
        },
        {"id": 3, "label": "LOC", "start_offset": 13, "end_offset": 16},
    ]
    rels = [
        {"id": 1, "from_id": 2, "to_id": 1, "type": "PROVIDER"},
        {"id": 2, "from_id": 2, "to_id": 3, "type": "RECIPIENT"},
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "d1", "sha256": text_sha256(SENT), "entities": ents, "relations": rels}) + "\n",
        encoding="utf-8",
    )
    result = run(["evaluate", str(gold), "-m", "rules", "--texts", str(texts), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    # The rules tag exactly these spans on this sentence (checked in test_rules_pipeline),
    # so every figure can be stated.
    predicted = run(["extract", "-", "-m", "rules", "-q"], input=SENT)
    pred = json.loads(predicted.stdout.splitlines()[0])
    pred_ents = {(e["start"], e["end"], e["label"]) for e in pred["entities"]}
    gold_ents = {(e["start_offset"], e["end_offset"], e["label"]) for e in ents}
    tp = len(pred_ents & gold_ents)
    assert scores["entities"]["micro"]["tp"] == tp
    assert scores["entities"]["micro"]["fp"] == len(pred_ents - gold_ents)
    assert scores["documents"] == 1 and scores["speed"]["characters"] == len(SENT)


def test_evaluate_reports_corpus_errors(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"id": "x", "text": "甲", "entities": [{"id": 1, "label": "PER", "start_offset": 0, "end_offset": 1}]}\n',
        encoding="utf-8",
    )
    result = run(["evaluate", str(gold), "-m", "rules"])
    assert result.exit_code == 2
    assert f"{gold}:1" in result.output and "unknown label 'PER'" in result.output


def test_evaluate_unknown_split_names_the_choices():
    result = run(["evaluate", "--split", "validation", "-m", "rules"])
    assert result.exit_code == 2
    assert "unknown split 'validation'" in result.output and "dev" in result.output


def test_evaluate_pools_several_splits():
    import json as _json

    def scores(split):
        result = run(["evaluate", "--split", split, "-m", "rules", "--json"])
        assert result.exit_code == 0, result.output
        return _json.loads(result.output)

    dev, test, pooled = scores("dev"), scores("test"), scores("dev,test")
    assert pooled["documents"] == dev["documents"] + test["documents"]
    for key in ("tp", "fp", "fn"):
        assert pooled["relations"]["micro"][key] == dev["relations"]["micro"][key] + test["relations"]["micro"][key]
