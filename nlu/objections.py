"""Customer objections: a phrase taxonomy per category (common pack + the industry pack).

A phrase does not count when a negation stands right before it (没有质量问题), when its clause says
the opposite (价格没问题 cancels price), or when our side is speaking (我们觉得偏高). Phrases are
matched longest first and a matched span is not reused, so 元气森林给的陈列费高 (a rival's better
terms: competitor) is not also read as 陈列费高 (price). A cheaper rival is no price objection when
the customer praises us (陶氏便宜一千，但田总说我们服务好，暂时不换).
"""
from __future__ import annotations

import re
from functools import cache

import ahocorasick

from nlu.lexicon import Pack, common
from nlu.normalize import positions
from nlu.note import Note, compile_phrases
from nlu.prefilter import hint, required

CATEGORIES = ("price", "budget", "delivery_time", "quality", "decision_delay", "competitor",
              "payment_terms", "service", "spec")
# Price evidence that only compares with a rival (cancelled by praise of us).
_COMPARATIVE = re.compile(r"比|便宜|低|折")


@cache
def _common_phrases() -> dict[str, list[str]]:
    data = common()["objections"]
    return {c: list(data.get(c, [])) for c in CATEGORIES}


@cache
def _pattern_list(pack: Pack | None) -> list[tuple[str, str]]:
    """(regex, category) longest first; pack phrases are literal."""
    pairs = [(p, c) for c, phrases in _common_phrases().items() for p in phrases]
    if pack is not None:
        pairs += [(re.escape(p), c) for c, phrases in pack.objections.items() if c in CATEGORIES for p in phrases]
    return sorted(set(pairs), key=lambda p: -len(p[0]))


_REGEX_META = re.compile(r"[.^$*+?{}\[\]\\|()]")


@cache
def _compiled(pack: Pack | None):
    """One Aho-Corasick automaton over the literal phrases and the anchors of the regex phrases (a regex
    phrase is tried only when a literal it requires occurs in the clause): each key gives (length and
    categories when it is a phrase, else None; the regex phrases it anchors). The regex phrases with no
    anchor literal merged into one pattern (one scan of a clause when none matches). Cached per pack."""
    plain_words: dict[str, list[str]] = {}
    by_category: dict[str, list[str]] = {}
    for p, c in _pattern_list(pack):
        if not _REGEX_META.search(re.sub(r"\\.", "", p)):
            plain_words.setdefault(re.sub(r"\\(.)", r"\1", p), []).append(c)
        else:
            by_category.setdefault(c, []).append(p)
    always: list[tuple[re.Pattern, str]] = []
    keyed: dict[str, list[tuple[re.Pattern, str]]] = {}
    for c, ps in by_category.items():
        for p in ps:
            pattern = re.compile(p)
            anchor = _anchor(p)
            # no single anchor (跟领导商量 / 找老板汇报): one of the literals every match contains
            anchors_of = [anchor] if anchor else sorted(required(pattern) or ())
            for a in anchors_of:
                keyed.setdefault(a, []).append((pattern, c))
            if not anchors_of:
                always.append((pattern, c))
    scan = ahocorasick.Automaton()
    for key in {**plain_words, **keyed}:  # one pass over a clause finds both
        phrase = (len(key), *dict.fromkeys(plain_words[key])) if key in plain_words else None
        scan.add_word(key, (phrase, tuple(keyed.get(key, ()))))
    scan.make_automaton()
    return scan, tuple(always), _any_of(tuple(always))


def _any_of(pairs: tuple[tuple[re.Pattern, str], ...]) -> re.Pattern:
    """One alternation that finds a match wherever any of the patterns would."""
    return re.compile("|".join(f"(?:{p.pattern})" for p, _ in pairs) or "(?!)")


def _anchor(pattern: str) -> str | None:
    """The longest literal a regex phrase cannot match without (None when there is none)."""
    s, prev = pattern, None
    while s != prev:  # groups and classes may match anything
        prev, s = s, re.sub(r"\([^()]*\)[?*+]?(?:\{[^}]*\})?", "\0", s)
    s = re.sub(r"\[[^\]]*\][?*+]?(?:\{[^}]*\})?", "\0", s)
    if "|" in s:
        return None
    s = re.sub(r"\\.", "\0", s)
    s = re.sub(r".(?:[?*]|\{0,?\d*\})\??", "\0", s)  # optional characters
    s = re.sub(r"\{\d*,?\d*\}|[.^$+?*{}]", "\0", s)
    pieces = [x for x in s.split("\0") if x]
    return max(pieces, key=len) if pieces else None


