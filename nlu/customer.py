"""The customer: the main contact (surname + title, as the rep says it) and the organisation.

Found from structure, not from lists of customers: a surname of the Hundred Family Surnames followed
by a title word (张总, 钟护士长, 邹师傅); the organisation is the noun phrase right before the contact
(盒马的宋经理, 苏果超市谢总, 物美那个郑主管, 见了万盛化工的冯经理), before 那边 when no contact
is named, or the place visited (去了金达涂料见了田总).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from nlu.latin import is_prose, latin_names
from nlu.lexicon import common, competitor_terms, surnames
from nlu.normalize import positions
from nlu.note import CJK, Note, compile_phrases
from nlu.prefilter import hint


@dataclass
class Contact:
    start: int
    end: int
    name: str


@cache
def _title_data():
    data = common()
    titles = tuple(sorted(data["titles"], key=len, reverse=True))
    stop_next = {t: s for t, s in data["title_stop_next"]}
    return titles, frozenset(data["not_names"]), stop_next


# Someone on our side: 我们李工, 我司王经理.
_OURS = re.compile(r"(?:我们|我司|咱们|我们公司的?|我们的|我们这边|我司的|同事)$")


def find_contacts(text: str) -> list[Contact]:
    """Every surname+title mention, in text order (our own colleagues left out)."""
    single = surnames()[0]
    _, not_names, stop_next = _title_data()
    compounds_by_first, titles_by_first = _by_first_character()
    candidate = _candidate_re()
    out: list[Contact] = []
    i = 0
    while True:
        m = candidate.search(text, i)
        if m is None:
            break
        i = m.start()
        lengths = [len(c) for c in compounds_by_first.get(text[i], ()) if text.startswith(c, i)]
        if text[i] in single:
            lengths.append(1)
        found = None
        for n in sorted(lengths, reverse=True):
            titles = titles_by_first.get(text[i + n:i + n + 1], ())
            found = _title_after(text, i, n, titles, not_names, stop_next)
            if found:
                break
        if found and not _OURS.search(text[max(0, i - 5):i]):
            out.append(Contact(i, found, text[i:found]))
            i = found
        else:
            i += 1
    return out


@cache
def _by_first_character() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Compound surnames and titles grouped by their first character (titles keep their longest-first
    order), so a position is only checked against the words that can start there."""
    compounds: dict[str, list[str]] = {}
    titles: dict[str, list[str]] = {}
    for c in surnames()[1]:
        compounds.setdefault(c[0], []).append(c)
    for t in _title_data()[0]:
        titles.setdefault(t[0], []).append(t)
    return ({k: tuple(v) for k, v in compounds.items()}, {k: tuple(v) for k, v in titles.items()})


@cache
def _candidate_re() -> re.Pattern:
    """Where a surname+title may start: a surname followed by a title's first character."""
    single, compound = surnames()
    titles = _title_data()[0]
    firsts = "".join(sorted({t[0] for t in titles}))
    names = "|".join(sorted(compound, key=len, reverse=True))
    return re.compile(rf"(?:{names}|[{''.join(sorted(single))}])(?=[{firsts}])")


_LETTER_CJK = re.compile(rf"[{CJK}]")


def _title_after(text, i, n, titles, not_names, stop_next) -> int | None:
    j = i + n
    for title in titles:
        if not text.startswith(title, j):
            continue
        end = j + len(title)
        name = text[i:end]
        if name in not_names or any(name[-k:] in not_names for k in range(len(title) + 1, len(name))):
            continue
        if any(name[:k] in not_names for k in range(n + 1, len(name))):
            continue
        nxt = text[end:end + 2]
        if nxt and nxt[0] in stop_next.get(title, ""):
            continue
        if title == "处" and nxt[:1] and _LETTER_CJK.match(nxt[0]) and nxt[0] not in "长说那这的要让觉反表提同讲":
            continue
        if i > 0 and text[i - 1] in "小老大" and title in ("姐", "哥"):
            continue
        return end
    return None


@cache
def _org_words():
    data = common()
    suffixes = tuple(sorted(data["company_suffixes"], key=len, reverse=True))
    places = data["generic_places"]
    hard_places = tuple(p for p in places if p not in ("公司", "学校", "医院", "超市", "单位", "客户"))
    depts = compile_phrases(re.escape(d) for d in data["departments"])
    return suffixes, frozenset(places), hard_places, depts, frozenset(data["not_orgs"])


@cache
def _type_words():
    data = common()
    types = tuple(sorted(data["org_types"], key=len, reverse=True))
    trades = frozenset(data["trade_words"])
    return types, trades, max(map(len, trades))


# Where the phrase before a contact starts: after one of these words.
_LEFT_STOP = re.compile(
    r".*(?:到货|发货|送货|交货|提货|了|跟|和|与|找|见|去|到|在|是|给|说|问|约|拜访|联系|对接|今天|昨天|明天|刚才|客户|"
    r"还有|以及|及|、|电话里?|不过|但是|可是|而且|另外|所以|听说|从|请|陪|老客户|新客户|客户|叫|被|帮|替|向|一趟|趟|"
    r"一下|刚刚|刚|又|再|也|还|就|今晚|昨晚|早上|晚上|上午|下午|中午|顺路|顺便|终于|把)"
)
_LINK_TAIL = re.compile(
    r"(?<=..)(?:的|那个|这个|那边的?|这边的?|那里的?|这里的?|里的|方面的?|项目上|项目部|项目|工地上|工地|总部|的门店|的店|"
    r"展位|展台|摊位)+$"
)


def org_before(note: Note, start: int) -> str | None:
    """The organisation named right before a contact (or before 那边), if any."""
    lo, _ = note.clause_at(start)
    hi = start
    for _ in range(3):  # 吉利的采购袁经理, 中心医院放射科苏主任, 宝武特钢的能源部蒋处长
        hi = lo + len(_LINK_TAIL.sub("", note.text[lo:hi]))
        cut = _department_start(note.text, lo, hi)
        if cut is None:
            break
        hi = cut
    return _org_before_rest(note, lo, hi)


