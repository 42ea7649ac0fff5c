"""The time resolver, Duckling-style: a corpus of phrases grouped by the value they must resolve to
against a fixed reference time, one test per phrase, and a negative corpus that must give no date.

Reference: Wednesday 2026-03-04 10:00 in Asia/Shanghai (the week runs Monday 03-02 to Sunday 03-08).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu import holidays
from nlu.dates import DayMention, TimeValue, find_days, find_times, reports_past

CST = timezone(timedelta(hours=8))
REF = datetime(2026, 3, 4, 10, 0, tzinfo=CST)


def _group(corpus: list) -> list:
    """(value, phrases) pairs -> one test parameter per phrase."""
    return [pytest.param(phrase, value, id=f"{value}-{phrase}") for value, phrases in corpus
            for phrase in phrases]


# --- find_days: NOTES_SCHEMA.md's resolution table -----------------------------------------

DAYS = [
    # 今天/今晚, 明天, 后天, 大后天, 昨天; clock times and parts of day fold into the day
    ("2026-03-04", ["今天", "今晚", "今晚八点", "今天下午三点", "今天拜访了张总", "今天下午送货", "這週三", "本周三"]),
    ("2026-03-05", ["明天", "明早", "明天下午送", "明天上午10点到", "聽日", "周四", "星期四", "禮拜四", "这周四"]),
    ("2026-03-06", ["后天", "後天", "过两天", "这周五之前", "這週五之前", "周五前", "礼拜五", "本周五"]),
    ("2026-03-07", ["大后天", "周末", "这周末", "这周六之前", "本周六前", "三天后", "三天内", "3天之内", "三日后"]),
    ("2026-03-03", ["昨天", "昨晚"]),
    ("2026-03-02", ["前天", "这周一", "本周一"]),
    # bare 周X: the next X strictly after r; 下周X: X of next week; 下下周X: the week after
    ("2026-03-11", ["下周三", "下週三", "下星期三", "下礼拜三", "下個禮拜三", "周三", "一周后", "一周内", "7天后"]),
    ("2026-03-09", ["下周一", "下周一之前", "周一", "星期一", "下周一前必须到"]),
    ("2026-03-16", ["下下周一", "下下週一"]),
    ("2026-03-18", ["下下周三", "两周后", "两周内", "兩週後", "14天后", "过两周"]),
    ("2026-03-14", ["下周末", "下周六"]),
    # 月底 / 月初 / X月中 / 年底
    ("2026-03-31", ["月底", "这个月底", "月底前", "本月底", "3月底", "三月底", "月末"]),
    ("2026-04-30", ["下个月底", "下个月底之前", "4月底", "四月底"]),
    ("2026-04-01", ["月初", "下个月初", "下月初", "4月初", "下个月1号"]),
    ("2026-04-15", ["4月中", "四月中"]),
    ("2026-12-31", ["年底", "今年年底", "年底前", "今年底", "12月31日"]),
    # N号: this month when N >= r's day, else next month
    ("2026-03-15", ["十五号", "15号", "15號", "3月15日", "3月15号", "3月15號", "3.15", "三月十五日", "3月15号前",
                   "3月15日之前", "2026年3月15日", "2026-03-15", "十五号左右发货",
                   # M.D at a sentence's end, after another clause's amount, or after a word holding 合
                   "Sample ship by 3.15.", "28元/米，3.15 首批发货", "合同3.15签", "改了版，3.15前定标"]),
    ("2026-04-02", ["2号", "二号", "下个月2号"]),
    ("2026-04-10", ["下个月10号", "下月十号", "4月10号"]),
    # M月D日 before r: next year, unless the clause reports a past event
    ("2027-03-01", ["3月1日", "3月1号", "三月一号", "3月1日发货"]),
    ("2027-01-15", ["明年1月15日", "1月15日前到"]),
    # N个月后 / 半个月后
    ("2026-03-19", ["半个月后", "半个月内", "15天后"]),
    ("2026-04-04", ["一个月后", "1个月后", "一个月内"]),
    ("2026-05-04", ["两个月后", "两个月内"]),
    # holidays: the first official holiday day of the next one; 前 = the day before the period,
    # 后 = the first working day after it (2026: 清明 04-04..06, 劳动节 05-01..05, 端午 06-19..21,
    # 中秋 09-25..27, 国庆 10-01..07; 2027 is not in chinese_calendar: the lunar fallback)
    ("2026-10-01", ["国庆", "国庆节", "國慶節"]),
    ("2026-09-30", ["国庆前", "国庆节前", "国庆之前", "十一前", "国庆放假前"]),
    ("2026-10-08", ["国庆后", "国庆节后", "國慶節後", "国庆之后", "国庆以后", "十一后", "国庆假期后"]),
    ("2026-05-01", ["五一", "劳动节", "勞動節", "五一劳动节"]),
    ("2026-04-30", ["五一前", "劳动节前"]),
    ("2026-05-06", ["五一后", "劳动节后", "五一之后"]),
    ("2026-04-04", ["清明", "清明节"]),
    ("2026-04-03", ["清明前"]),
    ("2026-04-07", ["清明后", "清明节后"]),
    ("2026-06-19", ["端午", "端午节"]),
    ("2026-06-18", ["端午前", "端午节前"]),
    ("2026-09-25", ["中秋", "中秋节"]),
    ("2026-09-28", ["中秋后", "中秋节后"]),
    ("2027-01-01", ["元旦", "元旦节"]),
    ("2026-12-31", ["元旦前"]),
    ("2027-01-04", ["元旦后"]),
    ("2027-02-05", ["春节", "春節"]),
    ("2027-02-04", ["春节前"]),
    ("2027-02-12", ["春节后", "春节以后"]),
    ("2026-06-01", ["六一", "儿童节"]),
    # lunar days (正月 / 腊月 / 农历…): the next one on or after r
    ("2027-02-13", ["正月初八", "大年初八", "正月初八开工"]),
    ("2027-01-30", ["腊月二十三"]),
    # a lunar month's part: its last day (腊月底 is 除夕), its first, its 15th
    ("2027-02-05", ["腊月底", "腊月底前到货", "腊月末"]),
    ("2026-03-18", ["正月底", "正月底之前签合同"]),  # r is in 正月 of 2026
    ("2027-02-06", ["正月初开工"]),
    ("2026-09-25", ["农历八月中", "农历八月十五"]),
    # 元月 is January
    ("2027-01-15", ["元月十五号", "元月15日前回款"]),
    ("2027-01-31", ["元月底", "元月底付款"]),
    ("2026-03-15", ["15日前交货"]),  # by the 15th, not "15 days ago"
]


@pytest.mark.parametrize("phrase,value", _group(DAYS))
def test_day_corpus(phrase, value):
    days = find_days(phrase, REF)
    assert [d.date.isoformat() for d in days] == [value], phrase


REPORTED = [  # the clause reports a past event: the date stays in the past
    ("2026-03-01", ["3月1日已经发货了", "上次3月1日来过", "3月1号送了样品", "三月一号已经签约"]),
    ("2026-03-02", ["2号送了货", "周一送了样品"]),
    ("2026-02-27", ["上周五已经付款"]),
]


@pytest.mark.parametrize("phrase,value", _group(REPORTED))
def test_reported_dates_stay_past(phrase, value):
    assert [d.date.isoformat() for d in find_days(phrase, REF)] == [value]


@pytest.mark.parametrize("phrase", ["3月1日已经发货了", "今天拜访了张总", "上次聊过"])
def test_reports_past(phrase):
    assert reports_past(phrase, 0, 2)


@pytest.mark.parametrize("phrase", ["3月1日发货", "明天送货", "下周三签合同"])
def test_planned_is_not_reported(phrase):
    assert not reports_past(phrase, 0, 2)


NO_DAY = [
    # vague
    "近期", "最近", "过段时间", "过几天", "下次", "下周", "下下周", "下个月", "3月份", "三月份", "上旬", "中旬",
    "下旬", "九月中旬", "年后", "年前", "明年", "今年", "开学前", "秋收以后", "国庆后第一周", "春节后头几天",
    "国庆前后", "春节期间", "国庆假期", "这几天", "前两天", "明年三月份再说", "明后天", "6月中下旬", "过完年",
    # durations and lead times
    "要等三周", "货期45天", "交期要四十天", "试用期两周", "试用一个月", "三年质保", "先放一台三个月",
    "至少三个月", "一个月大概四十车", "先做两周POC", "送半年运维",
    # counted from an event, recurring, or not a date at all
    "签约后一周内到账", "收到货后三天内付款", "每周一送货", "每月底结账", "春节团购", "中秋礼盒", "次日达",
    # clock times and parts of day alone, and numbers that only look like times or days
    "下午三点", "晚上十点以后", "12周一次", "2周一次", "上午", "便宜一点", "降五个点", "有两点要求", "三点五万", "A3号楼",
    "租金3000元月", "二百元月薪", "正月中国外客户来", "腊月里",
    "地铁3号线", "X3型号", "5号电池两百节", "20号钢", "8号仓库", "单价3.15元", "报价3.15", "单价13.25.", "合计3.15", "约3.15", "一日三餐", "百分之三点五",
]


@pytest.mark.parametrize("phrase", NO_DAY)
def test_no_day(phrase):
    assert find_days(phrase, REF) == []


def test_day_mentions_keep_original_offsets():
    text = "嗯 戴总 说 这周五 之前 再报一次"
    (day,) = find_days(text, REF)
    assert day == DayMention("这周五 之前", 7, 13, date(2026, 3, 6))
    assert text[day.start_index:day.end_index] == day.text


@pytest.mark.parametrize("text,breaks,expected", [
    ("继电器两块四蜂鸣器九毛五月底前交", [12], ("月底前", 12, 15)),
    ("手套一箱二百七月底前到", [7], ("月底前", 7, 10)),
    ("戴总说这周五之前再报一次", [3, 6, 8], ("这周五之前", 3, 8)),
    ("下个月10号前到", [3], ("下个月10号前", 0, 7)),
])
def test_word_boundaries_from_the_caller(text, breaks, expected):
    """The parser removes spoken spaces and passes where they were: no date is read across one."""
    (day,) = find_days(text, REF, breaks)
    assert (day.text, day.start_index, day.end_index) == expected
    assert text[day.start_index:day.end_index] == day.text


def test_two_dates_in_one_note():
    text = "12月10号前到场，这周四先付定金二十万。"
    days = find_days(text, datetime(2026, 11, 30, 10, 0, tzinfo=CST))
    assert [(d.text, d.date.isoformat()) for d in days] == [("12月10号前", "2026-12-10"), ("这周四", "2026-12-03")]


IN_NOTES = [  # (note, ref, [(text, date)]) as reps dictate them, spaces between words included
    ("继电器 两万个 单价 蜂鸣器 九毛五 月底 前 交 第一批", "2026-12-09", [("月底 前", "2026-12-31")]),
    ("聂主任说 下个月 10号 前到", "2026-11-25", [("下个月 10号 前", "2026-12-10")]),
    ("今天 去 金地 见了 邬总 然后 他说 价格 没问题 然后 周四 再 过去 一趟", "2026-10-12",
     [("今天", "2026-10-12"), ("周四", "2026-10-15")]),
    ("他们 五一 有 三十多场 婚宴 先订 两百箱", "2026-03-31", [("五一", "2026-05-01")]),
    ("芮总说我们九十天的交期太长，他要六十天以内。", "2026-09-10", []),
    ("他们钢结构要10.9级的，我们只有8.8级", "2026-11-18", []),
    ("单价 继电器 两块四 蜂鸣器 九毛五月底前交", "2026-12-09", [("月底前", "2026-12-31")]),
    ("手套一箱二百七月底前到", "2026-09-03", [("月底前", "2026-09-30")]),
    ("32支精梳棉纱40吨单价2.35万11月10号前到", "2026-10-20", [("11月10号前", "2026-11-10")]),
    ("Φ12盘螺120吨单价3580周三前到场", "2026-10-26", [("周三前", "2026-10-28")]),
    ("春节团购，清香型原浆八百箱，严总说1月15日前到，总价六十四万，签了。", "2026-12-28",
     [("1月15日前", "2027-01-15")]),
    ("首付款签约后一周内到账，下周三签合同", "2026-01-08", [("下周三", "2026-01-14")]),
    ("Φ12盘螺 120吨 单价3580 周三前到场", "2026-10-26", [("周三前", "2026-10-28")]),
]


@pytest.mark.parametrize("text,ref,expected", [pytest.param(*row, id=row[0][:12]) for row in IN_NOTES])
def test_dates_in_notes(text, ref, expected):
    days = find_days(text, datetime.fromisoformat(ref + "T10:00:00+08:00"))
    assert [(d.text, d.date.isoformat()) for d in days] == expected


def test_range_gives_both_days():
    days = find_days("3月10日至3月12日安装", REF)
    assert [d.date.isoformat() for d in days] == ["2026-03-10", "2026-03-12"]


def test_month_later_clamps_to_month_end():
    ref = datetime(2026, 1, 31, 9, 0, tzinfo=CST)
    assert [d.date for d in find_days("一个月后", ref)] == [date(2026, 2, 28)]


def test_new_year_said_in_late_december():
    ref = datetime(2026, 12, 28, 10, 0, tzinfo=CST)
    assert [d.date for d in find_days("元旦后", ref)] == [date(2027, 1, 4)]
    assert [d.date for d in find_days("1月15日前到", ref)] == [date(2027, 1, 15)]


# --- the holiday calendar itself ----------------------------------------------------------

NOTES_2026_PERIODS = [("元旦", "01-01", "01-03"), ("春节", "02-15", "02-23"), ("清明", "04-04", "04-06"),
                      ("劳动节", "05-01", "05-05"), ("端午", "06-19", "06-21"), ("中秋", "09-25", "09-27"),
                      ("国庆", "10-01", "10-07")]


@pytest.mark.parametrize("name,first,last", NOTES_2026_PERIODS)
def test_official_periods_2026_match_the_schema(name, first, last):
    assert holidays.official_period(name, 2026) == (date.fromisoformat(f"2026-{first}"),
                                                     date.fromisoformat(f"2026-{last}"))


@pytest.mark.parametrize("day,working", [("2026-01-04", True), ("2026-02-14", True), ("2026-02-16", False),
                                         ("2026-10-10", True), ("2026-10-11", False), ("2026-10-08", True),
                                         ("2027-10-04", False), ("2027-10-09", False), ("2027-10-08", True)])
def test_adjusted_working_days(day, working):
    """Weekend days worked in lieu (2026-01-04 is a Sunday) come from chinese_calendar; 2027 falls back."""
    assert holidays.is_workday(date.fromisoformat(day)) is working


# --- a year chinese_calendar does not know: the lunar-calendar fallback, never raising ----------

REF_2027 = datetime(2027, 3, 1, 10, 0, tzinfo=CST)
DAYS_2027 = [
    ("2027-10-01", ["国庆"]),
    ("2027-09-30", ["国庆前"]),
    ("2027-10-08", ["国庆后"]),
    ("2027-04-30", ["五一前"]),
    ("2027-05-06", ["五一后"]),
    ("2027-04-05", ["清明"]),
    ("2027-06-09", ["端午"]),
    ("2027-09-15", ["中秋"]),
    ("2028-01-25", ["春节"]),  # 除夕 of the next lunar new year (2028-01-26)
]


@pytest.mark.parametrize("phrase,value", _group(DAYS_2027))
def test_unknown_year_falls_back_to_lunar_calendar(phrase, value):
    assert not holidays.known_year(2027)
    assert [d.date.isoformat() for d in find_days(phrase, REF_2027)] == [value]


@pytest.mark.parametrize("year", [2027, 2030, 2099, 2150, 1890])
def test_holiday_periods_never_raise(year):
    for name in holidays.FESTIVALS:
        holidays.official_period(name, year)
        ref = datetime(year, 6, 1, tzinfo=CST)
        find_days(f"{name}前后各一次，{name}后，{name}前", ref)
        find_times(f"{year}年{name}晚上八点", ref)


# --- find_times: Duckling-style values with grains -----------------------------------------

TIMES = [
    (("2026-03-04T15:30:00+08:00", "minute", None), ["三点半", "下午三点半", "下午3:30", "15:30", "3:30pm",
                                                   "下午三點半", "下午三点三十分", "15点30分"]),
    (("2026-03-04T15:00:00+08:00", "hour", None), ["三点", "下午3点", "下午三時", "3pm", "下午三点钟"]),
    (("2026-03-05T08:00:00+08:00", "hour", None), ["早上八点", "明天早上八点", "明早八点", "明天8点"]),
    (("2026-03-04T21:15:00+08:00", "minute", None), ["晚上九点一刻", "今晚九点十五", "今晚9:15", "晚上九點一刻"]),
    (("2026-03-05T00:00:00+08:00", "hour", None), ["零点"]),
    (("2026-03-05T15:00:00+08:00", "hour", None), ["明天下午三点", "明天三点"]),
    (("2026-03-04T20:00:00+08:00", "hour", None), ["今晚8点", "今晚八点", "今晚8點"]),
    (("2026-03-04T12:00:00+08:00", "hour", "2026-03-04T19:00:00+08:00"), ["下午"]),
    (("2026-03-04T12:00:00+08:00", "hour", "2026-03-04T14:00:00+08:00"), ["中午"]),
    (("2026-03-04T04:00:00+08:00", "hour", "2026-03-04T12:00:00+08:00"), ["上午", "早上"]),
    (("2026-03-04T18:00:00+08:00", "hour", "2026-03-05T00:00:00+08:00"), ["今晚", "晚上", "今天晚上"]),
    (("2026-03-06T18:00:00+08:00", "hour", "2026-03-09T00:00:00+08:00"), ["周末", "这周末", "這週末"]),
    (("2026-03-09T04:00:00+08:00", "hour", "2026-03-09T12:00:00+08:00"), ["下周一早上", "周一早上"]),
    (("2026-03-05T00:00:00+08:00", "day", None), ["明天", "明日", "周四"]),
    (("2026-03-11T00:00:00+08:00", "day", None), ["下周三", "下週三"]),
    (("2026-03-06T00:00:00+08:00", "day", None), ["这周五之前"]),
    (("2026-03-15T00:00:00+08:00", "day", None), ["十五号", "3月15日", "3.15", "3月15号"]),
    (("2026-03-18T00:00:00+08:00", "day", None), ["两周后"]),
    (("2026-03-07T00:00:00+08:00", "day", None), ["三天后", "三天内"]),
    (("2026-10-08T00:00:00+08:00", "day", None), ["国庆节后"]),
    (("2026-04-30T00:00:00+08:00", "day", None), ["五一前"]),
    (("2027-02-12T00:00:00+08:00", "day", None), ["春节后"]),
    # bare holidays: Duckling's festival day, the next one on or after the reference day
    (("2027-02-06T00:00:00+08:00", "day", None), ["春节", "农历新年", "大年初一"]),
    (("2027-01-01T00:00:00+08:00", "day", None), ["元旦"]),
    (("2026-04-05T00:00:00+08:00", "day", None), ["清明"]),
    (("2026-09-25T00:00:00+08:00", "day", None), ["中秋"]),
    (("2026-06-19T00:00:00+08:00", "day", None), ["端午"]),
    (("2027-02-20T00:00:00+08:00", "day", None), ["元宵"]),
    (("2026-10-01T18:00:00+08:00", "hour", "2026-10-02T00:00:00+08:00"), ["国庆节晚上"]),
    (("2026-03-10T00:00:00+08:00", "day", "2026-03-16T00:00:00+08:00"), ["从3月10日到3月15日", "3月10日至3月15日",
                                                                        "3月10日-15日", "10号到15号"]),
    (("2026-03-04T14:00:00+08:00", "hour", "2026-03-04T17:00:00+08:00"), ["下午两点到四点", "下午2点-4点"]),
    (("2026-03-09T00:00:00+08:00", "day", "2026-03-14T00:00:00+08:00"), ["下周一到下周五", "周一到周五"]),
    (("2026-03-11T00:00:00+08:00", "day", "2026-03-21T00:00:00+08:00"), ["中旬", "3月中旬", "本月中旬"]),
    (("2026-09-21T00:00:00+08:00", "day", "2026-10-01T00:00:00+08:00"), ["九月下旬"]),
    (("2026-01-01T00:00:00+08:00", "year", None), ["今年"]),
    (("2027-01-01T00:00:00+08:00", "year", None), ["明年"]),
    (("2025-01-01T00:00:00+08:00", "year", None), ["去年"]),
    (("2013-01-01T00:00:00+08:00", "year", None), ["2013年"]),
    (("2026-04-01T00:00:00+08:00", "month", "2026-05-01T00:00:00+08:00"), ["下个月", "下個月"]),
    (("2026-05-01T00:00:00+08:00", "month", "2026-06-01T00:00:00+08:00"), ["5月", "五月份"]),
    (("2027-03-01T00:00:00+08:00", "month", "2027-04-01T00:00:00+08:00"), ["明年三月"]),
    (("2026-07-01T00:00:00+08:00", "quarter", "2026-10-01T00:00:00+08:00"), ["第三季度", "三季度", "Q3"]),
    (("2026-04-01T00:00:00+08:00", "quarter", "2026-07-01T00:00:00+08:00"), ["下个季度"]),
    (("2026-03-09T00:00:00+08:00", "week", "2026-03-16T00:00:00+08:00"), ["下周", "下星期"]),
    (("2026-02-23T00:00:00+08:00", "week", "2026-03-02T00:00:00+08:00"), ["上周", "上個禮拜"]),
    (("2026-03-04T10:00:00+08:00", "second", None), ["现在", "現在", "此刻"]),
    (("2026-03-04T12:00:00+08:00", "minute", None), ["两个小时后", "2小时后"]),
    (("2026-03-04T09:55:00+08:00", "minute", "2026-03-04T10:00:00+08:00"), ["5分钟前", "五分钟之前"]),
    (("2026-03-02T00:00:00+08:00", "day", "2026-03-04T00:00:00+08:00"), ["前两天", "两天前"]),
]


@pytest.mark.parametrize("phrase,expected", [pytest.param(p, k, id=f"{k[0]}-{k[1]}-{p}")
                                             for k, phrases in TIMES for p in phrases])
def test_time_corpus(phrase, expected):
    start, grain, end = expected
    (value,) = find_times(phrase, REF)
    assert value.text == phrase
    assert (value.start.isoformat(), value.grain) == (start, grain)
    assert (value.end.isoformat() if value.end else None) == end


def test_to_json_uses_the_reference_offset():
    ref = datetime(2013, 2, 12, 4, 30, tzinfo=timezone(timedelta(hours=-2)))
    (value,) = find_times("明天下午三点", ref)
    assert value.to_json() == {"text": "明天下午三点", "start": "2013-02-13T15:00:00-02:00", "end": None,
                               "grain": "hour"}


def test_naive_reference_is_read_in_shanghai():
    (value,) = find_times("明天", datetime(2026, 3, 4, 10, 0))
    assert value.start.isoformat() == "2026-03-05T00:00:00+08:00"


def test_several_times_in_text_order_without_overlap():
    values = find_times("明天下午三点到，下周三再联系，国庆前付款", REF)
    assert [(v.text, v.start.date().isoformat()) for v in values] == [
        ("明天下午三点", "2026-03-05"), ("下周三", "2026-03-11"), ("国庆前", "2026-09-30")]
    assert all(a.end_index <= b.start_index for a, b in zip(values, values[1:]))


def test_weekday_with_date_picks_the_matching_year():
    ref = datetime(2013, 2, 12, 4, 30, tzinfo=timezone(timedelta(hours=-2)))
    (value,) = find_times("星期天, 二月十号", ref)
    assert value.start.date() == date(2013, 2, 10)


def test_nth_weekday_of_month():
    (value,) = find_times("十月第一个星期一", REF)
    assert value.start.date() == date(2026, 10, 5)


@pytest.mark.parametrize("text", ["", "🙂🙂", "hello world", "价格没问题", "\x00\x01\xff"])
def test_nothing_in_text_without_times(text):
    assert find_times(text, REF) == []
    assert find_days(text, REF) == []


# --- never raises ---------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    ["明天", "下周", "三", "点", "半", "号", "月", "年", "周", "末", "底", "初", "前", "后", "内", "之", "到", "至",
     "-", ":", ".", "/", "十", "二", "9", "31", "2027", "9999", "国庆", "春节", "中秋", "下午", "晚上", "个",
     "天", "第", "星期", "礼拜", "从", "每", "过", "两", "零", "廿", "卅", "Q", "季度", "了", "，", " "])
_REFS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                     timezones=st.sampled_from([CST, timezone.utc, timezone(timedelta(hours=-11)), None]))


_EDGE_TEXTS = ["下午三点到五点", "3月1日到3月5日", "12月31日到1月2日", "明天到后天", "周一到周五", "三点", "晚上",
               "下周末", "国庆前", "元旦后", "春节", "两年后", "前两年", "下三年", "今晚八点", "10000天后", "9999年"]


_EDGE_REFS = [datetime.max, datetime.min, datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=12))),
              datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))]


@pytest.mark.parametrize("ref", _EDGE_REFS, ids=str)
def test_never_raises_at_calendar_edges(ref):
    for text in _EDGE_TEXTS:
        find_times(text, ref)
        find_days(text, ref)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60), ref=_REFS)
def test_never_raises_on_any_text(text, ref):
    assert all(isinstance(v, TimeValue) for v in find_times(text, ref))
    assert all(isinstance(d, DayMention) for d in find_days(text, ref))


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(_FRAGMENTS, max_size=12), ref=_REFS, breaks=st.lists(st.integers(-3, 40), max_size=6))
def test_never_raises_on_time_like_text(parts, ref, breaks):
    text = "".join(parts)
    for value in find_times(text, ref, breaks):
        assert text[value.start_index:value.end_index] == value.text
    for day in find_days(text, ref, breaks):
        assert text[day.start_index:day.end_index] == day.text
