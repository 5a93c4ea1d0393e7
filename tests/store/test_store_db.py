"""`relief-ner extract --db` on a SQLite file and on PostgreSQL: what is stored, idempotent
re-runs, re-reading with another model or a changed text, a run killed mid-write and
resumed, the migrations, and `relief_ner.store.open`. The texts are invented."""

import json
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import relief_ner
import relief_ner.store
from relief_ner.batch.synthetic import iter_feed
from relief_ner.commands import app
from relief_ner.store.database import current_revision, head_revision

NEWS = (
    "# source: http://example.org/content/2021-11/01/c1.html\n"
    "某某公司捐资修路\n"
    "人民网贺州10月31日电 浙江某某集团投资30万元为明东村修建道路。"
    "县农业农村局投入资金200万元，在明东村新建高标准农田300亩，带动20户农户增收。\n"
)
PLAIN = "江苏恒达实业有限公司向明东村捐赠50万元，帮助20户困难群众。"


def extract(*args):
    return CliRunner().invoke(app, ["extract", *args, "-m", "rules", "-q"])


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "n1.txt").write_text(NEWS, encoding="utf-8")
    (folder / "p1.txt").write_text(PLAIN, encoding="utf-8")
    (folder / "empty.txt").write_text("天气晴好。", encoding="utf-8")
    return folder


def counts(db):
    with relief_ner.store.open(db) as store:
        return store.counts()


def test_documents_entities_relations_records_and_evidence(db_url, inputs):
    result = extract(str(inputs), "--db", db_url)
    assert result.exit_code == 0, result.output
    with relief_ner.store.open(db_url) as store:
        docs = store.documents().set_index("id")
        records = store.records()
        entities = store.entities()
        relations = store.relations()
        measures = store.measures()
    assert sorted(docs.index) == ["empty", "n1", "p1"]
    n1 = docs.loc["n1"]
    text = NEWS.split("\n", 1)[1]
    assert n1["source_url"] == "http://example.org/content/2021-11/01/c1.html"
    assert n1["title"] == "某某公司捐资修路"
    assert str(n1["published"].date()) == "2021-10-31"
    assert (n1["published_source"], n1["published_year_from"]) == ("dateline", "url")
    assert text[n1["published_start"] : n1["published_end"]] == "10月31日电"
    assert n1["model_name"] == "rules" and "+relief_ner-" in n1["model_version"]
    assert len(n1["text_hash"]) == 64 and n1["n_chars"] == len(text)
    assert docs.loc["empty", "n_records"] == 0

    n1_records = records[records["doc_id"] == "n1"].set_index("idx")
    assert len(n1_records) == n1["n_records"] == 2
    first = n1_records.loc[0]
    assert (first["provider"], first["recipient"], first["money_cny"]) == ("浙江某某集团", "明东村", 300000.0)
    assert first["sentence"] == text[first["sentence_start"] : first["sentence_end"]]
    assert first["provider_region_label"] == "浙江"  # no resolver region: the province the name starts with
    assert first["source_url"] == n1["source_url"] and first["published"] == n1["published"]
    assert first["record_json"]["money"][0]["text"] == "30万元"
    second = n1_records.loc[1]
    assert second["area_m2"] == pytest.approx(200000.0)
    n1_measures = measures[measures["doc_id"] == "n1"]
    assert sorted(zip(n1_measures["kind"], n1_measures["unit"])) == [
        ("AREA", "m2"),
        ("COUNT", "户"),
        ("MONEY", "CNY"),
        ("MONEY", "CNY"),
    ]
    for row in entities[entities["doc_id"] == "n1"].itertuples():
        assert text[row.start_char : row.end_char] == row.text
    for row in relations[relations["doc_id"] == "n1"].itertuples():
        assert text[row.head_start : row.head_end] == row.head_text
        assert text[row.tail_start : row.tail_end] == row.tail_text


def test_rerunning_and_resuming_add_nothing(db_url, inputs):
    assert extract(str(inputs), "--db", db_url).exit_code == 0
    before = counts(db_url)
    for extra in ([], ["--resume"]):
        result = extract(str(inputs), "--db", db_url, *extra)
        assert result.exit_code == 0, result.output
        assert "3 already done" in result.output
        assert counts(db_url) == before
    assert before["readings"] == before["documents"] == 3


def test_a_changed_text_is_read_again_and_replaces_its_rows(db_url, inputs):
    assert extract(str(inputs), "--db", db_url).exit_code == 0
    (inputs / "p1.txt").write_text(PLAIN.replace("50万元", "60万元"), encoding="utf-8")
    result = extract(str(inputs), "--db", db_url)
    assert result.exit_code == 0 and "2 already done" in result.output
    with relief_ner.store.open(db_url) as store:
        records = store.records()
        history = store.readings()
    p1 = records[records["doc_id"] == "p1"]
    assert p1["money_cny"].tolist() == [600000.0]
    assert history["doc_id"].value_counts().to_dict() == {"p1": 2, "n1": 1, "empty": 1}