def _department_start(text: str, lo: int, hi: int) -> int | None:
    """Where a department word ending text[lo:hi] starts, if one does (not at lo)."""
    m = _DEPT_AFTER_DE.search(text, lo, hi)
    if m and m.start() > lo + 1:
        return m.start(1)  # 宝钢的储运部, 比亚迪的供应商质量部: a short X部/科/处 after 的 is a department
    dept_word_end = _department_patterns()[2]
    m = dept_word_end.search(text[lo:hi]) if dept_word_end is not None else None
    if m and m.start() > 0:
        return lo + m.start()
    m = _DEPARTMENT_END.search(text, lo, hi)
    if m and m.start() > lo and (text[m.start() - 1] == "的" or text[lo:m.start()].endswith(_org_words()[0])):
        return m.start()  # 宝武特钢的能源部, 市二院设备科 (but 爱尔眼科 is a name)
    return None


def _org_before_rest(note: Note, lo: int, hi: int) -> str | None:
    """The organisation phrase ending at hi: after the last stop word or spoken pause."""
    # Where the name may start: the clause, after a stop word (见了万盛化工), after a pause (到货 钣喷中心);
    # the longest start that gives an organisation wins (协和医院 over 医院, 盒马 鲜生 over 鲜生).
    starts = {lo} | {b for b in note.breaks if lo < b < hi}
    m = _LEFT_STOP.match(note.text, lo, hi)
    if m:
        starts.add(m.end())
    for start in sorted(starts):
        if hi - start > 14:
            continue
        phrase = _strip_department(_LINK_TAIL.sub("", note.text[start:hi]))
        head, _, tail = phrase.partition("的")
        tail_ok = 0 < len(tail) <= 2 and tail not in _NOT_A_TAIL or bool(tail) and type_only(tail)  # 链家的装修公司
        for candidate in (phrase, head if tail_ok else ""):
            if is_org(candidate):  # 通威的户用(项目经理): the part before 的
                return candidate
    return None


_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")
_REGION_DEPT = re.compile(r"(.{2,}?)(?:区域|大区|[东南西北华中]{1,2}区)(?:(?:市场|销售|运营)?(?:部|中心))?$")


@cache
def _department_patterns() -> tuple[re.Pattern, re.Pattern | None, re.Pattern | None]:
    """(an organisation suffix then a department word, a department word or team code at the end,
    a department word at the end), built once from the word lists."""
    suffixes, _, _, depts, _ = _org_words()
    suffix_dept = re.compile(rf"(.+?(?:{'|'.join(suffixes)}))[{CJK}]{{1,4}}(?:部|科|处|办|室|中心|班)$")
    dept_end = re.compile(rf"(?:{depts.pattern}|[A-Z]{{2,5}})$") if depts is not None else None
    dept_word_end = re.compile(rf"(?:{depts.pattern})$") if depts is not None else None
    return suffix_dept, dept_end, dept_word_end


def _strip_department(phrase: str) -> str:
    """华联建工物资部 -> 华联建工: a department word after the organisation's suffix."""
    region = _REGION_DEPT.match(phrase)
    if region:
        return region.group(1)  # 瑞幸区域市场部: a regional department of 瑞幸
    suffix_dept, dept_end, _ = _department_patterns()
    m = suffix_dept.match(phrase)
    if m:
        return m.group(1)
    for size in (2, 3, 4):  # 瑞安保险培训部: a department after the trade that ends the name
        head = phrase[:-(size + 1)]
        if phrase[-1:] in "部科处课室" and len(head) >= 2 and _HAN_ONLY.fullmatch(phrase[-(size + 1):]) \
                and not phrase.endswith(tuple(_suffix_set())) \
                and len(_ending(head, _type_words()[1]) or "") >= 2:
            return head
    m = dept_end.search(phrase) if dept_end is not None else None
    if m and m.start() >= 2:
        return phrase[:m.start()]
    m = _DEPARTMENT_END.search(phrase)  # 宝武特钢能源部
    return phrase[:m.start()] if m and m.start() >= 2 and phrase[:m.start()].endswith(_org_words()[0]) else phrase


_COUNTED_NAME = re.compile(r"[一二三四五六七八九][只个匹头条朵]..")
_LETTER = re.compile(rf"[{CJK}A-Za-z]")
_BIG_NUMBER = re.compile(r"[一二两三四五六七八九\d][十百千万]|[十百千万][一二两三四五六七八九\d]")
_BEFORE_OR_SEND = re.compile(r"前|后|[发送到交]")


def is_org(phrase: str | None) -> bool:
    """A named organisation rather than a pronoun, a time word or a place named by its type."""
    if not phrase or not 2 <= len(phrase) <= 14:
        return False
    if phrase.isascii() and is_prose(phrase.strip()):
        return False  # Call张总: an English word of the sentence
    if phrase in _PLATFORMS:
        return True  # 京东的采购: the platform itself is the customer (京东店 is only a trade)
    if phrase in _places():
        return False  # 温州的阮老板: a city, not an organisation
    suffixes, places, hard_places, _, not_orgs = _org_words()
    if phrase in _suffix_set() and len(phrase) >= 3 and phrase[-1] in "委局院署厅":
        return True  # 卫健委的褚处长: a government body named by its kind
    if phrase in not_orgs or phrase in places or phrase in _suffix_set():
        return False  # 电力 alone is no name
    quantity = _QUANTITY_IN.search(phrase)
    if quantity and not _COUNTED_NAME.match(phrase):  # 三只松鼠, 六个核桃 are names
        return False
    if not _LETTER.search(phrase) or _NOT_A_NAME.search(phrase):
        return False
    if _BIG_NUMBER.search(phrase) \
            and not phrase.endswith(suffixes):
        return False  # 人均三千二
    if _VERB_IN.search(phrase) or _PLACE_NAME.search(phrase) or _NOT_ORG_WORDS.search(phrase):
        return False
    if _DEPARTMENT_END.search(phrase) and not phrase.endswith(suffixes):
        return False
    if _TWO_NAMES.search(phrase):
        return False  # 蓝天环保和绿源科技: two organisations, not one
    if phrase in _ROLES:
        return False  # 采购, 店长: a role said without its organisation
    if _UNIT_OF_ORG.search(phrase) and not phrase.endswith(suffixes) or _ROLE_WORD_END.search(phrase):
        return False  # 器械科, 宴会部, 粮油组: a department; 技术负责人, 主理人: a role
    if _DATE_START.match(phrase) and _BEFORE_OR_SEND.search(phrase):
        return False  # 周五前发物流
    types, trades, longest = _type_words()
    return not type_only(phrase) and not _all_trade(phrase, trades, longest)


