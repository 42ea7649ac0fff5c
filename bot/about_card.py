"""Is a message about the card just shown, and which field does it change? Pure, no I/O.

bot/intents.py reads a correction form from the words alone (数量改成100, 不是80台是100台). People wrap
those forms in more words: an apology or 对了 before, a request or an admission after (麻烦改下, 手滑打错
了), the customer's words (王总说…, 刚跟王总确认了下，…), one short reason beside it (他们急用), the slot
named in one clause and the value in another (台数改下，40台就行). This module takes those apart with the
card in hand and decides by evidence:
- for: a correction cue, a field word, a value of the field's type, the card's own contact, product
  or old value named;
- against: anything that would make a note of its own — a person the card does not have, a product
  the card does not have, a visit or another deal (去了, 拜访, 新客户, 还有…), a second fact (money, a
  second date or quantity), a clause that is neither the correction, its framing nor a short remark.
A bare value (100台, 改下周五) corrects the card only when the card has exactly one slot of that type.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timedelta, timezone

from bot import intents
from bot.intents import Correction, PUNCT, NUMBER

_ANY_DAY = datetime(2026, 6, 15, 9, tzinfo=timezone(timedelta(hours=8)))
LONGEST = 60       # a correction said with its framing and a remark is shorter than this

# What goes around a correction and carries nothing itself.
_OPENING = re.compile(r"^(?:诶|哎|唉|欸|嗯+|啊|哈哈+|呵呵+|嘿嘿+|不好意思|抱歉|sorry|哦对了|哦|噢|对了|补充一下|补充下|补充|更正一下|更正|纠正一下|纠正|"
                      r"再确认一下|确认一下|那个|呃|额)(?:[，,。!！:：\s]*(?:嗯+|那个|呃|额|就是))*[，,。!！:：\s]*", re.I)
_FRAMING = re.compile(r"^(?:(?:我|刚才|刚刚|之前|上面|前面)?(?:手滑|手误)?(?:了)?(?:说错了|写错了|搞错了|记错了|弄错了|打错了|输错了|"
                      r"听错了|数错了|算错了|看错了|错了|不对|有误|搞混了)(?:了|哈|啊|呀|哦|一下)*|手滑了?|手误|sorry|不好意思|抱歉|"
                      r"(?:[0-9]+)?(?:刚才|刚刚|我)?(?:多|少)(?:按|打|写|输|敲)了?(?:一个|个)?.{0,2}|(?:我)?记岔了|更正一下|更正|纠正一下|修改一下|改一下|改下|(?:麻烦|请|帮忙|帮我)?(?:你)?(?:改下|改一下|改改|改过来|"
                      r"更新下|更新一下|更新|改一下吧|改下吧)(?:吧|哈|啊|谢谢)*|谢谢|多谢|辛苦了?|以这个为准|以此为准|为准)$", re.I)
# A clause refusing the card's old value: 下周四不行, 80写错了, 80台不对.
_REFUSED = re.compile(r"^(?:[\u4e00-\u9fff]{1,2}(?:总|经理|工)|客户|对方|他们|他|她)?(?:嫌|觉得|说|认为)?(?:不是|不要)?(?:上面|刚才|刚刚|之前|前面)?(?:说的|写的|记的|那个|这个)?(?P<old>.{1,12}?)(?:的话)?(?:了)?"
                      r"(?:不行|不对|错了|写错了|说错了|打错了|记错了|有误|不可以|来不及|不合适|不够|太多了|太少了|多了|少了|"
                      r"太多|太少|(?:交|送|发|到)?不了(?:货)?|是错的|是不对的|不准确|不准|不方便|有变|变了|不够用|太赶|太急|赶不上|太紧|来不及)"
                      r"(?:收货|交货|送货|到货|发货)?(?:了|哈|啊|呀)*$|"
                      r"^不是(?P<said>.{1,12}?)(?:啊|呀|哈|哦|呢|了)*$|^(?:不用|不必|没必要|用不着)(?:再)?(?:等到|等)(?P<waited>.{1,8}?)(?:了|啦)*$")
# A clause naming the slot with no value: 台数改下, 客户填公司吧, 客户记公司名, 交期改一下.
_HINT = re.compile(r"^(?P<slot>数量|台数|数目|件数|个数|订量|订单量|订货量|日期|时间|交期|交货日期|交货时间|到货时间|送货时间|交货|发货|送货|到货|"
                   r"客户|客户名|公司|单位|签约时间|签约日期)(?:名|名字|名称)?(?:应该)?(?:也)?(?:要)?"
                   r"(?:改下|改一下|改改|改|不对|(?:搞|写|弄|记|填|打|说|算|数)?错了|有误|更正下|更正一下|定了|确定了|定下来了|变了|有变|"
                   r"(?:推迟|延后|延期|提前|往后推|往后延|顺延|晚|(?:往后|往前)?挪一挪|(?:往后|往前)?挪一下|(?:往后|往前)挪)(?:了)?(?:一周|一个星期|一个礼拜|几天|[一二两三四五六七八九十\d]+天)?|"
                   r"(?:填|记|写)(?:成|为|上)?(?P<company>公司|单位)?(?:名|名字|名称|全称)?)(?:吧|哈|一下)?$")
_SPEECH = (r"(?:刚才|刚刚|刚|今天|早上|上午|下午)?(?:跟|和|与|问了|问)?(?P<who>{who})(?:那边|这边)?(?:刚才|刚刚|刚|又|也|最终|最后|已经|还是)?"
           r"(?:打电话|来电话|打来电话|来电|回电话|回电|发微信|微信|发消息|回消息|电话里)?(?:来)?[，,\s]*"
           r"(?:说|讲|表示|回复|确认了下|确认了一下|确认过了|确认过|确认了|确认|回话|讲了|希望|要求|让|叫)(?:了)?(?:我们|我)?[，,：:\s]*")
_GENERIC_SPEAKER = r"客户|对方|他们|他|她|老板|甲方"
_BELONGS = re.compile(r"^(?P<who>这单|这个单子|这单子|这个单|这个客户|客户|他们|他|她|{who})(?:那边)?(?:是|属于|来自|代表的是|代表|就职于|任职于|供职于|在)"
                      r"(?P<org>[^，,、\s的]{{2,30}}?)(?:的(?P<tail>[\u4e00-\u9fff]{{0,6}})|上班|工作|任职|做事)?$")
_QUANTITY_CUE = re.compile(rf"^(?:先|就|只|再|总共|一共|共|那就|实际|其实|最终|最后)?(?:要|订|来|拿|买|订购|采购|改成|改为|加到|增加到|追加到|减到|减少到|降到|"
                           rf"砍到|调到|调整到|变成|定了|定|是)*(?P<product>[^，,、\d零〇一二两三四五六七八九十百千万]{{0,12}}?)"
                           rf"(?P<quantity>(?:{NUMBER})\s*[\u4e00-\u9fff]{{0,2}}?)(?:就行|就够了|就够|就好|就可以了|就可以|即可|够了|吧|了|哈|先|试试水|试一试|试试|看看效果|看看)*$")
_SUBJECT = re.compile(r"^(?:[\u4e00-\u9fff]{1,2}(?:总|经理|工)|客户|对方|他们|他|她)?(?:这次|这回|现在|目前)?(?:说)?(?:要的是|要的|只要|就要)?")
_HEDGES = re.compile(r"估摸着|估摸|看样子|感觉|大概率|最快|最晚|最迟|差不多|基本上|应该会|可能会|有望|争取在|估计要到|要到|预计|估计|大概|应该|可能|争取|"
                     r"才能|就能|能|会|可以|就")
_CLOSE_SUBJECT = re.compile(r"^(?:合同|这单|这个单子|单子|订单|这个合同)(?:的话)?")
_CLOSE_VERB = re.compile(r"签约|签合同|签单|签协议|签下来|能签|才能签|签|成交|下单|拍板|定下来|落单")
_HEDGED = re.compile(r"^(?:估计|预计|大概|应该|可能|差不多|最快|最晚)*(?P<value>.+?)(?:前后|左右|上下|的样子)?$")
# Words that make a clause a note of its own (a visit, another deal, money, a plan of its own).
_OWN_FACT = re.compile(r"去了|去过|去趟|拜访|见了|见的|见面|看样|来厂|来公司|约了|新客户|还有|另外|另一个|询价|报价|"
                       r"[0-9０-９]|元|块钱|万块|预算[0-9一二两三四五六七八九十]")


@functools.cache
def _counted_re(units: tuple[str, ...] = ()) -> re.Pattern:
    """A number in Chinese numerals with what makes it a count, a time or money after it — the parser's
    measure characters (nlu/numerals: 台, 棵, 元, 号, 天…) or a unit of the card (公斤) —, not 一 opening
    a word (一起, 一下, 一部分; 一个 is the article)."""
    from nlu.numerals import _MEASURE_CHARS, _NOT_PER
    after = "|".join([f"[{re.escape(''.join(sorted(_MEASURE_CHARS)))}]", *map(re.escape, units)])
    return re.compile(rf"(?!一(?:[{''.join(sorted(_NOT_PER))}个]|部分|部份))(?<!分)[零〇一二两三四五六七八九十百千万]+(?:{after})")


def _counted(text: str, units: tuple[str, ...] = ()) -> bool:
    return bool(_counted_re(units).search(text))
_SAYS = re.compile(r"^(?:那边|这边)?(?:刚才|刚刚|刚|又|也)?(?:说|讲|表示|打电话|来电话|来电|回复|聊|确认|要|想|问|订|定|来消息|发消息|发来|来信|回消息|反馈)")
_CUED = re.compile(r"改|不是|应该|应是|错|不对|更正|纠正|才对|确认|其实|实际|数量|台数|数目|件数|个数|订量|量是|日期|时间|交期|"
                   r"客户|公司|加到|减到|降到|砍到|追加|增加|调到|推到|推迟|提前|挪到|定在|为准|签|下单|成交")
_TYPO_FIX = {"因该": "应该", "应改": "应该", "改城": "改成", "该成": "改成", "数两": "数量", "交获": "交货", "和同": "合同",
             "工司": "公司", "公斯": "公司", "签和": "签合", "定单": "订单"}
_TYPOS = re.compile("|".join(_TYPO_FIX))
_PUT = re.compile(r"(?:放到|放在|安排到|安排在|排到|延到|延后到|延迟到|往后挪到|往后推到|挪到)")
_ARROW = re.compile(r"\s*(?:→|->|=>|➡️?|➔|⟶|＞|>)\s*")
_UPDATE = re.compile(r"(?:更新|调整)(?:为|成|到)?[:：\s]*")
_ASKED = re.compile(r"(?:能不能|能否|可不可以|可以|能)?(?:帮我|帮忙|麻烦你|麻烦|请你|请)(?:把|将)?(?=.)|(?<=数量|台数|日期|时间|交期|客户|公司|单位)"
                    r"(?:那里|这里|那块|这块|那儿|这儿|那一栏|那栏|一栏|栏)")
_THANKS = re.compile(r"[，,\s]*(?:谢谢|多谢|谢啦|感谢|辛苦了|辛苦|thx|thanks|thank you)[啦了哈呀啊!！]*$", re.I)
_ENGLISH = [(re.compile(rf"(?<![A-Za-z])(?:{p})(?![A-Za-z])\s*", re.I), c)
            for p, c in (("pls|please|plz", "请"), (r"(?:expected\s*)?clos(?:e|ing)(?:\s*date)?|signing(?:\s*date)?", "成交预计"),
                         (r"update(?:\s*to)?(?:成|为)?|change(?:\s*(?:it\s*)?to)?(?:成|为)?", "改成"),
                         ("qty|quantity|amount", "数量"), (r"delivery(?:\s*date)?|ship(?:ping)?\s*date", "交货"),
                         ("customer|client", "客户"), ("company", "公司"), ("from", "来自"),
                         (r"(?:the\s*)?(?:product|item)(?:\s*name)?", "产品"), (r"my\s*bad|sorry|oops|typo", "说错了"),
                         (r"(?:was|is)\s*wrong", "错了"), (r"should\s*be|must\s*be", "应该是"), ("not", "不是"),
                         (r"works?\s*(?:for|at)|is\s*with", "就职于"), ("is", "是"), ("he|she", "他"),
                         (r"btw|by\s*the\s*way|fyi", ""), (r"(?:moved|pushed|changed)\s*to", "改到"),
                         (r"per|according\s*to", "，据"), (r"expected(?:\s*(?:in|by|at|on))?", "预计"),
                         )]
_WEEKDAYS_EN = {"mon": "一", "tues": "二", "wednes": "三", "thurs": "四", "fri": "五", "satur": "六", "sun": "日"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# end of January -> 1月底, early Feb -> 2月初, mid March -> 3月中旬, in April -> 4月
_ENGLISH_MONTH = re.compile(r"(?<![A-Za-z])(?:(?P<part>end\s*of|early|beginning\s*of|mid|middle\s*of|late)\s*)?(?:in\s*)?"
                            r"(?P<month>(?:jan|febr)uary|march|april|may|june|july|august|(?:septem|octo|novem|decem)ber|"
                            r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)(?![A-Za-z])\.?(?:\s*(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?(?![0-9]))?"
                            r"(?:\s*,?\s*(?P<year>20[0-9]{2})(?![0-9]))?", re.I)
_PARTS = {"end": "底", "early": "初", "beginning": "初", "mid": "中旬", "middle": "中旬", "late": "下旬"}
_TENTATIVE = re.compile(r"想|打算|考虑|也许|或许|能不能|能否|问问|商量|还没定|待定|不确定|再定|但是|不过|如果|要是")
_PERIOD_WORDS = re.compile(r"明年|今年|下半年|上半年|将来|之后|回头|年底|年初|月底|月初|年前|年后|节前|节后|过年|春节|放假|以后")


def about_card(text: str, card: dict | None, ref: datetime | None = None) -> Correction | None:
    """The correction this message makes to `card` (a note's extraction), or None when it is a note.
    `ref`: when the message was said (the day its times are read from)."""
    card = card if isinstance(card, dict) else {}
    whole = intents.correction(text)
    if whole is not None and whole.kind in ("done", "postpone", "cancel", "retract", "confirm"):
        return whole
    t = _ARROW.sub("改成", intents.clean(text))                # 80台→100台
    people = [n for n in _card_names(card) if intents.PERSON_TITLE.match(n)]
    if people:                                                # 王总=万科物业: the contact's company
        t = re.sub(rf"^((?:{'|'.join(map(re.escape, people))}))\s*[=＝]\s*", r"\1公司是", t)
    t = "".join(ch for ch in t if not unicodedata.category(ch).startswith("S")).strip()
    if not t or len(t) > LONGEST:
        return None
    fix = _reading(t, card, text, ref)
    if fix is not None and fix.kind != "product" and _news_of_its_own(t, card, fix, ref) and not _slot_corrected(t, card):
        # facts for a visit of their own, and no slot of the card named as wrong: a note — unless the
        # facts are the parser's misreading of a count (只要四十 as a price, 动一下 as a product)
        fix = _count_said(t, card, ref)
    return _as_typed(fix, text)


def unfound(text: str, card: dict | None, ref: datetime | None = None) -> bool:
    """A message that says the card is wrong (数量不对, 写错了, 日期改一下, 不是这个) but names no new value
    about_card could read, and from which the parser would store nothing (no customer, item, date,
    amount, rival or close): answered, never stored as an empty note."""
    t = _normal(intents.clean(text), card if isinstance(card, dict) else {})
    if not t or len(t) > 24:
        return False
    said = re.sub(r"[啊呀哦哈吧了嘛呢]+$", "", t.strip(PUNCT))
    if not (_CORRECTION_FORM.search(said) or _HINT.match(said) or _REFUSED.match(said)):
        return False
    parsed = _parsed(t, ref)
    customer = parsed.get("customer") or {}
    return not (customer.get("name") or customer.get("company") or parsed.get("items") or parsed.get("dates")
                or parsed.get("money") or parsed.get("competitors") or parsed.get("expected_close"))


def _as_typed(fix: Correction | None, text: str) -> Correction | None:
    """A name in the characters the rep typed (台積電南京廠 stays Traditional, as the parser keeps a
    note's names): the readers read Simplified (intents.clean)."""
    if fix is None or fix.kind not in ("customer", "product"):
        return fix
    typed = unicodedata.normalize("NFKC", text or "").strip()
    simple = intents.clean(text)
    at = simple.find(fix.value)
    if typed == simple or len(typed) != len(simple) or at < 0:
        return fix
    return Correction(fix.kind, typed[at:at + len(fix.value)], fix.target, fix.old, fix.also)


# A correction's form: the card's slot or value said wrong, or a new value said in place of it.
_CORRECTION_FORM = re.compile(r"不是.{1,14}?[，,\s]*(?:而|应该|其实|实际)?是|写错|说错|打错|记错|搞错|弄错|听错|输错|看错|口误|更正|纠正|有误|不对|"
                              r"改成|改为|改到|改下|改一下|改|应该是|应是|应为|为准|才对|填|补")
_SLOT_WORDS = re.compile(r"数量|台数|件数|个数|数目|量|日期|时间|交期|交货|送货|到货|发货|收货|客户|公司|单位|全称|签约|签单|成交|下单")


def _slot_corrected(t: str, card: dict) -> bool:
    """The message names a slot of the card (its word, the card's product or old value) with a
    correction's form (改成, 不是…是, 写错了, 应该是…)."""
    if not _CORRECTION_FORM.search(t):
        return False
    return bool(_SLOT_WORDS.search(t)) or any(v and v in t for v in _card_values(card)) or \
        any(i.get("product") and i["product"] in t for i in _items(card))


def _news_of_its_own(t: str, card: dict, fix: Correction, ref: datetime | None) -> bool:
    """What the parser would store from the message for a new visit besides the correction: another
    person, another product, an amount, a rival, a past event of its own, a visit, several clauses."""
    t = _normal(t, card)                  # typos and sounds as the readers read them (工司, 汪总)
    said = _parsed(t, ref)
    names = _card_names(card)
    fixes = (fix, *fix.also)
    kinds = {f.kind for f in fixes}
    said_names = [f.value for f in fixes if f.kind == "customer"]

    def allowed(name: str) -> bool:       # the card's contact, or one said inside the new customer (X的刘经理)
        return name in names or any(name in value for value in said_names)
    from nlu.customer import find_contacts
    customer = said.get("customer") or {}
    if customer.get("name") and not allowed(customer["name"]) or any(not allowed(c.name) for c in find_contacts(t)):
        return True
    if said.get("money") or said.get("competitors") and "customer" not in kinds or _WENT.search(t):
        return True                       # (a company said may read as a rival's brand: 公司是华为)
    if "quantity" not in kinds and any(i.get("quantity") is not None for i in said.get("items") or []):
        return True                       # a count with no count corrected (the quantity readers check the product)
    card_dates = {d.get("date") for d in card.get("dates") or [] if isinstance(d, dict)}
    refused_day = "date" in kinds and any(f.old for f in fixes)      # 不用等到周四了: the old day, read as past
    if not refused_day and any(d.get("status") == "reported" and d.get("date") not in card_dates for d in said.get("dates") or []):
        return True
    return len([c for c in re.split(r"[，,。；;！!？?]+", t) if c.strip(PUNCT)]) > 3


_WENT = re.compile(r"去了|去过|去趟|拜访|见了|见面|看样|来厂|来公司|约了|新客户|询价|报价")     # a visit of its own


def _reading(t: str, card: dict, text: str, ref: datetime | None) -> Correction | None:
    """The correction the readers below find in the message (cleaned `t`, as typed `text`)."""
    product = _product_said(t, card, ref)
    if product is not None:
        return product
    company = _company_said(t, card, text, ref)
    if company is not None:
        return company
    fix = _read(t, card, ref)
    if fix is not None and fix.kind == "customer" and not _plausible(fix.value, t):
        return None           # 王总在外地出差, 他们是国企, 客户是老朋友介绍的: no organisation's name
    if fix is not None and _fits(fix, card, t, cued=bool(_CUED.search(t))):
        return _as_card(fix, card)
    return _close_said(t, card, ref) or _slot_parsed(t, card, ref) or _shifted(t, card) or _count_said(t, card, ref) \
        or _day_said(t, card, ref)


_DAY_CUE = re.compile(rf"{_CUED.pattern}|就行|就好|就可以|不行|不用|要等|等到|才能|再送|再发|再交|按|写|看串|最后一天|就是|要")
_DATE_SLOT = re.compile(r"日期|时间|那天|日子|哪天|交货日|到货日|送货日")


def _day_said(t: str, card: dict, ref: datetime | None) -> Correction | None:
    """One day read with the parser's date reader on the message, not a day the card has (下周四不行…要
    大后天: 下周四 is the card's), for the card's date of the kind the message names with the parser's
    own kind words (交货, 到货, 送到, 进场) or its only planned date, with a cue (就行, 不行, 要等到, 改…);
    nothing else of its own (an amount, a count, a person the card lacks, a visit, another product).
    The day the card has, said again with the kind and a cue, is a correction to the same day."""
    from nlu.dates import find_times
    if ref is None:
        return None
    s = _normal(t, card)
    planned = _planned(card)
    kinds = {k for k, words in intents.DATE_KINDS.items() if re.search(words, s)}
    from nlu.customer import find_contacts
    if any(c.name not in _card_names(card) for c in find_contacts(s)):
        return None                       # 王总助理说…, 李总也要: someone the card does not have
    if len(kinds) > 1 or not kinds <= {d.get("kind") for d in planned} or not _DAY_CUE.search(s) or _VISIT.search(s) \
            or _TENTATIVE.search(s) or _CLOSE_VERB.search(s) or _stranger_speaks(s, _card_names(card)) \
            or re.search(r"不能改|不改|不变|别改|不用改|不会变|必须", s):
        return None                       # a kind the card has no plan of (来访, 样品), a close, a refusal to change
    meant = [d for d in planned if d.get("kind") in kinds] if kinds else planned if len(planned) == 1 else []
    if len(meant) != 1 or not (kinds or _DATE_SLOT.search(s) or len(planned) == 1):
        return None
    card_days = {d.get("date") for d in card.get("dates") or [] if isinstance(d, dict)}
    days = {f.start.date().isoformat() for f in find_times(s, ref) if getattr(f, "grain", "day") == "day"}
    new = days - card_days
    if len(new) > 1 or not days or not new and days != {meant[0].get("date")}:
        return None
    said = _parsed(s, ref)
    customer = said.get("customer") or {}
    company = customer.get("company")
    if said.get("money") or said.get("competitors") or customer.get("name") not in (None, *_card_names(card)) \
            or company not in (None, *_card_names(card)) or re.search(r"[A-Za-z]{3,}", s) \
            or any(i.get("quantity") is not None and i.get("quantity") not in {j.get("quantity") for j in _items(card)}
                   for i in said.get("items") or []) \
            or any(i.get("product") and not _card_product(i["product"], card) and not _junk_product(i["product"])
                   for i in said.get("items") or []):
        return None
    day = (new or days).pop()
    return Correction("date", day, meant[0].get("kind") or "")


# What says a count changes (口误, 写多了, 只要, 先按…算, 现在是, 也就是…) besides the correction cues.
_COUNT_CUE = re.compile(rf"{_CUED.pattern}|口误|写多|写少|打多|打少|多打|少打|多写|少写|只要|就要|就够|就行|够了|先按|按.{{0,6}}算|现在是|"
                        r"变成|数字|动一下|也就是|总共|一共|总数|合计|追加|加了|减了|砍了|不用")
_QUANTITY_SLOT = re.compile(r"数量|台数|数目|件数|个数|数字|总数|订量|多少")
_CURRENCY = re.compile(r"[元块万¥￥$]|钱|价|预算|费")


def _count_said(t: str, card: dict, ref: datetime | None) -> Correction | None:
    """One new count of the card's only item, read with the parser's numerals on the message: in the
    card's unit or bare (never in another unit, a date or an amount), not the card's own count; said
    with a cue that it changes (口误, 只要, 现在是…) and about the item (its product or kind, the
    quantity slot, the card's unit, or the old count said); nothing else of its own. A step and the
    total it makes (再加20台，也就是100台) read as the total."""
    from nlu.numerals import _NOT_UNIT_RE, find_numbers
    items = _items(card)
    if len(items) != 1 or not isinstance(items[0].get("quantity"), (int, float)):
        return None
    item, s = items[0], _normal(t, card)
    old, unit, product = item["quantity"], item.get("unit") or "", item.get("product") or ""
    said = _parsed(s, ref)
    from nlu.customer import find_contacts
    if not _COUNT_CUE.search(s) or _VISIT.search(s) or _TENTATIVE.search(s) or said.get("dates") \
            or any(c.name not in _card_names(card) for c in find_contacts(s)):
        return None                                 # (李总也要: someone else's order)
    strong, bare, said_old = set(), set(), False
    for span, value in find_numbers(s):
        after = s[span.end:span.end + 3].lstrip()
        if _NOT_UNIT_RE.match(after):
            return None                             # 两个月, 三个小时: a time, not this count
        if span.text == "一" and not (unit and after.startswith(unit)):
            continue                                # 一个8, 前一条: an article
        step = re.search(r"(?:追加|增加|加|再来|多要|多|减少|减|少要|少|砍掉|去掉)了?$", s[max(0, span.start - 3):span.start])
        if step and not re.search(r"[到成为]$", s[:span.start]):
            value = old + (-value if step.group()[0] in "减少砍去" else value)    # 再追加20台: the total it makes
            if value <= 0:
                return None
        if unit and after.startswith(unit):
            (said_old := said_old or value == old) if value == old else strong.add(value)
        elif not after or not re.match(r"[\u4e00-\u9fffA-Za-z%]", after) or after[0] in "就了吧哈啊整的吗呢":
            (said_old := said_old or value == old) if value == old else bare.add(value)
        else:
            return None                             # another unit, a date or money: not this count
    new = strong or bare
    form = intents.correction(s)
    if form is not None and form.kind == "quantity" and form.target and not _card_product(form.target, card) \
            and not _junk_product(form.target):
        return None                                 # B泵改成100台: a product the card lacks
    kind_said = product and re.search(rf"(?<![A-Za-z0-9型]){re.escape(product[-1])}", s)       # 泵, not B泵
    about = product and (product in s or kind_said) or _QUANTITY_SLOT.search(s) or strong or said_old
    if not about or not new or len(new) > 2:
        return None
    if len(new) == 2:
        a, b = sorted(new)
        if old + a != b and old - a != b and old - b != -a:
            return None
        total = b if old + a == b else (a if old - b == a else b)
        new = {total}
    customer = said.get("customer") or {}
    money = [m for m in said.get("money") or [] if not (m.get("amount") in strong | bare and not _CURRENCY.search(s))]
    if money or said.get("competitors") or customer.get("name") not in (None, *_card_names(card)):
        return None                                 # (只要四十: the parser's guess of a price, no currency said)
    if any(i.get("product") and not _card_product(i["product"], card) and not _junk_product(i["product"])
           for i in said.get("items") or []):
        return None                                 # another product
    value = new.pop()
    return Correction("quantity", f"{value:g}{unit}", product)


_SHIFT = re.compile(rf"^(?P<slot>{intents.DATE_KINDS['delivery']})?(?:日期|时间|那天)?(?:要|得|再|往后)?"
                    r"(?P<way>延后|推迟|往后推|往后延|顺延|推后|推|延|挪后|晚|提前|往前提|提早|早)(?:了)?"
                    rf"(?P<n>{NUMBER})(?:个)?(?P<unit>天|日|周|星期|礼拜)(?:吧|了|哈)*$")


def _shifted(t: str, card: dict) -> Correction | None:
    """送货日期延后两天 / 交货提前一天: the card's planned delivery (or its only planned date) moved by
    that many days or weeks."""
    from datetime import date
    m = _SHIFT.match(_normal(t, card))
    if not m:
        return None
    number, _ = intents.number_and_unit(m.group("n"))
    planned = _planned(card)
    meant = [d for d in planned if d.get("kind") == "delivery"] if m.group("slot") or len(planned) > 1 else planned
    if number is None or len(meant) != 1:
        return None
    try:
        day = date.fromisoformat(meant[0].get("date") or "")
    except ValueError:
        return None
    days = int(number) * (1 if m.group("unit") in ("天", "日") else 7)
    moved = day + timedelta(days=-days if m.group("way") in ("提前", "往前提", "提早", "早") else days)
    return Correction("date", moved.isoformat(), meant[0].get("kind") or "")


_TOTAL = re.compile(rf"(?:一共|总共|合计|共计|总数|总量)(?:是|要|就|为)*(?P<value>(?:{NUMBER})\s*[\u4e00-\u9fff]?)")
_NOT_A_PRODUCT = re.compile(r"对|错|改|数|说|会|不是|最终|那条|单子|卡片|其他|其它|刚才|应该|那个|这个|就是|^是?要|的话|话要|啊|嗯")
_DELIVERY_WORDS = re.compile(r"货|交期|交付|送|到厂|进场")


def _slot_parsed(t: str, card: dict, ref: datetime | None) -> Correction | None:
    """The parser's own item and date readers on the message, when the other readers found no
    correction form: one new quantity of the card's product (他们预算砍了一半所以那个A型泵就只要四十台了,
    卡片上的80台改成88台吧，王总说图个吉利) or one new planned date (仓库那边要下周三才能收货, 交期推一天 就周五),
    with a correction's cue, and nothing else the parser would store (an amount, another product,
    customer or rival, a visit); clauses that only agree (其他的都没问题) or ask the bot are left out."""
    names = _card_names(card)
    t = _ASK_BOT.sub("", _SPOKEN_FILL.sub("", _normal(t, card))).strip(PUNCT)
    clauses = [c for c in re.split(r"[，,。；;！!？?]+", t) if c.strip(PUNCT)]
    t = "，".join(c for c in clauses if not (_FRAMING.match(c.strip(PUNCT)) or intents.acknowledgement(c)))
    t = re.sub(r"(?:然后)?其他的?都(?:没问题|对)$", "", t)
    if not t or not re.search(rf"{_CUED.pattern}|只要|就要|一共|总共|推|才能|才|看错|填|那栏", t) or _VISIT.search(t) \
            or _TENTATIVE.search(t) or re.search(r"不能改|不改|不变|别改|不用改|不会变", t) or _stranger_speaks(t, names):
        return None
    form = intents.correction(t)
    if form is not None and form.kind == "quantity" and form.target and not _card_product(form.target, card) \
            and not _NOT_A_PRODUCT.search(form.target):
        return None                   # B泵改成100台: a product the card lacks
    said = _parsed(t, ref)
    from nlu.customer import is_org
    customer = said.get("customer") or {}
    company = customer.get("company")
    if said.get("money") or said.get("competitors") or said.get("expected_close") or customer.get("name") not in (None, *names) \
            or company not in (None, *names) and is_org(company):
        return None
    card_dates = {d.get("date") for d in card.get("dates") or [] if isinstance(d, dict)}
    new_dates = sorted({d["date"] for d in said.get("dates") or [] if d.get("status") != "reported" and d.get("date") not in card_dates
                        and (d.get("kind") == "delivery" or d.get("kind") in ("other", "meeting", "deadline") and _DELIVERY_WORDS.search(t))})
    items = [i for i in said.get("items") or [] if i.get("quantity") is not None]
    olds = {i.get("quantity") for i in _items(card)}
    new_items = [i for i in items if i["quantity"] not in olds]
    unit = _items(card)[0].get("unit") if len(_items(card)) == 1 else None
    if not items and unit and re.search(r"数量|台数|数目|件数|个数|总数|最终数|只要|就要|只需要|一共|总共", t):
        # 就只要四十台了, 最终数量 130台: a count in the card's unit the item reader missed
        counted = {intents.number_and_unit(m.group())[0] for m in re.finditer(rf"(?:{NUMBER})\s*{re.escape(unit)}", t)}
        new_items = [{"product": None, "quantity": int(q) if float(q).is_integer() else q, "unit": unit}
                     for q in counted - olds - {None}]
    if new_items and not said.get("dates") and len(_items(card)) == 1 and not re.search(r"分批|[一两二三四五几]批|第[一二三]批", t):
        product = _items(card)[0].get("product") or ""
        total = _TOTAL.search(t)
        if total:
            return Correction("quantity", total.group("value"), product)     # 再加20台 一共100台
        said_product = {i.get("product") or "" for i in new_items}
        if len({i["quantity"] for i in new_items}) == 1 and all(
                not p or _card_product(p, card) or _NOT_A_PRODUCT.search(p) for p in said_product):
            q = new_items[0]["quantity"]
            return Correction("quantity", f"{q:g}{new_items[0].get('unit') or ''}" if isinstance(q, float) else
                              f"{q}{new_items[0].get('unit') or ''}", product)
        return None
    if len(new_dates) == 1 and not new_items:
        planned = [d for d in _planned(card)]
        kinds = {d.get("kind") for d in planned}
        kind = "delivery" if "delivery" in kinds and (_DELIVERY_WORDS.search(t) or len(planned) == 1) else ""
        if kind or len(planned) == 1:
            return Correction("date", new_dates[0], kind)
    return None


def _plausible(value: str, t: str) -> bool:
    """A customer said by the other readers is a person with a title, or an organisation's name: one
    that ends as organisations do, or one the parser takes for an organisation where the slot or a
    workplace was said (公司是X, 在X上班) and not described (公司是新成立的)."""
    person = value.rpartition("的")[2]
    if intents.PERSON_TITLE.match(person) and (person == value or _plausible(value.rpartition("的")[0], t)):
        return True
    if _LATIN_NAME.match(value) or _typed_org(value):
        return True
    if t.rstrip(PUNCT).endswith("的"):
        return False
    if re.search(r"(?:公司|单位|厂|客户)(?:名|名字|名称|那栏|栏)?(?:应该)?(?:是|叫|写|填|记|为|改成|:|：)", t):
        return _org_like(value)
    return bool(re.search(r"那边|这边|上班|工作|任职|就职|供职|属于|来自", t)) and _brand_like(value)


# --- the card's product, said again right ---------------------------------------------------------
# The product slot named (产品, 品名, 型号, 货…), and what a new name is said after (是, 应该是, 改成, 写成,
# 全称是, 系, ：).
_PRODUCT_SLOT = re.compile(r"产品名称|产品名|产品|品名|货品|型号|品种|品类|货物")
_PRODUCT_CUE = re.compile(r"(?:应该是|应是|应为|全称是|全称|其实是|实际是|就是|我说的是|说的是|要的是|订的是|改成|改为|写成|换成|记成|填成|"
                          r"是|为|系|叫|[:：])\s*")
_BETTER = re.compile(r"(?:更准确|更准|才对|才是对的|更合适|更好|就对了|吧|哈|啊|呀|哦|嘛)+$")
_NOT_A_NAME = re.compile(r"^(?:什么|啥|那个|这个|整个|整|本身)|(?:本身|什么的|之类的?|两个字|半截|一半)$|[我你他她们]|的话|错了|不对|漏了|写漏|写错|改一下|改下|是|没错|没问题|数量|日期|时间|客户|公司")


def _product_said(t: str, card: dict, ref: datetime | None) -> Correction | None:
    """The card's product said again right: the product slot named, or the card's product (or its kind:
    泵 for A型泵) said as the wrong one (不是泵, A型泵→…), and one new name after a cue or alone in its
    clause (产品是A型隔膜泵，我只写了半截 / 不是泵 是阀 DN50闸阀 / 品名改一下 A型泵→A型潜水泵): the last new
    name said is the one meant (应该是A型泵的加强版 A2型泵). Nothing else of its own may be said: no
    date, amount, other person, or count the card does not have."""
    items = _items(card)
    products = [i.get("product") or "" for i in items if i.get("product")]
    if not products:
        return None
    s = _normal(t, card)
    chunks = [c.strip(PUNCT) for c in re.split(r"[，,。；;！!？?]+|(?<![A-Za-z0-9-])\s+|\s+(?![A-Za-z0-9-])", s) if c.strip(PUNCT)]
    names, refused, slot = [], [], False
    for chunk in chunks:
        for part in re.split(r"(?=不是)", chunk):
            if not part:
                continue
            topic = re.sub(r"(?:的话|啊|呀|哦|嘛|呢)+$", "", part)
            if topic == "货" or any(topic == p or topic == p[-1:] for p in products):
                slot = True                                 # 泵啊, 货 就是…: the card's product as the topic
                continue
            if re.fullmatch(r"(?:错了|不对|有误|写错了|说错了)(?:哈|啊|了)*", part) and names:
                refused.append(names.pop())                 # A型 was wrong
                continue
            old = re.match(r"^不是(?:什么)?(?P<old>.+?)(?:(?:而)?(?:应该是|是)(?P<new>.+?))?(?:本身|哈|啊|呀|哦|了)*$", part)
            if old:
                refused.append(old.group("old"))
                if old.group("new") and _product_name(old.group("new")):
                    names.append(old.group("new"))          # 不是A型泵是H型泵
                continue
            wrong = re.match(r"^(?P<old>.+?)(?:那里|那儿|这里)?(?:错了|不对|写错了|有误|was wrong)(?:哈|啊|了)*$", part)
            if wrong and not _PRODUCT_SLOT.fullmatch(wrong.group("old")):
                refused.append(wrong.group("old"))
            if _PRODUCT_SLOT.search(part):
                slot = True
            cues = list(_PRODUCT_CUE.finditer(part))
            said = part[cues[-1].end():] if cues else part
            before = part[:cues[-1].start()] if cues else ""
            if before and any(_same_product(before.strip("的那里"), p) for p in products):
                refused.append(before.strip("的那里"))      # A型泵改成A型潜水泵, A型泵那里写成…
            said = _BETTER.sub("", said).strip(PUNCT)
            if said and _product_name(said):
                names.append(said)
    slot = slot or any(any(_same_product(r, p) or r[-1:] == p[-1:] for p in products) for r in refused)
    new = [n for n in names if n not in products and n not in refused]
    if not slot or not new or _product_news(s, card, ref):
        return None
    value = new[-1]
    old = next((r for r in refused if any(_same_product(r, p) for p in products)), "")
    return Correction("product", value, "", old)


def _junk_product(said: str) -> bool:
    """A product the parser reads in a correction's own words (正确为, 动一下, 基础上再加20台): none."""
    return not _product_name(said) or _counted(said) or bool(_COUNT_CUE.search(said) or _NOT_A_PRODUCT.search(said)
                                           or re.search(r"正确|准确|[为是成]$", said))


def _product_name(said: str) -> bool:
    """A name a product could have: no count, date, person, organisation or word of the sentence."""
    if not 1 <= len(said) <= 30 or intents.quantity_like(said) or intents.is_date(said) or _has_date(said) \
            or re.match(r"[xX×*＊]\s*[0-9]", said):     # A型泵 x 240: a count
        return False
    if _PRODUCT_SLOT.fullmatch(said) or _NOT_A_NAME.search(said) or intents.PERSON_TITLE.match(said):
        return False
    if re.fullmatch(r"[\u4e00-\u9fff]+", said) and (_typed_org(said) or intents.acknowledgement(said)):
        return False
    return not re.search(r"[0-9零一二两三四五六七八九十百千]+[台个套件]$", said)


def _product_news(s: str, card: dict, ref: datetime | None) -> bool:
    """Something of its own said beside a product correction: an amount, a date, a person the card does
    not have, a visit, or a count the card does not have."""
    from nlu.customer import find_contacts
    from nlu.numbers import find_quantities
    names = _card_names(card)
    if _VISIT.search(s) or any(c.name not in names for c in find_contacts(s)) or _has_date(s):
        return True
    olds = {i.get("quantity") for i in _items(card)}
    counts = [q for q in find_quantities(s) if not s.startswith("字", q.end)]     # 多了图纸两个字: characters
    if any(q.value not in olds for q in counts):
        return True
    said = _parsed(s, ref)
    return bool(said.get("money") or said.get("expected_close"))


# --- the customer's organisation, in the shapes people say it --------------------------------------
_SPOKEN_FILL = re.compile(r"(?<=.)(?:嗯+|呃+|额)|嘛|哒|那个(?=[\u4e00-\u9fffA-Za-z])|(?<=的)[啊呀哦]")
_ASK_BOT = re.compile(r"[，,\s]*(?:你|麻烦|请)?(?:卡片上?|卡上|这张卡)?(?:帮我|给我|帮忙)?(?:把)?(?:公司|单位|卡片|卡)?(?:名)?(?:记一下|记下|记上|填上|填一下|补上|补一下|"
                      r"加上|加一下|写上|改一下|改下|更新一下|更新下|备注一下|备注下)(?:吧|哈|啊)*$"
                      r"|[，,\s]*你(?:应该)?(?:有印象|知道|记得)(?:的|吧|啊)*$")
_AKA = re.compile(r"(?<=[的班作])[，,\s]*(?:就是|简称|也就是|即|又叫|俗称|就)[^，,]{1,12}$")
_SLOT_WORD = r"(?:所在)?(?:公司|单位|工司|厂子|厂|医院|学校)(?:名称|名字|全称|名)?"
_SLOT_VERB = r"(?:补一下|加一下|补充一下|补充|补个|加个|补上|加上|填一下|填下|填上|写一下|写上|记一下|记上)"
_SLOT_QUESTION = re.compile(rf"^(?:.{{0,6}}的)?{_SLOT_WORD}(?:叫啥|叫什么|是啥|是什么|是哪家)(?:来着|呢)?$")
_RECALLED = re.compile(r"^(?:想起来了|对了|哦对|是这个|记起来了)$")
_TITLE_END = re.compile(r"(?:采购|设备|技术|生产|财务|项目|销售|行政|总)?(?:经理|总监|主管|主任|负责人|老板|采购|厂长|部长|助理|院长|校长|处长|"
                        r"科长|局长|总工|总|工程师)$")
_TITLE_TAIL = re.compile(rf"[\u4e00-\u9fff]{{0,4}}?(?:{_TITLE_END.pattern.rstrip('$')}|老总|副总)")    # after 的: 总务主任, 老总
_DEPT_END = re.compile(r"[\u4e00-\u9fff]{1,4}(?:处|科|部|中心|室|组|车间|办公室|办)$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 .,&'\-]*(?:\s*[（(][\u4e00-\u9fffA-Za-z ]{1,8}[)）])?$")


def _english(t: str, card: dict) -> str:
    """English words of a correction in the words the rules read (qty -> 数量, should be -> 应该是,
    next Monday -> 下周一), and the card's contact said by his surname's sound (Wang -> 王总)."""
    if not re.search(r"[A-Za-z]{2,}", t):
        return t
    for english, chinese in _ENGLISH:
        t = english.sub(chinese, t)
    t = re.sub(r"(?<![A-Za-z])(next|this)\s*(mon|tues|wednes|thurs|fri|satur|sun)day(?![A-Za-z])\s*",
               lambda m: ("下周" if m.group(1).lower() == "next" else "这周") + _WEEKDAYS_EN[m.group(2).lower()], t, flags=re.I)
    t = re.sub(r"(?<![A-Za-z])end\s*of\s*Q([1-4])(?![0-9])", lambda m: f"{'一二三四'[int(m.group(1)) - 1]}季度末", t, flags=re.I)
    for name in _card_names(card):
        if intents.PERSON_TITLE.match(name):
            t = re.sub(rf"(?<![A-Za-z])(?:Mr\.?\s*|Ms\.?\s*)?{_sound(name[0]).capitalize()}(?![A-Za-z])\s*", name, t, flags=re.I)
    return t


def _company_said(t: str, card: dict, said: str = "", ref: datetime | None = None) -> Correction | None:
    """The organisation the card's customer is, said in a sentence of its own: 王总是X的(采购总监 /
    设备处的), 他在X上班, X那边的王总, 王总就是X那个王总, 单位是X, 他们厂叫X, 公司名补一下——X,
    王总 → X, 王总：X 基建处, 公司是 Sunrise Pumps（中国）; spoken fillers, a request to the bot and
    asides (忘写了, 青岛那边, 管设备的, 别和另一个王总搞混了) around it."""
    names = _card_names(card)
    people = [n for n in names if intents.PERSON_TITLE.match(n)]
    who = rf"(?:这个|那个)?(?:{'|'.join(map(re.escape, people)) or '(?!)'}|他们|他|她|客户|对方)(?:他们|他|她|那边|这边)?"
    s = _company_text(_normal(t, card), people)
    raw = (said or t).strip()          # as typed: a Latin name keeps its full-width brackets
    raw = _english(raw, card)
    latin = re.match(rf"^(?:{who}的?)?(?:客户)?{_SLOT_WORD}(?:{_SLOT_VERB}|填一下|填|写|记)?(?:叫做|叫|是|为|:|：|\s)\s*"
                     rf"(?P<org>[A-Za-z][A-Za-z0-9 .,&'\-]*?(?:\s*[（(][\u4e00-\u9fffA-Za-z ]{{1,8}}[)）])?)[\s。!！]*$", raw)
    if latin and _LATIN_NAME.match(latin.group("org").rstrip(".")):
        return Correction("customer", latin.group("org").strip(), "company")    # Shenzhen Kaida Technology Co., Ltd.
    clauses = [c.strip(PUNCT + " —-") for c in re.split(r"[，,。；;！!？?…]+|\.{2,}|——|—|\s-\s|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", s)
               if c.strip(PUNCT + " —-")]
    slot = False
    while len(clauses) > 1 and (_SLOT_QUESTION.match(clauses[0]) or _RECALLED.match(clauses[0]) or _SLOT_ASIDE.match(clauses[0])
                                or re.fullmatch(rf"(?:卡片上|卡上|卡片|上面)?(?:{who}的?)?(?:{_SLOT_VERB}{_SLOT_WORD}|{_SLOT_WORD}{_SLOT_VERB}?)", clauses[0])):
        slot = slot or not _RECALLED.match(clauses[0])
        clauses = clauses[1:]               # 公司名补一下 —— X / 王总的公司叫啥来着…想起来了，X / 公司名忘写了 X
    found = []
    for i, c in enumerate(clauses):
        org = _company_clause(c, who, names, slot=slot or any(_SLOT_ASIDE.match(o) for o in clauses[i + 1:]))
        if org:
            found.append((i, org))
    if len({org for _, org in found}) != 1:
        return None
    rest = [c for i, c in enumerate(clauses) if i not in {j for j, _ in found}]
    if not all(_restates(c, card, ref) or _aside(c, names, people) for c in rest):
        return None
    return Correction("customer", found[0][1], "company")


_SLOT_ASIDE = re.compile(r"^(?:之前|刚才|上面|我)?(?:公司|单位|客户)?(?:名|名字|信息|全称|名称)?(?:忘写了|忘了写|忘记写了|漏写了|漏了|没写|没填|忘填了|"
                         r"补一下|补充一下|补充下|加一下|记一下|补上|补下)(?:哈|啊|吧)?$|^(?:公司|单位)(?:名|名字|信息|全称|名称)$")


def _company_text(s: str, people: list[str]) -> str:
    """The message as the company shapes read it: fillers out, a particle after the contact out,
    他事 (a typing slip) as 他是, 王总 = X / 王总：X / 王总 X as 王总是X, spaces around 是 out."""
    short = re.search(r"的(?:那个)?([\u4e00-\u9fff]{2,4})$", s)
    if short and short.group(1) in s[max(0, short.start() - 12):short.start() - 2]:
        s = s[:short.start()]                                                   # 永信化工厂的那个永信
    s = re.sub(r"^(?:忘了说|忘记说了|忘说了|差点忘了|漏说了|哦对|对了|对(?=[，,\s]))[，,\s]*", "", s.strip(PUNCT)).strip(PUNCT) or s
    s = re.sub(r"(?<=的)(?:嘛|啊|呀|哈|哦)(?=[\u4e00-\u9fff])", "，", s)          # 客户是隆基的嘛王总在西安那边
    if people:
        names = "|".join(map(re.escape, people))
        s = re.sub(rf"(?<=[\u4e00-\u9fffA-Za-z])(?<![是就])那个(?={names})", "的", s)       # 三一重工那个王总
        s = re.sub(rf"({names})(?:啊|呀|嘛|哈|呢)(?=[\s，,]|[他她是就在])", r"\1", s)
        s = re.sub(rf"(?<=[\u4e00-\u9fff])(?<![的个是那这跟和与])(?=(?:{names})是)", "，", s)    # …物流王总是老板: two clauses
    s = re.sub(r"那个\s+(?=[\u4e00-\u9fff])", "", _SPOKEN_FILL.sub("", s)).strip(PUNCT)
    s = re.sub(r"(?<=[他她])事(?=那个|[\u4e00-\u9fff]{2,}的)", "是", s)
    s = re.sub(r"(?<=那边|这边)得$", "的", s)                                    # 美华那边得: 的 mistyped
    if people:
        s = re.sub(rf"^((?:这个|那个)?(?:{names}))\s*(?:=|＝|:|：|\s)\s*(?=[^\s是在他她就也来属])", r"\1是", s)
    s = re.sub(r"\s*(是|在|来自|属于)\s*", r"\1", s)
    s = re.sub(r"是我们(?:的)?(?:老)?客户了?", "是", s)          # 王总是我们老客户了X的
    return _AKA.sub("", _ASK_BOT.sub("", s)).strip(PUNCT)


def _company_clause(c: str, who: str, names: list[str], *, slot: bool) -> str | None:
    """The organisation one clause says the card's customer is, or None."""
    c = re.sub(r"(?:然后|就行|就好|就可以了?|吧)+$", "", re.sub(r"[啊呀哦呢吧嘛]+$", "", re.sub(r"^(?:就是|就)", "", c)))
    for shape, said_slot in ((rf"^{who}(?:就)?是(?P<org>.+?)(?:那个|的)?{who}$", False),
                             (rf"^{who}改成(?P<org>.+)$", False),
                             (rf"^{who}(?:其实|实际上|就|也)?(?:是在|是|在|属于|来自|就职于|任职于|供职于)(?P<org>.+?)(?:上班|工作|任职|做事)?(?:的)?$", False),
                             (rf"^(?:{who}的?)?(?:客户)?(?:{_SLOT_VERB})?{_SLOT_WORD}(?:{_SLOT_VERB})?(?:我|刚)?(?:查了|问了|核实了|确认了)?(?:一下|下)?"
                              rf"(?:叫做|叫|是|为|:|：|\s)\s*(?P<org>.+)$", True),
                             (r"^客户(?:那一?栏|栏)?(?:写|填|记)(?:成|为|上)?(?P<org>.+)$", True),
                             (rf"^(?P<org>.+?)(?:那边|这边)?(?:的|那个){who}(?:管|负责|分管|做)?[\u4e00-\u9fff]{{0,6}}?(?:的)?$", False),
                             (r"^(?:是)?(?P<org>.+)$", True)):
        m = re.match(shape, c)
        if m and (said_slot is False or slot or shape != r"^(?:是)?(?P<org>.+)$"):
            org = _organisation(m.group("org"), names, said=said_slot or slot, described=c.endswith("的"),
                                marked=bool(re.search(r"那边|这边|上班|工作|任职|做事|就职|供职|属于|来自", c)))
            if org:
                return org
    return None


def _aside(clause: str, names: list[str], people: list[str]) -> bool:
    """A clause beside the company that adds nothing to store: the slot forgotten (忘写了), the contact
    alone or what people call him, where he sits (青岛那边, 王总在西安那边), his job (就是管后勤那块,
    管设备的), a department (基建处), a warning to the bot (别和另一个王总搞混了), 老客户了."""
    c = re.sub(r"[啊呀哦呢吧嘛哈]+$", "", clause)
    c = re.sub(r"^(?:就是|就)(?:那个)?", "", c)
    if _SLOT_ASIDE.match(c) or _FRAMING.match(c) or _DEPT_END.fullmatch(c.removesuffix("的")) or c in names:
        return True
    person = "|".join(map(re.escape, people)) or "(?!)"
    if re.fullmatch(rf"(?:{person}|他|她)?(?:就)?是(?:他们|那边|这边)?的?(?:{_TITLE_END.pattern.rstrip('$')})", c):
        return True                       # 王总是老板: the contact's role
    if re.fullmatch(r"(?:是)?(?:我们的?)?老客户了?|大家都(?:叫|喊)(?:他|她)[\u4e00-\u9fff]{1,3}", c):
        return True
    if re.fullmatch(r"(?:管|负责|分管|主管|做)[\u4e00-\u9fff]{1,6}?(?:的|那块|这块|那一块|工作)?", c):
        return True
    if re.match(r"^(?:别|不要)(?:和|跟)?", c) and not _counted(c) and not _has_date(c):
        return True
    person = "|".join(map(re.escape, people)) or "(?!)"
    if re.fullmatch(rf"(?:(?:{person})(?:在|是)?)?[\u4e00-\u9fff]{{2,4}}(?:那边|这边|那块)", c):
        import jieba.posseg
        place = re.sub(rf"^(?:(?:{person})(?:在|是)?)?|(?:那边|这边|那块)$", "", c)
        return any(w.flag == "ns" for w in jieba.posseg.lcut(place)) or bool(re.search(r"总部|基地|园区|厂区|分部", place))
    return False


def _restates(clause: str, card: dict, ref: datetime | None) -> bool:
    """A clause that only says again what the card has: its dates (of the same kind), its contact."""
    if ref is None or not _adds_nothing(clause, _card_names(card), ref) or _VISIT.search(clause):
        return False
    dates = _parsed(clause, ref).get("dates") or []
    card_dates = {(d.get("date"), d.get("kind")) for d in card.get("dates") or [] if isinstance(d, dict)}
    return bool(dates) and all((d.get("date"), d.get("kind")) in card_dates for d in dates)


def _organisation(org: str, names: list[str], *, said: bool, marked: bool = False, described: bool = False) -> str | None:
    """The organisation in what was said after the frame, without its department or a person's title;
    None when it is not one (a trade, a place, a role, 外地出差). `said`: the slot was named (公司是X):
    any name will do; `marked`: a workplace was said (在X上班, X那边的): a name the parser takes for an
    organisation; else (王总是X的, 王总在X) it must end as organisations do (…集团, …化工, …医院)."""
    from nlu.customer import _strip_department, is_org
    org = org.strip(PUNCT + " 的")
    if _LATIN_NAME.match(org):
        return org if len(org) >= 2 and org.lower() not in ("ok", "pcs") else None
    org = re.sub(r"(?:那边|这边|那块|这块)$", "", org).strip("的")
    if "那个" in org:
        org = org.rpartition("那个")[2]                 # 我们上次展会认识的那个蓝天制药
    job = re.search(r"(?:那边|这边)?(?:管|负责|分管|主管|做)[\u4e00-\u9fff]{1,6}$", org)
    if job and _org_like(re.sub(r"(?:那边|这边)$", "", org[:job.start()])):
        org = org[:job.start()]                         # 比亚迪深圳坪山工厂管设备, 天合光能常州分公司那边做设备采购
    head, _, tail = org.rpartition("的")
    if len(head) >= 4 and _typed_org(tail) and not _org_ending(head):
        org, head = tail, ""                            # 就是我们上次展会认识的蓝天制药
    if head and (_TITLE_TAIL.fullmatch(tail) or _DEPT_END.fullmatch(tail)):
        org = re.sub(r"(?:那边|这边)$", "", head.strip("的")).strip("的")   # 蓝天制药的采购总监, 潍柴动力的设备部, X那边的副总
    elif _TITLE_END.search(org) and _org_like(org[:_TITLE_END.search(org).start()]):
        org = org[:_TITLE_END.search(org).start()]      # 北方重工机械集团采购经理
    head, _, tail = org.rpartition("的")
    if len(head) >= 4 and _typed_org(tail) and not _org_ending(head):
        org = tail                                      # 老李介绍的蓝天化工 (的老板 taken off)
    if _DEPT_END.search(org) and not org.endswith("总部") and _strip_department(org) != org and _org_like(_strip_department(org)):
        org = _strip_department(org)                    # 扬子石化设备处, 徐工集团采购中心
    if not 2 <= len(org) <= 30 or org in names or re.search(r"[，,。\s]", org) or intents.PERSON_TITLE.match(org) \
            or "的" in org and not _org_ending(org):       # 美的集团 has one
        return None
    if re.match(r"^(?:做|搞|干|卖|开|跑|一下|下[个周次午]|上[个周次午]|个|这|那|我们|你们|咱们)", org) or re.search(r"(?:人|者|员|方|层|角色|老板|客户)$", org):
        return None                                     # 王总是做机械的 (a trade), 王总是决策人 (a role)
    if said:
        return org if intents._name_like(org) and not intents.quantity_like(org) and (described is False or _typed_org(org)) else None
    return org if _typed_org(org) or (marked or described) and _brand_like(org) \
        or (described or marked) and is_org(org) and _plain_name(org) else None


def _plain_name(org: str) -> bool:
    """No verb, adverb, adjective, place or time word in it by jieba's tags (中石化镇海炼化 yes; 外地出差,
    新来, 比较忙 no)."""
    import jieba.posseg
    return not _OWNERSHIP.match(org) and not any(w.flag in _NOT_IN_A_NAME for w in jieba.posseg.lcut(org))


_NOT_IN_A_NAME = {"v", "vd", "vg", "vi", "d", "dg", "a", "ad", "ag", "f", "t", "tg", "s", "p", "r", "rr", "rz", "c", "u", "uj",
                  "ul", "uz", "ug", "uv", "m", "mq", "q", "y", "e", "o", "zg", "l", "i"}


def _brand_like(org: str) -> bool:
    """西门子, 比亚迪, 海尔, 中联重科: a proper name by jieba's tags, with no verb, adverb or place word
    in it (走流程, 比较谨慎, 外地出差, 路上 are no brand)."""
    import jieba.posseg
    tags = [w.flag for w in jieba.posseg.lcut(org)]
    return _org_like(org) and not _OWNERSHIP.match(org) and any(t in ("nr", "nrt", "nz", "nt", "j", "eng") for t in tags) \
        and not any(t[0] in "vdafsprcu" for t in tags)


_MORE_ENDINGS = re.compile(r"(?:锅炉|动力|光能|设备|重科|重工|能源|科技|电气|泵业|流体|物流|港|石化|水泥|纺织)$")
_OWNERSHIP = re.compile(r"^(?:上市|国有|国营|民营|私营|外资|合资|新成立|小|大)?(?:公司|企业|国企|央企|民企|外企|私企|单位|工厂|厂)$")


def _typed_org(org: str) -> bool:
    """Ends as organisations do (the parser's suffix, type and trade words: 集团, 医院, 化工, 机电),
    with a name before it (医院, 上市公司 alone are no organisation)."""
    from nlu.customer import _ending, _suffix_set, _type_set, _type_words
    branch = re.search(r"[分支](?:行|公司|院|厂|店)$", org)
    if branch and any(_typed_org(org[:branch.start() - k]) for k in range(4) if branch.start() - k >= 2):
        return True                       # 中国银行杭州分行: a branch (in a place) of an organisation
    more = _MORE_ENDINGS.search(org)
    ending = _ending(org, _suffix_set()) or _ending(org, _type_set()) or _ending(org, _type_words()[1]) \
        or (more.group() if more else None)
    return bool(ending) and len(org) - len(ending) >= 2 and not _OWNERSHIP.match(org)


def _org_ending(org: str) -> str | None:
    """The parser's organisation suffix the name ends with (集团, 医院, 银行…), if any."""
    from nlu.customer import _ending, _suffix_set
    return _ending(org, _suffix_set())


def _org_like(org: str) -> bool:
    from nlu.customer import is_org
    return len(org) >= 2 and (is_org(org) or bool(_org_ending(org)) or is_org(org.removesuffix("有限公司") or org))


def _close_said(t: str, card: dict, ref: datetime | None) -> Correction | None:
    """The parser's own close reader on the whole message (明年一季度落地, Q1 走合同, 春节后下PO,
    顺利的话1月初走完合同流程): a close and nothing else the parser would store — no item, amount,
    rival, other customer, or a date outside the close's range; no visit or other deal."""
    names = _card_names(card)
    t = _normal(t, card)
    speaker = re.match(_SPEECH.format(who="|".join([*map(re.escape, names), _GENERIC_SPEAKER])), t)
    if speaker is None and _stranger_speaks(t, names) or _OWN_FACT.sub("", _VISIT.sub("", t)) != _OWN_FACT.sub("", t):
        return None
    said = _parsed(t, ref)
    close = said.get("expected_close")
    if close and not _adds_nothing(t, names, ref):       # 顺利的话…: the condition may read as a name
        t = re.sub(r"^[\u4e00-\u9fff]{1,6}的话[，,]?", "", t)
        said = _parsed(t, ref)
        close = said.get("expected_close")
    if not close or not _adds_nothing(t, names, ref):
        return None
    clauses = [c for c in re.split(r"[，,。；;！!？?]+", t) if c.strip(PUNCT)]
    last = max(i for i, c in enumerate(clauses) if _parsed(c, ref).get("expected_close") or i == 0)
    if len(clauses) > 3 or any(not _FRAMING.match(c.strip(PUNCT)) for c in clauses[last + 1:]) \
            or any(not _remark(c, names, _card_units(card)) for c in clauses[:last]):
        return None       # …，我们这边法务还在审: a status said after the close is a note's
    if any(not (close["start"] <= d.get("date", "") < close["end"]) for d in said.get("dates") or []):
        return None
    return Correction("close", t, "sentence")


_VISIT = re.compile(r"去了|去过|去趟|拜访|见了|见面|看样|来厂|来公司|约了|新客户|还有|另外|另一个|询价|报价")


def _normal(t: str, card: dict) -> str:
    """The message without what goes around a correction, in the words the rules read (typos, English)."""
    names = _card_names(card)
    t = _OPENING.sub("", t.strip(PUNCT)).strip(PUNCT) or t
    t = _unrepeated(t)                                        # 是是, 东方泵业东方泵业, 一百八一百八十台
    t = re.sub(r"^(?:我|刚才|刚刚)*(?:说错了|写错了|搞错了|记错了|弄错了|打错了)(?=应该|应是|应为|是)", "", t) or t   # spoken, no comma
    t = _THANKS.sub("", t).strip(PUNCT) or t
    t = re.sub(r"(?:也行|也可以|都行|都可以|也没问题)$", "", t).strip(PUNCT) or t
    t = _english(t, card)
    t = re.sub(r"[，,\s]*(?:麻烦|请)?(?:你)?(?:帮我|帮忙)?(?:更新|改)(?:一下|下)?(?:卡片|卡)(?:吧|哈)?$", "", t) or t   # 麻烦更新下卡片
    t = _UPDATE.sub("改成", t)                                # 数量更新：95台
    t = _ASKED.sub("", t)                                     # 帮我把 / 麻烦 / 那里
    if names:                                                 # 王总（恒远化工）
        t = re.sub(rf"^({'|'.join(map(re.escape, names))})[（(]([^）)]{{2,30}})[）)]$", r"\1是\2的", t)
    t = re.sub(r"(?<![A-Za-z\s])[（(]([^）)]{4,16})[）)]$", r"，\1", t)        # 改成19号（周六也能收货）: a remark
    t = re.sub(r"(?<![A-Za-z\s])[（(]([^）)]{1,12})[）)]", r"\1", t)          # 下周五（交货）
    t = re.sub(r"改(?=(?:[0-9]+|[零一二两三四五六七八九十百千]+)(?:[台个套箱件吨只支批]|$|[，,\s吧了哈啊呀]))", "改成", t)    # 80改100, 改60吧
    t = _TYPOS.sub(lambda m: _TYPO_FIX[m.group()], t)       # 因该是100台
    t = _homophones(t, card)                                  # A行泵 七十五抬 -> A型泵 七十五台
    t = re.sub(r"(?<=[0-9])\s*(?:pcs|pc|units?|sets?|台)(?![A-Za-z])", "台", t, flags=re.I) if _items(card) else t
    t = _PUT.sub("改到", t)                                   # 交货放到12月21日
    t = re.sub(r"(?<=日期|时间|交期|数量|台数)(?=[0-9０-９])", "是", t)   # 交货日期18号
    t = re.sub(r"^(?P<slot>(?:(?!改|更正|修改|更新).){0,4}?(?:日期|时间|数量|台数|公司|单位|交期))\s+", r"\g<slot>是", t)   # 到货日期 12月19日
    for item in _items(card):                                 # A型泵 100台
        if item.get("product"):
            t = re.sub(rf"(?<={re.escape(item['product'])})\s+(?=[0-9零一二两三四五六七八九十百])", "", t)
    t = _ENGLISH_MONTH.sub(lambda m: f"{m.group('year') + '年' if m.group('year') else ''}{_MONTHS.index(m.group('month').lower()[:3]) + 1}月"
                           f"{_PARTS[m.group('part').split()[0].lower()] if m.group('part') else ''}"
                           f"{m.group('day') + '日' if m.group('day') else ''}", t)     # end of Jan, Dec 18
    t = re.sub(r"元月(?=[0-9零一二三四五六七八九十初中下底])", "1月", t)                 # 元月8日
    t = re.sub(r"(?<![0-9A-Za-z\-./])(1[0-2]|0?[1-9])[-/.](3[01]|[12][0-9]|0?[1-9])(?![0-9\-./])", r"\1月\2日", t)  # 12-24, 12.16
    return _restated_day(_spoken_times(t))


def _restated_day(t: str) -> str:
    """A day said again more exactly after 就是 / 也就是 (是周三就是下周三): the exact one stays."""
    m = re.search(r"(?P<a>[^，,\s是]{2,8})(?:就是|也就是|即)(?P<b>[^，,\s]{2,10})$", t)
    if m and intents.is_date(m.group("a")) and intents.is_date(m.group("b")):
        return t[:m.start()] + m.group("b")
    return t


def _unrepeated(t: str) -> str:
    """Speech said twice in a row once: a word of two to six characters (东方泵业东方泵业, 一百八一百八十台)
    or a one-character verb or pronoun (是是, 在在)."""
    t = re.sub(r"([\u4e00-\u9fff]{2,6})\1+", r"\1", t)
    return re.sub(r"([是在就那这我他她])\1+", r"\1", t)


_NEXT_NUMERAL = {a: b for a, b in zip("一二三四五六七八九", "二三四五六七八九十")}


def _spoken_times(t: str) -> str:
    """Times said as people say them, in the words the date rules read: 三四月份 -> 三月到四月, 下半个月 ->
    本月下旬, 这两周 -> 两周内; a 嗯 inside the sentence goes."""
    t = re.sub(r"(?<=[\u4e00-\u9fff])嗯+(?=[\u4e00-\u9fff])", "", t)
    t = re.sub(r"(?<![零一二三四五六七八九十])([一二三四五六七八九])([二三四五六七八九十])月份?",
               lambda m: f"{m.group(1)}月到{m.group(2)}月" if _NEXT_NUMERAL[m.group(1)] == m.group(2) else m.group(), t)
    t = re.sub(r"(?<![上下个])下半(?:个)?月", "本月下旬", t)
    return re.sub(r"这两(?:个)?(?:周|星期|礼拜)|这俩(?:星期|礼拜)", "两周内", t)


# Words a correction uses that a pinyin keyboard gets wrong with another word of the same sound.
_SOUNDS = ("数量", "台数", "交货", "交期", "应该", "合同", "公司", "改成", "日期", "送货", "发货", "签约")


def _homophones(t: str, card: dict) -> str:
    """A word typed with the wrong characters of the same sound (the pinyin keyboard's typo) becomes
    the word: the card's product (A行泵 -> A型泵) and its unit after a number (七十五抬 -> 七十五台),
    and the words corrections use (数两 -> 数量, 交获 -> 交货). The word and the typo share a character."""
    sounds = _pinyin(t)
    words = [i.get("product") for i in _items(card) if i.get("product")] + list(_SOUNDS) + \
        [n for n in _card_names(card) if intents.PERSON_TITLE.match(n)]          # 汪总 for 王总
    for word in sorted(set(words), key=len, reverse=True):
        n = len(word)
        if n < 2 or word in t or not re.search(r"[\u4e00-\u9fff]", word):
            continue
        sound = _pinyin(word)
        for i in range(len(t) - n + 1):
            piece = t[i:i + n]
            if sounds[i:i + n] == sound and (piece[0] == word[0] or piece[-1] == word[-1]):
                t = t[:i] + word + t[i + n:]
    for unit in {i.get("unit") for i in _items(card) if i.get("unit")}:
        if len(unit) == 1:
            t = re.sub(r"(?<![周期拜])([0-9零〇一二两三四五六七八九十百千万]+)\s*([\u4e00-\u9fff])",    # not 周四太赶
                       lambda m: m.group(1) + unit if m.group(2) != "太" and _pinyin(m.group(2)) == _pinyin(unit) else m.group(0), t)
    return t


def _pinyin(text: str) -> list[str]:
    """One sound per character (toneless; a character with no sound stands for itself)."""
    return [_sound(ch) for ch in text]


@functools.lru_cache(maxsize=8192)
def _sound(ch: str) -> str:
    from pypinyin import lazy_pinyin
    return lazy_pinyin(ch)[0] if "\u4e00" <= ch <= "\u9fff" else ch


def _read(t: str, card: dict, ref: datetime | None = None) -> Correction | None:
    names = _card_names(card)
    t = _normal(t, card)
    speaker = re.match(_SPEECH.format(who="|".join([*map(re.escape, names), _GENERIC_SPEAKER])), t)
    if speaker:
        t = t[speaker.end():]
    elif _stranger_speaks(t, names):
        return None                       # 李经理说…: someone the card does not have says something: a note
    if names:                                                 # 王总，鼎盛集团的
        t = re.sub(rf"^({'|'.join(map(re.escape, names))})[，,\s]+(?=[^，,\s]{{2,30}}的$)", r"\1是", t)
    topic = re.match(r"^(?P<what>[^，,\s]{1,6})的话[，,\s]*", t)
    if topic and (_card_product(_bare_product(topic.group("what")), card) or _SLOT_WORDS.fullmatch(topic.group("what"))):
        t = t[topic.end():]                                   # 泵的话不是八十台是八十五台
    whole = _value(t, "", card)            # the form said whole (不是80，是150; 客户名写错了，是恒通机械)
    if whole is not None and _fits(whole, card, t, cued=bool(_CUED.search(t))) and not _refused_value(whole, t):
        return whole
    clauses = _joined([c.strip(PUNCT) for c in re.split(r"[，,。；;！!？?\s]+|。。+|\.\.+|(?<=[\u4e00-\u9fff])(?:哈(?![尔密])|啊|哦|呀)(?=[\u4e00-\u9fff]{2})"
                                                    r"|(?<=[\u4e00-\u9fff]{3})(?=(?:他说|她说|然后|因为|所以)[\u4e00-\u9fff]{2})", t)
                        if c.strip(PUNCT)])
    if not clauses or len(clauses) > 5:
        return None
    hint, old, values, remarks = "", "", [], []
    for clause in clauses:
        for item in _items(card):                             # A型泵的数量有误
            product = item.get("product") or ""
            if len(product) >= 2 and clause.startswith(product + "的"):
                clause = clause[len(product) + 1:]
        if _FRAMING.match(clause):
            continue
        refused = _REFUSED.match(clause) or re.match(r"^不要(?P<old>.{1,8}?)了$", clause)
        said_old = refused and (refused.groupdict().get("old") or refused.groupdict().get("said") or refused.groupdict().get("waited") or "")
        if said_old and (_has_date(said_old) or intents.quantity_like(said_old) or said_old in _card_values(card)):
            old = said_old if intents.is_date(said_old) or intents.quantity_like(said_old) else old
            continue
        h = _HINT.match(re.sub(r"^(?:我)?(?:把|将)", "", clause))
        if h:
            hint = h.group("slot") + ("公司" if h.group("company") else "")
            continue
        h = re.match(r"^(?:帮我|麻烦)?(?:改一下|改下|更正一下|更正|修改一下|修改|更新一下|更新)(?P<slot>数量|台数|日期|交期|交货日期|交货时间|客户|公司)$", clause)
        if h:
            hint = h.group("slot")                # 改一下数量 70台
            continue
        values.append(clause)
    if len(values) > 1:                   # one value and at most one short remark beside it
        found = [(i, _value(v, hint, card)) for i, v in enumerate(values)]
        said = [(i, f) for i, f in found if f is not None]
        kinds = [f.kind for _, f in said]
        if len(said) == 2 and len(set(kinds)) == 2 and set(kinds) <= {"quantity", "date", "customer", "close"} \
                and len(values) <= 3 and all(_fits(f, card, t, cued=True) for _, f in said):
            remarks = [v for i, v in enumerate(values) if i not in (said[0][0], said[1][0])]
            if all(_remark(r, names, _card_units(card)) for r in remarks):     # 数量改成100，交货改到下周五
                first, second = said[0][1], said[1][1]
                return Correction(first.kind, first.value, first.target, first.old or old, also=(second,))
        if len(said) == 1:
            remarks = [v for i, v in enumerate(values) if i != said[0][0]]
            fix = said[0][1]
        else:
            fix = _close_across(values)
            remarks = []
        allowed = 2 if hint or old or _CUED.search(t) else 1
        if fix is None or len(remarks) > allowed or any(not _remark(_without_value(r, fix, card, ref), names, _card_units(card)) for r in remarks):
            return None
    elif values:
        fix = _value(values[0], hint, card)
    else:
        return None
    if fix is not None and old and not fix.old:
        fix = Correction(fix.kind, fix.value, fix.target, old)
    return fix


_WEEKDAY = re.compile(r"(?<![上下这本])(?:周|星期|礼拜)([一二三四五六日天])")


def _without_value(remark: str, fix: Correction, card: dict, ref: datetime | None = None) -> str:
    """A remark with the corrected value said again taken out (他们老板坚持要88台 after 80改成88), or
    the weekday of the new or the old day (改成19号，周六也能收货; 改成16号，王总那边周四仓库盘点)."""
    if fix.kind == "date" and ref is not None:
        from datetime import date
        from nlu.dates import find_times
        days = [t.start.date() for t in find_times(fix.value, ref)[:1]]
        days += [date.fromisoformat(d["date"]) for d in _planned(card) if re.fullmatch(r"\d{4}-\d\d-\d\d", d.get("date") or "")]
        weekdays = {d.weekday() for d in days}
        return _WEEKDAY.sub(lambda m: "" if "一二三四五六".find(m.group(1)) in weekdays or m.group(1) in "日天" and 6 in weekdays
                            else m.group(), remark) or remark
    if fix.kind != "quantity":
        return remark
    number, _ = intents.number_and_unit(fix.value)
    if number is None:
        return remark
    for m in re.finditer(rf"(?:{NUMBER})\s*[\u4e00-\u9fff]?", remark):
        said, _ = intents.number_and_unit(m.group())
        if said == number:
            return (remark[:m.start()] + remark[m.end():]).strip() or remark
    return remark


def _refused_value(fix: Correction, t: str) -> bool:
    """The value read is the one a clause refuses (下周二送到就行 不用等到周四了: not 周四)."""
    for clause in re.split(r"[，,。；;！!？?\s]+", t):
        m = _REFUSED.match(clause.strip(PUNCT))
        said = m and next((v for v in m.groupdict().values() if v), "")
        if said and fix.value and fix.value in said:
            return True
    return False


def _joined(clauses: list[str]) -> list[str]:
    """Spoken clauses put back together: a filler alone (那个, 嗯) goes, a cue alone (应该是, 其实是)
    joins the value after it (数量错了 应该是 八十八台)."""
    out: list[str] = []
    carry = ""
    for c in clauses:
        if re.fullmatch(r"(?:那个|这个|嗯+|呃+|额|啊|哦|就是)", c):
            continue
        c = re.sub(r"^(?:那个|嗯+|呃+|额)(?=.)", "", c)
        if re.fullmatch(r"(?:应该是|应该|应是|应为|其实是|实际是|实际上是|正确的是|是|改成|改为|最终是|最后是)", c):
            carry += c
            continue
        out.append(carry + c)
        carry = ""
    return out + ([carry] if carry else [])


def _value(clause: str, hint: str, card: dict) -> Correction | None:
    """One clause read as the new value of a slot (the hint names the slot when another clause did)."""
    names = _card_names(card)
    if _stranger_speaks(clause, names):
        return None
    belongs = _belongs(clause, names)
    if belongs:
        return belongs
    if hint:
        clause = _SUBJECT.sub("", clause) if _SUBJECT.sub("", clause) else clause
        said = intents.correction(f"{hint}是{_strip_cue(clause)}")
        if said is not None:
            return Correction(said.kind, said.value, "company" if hint.endswith("公司") and said.kind == "customer"
                              else said.target, said.old)
    clause = re.sub(r"(?:应该)?(?:写成|填成|记成|写为|记为|填为)|(?<=[\u4e00-\u9fff])[:：]\s*|(?<=客户|公司|单位)(?:写|填|记)", "是", clause)
    fix = intents.correction(clause)
    if fix is not None and fix.kind == "postpone" and fix.value:
        return Correction("date", fix.value)                  # …，推到12月20日吧: the card's date moves
    if fix is not None and not (fix.kind == "quantity" and fix.target and not _card_product(fix.target, card)):
        return fix
    dated = _date_then_kind(clause)
    if dated is not None:
        return dated
    if _CLOSE_VERB.search(clause):                            # 最快下周签约, 估计要到明年3月才能签
        unhedged = _HEDGES.sub("", clause)
        fix = intents.correction(unhedged) if unhedged != clause else None
        if fix is not None and fix.kind == "close":
            return fix
    subjectless = _CLOSE_SUBJECT.sub("", clause)
    if subjectless != clause:
        fix = intents.correction(subjectless)
        if fix is not None and fix.kind == "close":
            return fix
    owned = re.match(r"^(?:是)?(?P<org>[^，,、\s的]{2,30}?)(?:那边|这边)?的(?P<who>[^，,、\s的]{2,4})$", clause)
    if owned and owned.group("who") in names and _belongs(f"{owned.group('who')}是{owned.group('org')}的", names):
        return Correction("customer", owned.group("org"), "company")     # 恒通机械的王总 (the card's)
    subject = re.match(rf"^(?:{'|'.join([*map(re.escape, names), _GENERIC_SPEAKER])})(?:那边|这边)?(?:最终|最后|已经|还是|又|这次|这回|现在|目前)?", clause)
    if subject and subject.end() < len(clause) and not _stranger_speaks(clause, names):
        found = _value(clause[subject.end():], hint, card)     # 王总那边砍到50台了
        if found is not None and found.kind in ("quantity", "date", "close"):
            return found
    adverb = re.match(r"^(?:现在|目前|最后|最终|实际上|实际|其实|那就|就)(?:是)?", clause)
    if adverb and adverb.end() < len(clause):
        found = _value(clause[adverb.end():], hint, card)      # 现在是95台
        if found is not None:
            return found
    for item in _items(card):
        product = item.get("product") or ""
        if len(product) >= 2 and product in clause and clause != product:
            found = _value(clause.replace(product, "", 1), hint, card)    # 要的是120台A型泵
            if found is not None and found.kind == "quantity":
                return Correction("quantity", found.value, product, found.old)
    moved = re.match(r"^(?P<old>.{2,12}?)(?:改成|改为|改到|换成|变成)(?P<rest>.+)$", clause)
    if moved and intents.is_date(moved.group("old")):
        found = _value(moved.group("rest"), hint, card)         # 下周四改成下周五交货
        if found is not None and found.kind == "date":
            return Correction("date", found.value, found.target, moved.group("old"))
    step = _by_step(clause, card)
    if step is not None:
        return step
    m = _QUANTITY_CUE.match(clause)
    if m and intents.quantity_like(m.group("quantity")):
        product = _bare_product(m.group("product"))
        if not product or _card_product(product, card):
            return Correction("quantity", m.group("quantity"), product)
    return None


def _bare_product(said: str) -> str:
    """The product said before a count without what points at it or moves it (上面那个泵 -> 泵,
    泵就 -> 泵, 泵要到 -> 泵, 的是 -> '')."""
    said = re.sub(r"^(?:上面|前面|刚才|刚刚|之前)?(?:的)?(?:那个|这个|那|这)?", "", said.strip(PUNCT + " 的"))
    said = re.sub(r"(?:的话|就|只|才|也|还是|要到|要|到|加到|定的是|要的是|订的是|定的|是|的)+$", "", said)
    return said.strip(PUNCT + " 的")


_DATE_CUE = re.compile(r"^(?:应该是|应当是|应该|应是|应为|提前到|延后到|推迟到|推到|提前|改到|改成|改为|改在|改|挪到|调到|换到|定在|定到|是|就)")


def _date_then_kind(clause: str) -> Correction | None:
    """下周五交货 / 改到下周五交货 / 交货改下周五: a date with its kind on either side, a cue or none."""
    m = re.match(rf"^(?P<kind>{intents.DATE_KINDS['delivery']}|{intents.DATE_KINDS['meeting']})?(?:日期|时间)?"
                 rf"(?:改|挪|调|推|换|定|提前|延后|推迟|延)(?:到|在|成|为|下(?![周个月旬午礼星]))?(?P<value>.+)$", clause)
    if m and intents.is_date(m.group("value")):
        return Correction("date", m.group("value"), intents._date_kind(m.group("kind") or ""))
    word, rest = intents._split_value(_DATE_CUE.sub("", clause))
    if word and rest:
        return Correction("date", rest, intents._date_kind(word))
    sent = re.match(r"^(?:这批货|货物|货)?(?:要|就)?(?P<value>.+?)(?:再|才|就|要|能|可以|得)*(?:送|发|交|到|送过去|发过去|送到)(?:货)?(?:就行|就可以|就好)?(?:吧|了)?$",
                    _DATE_CUE.sub("", clause))
    if sent and intents.is_date(sent.group("value")):
        return Correction("date", sent.group("value"), "delivery")     # 下下周一再送
    return None


_STEP = re.compile(rf"^(?:说)?(?P<product>[^，,、\d]{{0,12}}?)(?:要|还要|又|再|还|多)*(?P<sign>再来|多来|加|追加|增加|多加|添|多要|减|减少|少要|砍掉|去掉|退掉)(?:了)?"
                   rf"(?P<quantity>(?:{NUMBER})\s*[\u4e00-\u9fff]{{0,2}}?)(?:吧|了)*$")


def _by_step(clause: str, card: dict) -> Correction | None:
    """再加20台 / A型泵要加10台 / 减少10台: the item's quantity moved by that much (加到150台 sets it)."""
    m = _STEP.match(clause)
    if not m or not intents.quantity_like(m.group("quantity")):
        return None
    product = m.group("product").strip(PUNCT + " 的")
    items = [i for i in _items(card) if not product or _card_product(product, {"items": [i]})]
    number, unit = intents.number_and_unit(m.group("quantity"))
    if len(items) != 1 or number is None or not isinstance(items[0].get("quantity"), (int, float)):
        return None
    total = items[0]["quantity"] + (-number if m.group("sign") in ("减", "减少", "少要", "砍掉", "去掉", "退掉") else number)
    if total <= 0:
        return None
    return Correction("quantity", f"{total:g}{unit or items[0].get('unit') or ''}", items[0].get("product") or "")


def _strip_cue(clause: str) -> str:
    clause = re.sub(r"(?:就行|就够了|就好|就可以|吧|哈)+$", "", clause)
    clause = re.sub(r"^(?:现在|目前|最后|最终|实际上|实际|其实)", "", clause)
    return re.sub(r"^(?:改成|改为|改到|应该是|应当是|应该|应为|应是|实际是|其实是|正确的是|就是|是|叫|为|填|写|记)", "", clause)


def _close_across(values: list[str]) -> Correction | None:
    """…才能签，估计1月20号前后: the close's verb in one clause, its date (hedged) in the other."""
    if len(values) != 2:
        return None
    for said, verb in (values, values[::-1]):
        m = _HEDGED.match(said)
        if m and intents.is_date(m.group("value")) and _CLOSE_VERB.search(verb) and intents._date_kind(verb) in ("", "deadline"):
            return Correction("close", m.group("value"))
    return None


def _belongs(t: str, names: list[str]) -> Correction | None:
    """王总是恒达机械的 / 这单是金桥水务的 / 王总是北方重工的采购经理: the organisation the customer is."""
    who = "|".join(map(re.escape, [n for n in names if intents.PERSON_TITLE.match(n)])) or "(?!)"
    m = re.match(_BELONGS.pattern.format(who=who), t)
    if not m:
        return None
    org, tail = m.group("org"), m.group("tail") or ""
    if tail and not (intents.PERSON_TITLE.match(m.group("who")) and _title_word(tail)):
        return None       # 客户是华为的李总 names a person too
    if re.match(r"^(?:做|搞|干|卖|开|跑|一下|下|上|个|这|那)", org) or re.search(r"(?:人|者|员|方|层|角色|采购|老板)$", org):
        return None       # 王总是做机械的 (a trade), 王总是决策人 (a role)
    if intents.PERSON_TITLE.match(org) or not intents.customer_like(org):
        return None
    return Correction("customer", org, "company")


def _title_word(tail: str) -> bool:
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{0,4}(?:经理|总监|主管|主任|总|工|负责人|老板|采购|厂长|部长|助理)", tail))


def _stranger_speaks(t: str, names: list[str]) -> bool:
    """A person with a title the card does not have, at the start (李经理说…, 跟张总聊了…)."""
    from nlu.customer import find_contacts
    return any(c.start <= 3 and c.name not in names and _SAYS.match(t[c.end:]) for c in find_contacts(t[:14]))


def _remark(clause: str, names: list[str], units: tuple[str, ...] = ()) -> bool:
    """A short remark with no fact of its own (他们急用, 王总只是对接人, 剩下的以后再说): nothing the
    parser would store from it either (an amount, an item, a rival, a customer the card lacks)."""
    from nlu.customer import find_contacts
    if len(clause) > 24 or _OWN_FACT.search(clause) or _counted(clause, units):
        return False
    if any(c.name not in names for c in find_contacts(clause)):
        return False
    if not _adds_nothing(clause, names):
        return False
    rest = _PERIOD_WORDS.sub("", clause)
    return not intents.is_date(rest) and not _has_date(rest)


def _adds_nothing(clause: str, names: list[str], ref: datetime | None = None) -> bool:
    """The parser reads no fact of its own in the clause (the card's contact or company may be said, and
    a reason: 预算不够, 王总那边走流程)."""
    said = _parsed(clause, ref)
    customer = said.get("customer") or {}
    if said.get("money") or said.get("items") or said.get("competitors"):
        return False
    from nlu.customer import is_org
    company = customer.get("company")
    named = company not in (None, *names) and is_org(company) and (_typed_org(company) or _brand_like(company))
    return customer.get("name") in (None, *names) and not named      # 吉利数字 (a lucky number) names no company


@functools.lru_cache(maxsize=512)
def _parsed_json(text: str, ref: datetime) -> str:
    import json
    from nlu.parser import parse
    return json.dumps(parse(text, ref), ensure_ascii=False)


def _parsed(text: str, ref: datetime | None = None) -> dict:
    """The parser's reading of a piece of the message (said at `ref`; without it any day will do where
    only what it finds counts)."""
    import json
    return json.loads(_parsed_json(text, ref or _ANY_DAY))


def _has_date(text: str) -> bool:
    from datetime import datetime
    from nlu.dates import find_times
    return bool(find_times(text, datetime(2026, 6, 15, 9)))


# --- the card --------------------------------------------------------------------------------------

def _card_names(card: dict) -> list[str]:
    said = card.get("customer") if isinstance(card.get("customer"), dict) else {}
    return [n for n in (said.get("name"), said.get("company")) if n]


def _card_values(card: dict) -> set[str]:
    values = set(_card_names(card))
    for item in _items(card):
        if item.get("quantity") is not None:
            values.add(f"{item['quantity']:g}" if isinstance(item["quantity"], float) else str(item["quantity"]))
            values.add(f"{item['quantity']}{item.get('unit') or ''}")
    return values


def _card_units(card: dict) -> tuple[str, ...]:
    return tuple(sorted({i["unit"] for i in _items(card) if isinstance(i.get("unit"), str) and i["unit"]}))


def _items(card: dict) -> list[dict]:
    return [i for i in card.get("items") or [] if isinstance(i, dict)]


def _card_product(product: str, card: dict) -> bool:
    return any(_same_product(product, i.get("product") or "") for i in _items(card))


def _same_product(said: str, product: str) -> bool:
    """The card's product said whole, inside more words, or short (A泵 for A型泵: its first and last
    characters and some of those between, in order)."""
    if not said or not product:
        return False
    if said in product or product in said:
        return True
    rest = iter(product)
    return len(said) >= 2 and said[0] == product[0] and said[-1] == product[-1] and all(ch in rest for ch in said)


def _as_card(fix: Correction | None, card: dict) -> Correction | None:
    """A quantity correction names the card's product as the card has it (A泵 -> A型泵)."""
    if fix is None or fix.kind != "quantity" or not fix.target:
        return fix
    found = [i.get("product") for i in _items(card) if _same_product(fix.target, i.get("product") or "")]
    if len(found) == 1 and found[0] not in fix.target:
        return Correction(fix.kind, fix.value, found[0], fix.old, fix.also)
    return fix


def _planned(card: dict) -> list[dict]:
    return [d for d in card.get("dates") or [] if isinstance(d, dict) and d.get("status") != "reported"]


def _fits(fix: Correction, card: dict, text: str, *, cued: bool) -> bool:
    """The evidence of the card: a bare value (no cue, no field word) needs exactly one slot of its
    type; a product said must be the card's. With a cue, the layer asks which when several fit."""
    if fix.kind in ("quantity", "date", "customer") and _TENTATIVE.search(_ASKED.sub("", text)):
        return False                  # 王总想把交货改到月底，但要先问问老板: not settled, a note
    if fix.kind == "quantity":
        items = _items(card)
        if fix.target and _has_date(fix.target):
            return False              # 王总说A型泵下个月还要再订50台: another order, a note
        if not items:                 # 数量改成60 on a card with no quantity: asked to add one
            return bool(re.search(r"数量|台数|数目|件数|个数|订量", text))
        number, unit = intents.number_and_unit(fix.value)
        meant = [i for i in items if _card_product(fix.target, {"items": [i]})] if fix.target else items
        if len(meant) == 1 and number is not None and meant[0].get("quantity") == number:
            return False           # the card says so already: nothing to change (a note said again)
        units = {i.get("unit") for i in items if i.get("unit")}
        if fix.target:
            return bool(meant)
        if unit and units and unit not in units:
            return False           # 200个 after a card of 80台: another thing
        return bool(fix.old) or cued or len(items) == 1
    if fix.kind == "date" and not fix.target and not fix.old:
        return cued or len(_planned(card)) == 1
    if fix.kind == "replace":        # 不是A，是B: A must be on the card (a product, the company, the contact)
        return fix.old in _card_names(card) or _card_product(fix.old, card)
    if fix.kind == "customer":       # the name said as one: 是X / 叫X / 填X / X alone in its clause
        if fix.value in _card_names(card):
            return False
        return bool(re.search(rf"(?:^|[是叫为成填写记在于自：:，,（(\s]){re.escape(fix.value)}", text))
    return True


# --- a note that may have been meant as a correction -----------------------------------------------

def maybe_about_card(text: str, card: dict | None, ref: datetime | None = None) -> Correction | None:
    """What a message taken for a new note would change on `card` if the rep meant it as a correction:
    offered under the note's card as one tap (这是对上一张卡片的更正), never applied unasked. Read by the
    parser alone: one new count of the card's product (or of no product, in the card's unit), else one
    new planned date, else a close, else an organisation for a card with no company; nothing when the
    note is about a person the card does not have or another product."""
    card = card if isinstance(card, dict) else {}
    t = _normal(intents.clean(text), card)
    if not t or len(t) > 2 * LONGEST:
        return None
    said = _parsed(t, ref)
    names = _card_names(card)
    customer = said.get("customer") or {}
    card_dates = {d.get("date") for d in card.get("dates") or [] if isinstance(d, dict)}
    if _VISIT.search(t) or said.get("money") or said.get("competitors") or any(
            d.get("status") == "reported" and d.get("date") not in card_dates for d in said.get("dates") or []):
        return None                      # a visit, an amount, a rival, a past event of its own: a note
    from nlu.customer import find_contacts, is_org
    if customer.get("name") not in (None, *names) or any(c.name not in names for c in find_contacts(t)):
        return None                      # 拜访了徐总…, 介绍了李经理: a note about someone else
    items = [i for i in said.get("items") or [] if i.get("quantity") is not None]
    card_items = _items(card)
    unit = card_items[0].get("unit") if len(card_items) == 1 else None
    if not items and unit:            # 泵就70台吧: a count in the card's unit the item reader left
        counted = {intents.number_and_unit(m.group())[0] for m in re.finditer(rf"(?:{NUMBER})\s*{re.escape(unit)}", t)} - {None}
        items = [{"product": None, "quantity": int(q) if float(q).is_integer() else q, "unit": unit} for q in counted]
    if items:
        if len(items) != 1 or len(card_items) != 1:
            return None
        item, mine = items[0], card_items[0]
        unit_ok = not item.get("unit") or not mine.get("unit") or item["unit"] == mine["unit"]
        product = item.get("product") or ""
        product_ok = not product or _card_product(product, card) or product[-1:] == (mine.get("product") or "")[-1:]
        if not (unit_ok and product_ok) or item["quantity"] == mine.get("quantity"):
            return None
        q = item["quantity"]
        return Correction("quantity", f"{q:g}" if isinstance(q, float) else str(q), mine.get("product") or "")
    new_dates = sorted({d["date"] for d in said.get("dates") or []
                        if d.get("status") != "reported" and d.get("date") and d["date"] not in card_dates})
    planned = _planned(card)
    if len(new_dates) == 1 and planned:
        kinds = {d.get("kind") for d in planned}
        kind = "delivery" if "delivery" in kinds and (_DELIVERY_WORDS.search(t) or len(planned) == 1) else ""
        return Correction("date", new_dates[0], kind)
    if said.get("expected_close"):
        return Correction("close", t, "sentence")
    company = customer.get("company")
    if company and company not in names and is_org(company) and (_typed_org(company) or _brand_like(company)) \
            and not (card.get("customer") or {}).get("company"):
        return Correction("customer", company, "company")
    return None
