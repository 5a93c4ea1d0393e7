"""The doccano loop against a real doccano 1.8.4 server on 127.0.0.1.

The session fixture installs doccano into its cached venv (about 1.5 minutes the first
time, RELIEF_NER_DOCCANO_CACHE moves the cache) and starts it on a free port; everything
it starts is stopped by PID at the end. The merge rules are also tested without a server.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List

import pytest

from relief_ner.annotate import (
    DoccanoAuthError,
    DoccanoError,
    DoccanoSettings,
    DoccanoUnreachable,
    annotation_fingerprint,
    merge,
    pull,
    push,
    start_server,
    strip_sync_meta,
)
from relief_ner.annotate.client import DoccanoClient
from relief_ner.annotate.server import free_port
from relief_ner.corpus.gold import CorpusError, GoldDoc, parse_gold_record

TEXT_A = "浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。"
TEXT_B = "省交通运输厅捐赠帮扶资金约3万元，惠及明东村120户。明东村新建扶贫车间500平方米。"


def gold(record: Dict[str, Any]) -> GoldDoc:
    return parse_gold_record(record, "test")


def ent(eid, label, start, end, value=None, unit=None, approx=None):
    out = {"id": eid, "label": label, "start_offset": start, "end_offset": end}
    if label in ("MONEY", "AREA", "COUNT"):
        out.update(value=value, unit=unit, approx=approx)
    return out


def rel(rid, head, tail, kind):
    return {"id": rid, "from_id": head, "to_id": tail, "type": kind}


DOC_A = {
    "id": "don_a",
    "text": TEXT_A,
    "entities": [
        ent(1, "ORG", 0, 12),
        ent(2, "MONEY", 14, 19, 3300000.0, "CNY", False),
        ent(3, "LOC", 20, 25),
        ent(4, "COUNT", 30, 32, 1.0, "所", False),
    ],
    "relations": [rel(1, 2, 1, "PROVIDER"), rel(2, 2, 3, "RECIPIENT"), rel(3, 4, 3, "RECIPIENT")],
    "batch": "t1",
}

DOC_B = {
    "id": "don_b",
    "text": TEXT_B,
    "entities": [
        ent(1, "ORG", 0, 6),
        ent(2, "MONEY", 13, 16, 30000.0, "CNY", True),
        ent(3, "LOC", 19, 22),
        ent(4, "COUNT", 22, 26, 120.0, "户", False),
        ent(5, "LOC", 27, 30),
    ],
    "relations": [
        rel(1, 2, 1, "PROVIDER"),
        rel(2, 2, 3, "RECIPIENT"),
        rel(3, 4, 1, "PROVIDER"),
        rel(4, 4, 3, "RECIPIENT"),
    ],
}

# doc B after the annotator's work in doccano: 120户 deleted (its relations go with it),
# 500平方米 added as AREA with a RECIPIENT relation to the second 明东村. Ids renumbered in
# text order; the AREA value comes from the normaliser (doccano stores none).
DOC_B_EDITED = {
    "id": "don_b",
    "text": TEXT_B,
    "entities": [
        ent(1, "ORG", 0, 6),
        ent(2, "MONEY", 13, 16, 30000.0, "CNY", True),
        ent(3, "LOC", 19, 22),
        ent(4, "LOC", 27, 30),
        ent(5, "AREA", 36, 42, 500.0, "m2", False),
    ],
    "relations": [rel(1, 2, 1, "PROVIDER"), rel(2, 2, 3, "RECIPIENT"), rel(3, 5, 4, "RECIPIENT")],
}


# -- the server --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def doccano(tmp_path_factory, pytestconfig):
    started = time.monotonic()
    handle = start_server(tmp_path_factory.mktemp("doccano"))
    _say(
        pytestconfig,
        f"doccano: installed (if needed) and started in {time.monotonic() - started:.1f} s at {handle.url}",
    )
    yield handle
    pids = [handle.web_pid, handle.task_pid]
    stopping = time.monotonic()
    handle.stop()
    _say(pytestconfig, f"doccano: stopped in {time.monotonic() - stopping:.1f} s")
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"doccano process {pid} survived stop()"


def _say(config, line: str) -> None:
    """Show the timing in the run's output even while pytest captures it."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.fixture