_PLATFORMS = frozenset("京东 天猫 淘宝 拼多多 抖音 美团 快手 唯品会 苏宁易购".split())


@cache
def _places() -> frozenset[str]:
    """Provinces and cities (with and without 省/市), which name where someone is, not who."""
    names = common().get("place_names", [])
    return frozenset(names) | frozenset(n + s for n in names for s in ("省", "市"))


def type_only(phrase: str) -> bool:
    """外贸公司, 汽修厂, 快修店: an organisation type with only trade words before it (no trade name)."""
    types, trades, longest = _type_words()
    t = _ending(phrase, _type_set())
    return t is not None and _all_trade(phrase[:-len(t)], trades, longest)


@cache
def _suffix_set() -> frozenset[str]:
    return frozenset(_org_words()[0])


@cache
def _type_set() -> frozenset[str]:
    return frozenset(_type_words()[0])


def _ending(phrase: str, words: frozenset[str]) -> str | None:
    """The longest of words that phrase ends with (up to six characters)."""
    for k in range(min(6, len(phrase)), 0, -1):
        if phrase[-k:] in words:
            return phrase[-k:]
    return None


def _all_trade(s: str, trades, longest: int) -> bool:
    """Can s be split wholly into trade words? (single-character ones only as a leading modifier)"""
    ok = [True] + [False] * len(s)
    for i in range(len(s)):
        if not ok[i]:
            continue
        for n in range(1, min(longest, len(s) - i) + 1):
            if s[i:i + n] in trades:
                ok[i + n] = True
    return ok[len(s)]


# Company names hold no quantities, dates or the verbs of a sentence.
_QUANTITY_IN = re.compile(r"(?:春节|国庆|元旦|五一|中秋|端午|清明|号|月底|月初)(?:前|后)|[\d一二两三四五六七八九十百千万]+(?:[台箱件套吨个袋瓶桶盒米斤张把只颗片条包本卷块元]|天|号|月|周)|今天|明天|后天|昨天|下周|这周")
_VERB_IN = re.compile(r"[说要让觉得是了在把被给跟送到去]|(?:挺|很|蛮|非常|比较|特别)(?=[\u4e00-\u9fff])|上午|下午|中午|晚上|今天|昨天|的(?!$)|我们|他们|她们|响应|售后|开了|开的")
_NOT_A_NAME = re.compile(
    r"^(?:个|一[个些家]|这|那|每|些|各|该|[两二三四五六七八九十几]+家)|(?<!协|商|工|金|促|员|学|合)会$|展厅|现场|仓库|办公室|会议室|单子|订单|项目$|"
    r"(?:这块|那块|方面|工程师|经理|主任|老师|师傅|总监|主管|助理)$"
)
# 采购经理姓岳, 周五白天: a person's surname or a time, never an organisation
_NOT_ORG_WORDS = re.compile(r"^(?:见面|开会|吃饭|聊天|交流|看看|谈谈|面谈|沟通|喝茶)$|那家|这家|^(?:不过|但是|可是|而且|另外|所以|听说|然后|因为|如果)|姓.$|^周[一二三四五六日末](?:$|[到至白上下晚早中前后])|白天|上午|下午|晚上|早上|中午|星期|礼拜")
_ROLES = frozenset("采购 店长 主理人 负责人 老板 老板娘 经理 主管 总监 行政 财务 前台 会计 技术 工程部 项目上 场馆".split())
_TWO_NAMES = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}(?:和|与|、|及)[\u4e00-\u9fffA-Za-z]{2,}|还有|目前")
_UNIT_OF_ORG = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,8}(?:科|部|处|课|室|股|组|部门)$")
_ROLE_WORD_END = re.compile(r"(?:负责人|主理人|店长|分管|对接|负责|策划|车管|管理员|总监|副总|主管|会计|出纳|前台)$")
_DATE_START = re.compile(r"周[一二三四五六日末]|星期|礼拜|[\d一二三四五六七八九十]+[月号日]|下周|这周|本周|月底|年底")
_DEPARTMENT_END = re.compile(
    r"(?:内|外|骨|眼|儿|妇|产|药剂|检验|放射|设备|财务|总务|医务|信息|保卫|后勤|人事|教务|基建|采购|行政|技术|质量|"
    r"生产|工程|销售|市场|研发|心内|心外|神经|急诊|麻醉|病理|超声|护理|环保|安环|物资|仪表|质检|仓储|能源|动力|安全|"
    r"运营|综合|办公|党群|计划|经营|供应|网络|总务|保障|教导|政教|德育|品控|品质|工艺)(?:科|处|部|室|班)$"
)
# 中石化加油站: a site of the organisation, not its name
_SITE_TAIL = re.compile(r"(?<=..)(?:加油站|营业厅|服务区|分店|专卖店|总部|分公司|分部|办事处|(?:华[东南西北中]|[东南西北]区|区域)?(?:总仓|分仓|仓库|仓))$")
_DEPT_AFTER_DE = re.compile(r"的([\u4e00-\u9fff]{0,5}(?:部门?|科|处|室|组|仓|食堂|车间|后勤)(?:主管|负责人|采购|经理|总监|管理员)?"
                            r"|[\u4e00-\u9fff]{1,6}(?:经理|主管|总监|负责人|管理员|工程师))$")
_RIVAL_TALK = re.compile(r"比我们|便宜|报价低|价格低|主供|一直在用|用惯|倾向|用了|给的|返点|返利|也在报")
_PLACE_NAME = re.compile(rf"^[{CJK}]{{1,3}}(?:乡|镇|村|县|省|路|街|大道|工业园|园区|开发区)$")


