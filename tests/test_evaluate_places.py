"""`relief-ner evaluate-places` on a tiny gold file of invented reports, and the place scorer."""

import json

import pytest
from typer.testing import CliRunner

from relief_ner.commands import app
from relief_ner.corpus import text_sha256
from relief_ner.divisions import default_divisions
from relief_ner.pipeline.place_scoring import peer_division, score_places

REPORTS = {
    "news_9001": "福建省平和县开展结对帮扶。新建村修建了道路，老挝的客人和粤港澳大湾区的企业也来了。",
    "news_9002": "新建村的村民在城关区务工。",
}
# (doc, mention, occurrence, label, code, level, kind)
GOLD = [
    ("news_9001", "平和县", "LOC", "350628000000", "county", None),
    ("news_9001", "新建村", "LOC", "350628201212", "village", None),
    ("news_9001", "老挝", "LOC", None, None, "foreign"),
    ("news_9001", "粤港澳大湾区", "LOC", None, None, "region"),
    # nothing in this report says which 新建村 or which 城关区
    ("news_9002", "新建村", "LOC", "350628201212", "village", None),
    ("news_9002", "城关区", "LOC", "620102000000", "county", None),
]


def write_gold(tmp_path, lines=None):
    texts = tmp_path / "texts" / "news"
    texts.mkdir(parents=True)
    for doc_id, text in REPORTS.items():
        (texts / f"{doc_id}.txt").write_text("# source: invented\n" + text, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    with gold.open("w", encoding="utf-8") as f:
        for doc_id, mention, label, code, level, kind in GOLD:
            text = REPORTS[doc_id]
            start = text.index(mention)
            f.write(
                json.dumps(
                    {
                        "id": doc_id,
                        "sha256": text_sha256(text),
                        "start": start,
                        "end": start + len(mention),
                        "label": label,
                        "mention": mention,
                        "code": code,
                        "level": level,
                        "kind": kind,
                        "note": "",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        for line in lines or []:
            f.write(line + "\n")
    return gold, tmp_path / "texts"


def run(args):
    return CliRunner().invoke(app, ["evaluate-places", *args])


def test_scores_on_the_gold_spans(tmp_path):
    gold, texts = write_gold(tmp_path)
    result = run([str(gold), "--texts", str(texts), "--json", "--no-peer"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert (scores["documents"], scores["mentions"]) == (2, 6)
    ours = scores["resolver"]
    # four divisions; the 新建村 of news_9002 has no county to go by, and 城关区 is the
    # other one (拉萨's, with nothing to say otherwise)
    assert ours["accuracy"]["province"] == {"rate": 0.5, "correct": 2, "total": 4}
    assert ours["accuracy"]["county"] == {"rate": 0.5, "correct": 2, "total": 4}
    assert ours["accuracy"]["village"] == {"rate": 0.5, "correct": 1, "total": 2}
    assert ours["coverage"]["rate"] == 1.0
    assert ours["none_precision"] == {"rate": 1.0, "correct": 2, "total": 2}
    assert ours["kind_accuracy"]["rate"] == 1.0
    assert "jionlp" not in scores


def test_the_table_and_the_peer(tmp_path):
    pytest.importorskip("jionlp")
    gold, texts = write_gold(tmp_path)
    result = run([str(gold), "--texts", str(texts), "--peer-context", "20"])
    assert result.exit_code == 0, result.output
    assert "accuracy village" in result.output and "jionlp (mention)" in result.output
    result = run([str(gold), "--texts", str(texts), "--json"])
    scores = json.loads(result.output)
    assert scores["jionlp_context"]["context_chars"] == 50
    # jionlp reads 平和县 on its own
    assert scores["jionlp"]["accuracy"]["county"]["correct"] >= 1


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"id": "news_9001"}', "missing sha256"),
        (
            '{"id": "news_9001", "sha256": "x", "start": 0, "end": 3, "label": "LOC", "mention": "福建省", '
            '"code": "350000000000", "level": "province", "kind": null}',
            "does not match its sha256",
        ),
        (
            '{"id": "news_9001", "sha256": "S", "start": 0, "end": 3, "label": "LOC", "mention": "福建省", '
            '"code": "35", "level": "province", "kind": null}',
            "is not the 12-digit code of a province",
        ),
        (
            '{"id": "news_9001", "sha256": "S", "start": 0, "end": 3, "label": "LOC", "mention": "福建", '
            '"code": null, "level": null, "kind": "region"}',
            "not the mention",
        ),
        (
            '{"id": "news_9404", "sha256": "S", "start": 0, "end": 3, "label": "LOC", "mention": "福建省", '
            '"code": null, "level": null, "kind": "sea"}',
            "kind 'sea'",
        ),
    ],
)
def test_a_bad_gold_line_is_named(tmp_path, line, message):
    gold, texts = write_gold(tmp_path, [line.replace('"S"', '"' + text_sha256(REPORTS["news_9001"]) + '"')])
    result = run([str(gold), "--texts", str(texts), "--no-peer"])
    assert result.exit_code == 2
    assert f"{gold}:7" in result.output and message in result.output


def test_level_accuracy_counts_the_coarser_levels():
    village = ("350628201212", "village", None)
    scores = score_places(
        [
            (village, ("350628201212", "village", None)),  # right
            (village, ("350628000000", "county", None)),  # right down to the county
            (village, ("350627103201", "village", None)),  # another county of the same city
            ((None, None, "nature"), (None, None, "other")),  # no division, the wrong kind
        ]
    ).to_dict()
    assert [scores["accuracy"][level]["correct"] for level in ("province", "city", "county", "town", "village")] == [
        3,
        3,
        2,
        1,
        1,
    ]
    assert scores["exact"]["correct"] == 1 and scores["none_recall"]["rate"] == 1.0
    assert scores["kind_accuracy"]["rate"] == 0.0


def test_a_peer_answer_as_a_division():
    table = default_divisions()
    answer = {"province": "福建省", "city": "漳州市", "county": "平和县", "town": None, "village": None}
    assert table.code(peer_division(table, answer)) == "350628000000"
    # a municipality's city is no division of its own; a name the table lacks is skipped
    beijing = {"province": "北京市", "city": "北京市", "county": "朝阳区", "town": "不存在街道"}
    assert table.code(peer_division(table, beijing)) == "110105000000"
    assert peer_division(table, {"province": None}) is None and peer_division(table, None) is None