def settings(doccano) -> DoccanoSettings:
    return doccano.settings()


@pytest.fixture
def api(settings) -> DoccanoClient:
    return DoccanoClient(settings)


def project_id(api: DoccanoClient, name: str) -> int:
    (found,) = [p["id"] for p in api.projects() if p["name"] == name]
    return found


def examples_by_doc(api: DoccanoClient, pid: int) -> Dict[str, Dict[str, Any]]:
    return {e["meta"]["id"]: e for e in api.examples(pid)}


def comparable(docs: List[GoldDoc]) -> List[Dict[str, Any]]:
    return [strip_sync_meta(d).to_json() for d in docs]


# -- the round trip ----------------------------------------------------------------------


def test_server_listens_on_loopback_only(doccano):
    listening = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, port = local.split(":")
        if state == "0A" and int(port, 16) == doccano.port:  # 0A = LISTEN
            listening.add(addr)
    assert listening == {"0100007F"}  # 127.0.0.1, and not 00000000 (0.0.0.0)


def test_push_pull_merge_roundtrip(settings, api):
    name = "relief roundtrip"
    doc_a, doc_b = gold(DOC_A), gold(DOC_B)

    report = push([doc_a, doc_b], project_name=name, settings=settings)
    assert report.created == ["don_a", "don_b"]
    pid = report.project_id
    project = api.get(f"/v1/projects/{pid}")
    assert (project["project_type"], project["use_relation"], project["collaborative_annotation"]) == (
        "SequenceLabeling",
        True,
        True,
    )
    assert sorted(t["text"] for t in api.span_types(pid)) == ["AREA", "COUNT", "LOC", "MONEY", "ORG"]
    assert sorted(t["text"] for t in api.relation_types(pid)) == ["PROVIDER", "RECIPIENT"]

    # The pre-annotations are in doccano, under the project's document ids.
    examples = examples_by_doc(api, pid)
    assert sorted(examples) == ["don_a", "don_b"]
    ex_a, ex_b = examples["don_a"], examples["don_b"]
    assert ex_a["meta"]["batch"] == "t1"
    assert ex_b["meta"]["relief_pushed_sha"] == annotation_fingerprint(doc_b)
    assert len(api.spans(pid, ex_b["id"])) == 5
    assert len(api.relations(pid, ex_b["id"])) == 4

    # Pushing the same ids again duplicates nothing.
    again = push([doc_a, doc_b], project_name=name, settings=settings)
    assert (again.project_id, again.created, again.unchanged) == (pid, [], ["don_a", "don_b"])
    assert len(list(api.examples(pid))) == 2

    # An annotator works on doc B in doccano: deletes 120户 (its relations go with it),
    # tags 500平方米 as AREA and links it to the second 明东村.
    labels = {t["text"]: t["id"] for t in api.span_types(pid)}
    kinds = {t["text"]: t["id"] for t in api.relation_types(pid)}
    base = f"/v1/projects/{pid}/examples/{ex_b['id']}"
    spans = {(s["start_offset"], s["end_offset"]): s["id"] for s in api.spans(pid, ex_b["id"])}
    api.delete(f"{base}/spans/{spans[(22, 26)]}")
    area = api.post(f"{base}/spans", {"label": labels["AREA"], "start_offset": 36, "end_offset": 42})
    api.post(f"{base}/relations", {"from_id": area["id"], "to_id": spans[(27, 30)], "type": kinds["RECIPIENT"]})

    pulled = pull(project_name=name, settings=settings)
    assert comparable(pulled) == [DOC_A, DOC_B_EDITED]
    assert [d.meta["doccano"]["example_id"] for d in pulled] == [ex_a["id"], ex_b["id"]]
    assert [d.meta["doccano"]["pushed_sha"] for d in pulled] == [
        annotation_fingerprint(doc_a),
        annotation_fingerprint(doc_b),
    ]

    # A value in the existing gold for the exact same span wins over the normaliser (here
    # deliberately unlike the normaliser's reading, to tell them apart).
    hand = gold(
        {
            **DOC_A,
            "entities": [
                ent(1, "ORG", 0, 12),
                ent(2, "MONEY", 14, 19, 3300000.0, "CNY", True),
                ent(3, "LOC", 20, 25),
                ent(4, "COUNT", 30, 32, 1.0, "所", False),
            ],
        }
    )
    with_hand = pull(project_name=name, settings=settings, existing=[hand])
    assert with_hand[0].entity(2).approx is True
    assert with_hand[1].entity(2).approx is True and with_hand[1].entity(5).value == 500.0

    # Merge into the gold as it was pushed: doccano's change to B is taken.
    result = merge([gold(DOC_A), gold(DOC_B)], pulled)
    assert (result.taken, result.unchanged, result.conflicts) == (["don_b"], ["don_a"], [])
    assert [d.to_json() for d in result.docs] == [DOC_A, DOC_B_EDITED]

    # Merge into a gold where B was also edited locally after the push: conflict, local
    # version kept; A edited locally only (doccano untouched): local kept, no conflict.
    local_b = gold({**DOC_B, "relations": DOC_B["relations"][:2]})
    local_a = gold({**DOC_A, "relations": DOC_A["relations"][:1]})
    result = merge([local_a, local_b], pulled)
    assert result.taken == []
    assert [(c.doc_id, c.reason) for c in result.conflicts] == [
        ("don_b", "changed both locally and in doccano since the last push; local version kept")
    ]
    assert list(result.kept_local) == ["don_a"]
    assert [d.to_json() for d in result.docs] == [local_a.to_json(), local_b.to_json()]

    # The loop goes on: pushing the merged gold renews B's fingerprint in doccano, so the
    # annotator's next change is taken again instead of being a conflict.
    merged = merge([gold(DOC_A), gold(DOC_B)], pulled).docs
    report = push(merged, project_name=name, settings=settings)
    assert (report.unchanged, report.rebased, report.skipped) == (["don_a"], ["don_b"], {})
    area_span = next(s for s in api.spans(pid, ex_b["id"]) if s["start_offset"] == 36)
    api.delete(f"{base}/spans/{area_span['id']}")
    result = merge(merged, pull(project_name=name, settings=settings))
    assert (result.taken, result.conflicts) == (["don_b"], [])
    assert [e["label"] for e in result.docs[1].to_json()["entities"]] == ["ORG", "MONEY", "LOC", "LOC"]

    # A local edit to A is pushed into doccano because nobody changed A there.
    report = push([local_a], project_name=name, settings=settings)
    assert report.updated == ["don_a"]
    assert len(api.relations(pid, ex_a["id"])) == 1
    assert len(list(api.examples(pid))) == 2