_VISIT = re.compile(
    rf"(?:(?:去|跑|到)了?一?趟|(?:去了|到了|跑了)|(?:先|又|再)?(?:去|到)的(?:是)?|拜访了|走访了|接待了|去|到|在|给)([{CJK}A-Za-z]{{2,10}}?)"
    rf"(?:(?:那边|这边)?(?:总部|的[{CJK}]{{0,4}}?(?:部|科|处|中心|仓|分公司|工厂|基地|门店|厂区|园区|项目部|工地|现场|项目|站|车间|实验室|试验室|办公室|校区|仓库))?"
    rf"[，,]?(?:见了|找了|见|找|拜访|跟|和|开了|开的|开|聊|谈|做了|看了|签|送|发)"
    rf"|(?:的[{CJK}]{{0,4}}?)?(?:总部|分公司|工厂|厂区|基地)做"
    rf"|的(?:工地|项目部|现场|工厂|厂区|总部|基地)(?=[，,。]|$))"
)
_ROLE_END = re.compile(rf"([{CJK}A-Za-z0-9]{{2,12}}?)(?:采购|负责人)$")
_ROLE_END_HINT = hint(_ROLE_END)
# 下午跟美团的HR负责人开了会: a time and a meeting verb may come first
_LEAD = r"(?:(?:今天|昨天|上午|下午|晚上|早上|中午|刚才|刚刚)*(?:跟|和|与|找了?|见了?|约了?|联系了?|拜访了?|就是说|说)(?=[^的]{2}))?"
_THERE = re.compile(rf"{_LEAD}([{CJK}A-Za-z0-9]{{2,12}}?)(?:那边|这边)")
# 跟市人民医院的信息科签了: the organisation of a department
_DEPT_OF = re.compile(rf"{_LEAD}([{CJK}A-Za-z0-9]{{2,12}}?)的[{CJK}]{{1,5}}(?:部门?|科|处|室|中心)(?:签|说|反馈|确认|要|定)")
_ROLE = re.compile(rf"{_LEAD}([{CJK}A-Za-z0-9]{{2,12}}?)(?:那边|这边)?(?:的|那个|那位)[{CJK}A-Za-z]{{0,4}}?(?:采购|负责人|老板|领导|对接人)")
# 一家叫驰诚的物流公司: the organisation named as such
_NAMED_ORG = re.compile(rf"叫([{CJK}A-Za-z0-9]{{2,8}}?)的[{CJK}]{{0,4}}(?:公司|集团|工厂|厂|医院|学校|超市|酒店|门店|店)")


_THERE_END = re.compile(r"(?:那边|这边)$")
_WE_START = re.compile(r"^(?:俺们|咱们|我们|他们|她们)")


def find_customer(note: Note, contacts: list[Contact]) -> tuple[dict | None, bool]:
    """({"name", "company"} or None when neither is said, whether the company comes from a strong
    pattern: tied to a contact, a visit, or an organisation opening a clause)."""
    # 线束总成: a "surname" inside a word is no person
    named_orgs: list[str] = []
    suffixes = _org_words()[0]
    # 徐工机械 is no 徐工; 卢站长电子秤 keeps 卢站长 (a title of two characters starts no organisation's name)
    contacts[:] = [c for c in contacts if len(c.name) > 2 or not note.text.startswith(suffixes, c.end)]
    contacts[:] = _orgs_named_like_people(note.text, [c for c in contacts if not note.splits_word(c.start)
                                                                  or note.text.endswith(suffixes, 0, c.start)], named_orgs)
    if not contacts:
        contacts[:] = _full_names(note.text)  # 和比亚迪的王涛开了视频会
    name = contacts[0].name if contacts else None
    company = None
    for contact in contacts:
        company = org_before(note, contact.start)
        if company and _ROLE_ONLY.fullmatch(company):
            company = None  # 跟场长董建军: the role that introduces the name, not an organisation
        if company and (note.pack is not None and company in note.pack.products or _goods_buyer(note, company)):
            company = None  # 面料采购的骆总: the goods the contact buys, not their organisation
        if company:
            break
    if company and len(company) <= 2 and not company.endswith(tuple(_suffix_set())):
        visited = next((m.group(1) for m in _VISITED_END.finditer(note.text) if is_org(m.group(1))), None)
        if visited and not visited.startswith(company):
            company = visited  # 今天拜访了安踏，鞋材采购的晏经理: the visit names it
    if company and _DEPARTMENT_NAME.fullmatch(company):
        company = _visited_org(note)  # 在卓远动力开会，技术中心的尹主任: a department of the organisation visited
    if company is None and named_orgs:
        company = named_orgs[0]
    if company is None:
        company = _visited_org(note) or _subject_org(note, contacts)
    if company is None:
        company = _org_of_role(note, contacts)  # 三只松鼠的采购: the role marks the customer
    if company is None:
        company = _first_named_org(note, contacts)  # 刚从利民水务出来: an organisation named by its shape
    strong = company is not None
    if company is None:
        company = _org_there(note, contacts)
    if name is None and company is None:
        return None, False
    if company:  # 苏宁那边的采购: 那边/这边 is never part of the name (NOTES_SCHEMA)
        company = _trimmed(company)
        company = _THERE_END.sub("", company)
        company = _WE_START.sub("", company)  # 俺们县农机站
        company = _SITE_TAIL.sub("", company) or None
    return {"name": name, "company": company}, strong


_FULL_NAME = re.compile(
    rf"(?:的|和|跟|与|见了|找了|约了|联系了|拜访了)([{CJK}]{{2,3}}?)(?<![上下里中前后边头])(?=说|开了|开的|讲|表示|反馈|提到|觉得|确认|答应|同意)"
)


# 采购经理叫林海峰, 见了品控经理殷晓雯, 跟场长董建军聊: a full name right after the role that introduces it
_ROLE_THEN_NAME = re.compile(
    rf"(?:经理|主管|总监|场长|厂长|院长|主任|负责人|工程师|总工|科长|处长|部长|店长|园长|校长|老板|老板娘|采购|董事长|总经理|前台)"
    rf"(?:叫|是|名叫)?([{CJK}]{{2,3}}?)(?<![上下里中前后边头])(?=[，,。；;！!]|的?说|聊|谈|他|她|接待|带|对|$)"
)