def test_another_model_version_replaces_rows_and_keeps_history(db_url, inputs, tmp_path):
    assert extract(str(inputs), "--db", db_url).exit_code == 0
    before = counts(db_url)
    newer = relief_ner.load("rules")
    newer.meta["version"] = "0.0.1"
    newer.to_disk(tmp_path / "rules-0.0.1")
    result = CliRunner().invoke(
        app, ["extract", str(inputs), "--db", db_url, "-m", str(tmp_path / "rules-0.0.1"), "-q"]
    )
    assert result.exit_code == 0, result.output
    after = counts(db_url)
    assert {k: after[k] for k in ("documents", "entities", "relations", "records", "measures")} == {
        k: before[k] for k in ("documents", "entities", "relations", "records", "measures")
    }
    with relief_ner.store.open(db_url) as store:
        docs = store.documents()
        history = store.readings()
    assert set(docs["model_version"].str.split("+").str[0]) == {"0.0.1"}
    assert len(history) == 6
    per_doc = history.groupby("doc_id")["model_version"].apply(lambda v: sorted(x.split("+")[0] for x in v))
    assert all(versions == ["0.0.0", "0.0.1"] for versions in per_doc)


def test_file_output_and_database_together(db_url, inputs, tmp_path):
    out = tmp_path / "out.jsonl"
    assert extract(str(inputs), "-o", str(out)).exit_code == 0
    lines = out.read_text(encoding="utf-8")
    # the file holds every document already; the database is new and gets all of them
    result = extract(str(inputs), "-o", str(out), "--db", db_url, "--resume")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == lines
    assert counts(db_url)["documents"] == 3


def test_migrations_reach_the_head_and_match_the_tables(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with relief_ner.store.open(db_url) as store:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), relief_ner.store.tables.metadata)
    assert diff == []


def test_open_returns_pandas_and_arrow(db_url, inputs):
    assert extract(str(inputs), "--db", db_url).exit_code == 0
    with relief_ner.store.open(db_url) as store:
        frame = store.records()
        table = store.records(format="arrow")
        events = store.events(format="arrow")
        with pytest.raises(ValueError, match="format"):
            store.records(format="excel")
    assert len(frame) == table.num_rows == 3
    assert {
        "doc_id",
        "provider",
        "recipient",
        "money_cny",
        "sentence",
        "source_url",
        "event_id",
        "recipient_region_label",
    } <= set(table.column_names)
    assert json.loads(table.column("record_json")[0].as_py())["providers"]
    assert events.num_rows == 3 and "n_documents" in events.column_names


def test_bad_database_urls_are_clear_errors(tmp_path, inputs):
    result = extract(str(inputs), "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 2 and "cannot open postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output
    result = extract(str(inputs), "--db", str(tmp_path))
    assert result.exit_code == 2 and "is a folder" in result.output
    result = CliRunner().invoke(app, ["report", str(tmp_path / "missing.sqlite"), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "no such database file" in result.output


# --------------------------------------------------------------- kill and resume

N_DOCS = 300


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    path.write_text(
        "".join(
            json.dumps(item, ensure_ascii=False) + "\n"
            for item in iter_feed(N_DOCS, seed=5, min_sentences=1, max_sentences=3)
        ),
        encoding="utf-8",
    )
    return path


def _stored(db):
    """(doc_id, idx, provider, recipient, money, event) of every record, and per document
    its declared record count against the rows it has."""
    with relief_ner.store.open(db) as store:
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT doc_id, idx, provider, recipient, money_cny, event_id FROM records")
            ).all()
            whole = conn.execute(
                sa.text(
                    "SELECT d.id, d.n_records, (SELECT count(*) FROM records r WHERE r.doc_id = d.id) FROM documents d"
                )
            ).all()
        return sorted(map(tuple, rows)), whole, store.counts()


def test_sigkill_mid_run_then_resume_loses_and_duplicates_nothing(db_url, feed, tmp_path):
    reference = str(tmp_path / "reference.sqlite")
    assert extract(str(feed), "--db", reference).exit_code == 0
    expected, _, expected_counts = _stored(reference)
    assert expected_counts["documents"] == N_DOCS

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relief_ner.cli",
            "extract",
            str(feed),
            "--db",
            db_url,
            "-m",
            "rules",
            "--batch-size",
            "4",
            "-q",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    done = 0
    while time.monotonic() < deadline and done < 40:
        if proc.poll() is not None:
            pytest.fail(f"extract ended before it could be killed: {proc.stderr.read()}")
        time.sleep(0.05)
        try:
            done = counts(db_url)["documents"]
        except Exception:  # the schema is not there yet
            done = 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _, whole, partial = _stored(db_url)
    assert 0 < partial["documents"] < N_DOCS
    assert partial["documents"] % 4 == 0  # whole batches only
    assert all(declared == found for _, declared, found in whole)
    assert partial["readings"] == partial["documents"]

    result = extract(str(feed), "--db", db_url, "--resume")
    assert result.exit_code == 0, result.output
    assert f"{partial['documents']:,} already done" in result.output
    rows, whole, final = _stored(db_url)
    assert rows == expected
    assert final["readings"] == final["documents"] == N_DOCS
    assert all(declared == found for _, declared, found in whole)