def test_whitespace_around_the_text_survives(settings, api):
    """doccano's API strips the text (news texts end with a newline): the margins are kept
    in meta and the offsets shifted, so doccano highlights the right characters and pull
    gives back the exact text and offsets."""
    name = "relief margins"
    text = "\n\u3000 " + TEXT_A + "\n文/记者\n"
    local = gold(
        {
            **DOC_A,
            "text": text,
            "entities": [
                {**e, "start_offset": e["start_offset"] + 3, "end_offset": e["end_offset"] + 3}
                for e in DOC_A["entities"]
            ],
        }
    )
    push([local], project_name=name, settings=settings)
    pid = project_id(api, name)
    example = examples_by_doc(api, pid)["don_a"]
    assert example["text"] == TEXT_A + "\n文/记者"
    assert sorted(
        example["text"][s["start_offset"] : s["end_offset"]] for s in api.spans(pid, example["id"])
    ) == sorted(text[e.start : e.end] for e in local.entities)
    (pulled,) = pull(project_name=name, settings=settings)
    assert strip_sync_meta(pulled).to_json() == local.to_json()
    assert push([local], project_name=name, settings=settings).unchanged == ["don_a"]


def test_push_completes_its_own_broken_examples_but_never_touches_foreign_ones(settings, api):
    name = "relief foreign"
    push([], project_name=name, settings=settings)  # creates the empty project
    pid = project_id(api, name)
    labels = {t["text"]: t["id"] for t in api.span_types(pid)}
    # Typed in doccano by someone (an id, no fingerprint), with an annotator's span.
    foreign = api.post(f"/v1/projects/{pid}/examples", {"text": TEXT_A, "meta": {"id": "don_a"}})
    api.post(
        f"/v1/projects/{pid}/examples/{foreign['id']}/spans",
        {"label": labels["LOC"], "start_offset": 20, "end_offset": 25},
    )
    # Left behind by a push that broke off before its spans were in.
    broken = api.post(
        f"/v1/projects/{pid}/examples", {"text": TEXT_B, "meta": {"id": "don_b", "relief_pushed_sha": "incomplete"}}
    )

    report = push([gold(DOC_A), gold(DOC_B)], project_name=name, settings=settings)
    assert list(report.skipped) == ["don_a"]
    assert "not pushed by relief_ner" in report.skipped["don_a"]
    assert report.updated == ["don_b"] and report.created == []
    assert len(api.spans(pid, foreign["id"])) == 1
    assert len(api.spans(pid, broken["id"])) == 5 and len(api.relations(pid, broken["id"])) == 4

    result = merge([gold(DOC_A), gold(DOC_B)], pull(project_name=name, settings=settings))
    assert [c.doc_id for c in result.conflicts] == ["don_a"]
    assert "no push fingerprint" in result.conflicts[0].reason
    assert result.unchanged == ["don_b"]
    assert [d.to_json() for d in result.docs] == [DOC_A, DOC_B]