@cache
def _guards():
    data = common()["objections"]
    negation = re.compile(rf"(?:{'|'.join(map(re.escape, data['negations']))})$")
    cancels = {c: compile_phrases(re.escape(w) for w in ws) for c, ws in data["cancels"].items()}
    ours = compile_phrases(re.escape(w) for w in data["our_side"])
    praise = compile_phrases(data["praise_of_us"])
    return negation, cancels, ours, praise


# Categories that describe the supplier: said of a rival (TDK那边缺货) they are no objection to us.
_SUPPLIER_SIDE = ("delivery_time", "quality", "service", "spec")


# Waiting for money or goods is a payment or delivery matter, not a delayed decision.
_WAIT = re.compile(r"^(?:等|要等|得等)")
_WAIT_FOR_MONEY_OR_GOODS = re.compile(r"封顶|完工|竣工|土建|主体|付|结|钱|款|账期|才能到|到货|发货|交期|船期|[一二两三四五六七八九十\d]+天|来不及|等不了|"
                                      r"报修|换货|坏了|维修|配件|好几天|礼拜|星期")


_GOES_ON = re.compile(r"[要再还先也就得]|回去|回头")  # 我们这边觉得偏高，要请示
_ASKS_US = re.compile(r"(?:让|要|叫)我们")
_WE = re.compile(r"比我们|我们的?")


def find_objections(note: Note, money: list[dict] = (), competitors: list[str] = ()) -> list[str]:
    """Objection categories in the order first raised."""
    return [category for category, _ in objection_clauses(note, money, competitors)]


