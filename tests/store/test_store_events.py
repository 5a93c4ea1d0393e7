"""One event per story: the same assistance told by two reports is one event, different
assistance is not; the rule's chain, undated records, order independence, and a rule
change. The sentences are invented for these tests."""

import datetime as dt
import json
import random

from typer.testing import CliRunner

import relief_ner.store
from relief_ner.commands import app
from relief_ner.store.events import EventRule, Member, assign_events
from relief_ner.store.parties import amount_key, display_region, party_key, region_parts

SAME_A = "浙江某某集团向明东村捐赠30万元，用于修建道路。"
SAME_B = "据了解，浙江某某集团向明东村捐赠了30万元。"
OTHER = "江苏恒达实业有限公司向明东村捐赠50万元，帮助20户困难群众。"
DOCS = [
    {"id": "a", "text": SAME_A, "published": "2026-11-02", "source": "http://example.org/a"},
    {"id": "b", "text": SAME_B, "published": "2026-11-04", "source": "http://example.org/b"},
    {"id": "c", "text": OTHER, "published": "2026-11-03", "source": "http://example.org/c"},
    {"id": "d", "text": SAME_A, "published": "2026-12-20", "source": "http://example.org/d"},
]


def day(n):
    return dt.date(2026, 1, 1) + dt.timedelta(days=n)


def test_a_chain_of_close_dates_is_one_event_and_a_gap_splits():
    members = [Member("x", 0, day(0)), Member("y", 0, day(6)), Member("z", 0, day(12)), Member("w", 0, day(30))]
    events = assign_events("block", members, EventRule(max_days=7))
    assert events[("x", 0)] == events[("y", 0)] == events[("z", 0)] != events[("w", 0)]
    strict = assign_events("block", members, EventRule(max_days=5))
    assert len(set(strict.values())) == 4


def test_undated_records_join_the_only_event_or_stay_apart():
    one = assign_events("b", [Member("x", 0, day(0)), Member("u", 0, None)], EventRule())
    assert one[("x", 0)] == one[("u", 0)]
    two = assign_events(
        "b", [Member("x", 0, day(0)), Member("y", 0, day(40)), Member("u", 0, None), Member("v", 0, None)], EventRule()
    )
    assert len({two[("x", 0)], two[("y", 0)], two[("u", 0)]}) == 3 and two[("u", 0)] == two[("v", 0)]


def test_event_ids_do_not_depend_on_order():
    members = [Member(f"d{i}", i % 2, day(i * 3)) for i in range(12)]
    expected = assign_events("b", members, EventRule())
    for seed in range(5):
        shuffled = members[:]
        random.Random(seed).shuffle(shuffled)
        assert assign_events("b", shuffled, EventRule()) == expected


def _extract(db, docs, tmp_path, *args):
    feed = tmp_path / f"feed-{random.random()}.jsonl"
    feed.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(feed), "--db", db, "-m", "rules", "-q", *args])
    assert result.exit_code == 0, result.output
    return result


def _events(db):
    with relief_ner.store.open(db) as store:
        records = store.records()
        return dict(zip(records["doc_id"], records["event_id"])), store.events()


def test_the_same_donation_in_two_reports_is_one_event(db_url, tmp_path):
    _extract(db_url, DOCS, tmp_path)
    event, events = _events(db_url)
    assert event["a"] == event["b"]
    assert event["c"] != event["a"]
    assert event["d"] != event["a"]  # the same words seven weeks later: another donation
    assert len(events) == 3
    merged = events.set_index("event_id").loc[event["a"]]
    assert (merged["n_records"], merged["n_documents"]) == (2, 2)
    assert merged["doc_ids"] == ["a", "b"]
    assert merged["source_urls"] == ["http://example.org/a", "http://example.org/b"]
    assert merged["first_published"] == dt.datetime(2026, 11, 2)
    assert merged["last_published"] == dt.datetime(2026, 11, 4)
    # totals per event: the 30万元 told twice counts once
    assert events["money_cny"].sum() == 300000 + 500000 + 300000


def test_stored_event_ids_do_not_depend_on_the_order_of_documents(db_url, tmp_path):
    _extract(db_url, [DOCS[3], DOCS[1]], tmp_path)
    _extract(db_url, [DOCS[2], DOCS[0]], tmp_path)
    event, _ = _events(db_url)
    other = str(tmp_path / "other.sqlite")
    _extract(other, DOCS, tmp_path)
    assert event == _events(other)[0]


def test_a_new_rule_recomputes_and_a_reread_document_leaves_its_event(db_url, tmp_path):
    _extract(db_url, DOCS, tmp_path)
    _extract(db_url, [], tmp_path, "--event-days", "60")
    event, events = _events(db_url)
    assert event["a"] == event["b"] == event["d"] and len(events) == 2
    with relief_ner.store.open(db_url) as store:
        assert store.event_rule() == EventRule(max_days=60)
    # report b now gives another amount: it is not the same story any more
    changed = dict(DOCS[1], text=SAME_B.replace("30万元", "40万元"))
    _extract(db_url, [changed], tmp_path, "--event-days", "60")
    event, events = _events(db_url)
    assert event["a"] == event["d"] != event["b"] and len(events) == 3


def test_keys_and_regions_with_and_without_resolved_places():
    village = {"code": "222405105200", "level": "village", "name": "明东村"}
    assert (
        party_key([{"text": "明东村", "label": "LOC", "place": village}])
        == party_key([{"text": "明东村村委会", "label": "LOC", "place": village}])
        == "@222405105200"
    )
    # an organisation's place is where it is, not who it is
    province = {"code": "330000000000", "level": "province", "name": "浙江省"}
    assert party_key([{"text": "浙江某某集团", "label": "ORG", "place": province}]) != party_key(
        [{"text": "浙江恒达集团", "label": "ORG", "place": province}]
    )
    assert party_key([{"text": "Ｂ公司", "label": "ORG"}, {"text": "“A公司”", "label": "ORG"}]) == "A公司|B公司"
    assert amount_key(300000.0, None, []) == amount_key(300000.4, 5.0, []) == "CNY:300000"
    assert amount_key(None, None, [{"value": 20.0, "unit": "户"}]) == "COUNT:20户"
    assert region_parts(province) == ("330000000000", "浙江省")
    assert region_parts({"code": "5101", "names": ["成都市", "成都"]}) == ("5101", "成都市")
    assert region_parts("贵州省") == (None, "贵州省")
    assert display_region("222405105200", "明东村", []) == "吉林"
    assert display_region(None, "贵州省", []) == "贵州"
    assert display_region(None, None, [{"text": "广东某某公司"}]) == "广东"
    assert display_region(None, None, [{"text": "某某村"}]) == "未知"