_FAMILIAR_NAME = re.compile(rf"(?:的|跟|和|见了|找了|联系了|主管|经理|采购|店长|师傅)([小老][{CJK}])(?=说|讲|要|反馈|觉得|提|那边|这边|[，,。])")
_ROLE_ONLY = re.compile(_ROLE_THEN_NAME.pattern.split("(?:叫")[0] + "(?:叫|是|名叫)?")


# A unit inside an organisation named by what it does (技术中心, 继续教育学院, 研发部): never the customer itself.
_DEPARTMENT_NAME = re.compile(
    r"(?:技术|研发|计量|检测|培训|继续教育|信息|物流|质检|采购|工程|运营|客服|财务|后勤|设备|营销|销售|生产|品控|质量|行政|人力|总务|"
    r"供应链|储运|仓储|安保|保卫|基建|动力|能源|工艺|实验|测试|国际|市场)(?:中心|学院|部|处|科|室|办|课)")


def _full_names(text: str) -> list[Contact]:
    """A surname and a one- or two-character given name after an organisation or a meeting verb,
    followed by a reporting verb, or right after the role that introduces it: a contact said by full name."""
    single, compound = surnames()
    titles, not_names, _ = _title_data()
    out = []
    for m in _FAMILIAR_NAME.finditer(text):  # 负责采购的小冯说, 仓库主管老刘说: 小/老 and a surname
        if m.group(1)[1] in single:
            out.append(Contact(m.start(1), m.end(1), m.group(1)))
    for m in [*_FULL_NAME.finditer(text), *_ROLE_THEN_NAME.finditer(text)]:
        name = m.group(1)
        if name[0] not in single or name in not_names or name[1:].startswith(tuple(titles)) \
                or re.search(r"[们的了是在有个我他她这那一二三四五六七八九十部门层面方边]", name[1:]) \
                or _OURS.search(text[max(0, m.start(1) - 5):m.start(1)]):
            continue
        out.append(Contact(m.start(1), m.end(1), name))
    return sorted({c.start: c for c in out}.values(), key=lambda c: c.start)


_ROLE_AFTER_NAME = r"的(?:采购|供应商|负责人|领导|对接人)(?:说|讲|反馈|要|部)"  # 徐工的采购说: 徐工 is a company


def _orgs_named_like_people(text: str, contacts: list[Contact], orgs: list[str] | None = None) -> list[Contact]:
    """徐工的汤经理, 康师傅的熊工: a "contact" followed by 的 and another contact is the organisation."""
    out = []
    for i, c in enumerate(contacts):
        nxt = contacts[i + 1] if i + 1 < len(contacts) else None
        if nxt and re.fullmatch(r"的|那边的?|这边的?", text[c.end:nxt.start]) or re.match(_ROLE_AFTER_NAME, text[c.end:c.end + 5]):
            if orgs is not None:
                orgs.append(c.name)
            continue
        out.append(c)
    return out


def _goods_buyer(note: Note, company: str) -> bool:
    """面料采购: a common word glued to a buying role names the goods bought, not an organisation."""
    i = note.text.find(company + "采购")
    return i >= 0 and _jieba_word(company) and not company.endswith(tuple(_suffix_set()))


def _jieba_word(word: str) -> bool:
    from nlu.note import _jieba

    return _jieba().FREQ.get(word, 0) > 0


_MET_NEXT = re.compile(r"[，,]?(?:见了|找了|见|找|拜访|跟|和|开了|开的|开会|聊|谈)")


def _longer_visit(note: Note, start: int, end: int) -> str | None:
    """A visited name the lazy pattern cut inside a word: the next word boundary before a meeting verb."""
    if note.is_boundary(end):
        return None
    for k in range(end + 1, min(start + 12, note.clause_at(start)[1]) + 1):
        if note.is_boundary(k) and _MET_NEXT.match(note.text, k):
            name = _after_place(note.text[start:k])
            return name if is_org(name) else None
    return None


def _pauses(note: Note) -> frozenset[int]:
    """The spoken pauses that end a phrase: none when every word is spaced (a transcript's tokens)."""
    return frozenset() if len(note.breaks) * 5 >= len(note.text) else note.breaks


def _visited_org(note: Note) -> str | None:
    pauses = _pauses(note)
    for m in _VISIT.finditer(note.text):
        name = _after_place(m.group(1))
        if is_org(name) and note.is_boundary(m.end(1)) and not any(m.start(1) < b < m.end(1) for b in pauses):
            return name  # (瑞丰工具批|发: 批发 is one word; 蓝海印染 那个厂长: a pause ends the name)
        longer = _longer_visit(note, m.start(1), m.end(1))
        if longer:
            return longer  # 到长荣药品批发跟岳经理谈: the name goes on past 批|发
    visits = _VISITED_HINT is None or bool(_VISITED_HINT.search(note.text))  # the literals both patterns need
    for m in _VISITED_END.finditer(note.text) if visits else ():  # 下午到了立新制版，于厂长说…: the place visited closes its clause
        if is_org(_after_place(m.group(1))):
            return _after_place(m.group(1))
    for m in _VISITED_THEN_MET.finditer(note.text) if visits else ():  # 去了一趟城南的天成五金批发部找尤老板 (批|发 is no verb here)
        name = _after_place(m.group(1))
        if is_org(name):
            return name
    previous = 0
    for b in sorted(pauses):  # 上午先去的蓝海印染 那个厂长…: or a spoken pause closes it
        lo, _ = note.clause_at(b - 1)
        m = _VISITED_BEFORE_PAUSE.search(note.text, max(lo, previous, b - 24), b)
        previous = b
        if m and is_org(_after_place(m.group(1))):
            return _after_place(m.group(1))
    return None


def _after_place(name: str) -> str:
    """新竹的鼎新半导体 -> 鼎新半导体: a short place name and 的 before the organisation."""
    head, de, rest = name.partition("的")
    return rest if de and 1 <= len(head) <= 3 and len(rest) >= 4 and is_org(rest) else name