def objection_clauses(note: Note, money: list[dict] = (), competitors: list[str] = (),
                      products: list[str] = ()) -> list[tuple[str, tuple[int, int]]]:
    """(category, span of the clause it came from) in the order first raised. An objection the amounts
    show (a rival's price under our quote) comes from the clause of that amount (`_start` on a money
    fact), else the note's last clause."""
    negation, cancels, ours, praise = _guards()
    praised = bool(praise and praise.search(note.text))
    found: dict[str, tuple[int, tuple[int, int]]] = {}
    our_turn = ended_ours = False
    previous = ""
    rival_said = False  # the sentence so far speaks of a rival or the supplier they have, not of us
    for index, (start, end) in enumerate(note.clauses):
        clause = note.text[start:end]
        nxt = note.text[slice(*note.clauses[index + 1])] if index + 1 < len(note.clauses) else ""
        prev, previous = previous, clause
        if start == 0 or note.text[start - 1] in _SENTENCE_END:
            rival_said = False
        of_rival = _rival_topic(clause, competitors)
        carried = rival_said and "我们" not in clause and not _NEW_SUBJECT.match(clause)
        rival_said = of_rival or carried
        # 我们这边觉得偏高，要请示: a clause with no subject after ours is ours too
        was_ours = our_turn
        our_turn = bool(ours and ours.match(clause)) and not _ABOUT_US.match(clause) or ended_ours and bool(_GOES_ON.match(clause))
        ended_ours = _ends_in_our_voice(clause, our_turn, ours)
        if our_turn and not _THEIR_VOICE.search(clause):
            continue  # (a dictated run may go on in the customer's voice: 我说…他说…)
        if was_ours and _DISPLEASED.match(clause):  # 我说账期最多给45天，她不太乐意: the customer rejects our terms
            for pos, category, phrase in _matches(prev, note.pack, competitors):
                if category in _REJECTED_TERMS:
                    found.setdefault(category, (start, (start, end), phrase))
        rival_subject = any(clause.startswith(c) for c in competitors)
        asks_us = bool(_ASKS_US.match(clause))  # 让我们考虑一下能不能跟: our decision, not theirs
        named = [(i, i + len(p)) for p in products if p for i in positions(clause, p)]
        for pos, category, phrase in _matches(clause, note.pack, competitors, prev, nxt):
            if any(a <= pos and pos + len(phrase) <= b for a, b in named):
                continue  # 彩色卡纸50包: a word of the product's name, not a complaint
            if ours and _ends_in_our_voice(clause, our_turn, ours, pos) and not (
                    category in _REJECTED_TERMS and _DISPLEASED.search(clause, pos)):
                continue  # 他说沙钢报四千一问能不能跟我说我回去请示一下: a dictated run turns to our side
            if category == "price" and phrase.startswith("差") and _GAP_OF_OTHER.search(prev + clause[:pos]):
                continue  # 预算每块1200以内，差得有点多; 账期九十天…差太多了: the gap is the budget's or the terms'
            if asks_us and category == "decision_delay":
                continue
            if category == "decision_delay" and _WE_DELAY.search(clause, 0, pos) and not _quoted(note.text, start + pos):
                continue  # 我已报公司审批, 这家我看先放一放, I'd check with finance: our own step (not '我们得开会再议' quoted)
            if category == "competitor" and _CONDITION.search(prev):
                continue  # 要是我们不跟，下个月就换海大: a threat, not a choice made
            if category in _SUPPLIER_SIDE and (rival_subject or any(clause[:pos].endswith((c, c + "的")) for c in competitors)) \
                    and not _WE.search(clause, 0, pos + len(phrase)):
                continue  # TDK那边缺货, 除非得力断货: said of a rival
            if (category in _SUPPLIER_SIDE or category == "price" and _DEAR.search(phrase)) \
                    and (carried or _rival_before(clause, pos, pos + len(phrase), competitors)):
                continue  # 目前用的是英飞凌，但交期太长; 最近舍弗勒老断货: still the rival's story
            if negation.search(clause[max(0, pos - 3):pos]) and not phrase.startswith(("不", "没")):
                continue
            cancel = cancels.get(category)
            if cancel is not None and cancel.search(clause):
                continue
            if praised and category in ("price", "competitor") and (category == "competitor" or _COMPARATIVE.search(phrase)):
                continue
            found.setdefault(category, (start + pos, (start, end), phrase))
    if "price" not in found and competitors and not praised:
        cheaper = _rival_cheaper(note, competitors)  # Kevin 说 Oatly 便宜: a rival named as the cheaper one
        if cheaper is not None:
            found["price"] = (cheaper[0], cheaper, "")
    last = note.clauses[-1] if note.clauses else (0, len(note.text))
    if "delivery_time" not in found and "我们" in note.text:
        span = _our_lead_time_over(note)
        if span is not None:
            found["delivery_time"] = (len(note.text), span, "")
    if "price" not in found and competitors and not praised:
        dearer = _dearer_than_rival(note, competitors)  # 我们年费比Salesforce还贵: we are the dearer one
        if dearer is not None:
            found["price"] = (dearer[0], dearer, "")
    for category, at in _money_objections(money, note):
        if category == "price" and (praised or cancels["price"].search(note.text, *_sentence_of(note.text, at))):
            continue  # 价格没问题 said of another visit (；2) 快修连锁…价格没问题) cancels nothing here
        span = note.clause_at(at) if at is not None else last
        found.setdefault(category, (len(note.text), span, ""))
    if "competitor" in found and (_INCUMBENT.search(found["competitor"][2]) and _SWITCH.search(note.text)
                                  or _SWITCH.search(note.text, *found["competitor"][1]) and _OTHER_INCUMBENT.search(note.text)) \
            and not _KEEP.search(note.text):
        del found["competitor"]  # 现在用的是道康宁，想换我们的试试: the incumbent they mean to leave
    order = sorted(found, key=lambda c: (found[c][0], CATEGORIES.index(c)))  # ties in a fixed order
    return [(c, found[c][1]) for c in order]


# Asked to meet a rival's price: 能不能跟, match, 想想办法, 看着办, 能不能做到, 再低点.
_MEET_IT = re.compile(r"能不能跟|能否跟|跟不跟|跟一下|能不能也|match|想想办法|看着办|能不能做到|做不做得到|能不能到|再低|低点|低一点|便宜点|便宜一点")
_ASKED_OF_US = re.compile(r"(?:让|要|叫)我们.{0,1}$")
_GAP_OF_OTHER = re.compile(r"预算|账期|[\d一二两三四五六七八九十]+天|交期|承兑|月结")


def _sentence_of(text: str, at: int | None) -> tuple[int, int]:
    """The sentence holding position at (the whole text when at is None)."""
    if at is None:
        return 0, len(text)
    lo = max([0] + [text.rfind(c, 0, at) + 1 for c in _SENTENCE_END])
    ends = [i for i in (text.find(c, at) for c in _SENTENCE_END) if i >= 0]
    return lo, min(ends, default=len(text))


