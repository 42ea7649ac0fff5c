"""A date's year and status come from its own phrase, Duckling-style: a corpus of notes, each with the
reference it is said at and the (date, status) every day in it must get.

NOTES_SCHEMA: M月D日 before the reference moves to next year unless the clause reports a past event. The
past verb must be the date's own (1月5号已经发货了), never another phrase's (定了30件 1月5号前发货): a
promise read as last year's is a promise lost (no to-do, no reminder).
"""
from __future__ import annotations

from datetime import datetime

import pytest

from nlu.dates import find_days
from nlu.parser import parse

DEC = "2026-12-08"  # a Tuesday in December: next January's dates are before the reference's day of year
JAN = "2027-01-10"

PROMISES = [  # a past verb elsewhere in the note; the date's own phrase is a commitment still ahead
    (DEC, "拜访了华北钢构 采购黄经理 定了H型钢支架30件 1月5号前发货", [("2027-01-05", "planned")]),
    (DEC, "张总下单了 B型号20台 1月20号到货", [("2027-01-20", "planned")]),
    (DEC, "今天签了合同 1月8号付首款", [("2026-12-08", "reported"), ("2027-01-08", "planned")]),
    (DEC, "今天签了合同，1月8号付首款", [("2026-12-08", "reported"), ("2027-01-08", "planned")]),
    (DEC, "今天签了合同1月8号付首款", [("2026-12-08", "reported"), ("2027-01-08", "planned")]),
    (DEC, "刘经理订了两百箱 2月3号之前送到仓库", [("2027-02-03", "planned")]),
    (DEC, "已经谈妥了 一月十五号安装调试", [("2027-01-15", "planned")]),
    (DEC, "见过李总了 3月1日开始试用", [("2027-03-01", "planned")]),
    (DEC, "签了合同 周五到货", [("2026-12-11", "planned")]),
    ("2026-07-20", "昨天下单了五十台 3月1号前交货", [("2026-07-19", "reported"), ("2027-03-01", "planned")]),
]

REPORTS = [  # the date's own phrase reports the past: it stays in the past, reported
    (JAN, "1月5号已经发货了", [("2027-01-05", "reported")]),
    (DEC, "1月5号已经发货了", [("2026-01-05", "reported")]),
    (DEC, "上周五见过面", [("2026-12-04", "reported")]),
    (DEC, "周五见过面", [("2026-12-04", "reported")]),
    (DEC, "11月20号送的货有问题", [("2026-11-20", "reported")]),
    (DEC, "11月20号发货的那批有问题", [("2026-11-20", "reported")]),
    (DEC, "3月1号 拜访了客户", [("2026-03-01", "reported")]),
    (DEC, "上次3月1日来过", [("2026-03-01", "reported")]),
    (DEC, "客户说 3月1号送了样品", [("2026-03-01", "reported")]),
    (DEC, "签了合同，11月30号付了首款", [("2026-11-30", "reported")]),
    # the spaces around an English word are no pause: 开了 is still the date's own verb
    ("2026-11-22", "11月20号跟 Acme 的 buyer Tom 开了视频会", [("2026-11-20", "reported")]),
]

UNMARKED = [  # no past verb anywhere: a day already passed this year is next year's (the schema's rule)
    (DEC, "张总要B型号20台 1月20号到货", [("2027-01-20", "planned")]),
    (DEC, "1月5号前发货", [("2027-01-05", "planned")]),
]


def _param(rows):
    return [pytest.param(ref, text, expected, id=f"{ref}-{text}") for ref, text, expected in rows]


def _ref(day: str) -> datetime:
    return datetime.fromisoformat(day + "T10:00:00+08:00")


@pytest.mark.parametrize("ref,text,expected", _param(PROMISES + REPORTS + UNMARKED))
def test_year_and_status_come_from_the_dates_own_phrase(ref, text, expected):
    got = [(d["date"], d["status"]) for d in parse(text, ref=_ref(ref))["dates"]]
    assert sorted(got) == sorted(expected), text


@pytest.mark.parametrize("ref,text,expected", _param(PROMISES + REPORTS + UNMARKED))
def test_find_days_gives_the_same_year(ref, text, expected):
    assert sorted(d.date.isoformat() for d in find_days(text, _ref(ref))) == sorted(v for v, _ in expected)
