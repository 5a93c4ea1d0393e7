import json

from typer.testing import CliRunner

from relief_ner.commands import app


def test_bench_reports_every_batch_size_on_all_characters(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    texts = ["甲公司捐款5万元给乙村。", "丙集团向丁村捐赠20户。" * 3, "明东村"]
    for i, t in enumerate(texts):
        (news / f"news_{i:04d}.txt").write_text(f"# source: u{i}\n{t}", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["bench", "-m", "rules", "--texts", str(tmp_path), "--batch-size", "1", "--batch-size", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documents"] == 3
    assert [r["batch_size"] for r in report["runs"]] == [1, 2]
    for run in report["runs"]:
        assert run["chars"] == sum(len(t) for t in texts)
        assert run["peak_rss_mb"] > 0 and run["chars_per_s"] > 0


def test_bench_runs_several_worker_processes(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    texts = ["甲公司捐款5万元给乙村。"] * 6
    for i, t in enumerate(texts):
        (news / f"news_{i:04d}.txt").write_text(f"# source: u{i}\n{t}", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["bench", "-m", "rules", "--texts", str(tmp_path), "--batch-size", "2", "--processes", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    (run,) = json.loads(result.stdout)["runs"]
    assert run["processes"] == 2 and run["chars"] == sum(len(t) for t in texts)
    assert run["worker_peak_rss_mb"] > 0


def test_bench_without_texts_fails_clearly(tmp_path):
    result = CliRunner().invoke(app, ["bench", "-m", "rules", "--texts", str(tmp_path)])
    assert result.exit_code == 2 and "no news/*.txt" in result.output