def _rival_cheaper(note: Note, competitors) -> tuple[int, int] | None:
    """The clause where the customer names a rival as cheaper (X便宜, X的报价更低; not 比X便宜), if any."""
    text = note.text
    found = []
    for c in competitors:
        i = text.find(c) if c else -1
        while i >= 0:
            start, end = note.clause_at(i)
            if (i == 0 or text[i - 1] not in "比跟和较") and _CHEAPER_AFTER.match(text, i + len(c), end) \
                    and "我们" not in text[start:i]:
                found.append((start, end))
            i = text.find(c, i + 1)
    return min(found) if found else None


_CHEAPER_AFTER = re.compile(r"\s?(?:的|那边|家)?(?:报价|价格|价钱)?(?:也|更|还|都)?(?:便宜|低)(?!于)")


# The customer (or a named contact) speaking: 他说, 她嫌, 客户反映, 王总说.
_THEIR_VOICE = re.compile(r"(?:他|她|客户|对方)们?(?:又|也|还|就|一直)?(?:说|觉得|嫌|反映|要求|希望|担心|提到|讲|表示|抱怨|问)|"
                          r"(?:他|她|客户|对方)们?(?:不太|不是很|很不|有点不|不|没)(?:乐意|高兴|满意|同意|接受|答应)|"
                          r"[^，,。\s]{1,3}(?:总|经理|工|主任|老板|科长|主管)\s?(?:说|觉得|嫌|反映|要求|讲)")


def _ends_in_our_voice(text: str, started_ours: bool, ours, upto: int | None = None) -> bool:
    """Whether the last speaker of text (up to `upto`) is our side: an our-side cue (我说, 我得, 我回去)
    after the last cue of the customer speaking, or a clause that started in our voice with no such cue.
    我们这边售后要排队 is the customer describing us, no cue."""
    upto = len(text) if upto is None else upto
    last_theirs = max((m.end() for m in _THEIR_VOICE.finditer(text, 0, upto)), default=-1)
    if started_ours and last_theirs < 0:
        return True
    return any(m.start() > last_theirs and not _ABOUT_US.match(text, m.start()) for m in ours.finditer(text, 0, upto))


def _dearer_than_rival(note: Note, competitors) -> tuple[int, int] | None:
    """The clause where the customer finds us dearer than a rival (嫌我们X比Y的贵, 比Salesforce还贵; not
    Y比我们贵 or our side speaking), if any: the rival's name counts as one word however long it is."""
    ours = _guards()[2]
    text = note.text
    found = []
    for c in sorted(competitors, key=len, reverse=True):  # the longest name first at a place (as an alternation)
        i = text.find("比" + c) if c else -1
        while i >= 0:
            start, end = note.clause_at(i)
            m = _DEARER_AFTER.match(text, i + 1 + len(c), end)
            if m and not (ours and ours.match(text, start, end)) and (m.group().endswith("贵") or _PRICE_WORD.search(text, start, m.end())):
                found.append((start, end))  # 高 only of a price (破损率比X高 is quality, 插损比X高 spec)
            i = text.find("比" + c, i + 1)
    return min(found) if found else None


_DEARER_AFTER = re.compile(r"[^，,。比]{0,6}?(?:还|更|都)?(?:贵|高)(?![^，,。]{0,3}(?:不少|很多)?[，,。]?我们)")


_PRICE_WORD = re.compile(r"价|费|钱|成本")


# The customer's displeasure right after what we said: what we said is what they object to.
_DISPLEASED = re.compile(r"(?:他|她|客户|对方)?(?:们)?(?:不太|不是很|很不|有点不|不)(?:乐意|高兴|满意|同意|接受)|(?:他|她|客户)?(?:们)?(?:没答应|不答应|不接受|不同意)")
_REJECTED_TERMS = ("payment_terms", "delivery_time", "price")
_SENTENCE_END = "。！？!?；;\n"
# A clause that names who speaks or acts anew (他说, 她觉得, 黎主管说): the rival's story stops there.
_NEW_SUBJECT = re.compile(r"^(?:[^，,。]{0,6}?(?:他|她|客户|对方)(?:们)?(?:说|觉得|嫌|反映|要求|希望|担心|提到|也说)|[^，,。]{1,4}(?:总|经理|工|主任|老板|姐|哥|长)(?:说|觉得|嫌|反映|要求))")


def _rival_topic(clause: str, competitors) -> bool:
    """The clause speaks of a rival or of the supplier the customer has, and not of us."""
    if "我们" in clause:
        return False
    if any(c in clause for c in competitors):
        return True
    if _RIVAL_HINT is not None and not _RIVAL_HINT.search(clause):
        return False  # none of the literals either pattern needs
    return bool(_ANOTHER_SUPPLIER.search(clause) or _OTHER_INCUMBENT.search(clause))