# 今天拜访了安踏，…: the place visited closes its clause
_VISITED_BEFORE_PAUSE = re.compile(
    rf"(?:拜访了|走访了|(?:去了|到了|跑了)一?趟?|(?:先|又|再)?(?:去|到)的(?:是)?|刚从|从)((?:(?![找见跟和聊谈说])[{CJK}A-Za-z]){{2,14}}?)(?:出来|回来)?$")
_VISITED_THEN_MET = re.compile(
    rf"(?:(?:去了|到了|跑了)一?趟|拜访了|去了|到了)((?:(?![找见跟和聊谈说的])[{CJK}A-Za-z]){{2,3}}的(?:(?![找见跟和聊谈说])[{CJK}A-Za-z]){{2,10}}|(?:(?![找见跟和聊谈说])[{CJK}A-Za-z]){{2,12}})(?=找|见|跟|和)")
_VISITED_END = re.compile(rf"(?:拜访了|走访了|(?:去了|到了|跑了)一?趟?|从)([{CJK}A-Za-z]{{2,12}}?)(?:回来|出来)?(?=[，,。]|$)")
_VISITED_HINT = hint(re.compile(f"(?:{_VISITED_END.pattern})|(?:{_VISITED_THEN_MET.pattern})"))


_ORDERED_BY = re.compile(rf"的[{CJK}A-Za-z]{{1,8}}?(?:合同|订单|单子)")


def _subject_org(note: Note, contacts: list[Contact]) -> str | None:
    """A clause that opens with a named organisation carrying an organisation suffix."""
    suffixes = _org_words()[0]
    types, trades, longest = _type_words()
    for start, end in note.clauses:
        head = _clause_head(note, start, end)
        after = start + len(head)
        if 2 <= len(head) <= 3 and note.text.startswith("的", after) and not head.endswith(suffixes):
            local = _clause_head(note, after + 1, end)  # 昆明的滇池水务在招标: a city, then the organisation
            if local.endswith(suffixes) and is_org(local):
                head, start = local, after + 1
        suffix = _ending(head, _suffix_set())
        name_part = head[:-len(suffix)] if suffix else ""
        ordered = _ORDERED_BY.match(note.text[start + len(head):end])
        if ordered and is_org(head):
            return head  # 名创优品的门店系统合同下周二签
        if not suffix or len(name_part) < 2 and name_part not in _ADMIN or name_part not in _ADMIN and \
                _all_trade(name_part, trades, longest):
            continue  # 蓄电池, 继电器: a product, not a company
        if not is_org(head):
            continue
        head_end = start + len(head)
        if any(c.start < head_end and start < c.end for c in contacts) or _RIVAL_TALK.search(note.text, head_end, end):
            continue
        return head
    for start, end in note.clauses:  # ... 亿源电池采购
        pauses = [b for b in note.breaks if start < b < end]
        lo = max(pauses, default=start)
        m = _ROLE_END.search(note.text, lo, end) if _ROLE_END_HINT is None or _ROLE_END_HINT.search(note.text, lo, end) else None
        if m and (m.group(1).endswith(suffixes) or _ending(m.group(1), _type_words()[1]) and len(m.group(1)) >= 4) \
                and is_org(m.group(1)):
            return m.group(1)
    return None


_NOT_A_TAIL = frozenset("单子 订单 合同 项目 样品 货 钱 价格 报价 产品".split())
_LEADING_DATE = re.compile(
    r"(?:春节|国庆|元旦|五一|中秋|端午|清明|月底|月初|年底)(?:前|后|之前|以后)?|今天|明天|后天|下下?周[一二三四五六日天末]?|这周[一二三四五六日天末]?"
)
_LEADING_LINK = re.compile(r"不过|但是|可是|而且|另外|所以|听说")
_ADMIN = frozenset("省 市 县 区 镇 乡 村 街道".split())
_HEAD_END = re.compile(r"的|要|说|这边|那边|新|签|定|给|在|已|今|明|下|上")


def _clause_head(note: Note, start: int, end: int) -> str:
    """The head of a clause: up to its first link word, verb or pause (明德中学的校服订单签了 -> 明德中学),
    after a leading date (国庆前华联超市要…)."""
    m = _LEADING_DATE.match(note.text, start, end)
    start = m.end() if m else start
    m = _LEADING_LINK.match(note.text, start, end)
    start = m.end() if m else start
    last = min(end, start + 14)  # the head ends at the first of: a link word, a pause, the clause's end
    if last < start + 2:
        return ""
    m = _HEAD_END.search(note.text, start + 2, last + 2)  # a link word is at most two characters
    stops = [p for p in note.breaks if start + 2 <= p <= last] if note.breaks else []
    if m is not None and m.start() <= last:
        stops.append(m.start())
    if end == last:
        stops.append(end)
    return note.text[start:min(stops)] if stops else ""


def _org_of_role(note: Note, contacts: list[Contact]) -> str | None:
    for pattern in (_QUOTED_TO, _SENT_TO, _PAID_BY, _NAMED_ORG):  # 巴斯夫给华峰的报价: the customer got the rival's offer
        for m in pattern.finditer(note.text):
            if is_org(m.group(1)):
                return m.group(1)
    found = _org_before_word(note, contacts, (_ROLE, _DEPT_OF))
    if found is None and _MEETING_WORD.search(note.text):
        found = next((m.group(1) for m in _MET_WITH.finditer(note.text) if is_org(m.group(1))), None)
    return found


_QUOTED_TO = re.compile(rf"给((?:(?!的)[{CJK}A-Za-z]){{2,8}}?)(?:的(?:报价|价格|方案)|报(?:了|的|价))")
_MEETING_WORD = re.compile(r"开会|开了会|开了个会|碰头|碰了个头|见面|面谈")
_MET_WITH = re.compile(rf"(?:与|和|跟)(?:[^，,。的]{{0,8}}的)?(?:供应商|客户|合作方|代工厂|经销商)?([{CJK}A-Za-z]{{2,8}}?)(?:开会|开了会|开了个会|碰头|碰了个头|见面|面谈)")
_PAID_BY = re.compile(rf"收到了?([{CJK}A-Za-z]{{2,8}}?)的(?:定金|订金|货款|尾款|首付|预付款|回款|款)")
# 明天发途虎的仓: the place goods are sent to belongs to the customer
_SENT_TO = re.compile(rf"(?:发|送|发到|送到|运到|拉到)([{CJK}A-Za-z]{{2,8}}?)的(?:仓库?|门店|工厂|厂里|工地|项目部|现场|基地)")


