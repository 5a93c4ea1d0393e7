"""Writers: per-batch commits, what resume cuts, record tables."""

import csv
import json

import pytest

from relief_ner.batch.engine import DocResult
from relief_ner.batch.writers import (
    RECORD_COLUMNS,
    CsvWriter,
    JsonlWriter,
    OutputError,
    ParquetWriter,
    errors_path,
    open_writer,
    output_format,
    record_rows,
)

TEXT = "甲公司投资30万元为乙村修建道路。丙村获得丁集团帮扶资金5万元。"


def _result(doc_id, n_records=1, **extra):
    record = {"id": doc_id, **extra, "entities": [], "relations": [], "records": []}
    for i in range(n_records):
        record["records"].append(
            {
                "providers": [{"text": "甲公司", "label": "ORG", "start": 0, "end": 3}],
                "recipients": [{"text": "乙村", "label": "LOC", "start": 10, "end": 12}],
                "money": [{"text": "30万元", "start": 5, "end": 9, "value": 300000.0, "unit": "CNY", "approx": i == 1}],
                "counts": [],
                "areas": [],
                "purpose": "修建道路",
                "sentence": {"start": 0, "end": 17},
            }
        )
    return DocResult(doc_id, record, TEXT)


def test_format_from_suffix_and_option():
    assert output_format("a.csv", None) == "csv"
    assert output_format("a.parquet", None) == "parquet"
    assert output_format("a.jsonl", None) == "jsonl" and output_format("-", None) == "jsonl"
    assert output_format("a.jsonl", "csv") == "csv"
    with pytest.raises(OutputError):
        output_format("a", "xml")
    assert errors_path("out/run.jsonl").name == "run.errors.jsonl"


def test_existing_output_needs_resume_or_overwrite(tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "x"}\n')
    with pytest.raises(OutputError, match="--resume"):
        open_writer(str(out))
    assert open_writer(str(out), resume=True).done_ids == {"x"}
    writer = open_writer(str(out), overwrite=True)
    assert writer.done_ids == set() and not out.exists()


def test_jsonl_resume_cuts_partial_last_line(tmp_path):
    out = tmp_path / "o.jsonl"
    writer = JsonlWriter(out)
    writer.write_batch([_result("a"), _result("b")])
    writer.close()
    good = out.read_bytes()
    out.write_bytes(good + b'{"id": "c", "entit')
    writer = JsonlWriter(out)
    assert writer.done_ids == {"a", "b"} and "cut 18 bytes" in writer.repaired
    writer.write_batch([_result("c")])
    writer.close()
    assert [json.loads(l)["id"] for l in out.read_text(encoding="utf-8").splitlines()] == ["a", "b", "c"]


def test_jsonl_damage_in_the_middle_is_refused(tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "a"}\n{broken\n{"id": "b"}\n')
    with pytest.raises(OutputError, match=r"o.jsonl:2"):
        JsonlWriter(out)


def test_record_rows_flatten_every_record():
    rows = record_rows(_result("d", 2, source="http://x", title="标题"))
    assert [r["record_index"] for r in rows] == [0, 1]
    row = rows[0]
    assert set(row) == set(RECORD_COLUMNS)
    assert row["providers"] == "甲公司" and row["provider_offsets"] == "0-3"
    assert row["money_cny"] == 300000.0 and row["approx"] is False and rows[1]["approx"] is True
    assert row["sentence"] == TEXT[:17]
    assert json.loads(row["extra_json"]) == {"source": "http://x", "title": "标题"}
    assert json.loads(row["record_json"])["money"][0]["value"] == 300000.0
    (empty,) = record_rows(_result("e", 0))
    assert empty["doc_id"] == "e" and empty["doc_records"] == 0 and empty["record_index"] is None


def test_csv_resume_cuts_a_document_cut_short(tmp_path):
    out = tmp_path / "o.csv"
    writer = CsvWriter(out)
    writer.write_batch([_result("a", 2), _result("b", 0), _result("c\nwith newline", 1)])
    writer.close()
    complete = out.read_bytes()
    # a crash after the first of the three rows of document d
    from relief_ner.batch.writers import _csv_text

    rows_d = _csv_text([_result("d", 3)], header=False).encode("utf-8")
    first_row = rows_d[: rows_d.index(b"\n", rows_d.index(b"CNY")) + 1]
    for tail in (first_row, first_row + rows_d[len(first_row) : len(first_row) + 25]):
        out.write_bytes(complete + tail)
        writer = CsvWriter(out)
        assert writer.done_ids == {"a", "b", "c\nwith newline"}, tail
        assert out.read_bytes() == complete
        writer.close()
    writer = CsvWriter(out)
    writer.write_batch([_result("d", 3)])
    writer.close()
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["doc_id"] for r in rows] == ["a", "a", "b", "c\nwith newline", "d", "d", "d"]
    assert list(rows[0]) == list(RECORD_COLUMNS)


def test_parquet_parts_and_leftovers(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "o.parquet"
    writer = ParquetWriter(out)
    writer.write_batch([_result("a", 2)])
    writer.write_batch([_result("b", 0)])
    (out / "part-000002.parquet.tmp").write_bytes(b"half a file")
    writer = ParquetWriter(out)
    assert writer.done_ids == {"a", "b"} and "removed 1" in writer.repaired
    writer.write_batch([_result("c")])
    table = pq.read_table(out)
    assert sorted(table.column("doc_id").to_pylist()) == ["a", "a", "b", "c"]
    assert sorted(p.name for p in out.iterdir()) == [
        "part-000000.parquet",
        "part-000001.parquet",
        "part-000002.parquet",
    ]
    assert table.schema.field("money_cny").type == "double"