def _rival_before(clause: str, pos: int, end: int, competitors) -> bool:
    """A rival named earlier in the clause, with no 我们 after it up to the phrase's end (最近舍弗勒老断货;
    not 华为质保十年我们只有五年)."""
    for c in competitors:
        i = clause.rfind(c, 0, pos)
        if i >= 0 and not re.search(r"我们|我們", clause[:end]) and not _NEW_SUBJECT.search(clause[i + len(c):pos]):
            return True
    return False


# The customer means to leave the supplier they have (an opening for us, not a competitor objection)...
# 现在用的那家老是延期，想找个备选: the supplier they mean to leave is someone else, not us
_OTHER_INCUMBENT = re.compile(r"(?:现在|目前|之前|以前|去年|原来|一直)(?:主要)?(?:用|找|合作)的?(?:是|那家)?(?!我们)|现在是[^，,。]{1,8}在做|老供应商|原来的供应商")
_INCUMBENT = re.compile(r"用的是|一直用|一直在用|现在用|在用|主供|用惯|合作|一直是|原来用|之前用")
_SWITCH = re.compile(r"想换(?!回)|要换(?!回|一家|别家)|(?:要|想|打算|准备)(?:统一|全部|整体|都)换|想找个?备选|找个?备选|换一家|换家|换掉|想引入|导入第二|第二供应商|第二家|想试试我们|switch|想把[^，,。]{0,8}换")
# ... unless they say they keep it.
_KEEP = re.compile(r"不换|不想换|不太想换|不会换|暂时不|不打算换|没打算换|还是用|继续用(?!我们)")


# 我们这边售后要排队: the customer describing us, not our side speaking
_ABOUT_US = re.compile(r"我们\s?(?:这边\s?的?\s?(?:售后|服务|交期|货|产品|质量)|的?\s?(?:技术|工程师|师傅|售后)\s?(?:都|也|一直|老是)?\s?(?:没|不))")
_CONDITION = re.compile(r"要是|如果|假如|万一|不然$|否则$")


_OUR_LEAD_TIME = re.compile(r"我们(?:要|得|需要|最快)(?:[\d一二两三四五六七八九十]+)(?:天|周|个月)")
_THEIR_LEAD_TIME = re.compile(r"交期|货期|工期|(?:天|周|个月)内|不能超过")


def _our_lead_time_over(note: Note) -> tuple[int, int] | None:
    """交期要在二十天内，我们要三十五天: our lead time stated right after their limit (its clause)."""
    for i, (start, end) in enumerate(note.clauses[1:], 1):
        if _OUR_LEAD_TIME.match(note.text, start, end):
            ps, pe = note.clauses[i - 1]
            if _THEIR_LEAD_TIME.search(note.text, ps, pe):
                return ps, end
    return None


# Contexts in which a matched phrase is not an objection (see _not_here).
_UNDER_WAY = re.compile(r"(?:准备|开始|马上|已经|正在|就能|就可以|可以)$")
_COUNT_AFTER = re.compile(r"[\d一二两三四五六七八九十几]+\s?[台个套只件片块根条]")
_NOBODY_REPAIRS = re.compile(r"(?:也|都)?(?:没人修|没地方修|找不到人修|修不了)")
_SERVICE_WORD = re.compile(r"迟到|师傅|服务|态度|客服|响应|没人")
_OURS_BEFORE = re.compile(r"我们(?:家)?的?[^，,。他她]{0,8}$")
_THREAT = re.compile(r"不然|否则|要是|如果|再出问题|再这样|再不|再[^，,。]{1,4}就|再[^，,。就]{1,3}$")
_DONE_BEFORE = re.compile(r"(?:好|通|完|过)了$")
_PAYMENT_WORD = re.compile(r"付|结|款")
_DEAR = re.compile(r"高|贵|涨")
_OTHER_SUPPLIER = re.compile(r"那家|别家|供应商|原来的")
_WE_JUST_BEFORE = re.compile(r"我们(?:的)?.{0,2}$")
_WE_COMPARE = re.compile(r"我们[^得要需必才除]{0,8}比")


_ANOTHER_SUPPLIER = re.compile(r"那家|別家|别家|对方|之前合作|现在用的|之前用的|以前用的|上一家|原来的|老供应商|进口设备|去年找的|"
                               r"[^，,。]{1,6}那边(?=[^，,。]{0,6}(?:外教|师傅|售后|服务|产品|货))")
