"""Publication dates: metadata, datelines, timestamps, URLs, and the year of a dateline
that has none. The sentences are invented for these tests."""

import datetime as dt

import pytest

from relief_ner.store.dates import HEAD_CHARS, date_in_url, parse_date_string, publication_date

TODAY = dt.date(2026, 12, 7)
BODY = "某某集团向明东村捐赠30万元，用于修建道路。"


def date_of(text, extra=None, url=None, reference=TODAY):
    return publication_date(text, extra, url, reference=reference)


@pytest.mark.parametrize(
    "value,day,time",
    [
        ("Mon, 02 Nov 2026 08:00:00 GMT", dt.date(2026, 11, 2), "08:00"),
        ("2022-06-02T09:17:00+08:00", dt.date(2022, 6, 2), "09:17"),
        ("2022-06-02", dt.date(2022, 6, 2), None),
        ("2022年6月2日 09:17", dt.date(2022, 6, 2), "09:17"),
        ("2016/8/17", dt.date(2016, 8, 17), None),
        ("２０２２-０６-０２", dt.date(2022, 6, 2), None),
    ],
)
def test_metadata_strings(value, day, time):
    assert parse_date_string(value) == (day, time)


@pytest.mark.parametrize("value", ["yesterday", "", "1970-01-01", "2022-13-40"])
def test_unreadable_or_placeholder_metadata(value):
    assert parse_date_string(value) is None


def test_feed_published_wins_over_the_text():
    found = date_of("本报北京3月1日电 " + BODY, {"feed": "today.rss", "published": "Mon, 02 Nov 2026 08:00:00 GMT"})
    assert (found.date, found.source, found.time) == (dt.date(2026, 11, 2), "feed", "08:00")
    assert found.evidence == "published=Mon, 02 Nov 2026 08:00:00 GMT"


def test_html_metadata_date():
    found = date_of(BODY, {"date": "2022-06-02", "title": "t"})
    assert (found.date, found.source, found.year_from) == (dt.date(2022, 6, 2), "metadata", "explicit")


def test_an_unreadable_field_falls_through_to_the_text():
    found = date_of("2021年3月5日讯 " + BODY, {"published": "soon"})
    assert (found.date, found.source) == (dt.date(2021, 3, 5), "dateline")


def test_dateline_year_from_the_url():
    text = "人民网贺州10月31日电（记者 某某）" + BODY
    found = date_of(text, url="http://example.org/content/2021-11/01/c123.html")
    assert (found.date, found.source, found.year_from) == (dt.date(2021, 10, 31), "dateline", "url")
    assert text[found.start : found.end] == found.evidence == "10月31日电"


def test_dateline_year_from_a_full_date_near_the_top():
    text = "发布时间：2019-11-02\n本报讯 新华社兰州11月1日电 " + BODY
    found = date_of(text)
    assert (found.date, found.year_from) == (dt.date(2019, 11, 1), "text")


def test_dateline_year_from_the_years_the_text_names():
    text = "本报7月3日讯 2020年是脱贫攻坚收官之年。2019年以来，" + BODY + "到2025年，全村将实现新目标。"
    found = date_of(text)
    assert (found.date, found.year_from) == (dt.date(2020, 7, 3), "text")


@pytest.mark.parametrize(
    "dateline,day",
    [
        ("11月30日电", dt.date(2026, 11, 30)),
        ("12月20日电", dt.date(2025, 12, 20)),  # after the reference day: last year
    ],
)
def test_dateline_without_context_takes_the_reference_year(dateline, day):
    found = date_of("本报昆明" + dateline + " " + BODY)
    assert (found.date, found.year_from) == (day, "reference")


@pytest.mark.parametrize(
    "text,day",
    [
        ("2022年6月2日讯 " + BODY, dt.date(2022, 6, 2)),
        ("新华社十月三十一日电 " + BODY + "2018年", dt.date(2018, 10, 31)),
        ("新华社１０月３１日电 " + BODY + "2018年", dt.date(2018, 10, 31)),
        ("中新网6月2日消息 " + BODY + "2018年", dt.date(2018, 6, 2)),
    ],
)
def test_dateline_forms(text, day):
    found = date_of(text)
    assert (found.date, found.source) == (day, "dateline")


def test_electricity_is_not_a_dateline():
    assert date_of("截至10月31日电商平台销售额增长。" + BODY) is None


@pytest.mark.parametrize(
    "stamp,day,time",
    [
        ("2022-06-02 09:17", dt.date(2022, 6, 2), "09:17"),
        ("2022年8月4日16:47", dt.date(2022, 8, 4), "16:47"),
        ("2016/8/17 10:04", dt.date(2016, 8, 17), "10:04"),
    ],
)
def test_timestamps_near_the_top(stamp, day, time):
    text = f"乡村振兴新闻\n来源：某某网 {stamp}\n{BODY}"
    found = date_of(text)
    assert (found.date, found.source, found.time) == (day, "timestamp", time)
    assert text[found.start : found.end] == stamp


@pytest.mark.parametrize(
    "url,day",
    [
        ("http://szb.example.com/content/2019-11/20/025126.html", dt.date(2019, 11, 20)),
        ("http://www.example.com/content/2017/12/27/8776286.html", dt.date(2017, 12, 27)),
        ("http://www.example.gov.cn/sjx/202207/t20220721_3101232.html", dt.date(2022, 7, 21)),
        ("http://xtrb.example.cn/xtrbpc/content/202102/02/c45586.html", dt.date(2021, 2, 2)),
        ("http://example.com/a/2016/8/17/1.html", dt.date(2016, 8, 17)),
        ("http://example.com/news/1970-01-01/35245.html", None),
        ("http://example.com/news/show.php?itemid=26534", None),
        ("http://2019.example.com/news/2019123456789.html", None),
    ],
)
def test_dates_in_urls(url, day):
    assert date_in_url(url) == day


def test_url_date_when_the_text_has_none():
    found = date_of(BODY, url="http://example.com/content/2019-11/20/025126.html")
    assert (found.date, found.source) == (dt.date(2019, 11, 20), "url")


def test_a_clause_opening_date_needs_a_year_from_context():
    text = "5月31日，" + BODY
    found = date_of(text, url="http://example.com/shehui/2021/167894.html")
    assert (found.date, found.source, found.year_from) == (dt.date(2021, 5, 31), "text", "url")
    # alone, an event date says nothing about the year the report appeared
    assert date_of(text) is None


def test_only_the_head_is_read():
    text = "。" * HEAD_CHARS + "新华社兰州10月17日电 2022年"
    assert date_of(text) is None


def test_no_date_at_all():
    assert date_of(BODY) is None