def test_doccano_export_uses_document_ids(settings, api):
    """doccano's own JSONL export (run by the celery worker) writes meta["id"] as the
    record id, so an export from the web UI is already in the gold format."""
    name = "relief export"
    push([gold(DOC_A)], project_name=name, settings=settings)
    pid = project_id(api, name)
    task = api.post(f"/v1/projects/{pid}/download", {"format": "JSONL", "exportApproved": False})
    deadline = time.monotonic() + 120
    while not api.get(f"/v1/tasks/status/{task['task_id']}").get("ready"):
        assert time.monotonic() < deadline, "the doccano worker did not run the export"
        time.sleep(0.5)
    resp = api.request("GET", f"/v1/projects/{pid}/download", params={"taskId": task["task_id"]})
    with zipfile.ZipFile(io.BytesIO(resp.content)) as archive:
        (line,) = archive.read("all.jsonl").decode("utf-8").splitlines()
    record = json.loads(line)
    exported = parse_gold_record(record, "export")
    assert exported.id == "don_a"
    assert annotation_fingerprint(exported) == annotation_fingerprint(gold(DOC_A))


def test_pull_rejects_annotations_against_the_schema(settings, api):
    name = "relief invalid"
    push([gold(DOC_A)], project_name=name, settings=settings)
    pid = project_id(api, name)
    example = examples_by_doc(api, pid)["don_a"]
    spans = {(s["start_offset"], s["end_offset"]): s["id"] for s in api.spans(pid, example["id"])}
    kinds = {t["text"]: t["id"] for t in api.relation_types(pid)}
    # Party → party: doccano allows it, the schema does not.
    api.post(
        f"/v1/projects/{pid}/examples/{example['id']}/relations",
        {"from_id": spans[(20, 25)], "to_id": spans[(0, 12)], "type": kinds["PROVIDER"]},
    )
    with pytest.raises(CorpusError, match=r"example \d+.*must go from a measure"):
        pull(project_name=name, settings=settings)