# The literals one of which any match of _ANOTHER_SUPPLIER or _OTHER_INCUMBENT contains.
_RIVAL_HINT = hint(re.compile(f"(?:{_ANOTHER_SUPPLIER.pattern})|(?:{_OTHER_INCUMBENT.pattern})"))
_TRIAL_UNITS = re.compile(r"[\d一二两三四五六七八九十百]+\s?(?:公斤|kg|块|个|套|台|pcs|片|瓶|盒|吨)(?:[^，,。\d]{0,10}(?:做|sample|样品?))?\s?$")
_UNITS_BEFORE = re.compile(r"[\d一二两三四五六七八九十百]+\s?(?:公斤|kg|块|个|套|台|pcs|片|瓶|盒|吨)[^，,。\d]{0,12}$")
_REST_LATER = re.compile(r"(?:其他的?|其余的?|剩下的?|二期|三期|后续的?)[^，,。]{0,4}$")
_ASKS_EXCLUSIVE = re.compile(r"(?:想要|要求我们做|要我们做|要求|希望)[^，,。]{0,4}$")
_PRESS_NOT_PRICE = re.compile(r"[\d一二两三四五六七八九十]+(?:天|周|个月)|预算")


# Plain payment terms: stated, they are the deal's terms; only asked for or disputed are they an objection.
_PLAIN_TERMS = re.compile(r"^(?:货到|票到|验收后|后付款|T/T|TT|tt)")
_DEMAND = re.compile(r"要求|要|希望|想|只能|最多|太|不接受|不同意|不肯|压|拖|坚持|非得|必须|能不能|不乐意|不满意|长")
_DISPUTE = re.compile(r"太长|太久|不接受|不同意|只能|只给|最多|不行|谈不拢|不乐意|不太乐意|压|拖")
_TERMS_STATED = re.compile(r"是|为|按")
_ASKED = re.compile(r"要求|希望|坚持|非得|必须")  # a demand in the clause before (要求首付30%，剩下T/T 60天)
_BARE_SPEC = frozenset(("认证", "名录", "入围"))
_PROBLEM = re.compile(r"没|缺|不|未|还在|过不了|差|难|卡|要求|必须|需要|得有|只有")
_THEIR_OWN = re.compile(r"(?:现在|现有|原来|目前|老)的?[^，,。我]{0,6}$")
_PAPERS = re.compile(r"证书|资质|认证|许可|执照|授权")
_NO_REPLY = re.compile(r"(?:消息|信儿?|回复|话)")
_NOT_OUR_PRICE = re.compile(r"MOQ|moq|起订量|起订")
# The rep acting right before a delay phrase (我已, 我看, 我们会): at the clause's start or after 这家/那就
_WE_DELAY = re.compile(r"(?:^|这家|这个|那就|所以)(?:我|我们|咱们)(?:这边)?(?:看|已经?|自己|会)[^，,。他她]{0,8}$|"
                       r"\b(?:I'd|I'll|I will|I need to)\b[^，,。]{0,12}$")


def _quoted(text: str, at: int) -> bool:
    """Whether position at is inside quotation marks (the customer's words: 我们 is the customer there)."""
    before = text[:at]
    return any(before.count(a) > before.count(b) for a, b in (("“", "”"), ("「", "」"), ("『", "』"))) \
        or len(_QUOTE_MARK.findall(before)) % 2 == 1 or before.count('"') % 2 == 1


_QUOTE_MARK = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")  # not the apostrophe of I'd, Kevin's


