"""Dates with their kind and status.

The day-level dates come from nlu/dates.py (NOTES_SCHEMA's table). The kind comes from the cue words
of the date's clause: the cue nearest after the date wins (the main verb follows the date in Chinese:
下周三签合同, 明天一起送), then the nearest before it (样品下个月初寄), then the previous clause
(要先跑一个学期试点，9月1号开始). A deliverable we owe (报告, 方案, 资质…) makes the date a deadline,
and a visit reported for today (今天去X开了会) a meeting. Status: reported for what already happened
(今天见了, 昨天送了货), planned otherwise.
"""
from __future__ import annotations

import re
from functools import cache

import ahocorasick

from nlu import kind_model
from nlu.dates import find_days
from nlu.english_dates import english_days
from nlu.lexicon import common
from nlu.note import Note, compile_phrases

KINDS = ("delivery", "followup", "meeting", "payment", "trial", "deadline", "other")
# 签约后一周内: counted from an event, not from the note's date.
_EVENT_RELATIVE = re.compile(r"(?:[一二两三四五六七八九十\d]+|半)个?(?:天|日|周|星期|礼拜|月)(?:后|内|以内|之内)")
_BARE_SPAN = re.compile(r"(?:[一二两三四五六七八九十百\d]+|半)个?(?:天|日|周|星期|礼拜|月)")
_MOTION = frozenset("来我们 来公司 来厂 去 过去 过来 来".split())
_BULK = re.compile(r"大货|批量|正式|量产")
_TRIAL_ORDER = re.compile(r"试用|试点|试样|送样|样品|POC|测试|先试(?!销)|试模|示范|试验|打样|sample|小样|样本|样表|样布|样酒|样床|做样|评估|demo|试一[周週天个]|"
                          r"送一次样|试机|[一二两三四五六七八九十\d]+[个卷袋盒支瓶件片][^，,。]{0,4}试(?!销)")
# 8.8级, 10.9级: a grade, not 8月8日.
_NOT_A_DAY_AFTER = re.compile(r"[级寸米吨万元块倍毫厘公斤克升伏瓦%个只台套件]|mm|kg|kw|KW|V\b")
# A festival naming a season, not a day (春节团购, 中秋礼盒).
_SEASON_AFTER = re.compile(r"的|团购|期间|礼盒|档|旺季|假期|放假|促销|活动|福利|送礼|礼品|用酒|市场|备货季|大促")
_VISIT = re.compile(r"去了?|到了?|在|见了?|拜访|走访|接待|开了|开的|聊了?|看了|跑了|交流|演示|调研|参观|考察")
_REPORTED = re.compile(r"了|已经|已|过(?!去|来)|刚|完(?!成)")


# Patterns used inside the functions below, compiled once.
_DOTTED = re.compile(r"\d+(?:\.\d+)+")
_SHORT_FESTIVAL = re.compile(r"[\u4e00-\u9fff]{2,3}节?")
_AFTER_EVENT = re.compile(r"[\u4e00-\u9fff]后$")
_DELIVERED_BY = re.compile(r"(?:之前|以前|前)?(?:到|送到|送|发|交)(?!账)")
_MONEY_END = re.compile(r"(?:钱|款|尾款)$")
_MET_WORD = re.compile(r"开的会|见的")


@cache
def _cue_list() -> list[tuple[str, str]]:
    """(cue, kind), longest first, so 跑了一趟 (meeting) beats 跑 (delivery) at the same place."""
    data = common()["dates"]
    pairs = [(cue, kind) for kind in KINDS for cue in data.get(kind, [])]
    return sorted(pairs, key=lambda p: -len(p[0]))


@cache
def _deliverables():
    return compile_phrases(re.escape(w) for w in common()["dates"]["deliverables"])


@cache
def _cue_automaton():
    automaton = ahocorasick.Automaton()
    for cue, kind in _cue_list():
        key = cue.translate(_ASCII_LOWER)
        automaton.add_word(key, (cue, kind)) if key not in automaton else None
    automaton.make_automaton()
    return automaton


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(s: str) -> str:
    """s in lower case with every offset kept (str.lower, unless a character grows: İ)."""
    low = s.lower()
    return low if len(low) == len(s) else s.translate(_ASCII_LOWER)


