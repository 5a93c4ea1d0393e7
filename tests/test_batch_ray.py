"""The Ray Data engine on a local Ray instance gives the single-process output."""

import json

import pytest
from typer.testing import CliRunner

from relief_ner.batch.synthetic import iter_feed, long_document
from relief_ner.commands import app

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")
SENT = "浙江某某集团投资30万元为明东村修建道路。"


@pytest.fixture(scope="module")
def local_ray():
    ray.init(
        num_cpus=2,
        object_store_memory=120 * 1024 * 1024,
        include_dashboard=False,
        logging_level="WARNING",
        log_to_driver=False,
    )
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray_in")
    lines = [json.dumps(item, ensure_ascii=False) for item in iter_feed(60, seed=2)]
    lines.insert(10, "{broken")
    lines.append(json.dumps({"id": "long", "text": long_document(6000, seed=4), "feed": "x"}, ensure_ascii=False))
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "a.txt").write_text("# source: http://example.org/a\n" + SENT, encoding="utf-8")
    (root / "gbk.txt").write_bytes(SENT.encode("gbk"))
    return root


def _run(args):
    return CliRunner().invoke(app, ["extract", *args, "-m", "rules", "--batch-size", "8", "--window", "500", "-q"])


def _by_id(path):
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows), "duplicates"
    return {r["id"]: r for r in rows}


def _errors(path):
    return sorted(path.read_text(encoding="utf-8").splitlines())


def test_ray_output_equals_single_process_and_resumes(local_ray, inputs, tmp_path):
    local = tmp_path / "local.jsonl"
    assert _run([str(inputs), "-o", str(local)]).exit_code == 1
    expected = _by_id(local)
    assert len(expected) == 62 and len(expected["long"]["records"]) > 20

    on_ray = tmp_path / "ray.jsonl"
    result = _run([str(inputs), "-o", str(on_ray), "--engine", "ray", "--concurrency", "2"])
    assert result.exit_code == 1, result.output
    assert _by_id(on_ray) == expected
    assert _errors(tmp_path / "ray.errors.jsonl") == _errors(tmp_path / "local.errors.jsonl")

    # resume on Ray: half of the documents are done already
    resumed = tmp_path / "resumed.jsonl"
    done = local.read_text(encoding="utf-8").splitlines()[::2]
    resumed.write_text("\n".join(done) + "\n", encoding="utf-8")
    result = _run([str(inputs), "-o", str(resumed), "--engine", "ray", "--resume"])
    assert f"{len(done):,} already done" in result.output
    assert _by_id(resumed) == expected


def test_ray_refuses_stdin(local_ray):
    result = CliRunner().invoke(app, ["extract", "-", "-m", "rules", "--engine", "ray"], input=SENT)
    assert result.exit_code == 2 and "not stdin" in result.output