def _not_here(clause: str, start: int, end: int, category: str, competitors, prev: str = "", nxt: str = "") -> bool:
    phrase = clause[start:end]
    if category == "payment_terms" and phrase == "账期" and _TERMS_STATED.match(clause, end) and not _DEMAND.search(clause) \
            and not _ASKED.search(prev) and not _DISPUTE.search(nxt) and not any(c in clause for c in competitors):
        return True  # 账期是月结60天: our terms stated, no dispute (not 账期是九十天，太长了)
    if category == "payment_terms" and _PLAIN_TERMS.match(phrase) and not _DEMAND.search(clause) \
            and not (_ASKED.search(prev) and _PAYMENT_WORD.search(prev)):
        return True  # 付款是每批货到后45天, 货到30天付款: the terms, with no dispute
    if category == "spec" and phrase in _BARE_SPEC and clause.startswith("的", end) and not _PROBLEM.search(clause):
        return True  # CCS认证的船板: what the product is, not a requirement we fail
    if category in ("spec", "quality") and _THEIR_OWN.search(clause, 0, start) and "我们" not in clause[:start]:
        return True  # 现在的沼气池不够用: their own equipment falls short, which is why they buy
    if category == "quality" and phrase == "过期" and _PAPERS.search(clause, 0, start):
        return True  # 证书六月份过期了: a certificate (a spec matter), not goods gone off
    if category == "service" and phrase in ("没回", "不回", "没人回") and _NO_REPLY.match(clause, end):
        return True  # 那边还没回消息: no answer yet, not slow after-sales
    if category == "price" and _NOT_OUR_PRICE.search(clause, 0, start):
        return True  # 要求MOQ再低一点: the minimum order, not our price
    if category == "decision_delay" and (phrase == "下不了单" and clause.endswith("就", 0, start)
                                         or _ASKED_OF_US.search(clause, 0, start)):
        return True  # 没有证书就下不了单: the condition is the objection; 让我们再想想办法: asked of us
    if category == "decision_delay" and "流程" in phrase and _UNDER_WAY.search(clause, 0, start):
        return True  # 准备走采购流程, 这个月就能走流程: the process starts, nothing waits
    if category == "decision_delay" and "流程" in phrase and _PAYMENT_WORD.search(clause[:start] + nxt):
        return True  # 付款的话要走他们集团的流程，一般要九十天: the payment's process, not a delayed decision
    if category == "decision_delay" and _WAIT.match(phrase) and _WAIT_FOR_MONEY_OR_GOODS.search(clause):
        return True  # 等秋收卖了粮再给钱
    if category == "quality" and phrase == "坏了" and _COUNT_AFTER.match(clause, end) and "我们" not in clause + nxt:
        return True  # 伺服电机坏了两台, 三年坏了五台: units of theirs broke (why they buy), not our goods
    if category == "quality" and phrase.startswith("差") and _GAP_OF_OTHER.search(prev + clause[:start]):
        return True  # 预算只有80万，差很多: the gap is the budget's, not poor quality
    if category == "quality" and phrase == "坏了" and _NOBODY_REPAIRS.match(clause, end):
        return True  # 坏了没人修: if it breaks, nobody repairs it (the complaint is the service)
    if category == "quality" and phrase == "投诉" and _SERVICE_WORD.search(clause):
        return True  # 安装师傅迟到被投诉: a service complaint
    if category == "competitor" and phrase.startswith(("用了", "做了", "用惯", "一直", "合作")) and \
            _OURS_BEFORE.search(clause, 0, start) and \
            not any(c in clause for c in competitors):
        return True  # 我们的机器用了半年就漏油: our own history, not a rival's
    if category == "competitor" and phrase.startswith(("换成", "改用", "转向", "换到", "转到")) \
            and not any(c in clause[start:] for c in competitors):
        return True  # 换成环保材料: a change of material, not of supplier
    if category == "competitor" and phrase in ("一直是", "一直都是") and (clause.startswith("我们", end)
                                                                      or clause.startswith(("跟我们", "从我们"), end)):
        return True  # 一直是我们供, 一直是跟我们拿的: we are the incumbent
    if category == "competitor" and "独家" in phrase and _ASKS_EXCLUSIVE.search(clause, 0, start + 1):
        return True  # 想要独家供货, 要求我们做独家供应: exclusivity asked of us
    other = [m.end() for m in _ANOTHER_SUPPLIER.finditer(clause, 0, start)] if category in _SUPPLIER_SIDE else ()
    if other and "我们" not in clause[other[-1]:start]:
        return True  # 现在用的那家老是延期, 之前合作的那家色差太大: the supplier they have, not us
    if category == "decision_delay" and (_TRIAL_UNITS.search(clause, 0, start)
                                         or phrase.startswith("做") and _UNITS_BEFORE.search(clause, 0, start)):
        return True  # 先要五十公斤做评估: a trial of ours, not a delayed decision
    if category == "decision_delay" and _REST_LATER.search(clause, 0, start + 1):
        return True  # 第一期先要五十张，二期明年再说: the rest of an order, later
    if category == "price" and _PRESS_NOT_PRICE.match(clause, end):
        return True  # 希望压到15天, 压到预算以内: a lead time or the budget, not our price
    if category == "competitor" and _THREAT.search(clause, 0, start):
        return True  # 不然就换别家: a threat, not a choice made
    if category == "decision_delay" and phrase.startswith("再") and _DONE_BEFORE.search(clause, 0, start):
        return True  # 测好了再说量: the next step once a test passes, not a delay
    if category == "budget" and phrase.startswith("钱要等") and _PAYMENT_WORD.search(clause):
        return True  # 学校的钱要等财政拨款下来才能付: a payment delay
    if category == "price":
        if _DEAR.search(phrase) and (any(c in clause[:start] for c in competitors)
                                              or _OTHER_SUPPLIER.search(clause, 0, start)):
            return True  # 茅台的价格太高: the rival is dear, not us
        if phrase.startswith("低") and _WE_JUST_BEFORE.search(clause, 0, start):
            return True  # 价格我们低20%: we are the cheaper one
        if "便宜" in phrase and _WE_COMPARE.search(clause, 0, start + 2):
            return True  # 我们的变速箱油比嘉实多便宜: we are the cheaper one
    return False