def _org_there(note: Note, contacts: list[Contact]) -> str | None:
    """X那边 at the start of a clause, when no contact carries the organisation."""
    return _org_before_word(note, contacts, (_THERE,))


def _org_before_word(note: Note, contacts: list[Contact], patterns) -> str | None:
    for start, end in note.clauses:
        clause = note.text[start:end]
        for pattern in patterns:
            m = pattern.match(clause)
            if not m or not is_org(m.group(1)):
                continue
            if any(c.start < start + m.end() and start < c.end for c in contacts):
                continue
            return m.group(1)
    return None


def company_span(note: Note, customer: dict | None) -> tuple[int, int] | None:
    company = (customer or {}).get("company")
    pos = note.text.find(company) if company else -1
    return (pos, pos + len(company)) if pos >= 0 else None


def with_latin_names(text: str, customer: dict | None, contacts: list[Contact], note: Note | None = None) -> dict | None:
    """English names of a bilingual note (nlu/latin.py) fill what the Chinese rules left empty: the
    first English person when no contact was found, the first English organisation (not a known
    rival) when no company was."""
    name, company = (customer or {}).get("name"), (customer or {}).get("company")
    if name and company:
        return customer
    found = latin_names(text)
    if not found:
        return customer
    rivals = {n for _, _, n in (note.rival_terms() if note is not None and note.text == text else competitor_terms(text))}
    if not name and not contacts:
        person = next((n for n in found if n.kind == "person"), None)
        if person is not None:
            name = person.text
            contacts.append(Contact(person.start, person.end, person.text))  # no product, no rival
            if not company and note is not None and note.text[:person.start].rstrip().endswith("的"):
                company = org_before(note, person.start)  # 优品电商的Lily
    if not company:
        company = next((n.text for n in found if n.kind == "org" and n.text not in rivals), None)
    return {"name": name, "company": company} if name or company else customer


@cache
def _org_end_automaton():
    """Words an organisation's name ends with: its suffix (集团, 医院), its type (酒店, 批发部) or its trade
    (环保, 印染, 传媒: 南华环保)."""
    import ahocorasick

    data = common()
    words = {w for w in (*data["company_suffixes"], *data["org_types"], *data["trade_words"]) if len(w) >= 1}
    automaton = ahocorasick.Automaton()
    for w in words:
        automaton.add_word(w, len(w))
    automaton.make_automaton()
    return automaton


_TIE_BEFORE = re.compile(r"(?:去了?一?趟|到了?一?趟|去了?|到了?|在|从|拜访了?|走访了?|跑了?一?趟|见了?|约了?|跟|和|与|给|陪|请|来自|call了?|"
                         r"今天|昨天|刚刚?|上午|下午|晚上|今晚|老客户|客户|up|with|at|from|to|了)$", re.IGNORECASE)
_TIE_AFTER = re.compile(r"出来|开会|开了|开完|那边|这边|的|见|找|聊|谈|参加|做|看|签|下单|来电|打电话|电话|微信|[A-Za-z]|就是|跟|和|"
                        r"采购|老板|负责人|[\u4e00-\u9fff]{1,3}(?:部|科|处|室|中心)")


@cache
def _org_ends_strict() -> frozenset[str]:
    data = common()
    return frozenset((*data["company_suffixes"], *data["org_types"]))


# 明辉铜业的房会计, 优品电商的Lily, 锦程化纤那边: the organisation a person or a desk belongs to
_OWNER_AFTER = re.compile(r"(?:的|那边|这边)(?:[\u4e00-\u9fff]{0,4}(?:经理|总|工|主任|会计|采购|老板|主管|负责人|科|部|处)|[A-Z])|那边|这边")
_NOT_IN_NAME = re.compile(r"^[发送运拉交给]|价|费|[换做拿找用卖买进就才都也还又再想能会他她它我你]|今年|明年|去年|下个月|这个月|上个月|月底|年底|生意")


def _first_named_org(note: Note, contacts: list[Contact]) -> str | None:
    """The first phrase of the note shaped like an organisation's name (a name part, then a suffix, type
    or trade word, ending at a word boundary), which is no rival's."""
    text = note.text
    rivals = [(a, b) for a, b, _ in note.rival_terms()]
    ends: dict[int, int] = {}
    for end, size in _org_end_automaton().iter(text):
        ends[end + 1] = max(size, ends.get(end + 1, 0))
    found = []
    for e in sorted(ends):
        lo, hi = note.clause_at(e - 1)
        if not (e == hi or e in note.breaks or _TIE_AFTER.match(text, e) or any(c.start == e for c in contacts)):
            continue  # cheap test first: the customer is met, visited or spoken for
        phrase = _tightest_org(note, lo, e, ends[e])
        if not phrase:
            continue
        start = e - len(phrase)
        if any(a < e and start < b for a, b in rivals) or any(c.start < e and start < c.end for c in contacts):
            continue
        if _NOT_IN_NAME.search(phrase) or any(start < b < e for b in note.breaks):
            continue  # 下个月就换海大, 处方粮 医院, 蓄电池: a sentence, two words, or a word
        trade_only = text[e - ends[e]:e] not in _org_ends_strict()
        if trade_only and not (_TIE_BEFORE.search(text, lo, start) or start == lo and _OWNER_AFTER.match(text, e)
                               or any(c.start == e for c in contacts)):
            continue  # 教师资格证培训: a trade word ends it; only a visit makes it an organisation
        if _RIVAL_TALK.search(text, e, hi) or text.startswith(("比", "的价格", "的报价"), e):
            continue
        if not (start == lo or start in note.breaks or _TIE_BEFORE.search(text, lo, start)):
            continue  # 钠电池正极材料: a product; the customer is met, visited or spoken for
        if e < len(text) and not note.is_boundary(e):
            continue  # 瑞丰工具批|发: not the end of a word
        found.append((start, phrase))
    return min(found)[1] if found else None