def _cues_in(s: str) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, kind, cue) matches, longest first, in text order; English cues in any
    case (Follow up, ETA)."""
    hits = [(end - len(cue) + 1, end + 1, kind, cue)
            for end, (cue, kind) in _cue_automaton().iter(_lower(s))] if s else []
    hits.sort(key=lambda h: (h[0] - h[1], h[0]))
    found: list[tuple[int, int, str, str]] = []
    for h in hits:
        if all(h[1] <= a or h[0] >= b for a, b, _, _ in found):
            found.append(h)
    return sorted(found)


# 五月 十八号: a month and its day said with a pause between them are one date
_MONTH_THEN_DAY = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月[\d一二三四五六七八九十]{1,3}[号日]")
_WEEKDAY_RANGE = re.compile(r"(?:到|至|-|~)(?:周|星期|礼拜)[一二三四五六日天]")
_WEEKDAY_RANGE_END = re.compile(r"(?:周|星期|礼拜)[一二三四五六日天](?:到|至|-|~)$")


def day_mentions(note: Note, names: list[tuple[int, int]]) -> list:
    """find_days, minus what is not a day here: inside a name (周六福), a grade (8.8级), a season
    (春节团购), a bare span (九十天的交期), a span counted from an event (签约后一周内)."""
    text = note.text
    out = []
    found = find_days(text, note.ref, memo=note.dates_memo)
    english = english_days(text, note.ref, lambda i: note.clause_at(min(i, len(text) - 1))[1])
    found += [d for d in english if not any(o.start_index < d.end_index and d.start_index < o.end_index for o in found)]
    found.sort(key=lambda d: d.start_index)
    for day in _split_at_pauses(note, found):
        start, end = day.start_index, day.end_index
        if any(a < end and start < b for a, b in names):
            continue
        if _DOTTED.fullmatch(day.text) and _NOT_A_DAY_AFTER.match(text[end:end + 2]):
            continue
        if _SEASON_AFTER.match(text[end:end + 4]) and _SHORT_FESTIVAL.fullmatch(day.text):
            continue
        if _BARE_SPAN.fullmatch(day.text):
            continue
        if _WEEKDAY_RANGE.match(text, end) or _WEEKDAY_RANGE_END.search(text[max(0, start - 4):start]):
            continue  # 只能周一到周五送货: working days, not a date
        if _EVENT_RELATIVE.fullmatch(day.text) and _AFTER_EVENT.search(text[max(0, start - 3):start]) \
                and not text[max(0, start - 2):start].endswith(("然后", "之后")):
            continue
        out.append(day)
    return out


def _split_at_pauses(note: Note, days: list) -> list:
    """九毛五 月底: the spoken pause says 月底, not 五月底. Re-read a mention that spans a pause."""
    out = []
    for day in days:
        cut = [b for b in note.breaks if day.start_index < b < day.end_index
               and not _MONTH_THEN_DAY.match(note.text, day.start_index, b + 4)]
        if not cut:
            out.append(day)
            continue
        for tail in sorted(cut):
            again = [d for d in find_days(note.text[tail:day.end_index], note.ref) if d.start_index == 0]
            if again:
                out += [type(day)(d.text, tail + d.start_index, tail + d.end_index, d.date) for d in again]
                break
        else:
            out.append(day)  # 这周五 之前: the pause changes nothing
    return out


def date_facts(note: Note, days: list, item_spans=()) -> list[dict]:
    out = []
    for day in days:
        status = _status(note, day.date, day.start_index, day.end_index)
        kind = _kind(note, day, status, item_spans)
        if kind_model.active("date"):
            features = kind_model.date_features(note, day, status, kind, item_spans, _cues_in)
            kind = kind_model.decide("date", note, day.start_index, day.end_index, features, kind, kind == "other", day)
        out.append({"date": day.date.isoformat(), "kind": kind, "status": status})
    return _dedupe(out)


# 今天到X拜访, 昨晚跟X的Y吃饭, 明天去X找Y: the day opens a visit or a meeting.
_VISIT_LEAD = re.compile(
    r"(?:上午|下午|中午|晚上|早上|傍晚|一早)?(?:先|还|就|也|一起)?(?:(?:去了?|到了?|在)(?![货场位账仓店厂达齐期])(?=[^，,。]{2})|"
    r"(?:跟|和|与)(?!进)|约了?|陪|请|拜访|见了?|接到|met|meet|visit|site visit|call|follow up call|Teams meeting|开了?个?会|电话)",
    re.IGNORECASE)
_PURPOSE = frozenset(("delivery", "payment", "trial", "deadline"))
_NOT_PURPOSE = frozenset("到 发 交 跑 去 来 批 供 换 到店 到仓 到厂 上门 定 确认 批下来 报价 方案".split())


def _visit_kind(note: Note, start: int, end: int, ce: int, status: str) -> str | None:
    """meeting when the day opens a visit (reported, or planned with no other purpose said)."""
    text = note.text
    cs, _ = note.clause_at(start)
    if text[cs:start].strip() not in ("", "今天", "昨天", "明天", "后天", "提醒自己") and not _LEADING_TIME.fullmatch(text[cs:start]):
        return None
    m = _VISIT_LEAD.match(text, end, ce)
    if not m or text[end - 1] == "前" or text.startswith(("前", "之前"), end) or _TASK.search(text, end, ce):
        return None  # 下周四前到现场: goods due there; 去量尺: a task, not a meeting
    stop = min([b for b in note.breaks if m.end() < b < ce] + [ce])  # dictation: the visit's own words
    purposes = [c for c in _cues_in(text[m.end():stop]) if c[2] in _PURPOSE and c[3] not in _NOT_PURPOSE]
    if status == "reported":  # 今天去市海关送了一批打印纸: the visit was a delivery
        done = [c for c in purposes if c[2] in ("delivery", "payment") and text.startswith(("了", "过"), m.end() + c[1])]
        if not done and _SIGNED.search(text, m.end(), stop):
            return "deadline"  # 昨天去银河物业签了…合同: the visit signed the deal
        return done[0][2] if done else "meeting"
    if note.text.startswith(("再", "又"), end):
        return None  # 下周三再去谈: the next touch, a followup
    return None if purposes else "meeting"


_TRIAL_NEXT = re.compile(r"[，,]")  # 寄两盒试纸，做个比对测试: the next clause of the same sentence says why
_VISITED_PLACE = re.compile(r"(?:我们|你们|他们)?的?(?:展厅|公司|工厂|厂里|现场|办公室|会议室|总部|门店看|样板间)")
_TASK = re.compile(r"量尺|量房|测量|安装|调试|送货|提货|装车|卸货")
_LEADING_TIME = re.compile(r"(?:今天|昨天|明天|后天|上午|下午|晚上|中午|早上|刚才|刚刚|对|嗯)*")


def _kind(note: Note, day, status: str, item_spans) -> str:
    text = note.text
    start, end = day.start_index, day.end_index
    cs, ce = note.clause_at(start)
    visit = _visit_kind(note, start, end, ce, status)
    if visit:
        return visit
    after, before = _cues_in(text[end:ce]), _cues_in(text[cs:start])
    if before and before[-1][3] == "到" and before[-1][1] == start - cs:
        before = before[:-1]  # 合同到年底: "until", not an arrival
    cue = after[0] if after else before[-1] if before else None
    if cue is not None and cue[3] == "到" and len(after) > 1 and _VISITED_PLACE.match(text, end + cue[1]):
        cue = after[1]  # 明天带他们到展厅看演示: where they go, then what for
    if cue is not None and cue[3] in _MOTION and len(after) > 1 and after[1][2] != "meeting" \
            and not (_deliverables() and _deliverables().fullmatch(after[1][3])):
        cue = after[1]  # 下周五来我们机构签合同: the purpose of the visit decides
    kind = cue[2] if cue else None
    if _SHOWN.search(text, end, ce):
        return "meeting"  # 下周一过去做方案演示: a demonstration, not a deliverable
    delivered_now = bool(_DELIVERED_BY.match(text[end:ce]))  # 月底之前到，钱到货再付
    if _PAID.search(text, end, ce) and not delivered_now or _MONEY_END.search(text[cs:start]) and _GIVEN.match(text, end, ce):
        return "payment"  # 今天收到了定金, 月底验收完再付: money is the main verb
    if kind == "delivery" and _SAMPLE_SENT.match(text, end, ce):
        kind = "trial"  # 下周一再送一批样品过去
    i = note.clause_index(start)
    if status == "reported" and day.date == note.ref.date():
        visit = _VISIT.search(text, end, ce)
        if kind not in ("delivery", "payment", "trial") or visit and cue in after and cue[0] + end >= visit.start():
            return "meeting"  # 今天去立讯精密做了视觉方案演示, 今天先把资料留下了
    deliverables = _deliverables()
    items_here = any(cs <= a < ce for a, _ in item_spans)
    pause = min([b for b in note.breaks if end < b < ce and _CJK_PAIR.match(text, b - 1)] + [ce])  # 中秋前到 招标文件…
    if _AGAIN_GO.match(text, end, ce):  # 下周三我再带方案过去: the next visit, whatever it brings
        return "meeting" if _MEET_PURPOSE.search(text, end, ce) else "followup"
    if deliverables and (kind in (None, "delivery", "other", "followup", "trial") and _deliverable_in(text, end, pause)
                         or kind in (None, "other") and _deliverable_in(text, cs, start) and _SENDING.search(text, end, ce)
                         or kind == "delivery" and not items_here and _deliverable_in(text, cs, start)):
        return "deadline"  # 下周五之前交8D报告, 新价格表月底前要做出来
    if kind == "delivery" and cue is not None and cue[3] in ("交", "发", "给") and not items_here \
            and i_prev_deliverable(note, cs, deliverables):
        return "deadline"  # 要我们出8D报告，下周三前交
    if kind is None and any(cs <= a < ce for a, _ in item_spans):
        return "trial" if _trial_next(note, i, ce) else "delivery"  # DMF年底前要三十吨
    if kind is None and i > 0:
        ps, pe = note.clauses[i - 1]
        if deliverables and deliverables.search(text[ps:pe]):
            return "deadline"  # 得重新出图纸，下周五前给他
        prev = [c for c in _cues_in(text[ps:pe]) if c[2] in ("trial", "payment", "deadline")]
        kind = prev[-1][2] if prev else None
    if kind is None:  # no cue: an order nearby makes it its delivery date (沈经理…五百个，月底前要)
        near = note.clauses[max(0, i - 2)][0]
        kind = "delivery" if any(near <= a < ce for a, _ in item_spans) else "other"
    if kind == "delivery" and not _BULK.search(text, cs, ce) and (
            i > 0 and _TRIAL_ORDER.search(text, note.clauses[i - 1][0], cs) or _TRIAL_ORDER.search(text, cs, ce)
            or _trial_next(note, i, ce)):
        kind = "trial"  # 姜总要先试用五百公斤，1月26号前到: the goods of a trial
    return kind


def _trial_next(note: Note, i: int, ce: int) -> bool:
    """寄两盒试纸，做个比对测试: the next clause of the same sentence says it is for a trial."""
    return bool(_TRIAL_NEXT.match(note.text, ce)) and i + 1 < len(note.clauses) \
        and bool(_TRIAL_ORDER.search(note.text, *note.clauses[i + 1]))


def _deliverable_in(text: str, lo: int, hi: int) -> bool:
    """A deliverable we owe between lo and hi. A contract counts only as a document sent (发合同, 合同发过去,
    把合同…签), not as the deal (合同额, 谈合同)."""
    for m in _deliverables().finditer(text, lo, hi):
        if m.group() in ("合同", "协议", "contract"):
            if text[m.end():m.end() + 1] in ("额", "价", "金") or not (
                    _SENDING.search(text, max(lo, m.start() - 3), m.start()) or _SENDING.search(text, m.end(), m.end() + 8)
                    or text[max(0, m.start() - 1):m.start()] == "把"):
                continue
        return True
    return False


_SIGNED = re.compile(r"签了|签下来|签下了|签约了|签合同了|签的合同")
_AGAIN_GO = re.compile(r"(?:之前|前)?(?:我|我们)?(?:再|又)(?:带[^，,。]{0,8})?(?:去|过去|过来|来|跑)")
_MEET_PURPOSE = re.compile(r"拜访|技术交流|交流|开会|演示|见面|考察|参观")
_CJK_PAIR = re.compile(r"[\u4e00-\u9fff]{2}")  # a pause between two Chinese words (not around an English one)
_SENDING = re.compile(r"发|给|交|递|提交|send|寄|出|准备|做|签|报|定|看到|收到")
_SHOWN = re.compile(r"方案(?:演示|讲解|汇报|交流|介绍)")
_GIVEN = re.compile(r"(?:前|之前)?(?:给|付|结|打)")
_PAID = re.compile(r"收到了?[^，,。]{0,8}(?:定金|订金|货款|尾款|首付|预付款|款)|(?:再|才)(?:付|结)(?:款|清)?(?:$|[，,。])")
_SAMPLE_SENT = re.compile(r"[^，,。]{0,4}(?:送|寄|发)[^，,。]{0,4}(?:样品|样机|样衣|样件|小样)")


def i_prev_deliverable(note: Note, cs: int, deliverables) -> bool:
    """Does the clause before the one starting at cs name a deliverable we owe?"""
    i = note.clause_index(cs)
    if i <= 0 or not deliverables:
        return False
    ps, pe = note.clauses[i - 1]
    return _deliverable_in(note.text, ps, pe)


def _status(note: Note, day, start: int, end: int) -> str:
    ref_day = note.ref.date()
    if day < ref_day:
        return "reported"
    if day > ref_day:
        return "planned"
    _, ce = note.clause_at(start)
    return "reported" if _REPORTED.search(note.text[end:ce]) or _MET_WORD.search(note.text[end:ce]) else "planned"


def _dedupe(facts: list[dict]) -> list[dict]:
    seen, out = set(), []
    for f in facts:
        key = (f["date"], f["kind"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