def _money_objections(money, note: Note | None = None) -> list[tuple[str, int | None]]:
    """Objections the amounts show even unsaid: a rival's or the customer's price under our quote
    (电装才九十，我们报一百一; 他只肯给二百五) is price, and so is a rival's price with no quote of ours
    when the customer asks us to meet it (沙钢一吨报的四千一，问我们能不能跟); our quote over their budget
    is budget. Each with the position of the amount that shows it (None when unknown)."""
    by_kind: dict[str, list[dict]] = {}
    for m in money:
        by_kind.setdefault(m["kind"], []).append(m)
    quotes = [m["amount"] for m in by_kind.get("quote", [])]
    out = []
    lower = [m for m in by_kind.get("competitor_price", []) + by_kind.get("other", []) if quotes and m["amount"] < max(quotes)]
    if lower and (by_kind.get("competitor_price") or any(m.get("counter") for m in money)):
        shown = next((m for m in lower if m["kind"] == "competitor_price" or m.get("counter")), lower[0])
        out.append(("price", shown.get("_start")))
    elif note is not None and not quotes:
        for m in by_kind.get("competitor_price", []):
            at = m.get("_start")
            if at is None:
                continue
            i = note.clause_index(at)
            lo, hi = note.clauses[i][0], note.clauses[min(i + 1, len(note.clauses) - 1)][1]
            if _MEET_IT.search(note.text, at, hi):
                out.append(("price", at))
                break
    budgets = by_kind.get("budget", [])
    if quotes and budgets and max(quotes) > max(m["amount"] for m in budgets):
        out.append(("budget", max(budgets, key=lambda m: m["amount"]).get("_start")))
    return out


def said_categories(note: Note) -> set[str]:
    """The categories whose phrases occur in the note at all, whatever the guards then decided: where the
    rules read a category's words and ruled them out (账期是月结60天: our terms stated), they had their say."""
    scan, always, _ = _compiled(note.pack)
    out: set[str] = set()
    for start, end in note.clauses:
        clause = note.text[start:end]
        for _, (phrase, pats) in scan.iter(clause) if len(scan) else ():
            if phrase is not None:
                out.update(phrase[1:])
            out.update(c for pattern, c in pats if pattern.search(clause))
        out.update(c for pattern, c in always if pattern.search(clause))
    return out


def _matches(clause: str, pack: Pack | None, competitors=(), prev: str = "", nxt: str = ""):
    """Phrase matches; a span once taken is only reused by another category for the very same span
    (不会换: competitor and decision_delay). Readings that do not apply here are dropped first, so
    they cannot hide a shorter phrase (等农户贷款放下来再结: payment, not a delayed decision)."""
    scan, always, any_always = _compiled(pack)
    patterns = set(always) if always and any_always.search(clause) else set()  # one scan when none matches
    phrases: list[tuple[int, int, str]] = []
    for end, (phrase, pats) in scan.iter(clause) if len(scan) else ():
        if pats:
            patterns.update(pats)
        if phrase is not None:
            length, *categories = phrase
            phrases += [(end + 1 - length, end + 1, category) for category in categories]
    found = [(m.start(), m.end(), category) for pattern, category in patterns
             for m in pattern.finditer(clause) if m.end() > m.start()]
    found += phrases
    found = [f for f in found if not _not_here(clause, *f, competitors, prev, nxt)]
    found.sort(key=lambda f: (f[0] - f[1], f[0]))  # longest first
    taken: list[tuple[int, int]] = []
    for start, end, category in found:
        if any(start < b and a < end and (a, b) != (start, end) for a, b in taken):
            continue
        taken.append((start, end))
        yield start, category, clause[start:end]