def test_unreachable_server_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(DoccanoUnreachable, match="cannot reach the doccano server at " + url):
        pull(project_name="x", settings=DoccanoSettings(url, timeout=5))


def test_wrong_password_is_a_clear_error(doccano):
    bad = DoccanoSettings(doccano.url, doccano.username, "not-the-password")
    with pytest.raises(DoccanoAuthError, match="wrong username or password"):
        push([gold(DOC_A)], project_name="never created", settings=bad)
    assert isinstance(DoccanoAuthError("x"), DoccanoError)


def test_missing_project_is_a_clear_error(settings):
    with pytest.raises(DoccanoError, match="no project named 'does not exist'"):
        pull(project_name="does not exist", settings=settings)


# -- without a server ------------------------------------------------------------------


def test_settings_from_options_environment_and_defaults():
    env = {
        "RELIEF_NER_DOCCANO_URL": "http://127.0.0.1:9000/",
        "RELIEF_NER_DOCCANO_USER": "ann",
        "RELIEF_NER_DOCCANO_PASSWORD": "s3cret",
    }
    assert DoccanoSettings.from_env(environ=env) == DoccanoSettings("http://127.0.0.1:9000", "ann", "s3cret")
    assert DoccanoSettings.from_env("http://127.0.0.1:1", password="p", environ=env) == DoccanoSettings(
        "http://127.0.0.1:1", "ann", "p"
    )
    assert DoccanoSettings.from_env(environ={}) == DoccanoSettings("http://127.0.0.1:8000", "admin", "password")
    assert "s3cret" not in repr(DoccanoSettings.from_env(environ=env))


def _pulled(record: Dict[str, Any], pushed: GoldDoc = None) -> GoldDoc:
    doc = gold(record)
    doc.meta["doccano"] = {"example_id": 7, "pushed_sha": annotation_fingerprint(pushed) if pushed else None}
    return doc


@pytest.mark.parametrize(
    "local, remote, pushed, outcome",
    [
        (DOC_B, DOC_B, DOC_B, "unchanged"),
        (DOC_B, DOC_B_EDITED, DOC_B, "taken"),
        (DOC_B_EDITED, DOC_B, DOC_B, "kept_local"),
        (DOC_B_EDITED, DOC_A | {"id": "don_b", "text": TEXT_B, "entities": [], "relations": []}, DOC_B, "conflict"),
        (DOC_B, DOC_B_EDITED, None, "conflict"),
    ],
)
def test_merge_rules(local, remote, pushed, outcome):
    result = merge(
        [gold(local), gold(DOC_A)],
        [_pulled(remote, gold(pushed) if pushed else None), _pulled(DOC_A | {"id": "don_new"})],
    )
    assert result.added == ["don_new"] and result.not_in_doccano == ["don_a"]
    assert [d.id for d in result.docs] == ["don_b", "don_a", "don_new"]
    assert "doccano" not in result.docs[2].meta  # server state never reaches the gold
    got = {
        "unchanged": result.unchanged,
        "taken": result.taken,
        "kept_local": list(result.kept_local),
        "conflict": [c.doc_id for c in result.conflicts],
    }
    assert got[outcome] == ["don_b"]
    assert sum(len(v) for v in got.values()) == 1
    expected = remote if outcome == "taken" else local
    assert result.docs[0].to_json() == gold(expected).to_json()


def test_merge_keeps_checked_values_and_never_mutates_inputs():
    local = gold(DOC_A)
    local.entities[1] = replace(local.entities[1], approx=True)  # checked by hand
    remote = _pulled({**DOC_A, "relations": DOC_A["relations"][:2]}, gold(DOC_A))
    remote.entities[1].approx = False  # the normaliser's view
    before = json.dumps(remote.to_json(), ensure_ascii=False)
    local_sha = annotation_fingerprint(local)
    assert local_sha == annotation_fingerprint(gold(DOC_A))  # values are not in the sha
    result = merge([local], [remote])
    assert result.taken == ["don_a"]
    assert result.docs[0].entity(2).approx is True
    assert len(result.docs[0].relations) == 2 and result.docs[0].meta == {"batch": "t1"}
    assert json.dumps(remote.to_json(), ensure_ascii=False) == before