# Words that lead into a name (刚从利民水务出来, 电话里福安建材城, 老客户福顺汽修) or trail it (途安物流车队,
# 华南新材料厂里, CarFix连锁, 鼎丰物业行政): never part of the organisation's name.
_LEAD_JUNK = re.compile(
    r"^(?:(?:刚刚|刚|剛|又|还|也|就|今天|昨天|今晚|昨晚|上午|下午|晚上|早上|中午|电话里|电话|老客户|新客户|客户|和|跟|与|从|從|"
    r"在|去了|去|到了|到|见了|拜访了?|拜访一下|一下|陪|请|給|给|follow ?up|Follow ?up|call了?|visit了?)(?=..))+"
)
_TAIL_JUNK = re.compile(r"(?<=..)(?:车队|厂里|行政|老板娘|手术室|理化所|[A-Z]{2,4}部|的)$")


def _trimmed(company: str) -> str:
    trimmed = _TAIL_JUNK.sub("", _LEAD_JUNK.sub("", company))
    return trimmed if len(trimmed) >= 2 else company


def _tightest_org(note: Note, lo: int, e: int, suffix: int) -> str | None:
    """The shortest organisation phrase ending at e whose name part (before its suffix) has two
    characters or more, starting at the clause, a pause or after a stop word."""
    starts = {lo} | {b for b in note.breaks if lo < b < e}
    m = _LEFT_STOP.match(note.text, lo, e)
    if m:
        starts.add(m.end())
    for start in sorted(starts, reverse=True):
        phrase = note.text[start:e]
        if len(phrase) - suffix >= 2 and is_org(phrase):
            return phrase
    return None


def looks_like_org(term: str) -> bool:
    """Is a catalogue term an organisation's name (恒通机械, 协和医院, Harbor Tools) rather than a product?"""
    term = (term or "").strip()
    if not term:
        return False
    if term.isascii():
        return any(n.kind == "org" for n in latin_names(term)) or term.lower().split()[-1:] and \
            term.lower().split()[-1] in ("inc", "ltd", "co", "group", "corp")
    ending = _ending(term, frozenset((*_org_words()[0], *_type_words()[0], *_type_words()[1])))
    return ending is not None and len(term) > len(ending) and is_org(term)


def org_ends() -> frozenset[str]:
    """The words an organisation's name ends with: its suffix (集团, 医院) or its type (中学, 超市)."""
    return _org_ends_strict()



# A name said, then taken back and said again (三一重机 那个不是 是三力重机, 晨光文具 不是 是晨曦文具, 在三棵树的 不是
# 是在嘉宝莉的供应商开发部, 从蜜雪冰城的 不对 是从茶百道的区域仓): the cue after the first name, then where
# the second one starts.
_TAKEN_BACK = re.compile(r"\s?(?:的|那个|那边)?\s?(?:那个)?\s?[哦噢呃嗯]?\s?(?:不是|不对|说错了|口误)\s?[，,]?\s?"
                         r"(?:那个\s?)?(?:是|应该是)\s?(?:在|从|去|到)?(?:的|了)?\s?")


_TAKEN_BACK_END = re.compile(_TAKEN_BACK.pattern + "$")


def with_corrected_company(note: Note, customer: dict | None) -> dict | None:
    """The organisation the rep corrected to, where a name (the company found, or one the company
    labeller marks) was taken back: the labeller's organisation right after the cue, else the text
    there up to where the sentence goes on. It replaces no company, the name taken back, or a company
    that ends as no organisation does (不对 of 那个不是 是三力重机 配套部的付 不对 符经理)."""
    company = (customer or {}).get("company")
    text = note.text
    tagged = (note.name_spans or {}).get("COMP") or []
    for a, b, m in _taken_back(note, company):
        said = _said_after(note, m.end(), tagged, b - a)
        if said and said != text[a:b] and (not company or company == text[a:b] or not company.endswith(tuple(org_ends()))):
            return {**(customer or {"name": None}), "company": said}
    return customer


def _taken_back(note: Note, company: str | None):
    """(start, end, cue match) of each name (the company found, or one the company labeller marks) the
    rep took back."""
    text = note.text
    firsts = {(a, b) for a, b, _ in (note.name_spans or {}).get("COMP") or []}
    firsts |= {(i, i + len(company)) for i in positions(text, company)} if company else set()
    for a, b in sorted(firsts):
        m = _TAKEN_BACK.match(text, b)
        if m:
            yield a, b, m
    for i in positions(text, company) if company else ():  # the company is the name said again: 晨光文具 不是 是晨曦文具
        lo = max(0, i - 20)
        m = _TAKEN_BACK_END.search(text[lo:i])
        if m and m.start() >= len(company) and (lo + m.start() - len(company), lo + m.start()) not in firsts:
            yield lo + m.start() - len(company), lo + m.start(), m


def taken_back(note: Note, company: str | None) -> list[tuple[int, int]]:
    """Where the names the rep took back are said: no one's (not the customer, not a rival)."""
    return [(a, b) for a, b, _ in _taken_back(note, company)]


_SAID_END = re.compile(r"[的\s，,。;；:：(（]|那个|那边|这边|出来|开会|见了|跟|和")


def _said_after(note: Note, at: int, tagged, size: int) -> str | None:
    """The organisation's name said at `at`: the labeller's, else up to where the sentence goes on, else
    as long as the name taken back where a word ends there (三一重机不是是三力重机配套部)."""
    text = note.text
    named = [text[a:b] for a, b, _ in tagged if a == at]
    if named and is_org(named[0]):
        return named[0]
    end = _SAID_END.search(text, at, at + 12)
    name = text[at:end.start()] if end else ""
    if not name and not note.splits_word(at + size):
        name = text[at:at + size]
    return name if 2 <= len(name) <= 10 and is_org(name) else None