# -- the command line --------------------------------------------------------------------


def test_cli_push_with_model_then_pull_into_a_corpus(settings, tmp_path, monkeypatch):
    """`relief-ner annotate push --model rules` uploads the pipeline's output as
    pre-annotations; `pull` brings it back into a corpus folder as stand-off gold."""
    import relief_ner
    from typer.testing import CliRunner

    from relief_ner.commands import app
    from relief_ner.corpus import TextStore
    from relief_ner.corpus.project import CorpusLayout, load_corpus

    texts = tmp_path / "texts"
    (texts / "news").mkdir(parents=True)
    text = "州住建局协调浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。\n"
    (texts / "news" / "news_9001.txt").write_text("# source: http://example.org\n" + text, encoding="utf-8")
    monkeypatch.setenv("RELIEF_NER_DOCCANO_URL", settings.url)
    monkeypatch.setenv("RELIEF_NER_DOCCANO_USER", settings.username)
    monkeypatch.setenv("RELIEF_NER_DOCCANO_PASSWORD", settings.password)
    runner = CliRunner()
    pushed = runner.invoke(
        app, ["annotate", "push", str(texts / "news" / "news_9001.txt"), "--project", "cli-model", "--model", "rules"]
    )
    assert pushed.exit_code == 0, pushed.output
    root = tmp_path / "proj"
    pulled = runner.invoke(
        app, ["annotate", "pull", "--project", "cli-model", "--root", str(root), "--texts", str(texts)]
    )
    assert pulled.exit_code == 0, pulled.output
    (doc,) = load_corpus(CorpusLayout(root), TextStore(texts))
    expected = relief_ner.load("rules")(text)
    assert [(e.start, e.end, e.label) for e in doc.entities] == [
        (e.start_char, e.end_char, e.label_) for e in expected.ents
    ]
    assert len(doc.relations) == len(expected._.relations)
    # a second pull changes nothing and reports no conflict
    again = runner.invoke(
        app, ["annotate", "pull", "--project", "cli-model", "--root", str(root), "--texts", str(texts)]
    )
    assert again.exit_code == 0 and "0 conflicts" in again.output


# -- credentials -------------------------------------------------------------------------


def test_generated_password_is_private(doccano):
    import stat

    assert doccano.generated_password and doccano.password != "password"
    work = doccano.workdir
    assert stat.S_IMODE(work.stat().st_mode) == 0o700
    for name in ("credentials.json", "db.sqlite3", "secret_key", "logs/init.log", "logs/web.log"):
        assert stat.S_IMODE((work / name).stat().st_mode) == 0o600, name
    for log in (work / "logs").iterdir():
        assert doccano.password not in log.read_text(errors="replace"), log
    assert json.loads((work / "credentials.json").read_text())["password"] == doccano.password


def test_password_from_the_environment_is_set_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("RELIEF_NER_DOCCANO_PASSWORD", "from-the-env-7")
    first = start_server(tmp_path / "w", worker=False)
    try:
        assert first.password == "from-the-env-7" and not first.generated_password
        assert isinstance(DoccanoClient(first.settings()).projects(), list)  # the password works
    finally:
        first.stop()
    monkeypatch.delenv("RELIEF_NER_DOCCANO_PASSWORD")
    second = start_server(tmp_path / "w", worker=False)
    try:
        assert second.password == "from-the-env-7" and not second.generated_password
        assert isinstance(DoccanoClient(second.settings()).projects(), list)
        log = (tmp_path / "w" / "logs" / "init.log").read_text()
        assert log.count("doccano user admin") == 1  # not reset on the second start
        assert "from-the-env-7" not in log
    finally:
        second.stop()
