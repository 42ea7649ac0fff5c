"""Order lines: a product with an explicit quantity.

The product is the noun phrase the quantity belongs to, found from the sentence structure: the words
right before the number, after the last verb or 的 (邓老板要了十字螺丝刀两百把 -> 十字螺丝刀), with
specs kept when attached (光伏电缆六平方三万米 -> 光伏电缆六平方); or the noun right after it
(先拿两吨生物有机肥做示范田). When the quantity stands alone (先给五吨试试), the product named last
before it in the note is used.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache

from nlu.customer import type_only
from nlu.lexicon import common
from nlu.latin import is_prose
from nlu.note import CJK, Note, compile_phrases, is_function_word, tokens
from nlu.product_crf import product_span
from nlu.numbers import find_quantities


# Patterns used inside the functions below, compiled once.
_DE_NOT_ORDER = re.compile(r"的(?!订单|合同|单子|货|试单|单)")
_FIRST_PART = re.compile(r"先(?:送|发|来|交|到)$")
_WEEKDAY = re.compile(r"周[一二三四五六日天末]")
_ONE_CJK = re.compile(rf"[{CJK}]")
_EVERY_PERIOD = re.compile(r"每个(?:月|星期|礼拜|季度)$")
_EVERY_ONE = re.compile(rf"每(?![月年周天日季个])[{CJK}](?:最多|大概|约)?$")
_HAVE_OR_USE = re.compile(r"(?<![没还划单里])有(?:大概|约|差不多)?$|(?<!试)用$")  # (采购计划里有五台: an order planned)
_SHORT_NAME = re.compile(rf"[{CJK}A-Za-z0-9]{{1,8}}")
_WORD_START = re.compile(rf"[{CJK}A-Za-z]")
_ADVERB_END = re.compile(r"(?:先|再|还|也|就|各|共|一共|大概|大约)$")
_WORDLIKE = re.compile(rf"[{CJK}A-Za-z0-9]")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_NUMBER_WORD = re.compile(r"[\d一二两三四五六七八九十百千万.]+")
_DIGIT_START = re.compile(r"[\d零一二两三四五六七八九十百千万]")
_NUMBER_START = re.compile(r"[\d一二两三四五六七八九十百千万半]")
_TITLE_END = re.compile(r"(?:总|经理|工|主任|姐|哥|老板|师傅|科长|处长|厂长|校长|院长)[：: ]?$")
_POINTER_START = re.compile(r"^(?:从|这款|这个|那款|那个|一款|新款)")
_COUNT_START = re.compile(r"^[\d一二两三四五六七八九十百千万]+[套台个件只箱](?=..)")
_ONLY_NUMBER = re.compile(r"[\d.]+|[一二两三四五六七八九十百千万]+|[\d.一二两三四五六七八九十百千万]+[到至~-][\d.一二两三四五六七八九十百千万]+")
_UP_TO_VERB = re.compile(r"^.*(?:说|了|是|跟|和)")
_NOUN_CLAUSE = re.compile(rf"[{CJK}A-Za-z0-9.\-%]{{2,14}}")
_NOT_BARE = re.compile(r"[说要了是在有的总工每没比太很让才只]|不(?!锈)|经理|老板|主任|合作|继续|考虑|觉得|希望|可以|需要|准备|我们")
_COUNTED_NOUN = re.compile(rf"[\d一二两三四五六七八九十百千万]+[{CJK}]")


@dataclass
class Line:
    start: int
    end: int
    product: str | None
    quantity: float
    unit: str | None


# Multi-character words between a product and its quantity: periods, adverbs, ordering verbs.
_TRAIL_RE = re.compile(
    r"(?:月需|年需求?|月采|月用量?|年用量?|年量|月均|日均|用量|需求|月需求|总量|估计|预估|每个?月|每年|每周|每天|每季度|一个月|一年|一季度|一周|今年|明年|年底前?|月底前?|年内|下个月|这个月|本月|"
    r"下周|这周|本周|上半年|下半年|大概|大约|差不多|一共|总共|至少|左右|先要|先拿|先送|先给|先寄|先订|先试销|试销|"
    r"先试用|试用|订了|要了|签了|买了|进了|采购|订购|下单|追加|准备|打算|计划|预计|还要|需要|想要|只要|能交|要交|压货|铺货|备货|进货|"
    r"固定|稳定|稳定供|每月稳定供|长期|只能|先买|覆盖|重新|原来|现在|改成|改为|开始|起|这次|这回|本次|"
    r"按照|按|(?<=[\u4e00-\u9fff])要)$"
)
# Verbs after which the product may follow the quantity (先拿两吨生物有机肥, 签了一千吨磷酸锰铁锂).
_ORDER_VERB = re.compile(r"(?:先来|再来|拿|寄|要|换|更换|订|定|先下|再下|下了|改成|改为|签了?|买|放|进|试|试用|试销|用|送|给|给我们|上|备|采购|订购|报的|报了|做|先放|先上|"
                         r"下单|确认了?|订的|定的|要配|配|加订|追加|进了|采购了|下了单|补|再补|加|又加|谈|发|铺|压货|铺货|备货|进货|囤|借|租|计划里有|计划有)(?:了|的)?$")
# 下单80箱复印纸和20盒签字笔: a second line joined to an order in the same clause
_ORDER_ANY = re.compile(r"拿|寄|要|订|定|下单|确认|签|买|进|采购|配|加订|追加")
_JOINED = re.compile(r"(?:和|、|及|以及|还有|另加|加)$")
# 两台SY215下周二交车: an order line that goes on with its date or delivery verb.
_PERIODIC = re.compile(r"(?:每天|每月|每周|每年|一个月|一年|每个月|一期|每期|每批)(?:大概|大约|约|差不多|要)?$")
_DATE_AHEAD = re.compile(r"下下?周|这周|本周|明天|后天|大后天|今天|月底|月初|\d+月|\d+号|[一二三四五六七八九十]+月|周[一二三四五六日末]")
_THEN_DELIVERED = re.compile(r"下周|这周|本周|明天|后天|月底|\d+月|\d+号|[一二三四五六七八九十]+月|交|发|送|到")
# The ordering verb may also follow: 省计量院的两台液相色谱仪签了.
_ORDER_AFTER = re.compile(r"(?:已经)?(?:签了|定了|订了|要了|下单了|签约了|到了)")
_VERB_END = re.compile(r"(?:掉|出来|起来|下来|过来|过去|完|好)$")
# Single-word (jieba token) fillers between a product and its quantity.
_TRAILING = frozenset("""大概 大约 约 差不多 一共 总共 共计 先 再 还 又 要 了 订 订购 下单 买 购买 采购 拿 进 试用 试 送 发
给 寄 需要 想要 准备 打算 报 加 追加 补 退 换 放 是 各 都 就 也 只 左右 首批 来 用 上 计划 预计 至少 暂定 初步 可能 能
可以 得 共 总量 数量 一次 一次性 签 定 备 备货 上 进货 交 每月 每个 明年 今年 固定 稳定 长期 只能 同意 答应 先进 还是
整个 全部 所有 都 项目
覆盖 重新 原来 现在 改成 改为 先放 临时 供 印 印刷 做 要做 夏天 冬天 春天 秋天 旺季 淡季 暑假 寒假 每周 每月 每天""".split())
# Where a product phrase starts: after one of these tokens (the last one wins).
_NP_STOP = frozenset("""后来 之后 然后 的 说 了 要 把 给 和 跟 是 在 让 订 买 拿 送 发 先 再 还 都 就 也 约 那边 这边 那里 这里 他们 我们 回去 回来 看看 试试
她们 咱们 订购 购买 采购 下单 进 需要 想要 准备 打算 报 报了 追加 有 用 试用 要求 还有 以及 及 或者 或 另外 加上 寄
签 签了 定了 订了 只要 能 交 到 做 过去 试 试试 里 上 还是 的话 话 整个 只能 同意 答应 覆盖 重新 原来 现在 改成 改为 放 先放 临时 稳定
固定 每月 每个 供 砍掉 测出来 出来 印 印刷 确认 换 换成 全部 喜欢 挺 那款 这款 那个 这个 一批 一家 想 想换 他想 她想
我们的 全年 今年 月 少 也要 还要 全公司 改口 他 她""".split())
_JOINERS = set("-.%/+×*·μ~#ΦφΩ°")
_AFTER_DE = re.compile(
    rf"的(?!话)((?:(?![的了说要是在，,。])[{CJK}A-Za-z0-9\-.]){{2,10}}?)(?=一直|是|在|比|他们|我们|报价|价格|便宜|卖|供|用|质量|交期|售后|有|要|说|也|都|还|"
    rf"不|没|太|很|老|容易|测|通过|合格|效果|效率|性能|口感|更好|每|合同|订单|水分|含量|超标|纯度|浓度|颜色|尺寸|油耗|能耗|，|,|。|$)"
)
_OF_ATTRIBUTE = re.compile(
    rf"((?:(?![的了说要是在，,。他我])[{CJK}A-Za-z0-9\-]){{2,10}}?)的(?:质量|价格|报价|单价|交期|售后|服务|货|效果|参数|规格|样板|样品|年度框架|框架协议|年度合同)"
)
_ATTRIBUTES = frozenset("质量 价格 报价 单价 交期 售后 服务 效果 参数 规格 型号 品牌 牌子 产品 东西 货 样品 主供 二供 供应商 口感 "
                        "独家 合同 订单 项目 方案 稳定性 性能 识别率 效果 外观 包装 做工 破损率 合格率 良率 时效 油耗 能耗 功耗 "
                        "噪音 水分 年度 年度合同 框架 认证 测试 审核 验收 长单 单子 大单 事 事情 续约 颜色 包邮 运费 压着 "
                        "需求量 用量 年用量 月用量 采购量 "  # how much, not what
                        # what is done, not what is bought (面包袋…要翻倍, 教辅书印刷要外包, 轮胎今年想统一换)
                        "合作 外包 翻倍 统一 自动化 新建 新增 升级 改造 扩产 招标 走招标 集采 国产 进场 包车 看看 最快".split())
_PER_UNIT_NEXT = re.compile(r"[\d零一二两三四五六七八九十百千万]+(?![\d零一二两三四五六七八九十百千万]|个?(?:月|天|年|周|星期|小时|礼拜))|[比才就只要价卖报是]|便宜|贵|低|高")
_PRODUCT_TAIL = re.compile(r"(?:样品|小样|样|的货|这批|这次|这回|换新|更新|改造|升级|年度框架|年度合同|框架|合同|订单|单子|这块|这边|那边|的量|用量|需求)$")
_REVISED_FROM = re.compile(
    r"从?[\d零一二两三四五六七八九十百千万.]+[^\d，,。]{0,3}?(?:降到|减到|改成|改为|加到|增加到|调到|调整到|变成|涨到|提到|追加到)$"
)
_REVISION_END = re.compile(r"(?:降到|减到|改成|改为|加到|增加到|调到|调整到|变成|涨到|追加到)$")
_REVISION = re.compile(r"^(?:降到|减到|改成|改为|加到|增加到|调到|调整到|变成|涨到|提到|追加到|到)$")
_TIME_WORD = re.compile(r"^[Qq][1-4]$|^[\d一二两三四五六七八九十百千万半]+个?(?:月|天|年|周|星期|小时|礼拜)|今天|明天|后天|昨天|今晚|上午|下午|晚上|早上|刚才|刚刚|这周|下周|本周|上周|这个月|下个月|月底|年底|(?:以后|之后|以前|之前)$")  # 量产以后: a time, not a thing
_NOT_A_PRODUCT_START = re.compile(r"每(?![日天])|[这那该此本]|一[个块台套件只张片条把袋箱瓶盒桶包根门亩]|最近|目前|现在")
_PLACE_HEAD = re.compile(r"(?:工地|现场|车间|厂里|仓库里?|店里|项目上)(?=[A-Za-z])")
_TIME_UNITS = frozenset("年 月 天 日 周 星期 小时 分钟 秒 季度 学期".split())
# Measure words that are too often something else (十点, 见了一面, 打过来, 问了三次) to take from packs.
_AMBIGUOUS_UNITS = frozenset("点 次 趟 遍 回 下 面 打 声 句 口 分 度 级 号 楼 层 年 月 天 周 日".split())


@cache
def _lists():
    data = common()
    skip_before = [w for w in data["item_skip_before"] if not w.startswith("每")]
    per_pack = [w for w in data["item_skip_before"] if w.startswith("每")]
    return (compile_phrases(re.escape(w) for w in skip_before),
            compile_phrases(re.escape(w) for w in per_pack),
            compile_phrases(re.escape(w) for w in data["spec_words"]),
            tuple(sorted(data["counting_nouns"], key=len, reverse=True)),
            tuple(data["not_unit_after_ge"]),
            frozenset(data["generic_places"]))


@cache
def _spec_before() -> re.Pattern:
    """A spec word ending the text before a number (负载要到十公斤, 质保五年)."""
    spec_words = _lists()[2]
    return re.compile(rf"(?:{spec_words.pattern}|{_CAPACITY})(?:大约|大概|约|差不多|每天|每日|一天)?(?:要到|要|到|达到|只有|是|才)?$")


# How big a plant or a roof is, not how much is bought (处理量每天五十吨, 日处理三十吨, 面积大约两万平方).
_CAPACITY = "处理量|日处理|处理能力|屋顶面积|占地"


@cache
def _not_orgs() -> frozenset[str]:
    return frozenset(common()["not_orgs"])


def _units(note: Note) -> tuple[str, ...]:
    return _units_of(note.pack)


# Measure words of orders the shared list lacks: banquet tables (喜酒套餐100桌), households (户用光伏八十户).
_ORDER_UNITS = frozenset("桌 户".split())


@cache
def _units_of(pack) -> tuple[str, ...]:
    units = set(common()["units"]) | set(common()["counting_nouns"]) | _ORDER_UNITS
    if pack is not None:
        units |= {u for u in pack.units if u and len(u) <= 3 and u not in _AMBIGUOUS_UNITS}
    return tuple(sorted(units, key=len, reverse=True))


def find_items(note: Note, money_spans: list[tuple[int, int]], contacts, day_spans=(), rivals=()) -> list[dict]:
    text = note.text
    people = {c.name for c in contacts} | set(rivals)  # neither a person nor a rival is a product
    rival_spans = [span for r in rivals for span in _occurrences(text, r)]
    quantities = [q for q in find_quantities(text, units=_units(note))
                  if not any(a <= q.start < b or a < q.end <= b for a, b in money_spans + rival_spans)]
    early = sorted([(c.start, c.end) for c in contacts] + list(day_spans) + list(money_spans))
    specs = {i for i, q in enumerate(quantities) if _is_spec(note, q, quantities[i + 1:])
             or i and _count_then_spec(quantities[i - 1], q)
             or _is_revised(note, q, quantities[i + 1:])
             or _is_modifier(note, q) and _product_before(note, q.start, early) is None
             or _is_rating(note, q, quantities) or _model_number(note, q)}
    counted = [(q.start, q.end) for i, q in enumerate(quantities) if i not in specs]
    blocked = sorted([(c.start, c.end) for c in contacts] + list(day_spans) + list(money_spans) + counted)
    lines: list[Line] = []
    for i, q in enumerate(quantities):
        if i in specs:
            continue
        unit, end = _unit_of(text, q)
        if unit is False or unit in _TIME_UNITS:
            continue
        if getattr(q, "kind", "count") not in ("count", "batch") and not text.startswith("每", end):
            continue  # 每袋五十公斤: the size of a package (not 片碱五十吨每袋二十五公斤)
        if _skip(note, q, end, money_spans, quantities[i + 1:]):
            continue
        if unit == "期" and _PHASE_NEXT.match(text, end):
            continue  # 一期先上800块, 二期明年再说: a phase of the project, not an order of one
        pair = _each_pair(note, q, blocked)  # 彩盒和吸塑内托各要2万套: two products share the quantity
        if pair is not None:
            product = pair[1]
        else:
            product = _product_before(note, q.start, blocked) or _product_after(note, q.start, end)
            if product is not None and (is_function_word(product) or product in _verbs()) and not _pack_term(note, product):
                product = None  # 拍板, 年前, 剩下, 到货, 补货: a verb, a time word, not a thing
            product = _with_model(note, q, product, blocked)
            product = _object_after(note, q, end, product)
            if product and lines and lines[-1].product == product and _JOINED_RIGHT.match(text, lines[-1].end, q.start):
                product = _product_after(note, q.start, end) or product  # 五十台空压机和二十台干燥机: its own product
            if product is None:
                if _DE_NOT_ORDER.match(text[end:end + 3]):
                    continue  # 五公斤的不考虑: a spec, not an order
                if _rejected_phrase_before(note, q.start, blocked):
                    continue  # 让我们砍掉两个工位: a verb owns the number, not an order
                product = _product_earlier(note, q.start, people)
                clause_start, _ = note.clause_at(q.start)
                if product is None and not (_ORDER_VERB.search(text[clause_start:q.start])
                                            or _PERIODIC.search(text, clause_start, q.start)
                                            or _ENGLISH_ORDER.search(text, clause_start, q.start)):
                    product = _introduced_just_before(note, clause_start, people)
                    if product is None:  # 教辅书印刷要外包，大概三十万册: the name the labeller found before
                        product = _attached_name(note, q, None, contacts, blocked, counted)
                    if product is None and _VOLUME.search(text, clause_start, q.start):
                        product = _introduced_before(note, q.start, people)  # …很感兴趣，年用量 around 80k pcs
                    if product is None:
                        continue  # a stray number; an order with no product named keeps product null
                product = product or _clause_topic(note, q, blocked, people) or _introduced_before(note, q.start, people)
            final = _final(product)
            if product is not None and final is None:  # 预计, 报名, Q3: no product; the one named before, if any
                final = _final(_product_earlier(note, q.start, people)) or _introduced_before(note, q.start, people)
            product = final
            product = _named(note, q, product, contacts, blocked)
            product = _attached_name(note, q, product, contacts, blocked, counted)
            product = _with_spec(note, q, product, quantities, early)
            product = product and _without_prose_edges(product)  # (whichever labeller set its edges last)
        before = text[note.clause_at(q.start)[0]:q.start]
        if product is not None and _CUT_BACK.search(before):  # 报的三套…，只能先买两套: the final amount
            lines = [l for l in lines if not (l.product == product and l.unit == unit)]
        if any(l.unit == unit and l.quantity > q.value for l in lines) and \
                (_FIRST_PART.search(before) or _BATCH.search(before)) and not _FOR_TRIAL.match(text, end):
            continue  # 刹车片两千套，下周三先送一千套, 一共两千套，第一批一千套: the first part of the same order
        lines.append(Line(q.start, end, product, q.value, unit))
        if pair is not None:
            lines.append(Line(q.start, end, pair[0], q.value, unit))  # 酸奶和鲜奶各五百箱: 酸奶 too
    return _dedupe(lines)


_PERIOD_USE = re.compile(r"(?:每[月年周天]|一个?月|一年|每个月)[^，,。]{0,4}用$")
_ONE_LINE = re.compile(r"[^，,。\d]{0,4}(?:产线|生产线|线)")
_ONE_LIMIT = re.compile(r"(?:不能超过|不超过|最多|才|卖|是)[\d零一二两三四五六七八九十百千万]")
_DEARER_BY = re.compile(r"(?:贵|便宜|高|低)了?[\d零一二两三四五六七八九十百千万]+[块元毛]?[^，,。]{0,2}$")
_CUT_BACK = re.compile(r"(?:只能|只|最后|最终|还是)(?:先)?(?:买|订|要|拿|签|采购|上)$|(?:改成|改为|减到|降到|砍到)$")


_JOINED_OPEN = re.compile(r"(?:然后|另外)?(?:还有|还要|另外|另加|再加)$")
_FOR_TRIAL = re.compile(r"[^，,。]{0,10}?做[^，,。]{0,4}(?:测试|评估|验证|试验|对比|试用)|[^，,。]{0,8}?(?:试用|样品|送样|试样)")  # 先送20颗电芯做循环测试
_JOINED_RIGHT = re.compile(r"[^，,。]{0,12}(?:和|、|及|以及|还有|另加|加上?|外加)$")
_BATCH = re.compile(r"(?:第[一二三四五]批|首批|头批)")
_PHASE_NEXT = re.compile(r"[先就再要上做的工项，,。]|$")
_EACH = re.compile(rf"(?:和|、|跟|与|及|还有|&|and)\s?([{CJK}A-Za-z0-9][{CJK}A-Za-z0-9\-. /]{{0,14}}?)\s?[，, ]?"
                   rf"(?:每[月年周天季]|一个?月|一年|每个月|都)?[，, ]?(?:[他她]们?)?(?:说|讲)?(?:想|都|也)?各(?:先|再)?(?:要|订|訂|开|開|来|來|拿|进|進|买|買|备|備|上|配|做|签|簽|采购|採購)?了?[，, ]?$")


# A clause that opens with 各 after who says it or how often (各五百箱, 说各要50件, 每个月都各要两万个)
_EACH_OPENS = re.compile(r"[ ，,]*(?:[他她]们?|对方|老板)?(?:说|讲|表示)?(?:每个?[月年周]|一个?月|一年)?(?:都|也)?各")
_VERB_BETWEEN = re.compile(r"要|订|訂|补|補|加|上|买|買|采购|採購|进|進|换|換|配|拿")


def _object_after(note: Note, q, end: int, product: str | None) -> str | None:
    """配件部要了四十套雨刮, 东方管桩要两百吨PC钢棒: with an ordering verb between the phrase before the number
    and the number, that phrase is who orders; the noun after the number is what is ordered."""
    if product is None:
        return product
    clause_start, _ = note.clause_at(q.start)
    at = note.text.rfind(product, clause_start, q.start)
    if at < 0 or end in note.breaks or not _VERB_BETWEEN.search(note.text, at + len(product), q.start):
        return product  # (要八台 钱不是问题: what follows a pause goes on with the sentence)
    after = _product_after(note, q.start, end)
    return after if after and after != product else product


def _each_pair(note: Note, q, blocked) -> tuple[str, str] | None:
    """A和B各N: both products named before 各 (in this clause or, when it opens with 各, the one before)."""
    text = note.text
    i = note.clause_index(q.start)
    lo, _ = note.clause_at(q.start)
    if i > 0 and _EACH_OPENS.match(text, lo, q.start):
        lo = note.clauses[i - 1][0]
    m = _EACH.search(text, lo, q.start)
    if m is None:
        return None
    second = _final(_clean_product(m.group(1).strip(), place_ok=True))
    first = _final(_product_before(note, m.start(), [b for b in blocked if b[1] <= m.start()]))
    if not second or not first or first == second:
        return None
    return first, second


CRF_POLICY = os.environ.get("SALESBOT_CRF_POLICY", "crf_first")


def _with_model(note: Note, q, product: str | None, blocked) -> str | None:
    """The product span the sequence labeller (nlu/product_crf.py) finds for this quantity, when it is a
    valid product and no contact, date or amount."""
    if CRF_POLICY == "off" or CRF_POLICY == "rules_first" and product is not None:
        return product
    if product is not None and _pack_term(note, product):
        return product  # the pack knows it: no need to ask the model
    span = product_span(note, q)
    if span is None or any(a < span[1] and span[0] < b for a, b in blocked if (a, b) != (q.start, q.end)):
        return product
    if _inside_latin_word(note.text, span[0]) or _inside_latin_word(note.text, span[1]):
        return product  # stalline组件 out of monocrystalline组件: a span never cuts an English word
    found = _clean_product(_after_de(note.text[span[0]:span[1]]), place_ok=True)
    if found is None or is_function_word(found) or note.spoken and found.replace(" ", "") not in note.spoken:
        return product  # not a product, or only made by our edits of the text (a repair)
    if text_before_each(note, q):
        return product  # 酸奶和鲜奶各五百箱: the rules pair the two products
    if CRF_POLICY == "arbiter" and product is not None and found not in product and product not in found:
        return product  # two different phrases: the rules keep theirs
    if product and found != product and found.startswith(product) and _only_filler(found[len(product):]):
        return product  # 床垫试, 轮胎一次: the model took a word that follows the product
    return found


def _attached_name(note: Note, q, product: str | None, contacts, blocked, counted) -> str | None:
    """When the phrase found for a quantity is no product name the note-level labeller sees there
    (初步算要240片, Q2开始每月要300吨), the quantity counts the name it labels nearest: before it in its
    clause, else after it, else in the clause before (提标改造要上MBR膜组件，初步算要240片); never a name
    another count stands between (开发板要120套、示波器要20台: 示波器 is the second count's)."""
    text = note.text
    if note.product_names is None:
        from nlu.product_names import name_spans

        note.product_names = name_spans(note, [(c.start, c.end) for c in contacts])
    names = note.product_names
    i = note.clause_index(q.start)
    clause_start, clause_end = note.clauses[i]
    if product is not None:
        at = [o for o in _occurrences(text, product) if o[1] <= max(q.end + 12, clause_end)]
        where = max(at, key=lambda i: i[0]) if at else None
        if where is not None and any(s < where[1] and where[0] < e for s, e, _ in names):
            return product  # the labeller agrees
    lo = note.clauses[max(0, i - 1)][0]
    others = [c for c in counted if c != (q.start, q.end)]

    def alone(a: int, b: int) -> bool:
        return not any(a <= s and e <= b for s, e in others)

    free = [(s, e) for s, e, sure in names if sure >= EDGE_SURE and lo <= s
            and not any(a < e and s < b for a, b in blocked if (a, b) != (q.start, q.end))]
    before = [n for n in free if clause_start <= n[0] and n[1] <= q.start and alone(n[1], q.start)]
    after = [n for n in free if q.end <= n[0] and n[1] <= clause_end and alone(q.end, clause_end)]
    earlier = [n for n in free if n[1] <= clause_start and alone(n[1], q.start)]
    best = before[-1] if before else after[0] if after else earlier[-1] if earlier else None
    if best is None:
        return product
    name = _final(_clean_product(_after_de(text[best[0]:best[1]]), place_ok=True))
    if not name or is_function_word(name) or _only_filler(name) or _REVISION.match(name):
        return product  # 降到, 原来: a word of the sentence the labeller took for a name
    return name


EDGE_SURE = 0.5  # how sure the note-level labeller must be of a name's edges to widen a product
SHRINK_SURE = 0.9  # ... and to cut words off its front


def _named(note: Note, q, product: str | None, contacts, blocked) -> str | None:
    """The product with the edges the note-level labeller (nlu/product_names.py) gives the name where
    the phrase found for the quantity is written (防滑地砖 rather than 地砖, 刹车盘 rather than
    大巴嘛刹车盘), when it labels that place at all."""
    if product is None:
        return product
    product = _without_filler_tail(product)
    from nlu.product_names import name_spans

    if note.product_names is None:
        note.product_names = name_spans(note, [(c.start, c.end) for c in contacts])
    text = note.text
    at = [i for i in _occurrences(text, product) if i[1] <= q.end + 12]
    if not at:
        return product
    where = max(at, key=lambda i: i[0])  # the phrase as written nearest the quantity
    for s, e, sure in note.product_names:
        if s < where[1] and where[0] < e:
            if sure < EDGE_SURE or _inside_latin_word(text, s) or _inside_latin_word(text, e) \
                    or any(a < e and s < b for a, b in [*blocked, (q.start, q.end)]):
                return product  # a name never takes in a quantity, a date, an amount or a person
            name = _final(_clean_product(_after_de(text[s:e]), place_ok=True))
            if name and product not in name and not (product.endswith(name) and sure >= SHRINK_SURE) \
                    and not (product.startswith(name) and (_only_filler(product[len(name):])
                                                           or sure >= SHRINK_SURE and _verb_tail(product[len(name):]))):
                return product  # a name loses words before its head only when the model is sure; after it, fillers or verbs
            return name or product
    return product


# A model code or a spec glued to a product's name is part of it: H7 LED大灯, HF32F继电器, 0603 100nF电容,
# 六轴机器人, 225千瓦组串逆变器 before it; 角钢50x5, 无缝管20#, SBR 1502 after it.
_CODE = r"[A-Za-z0-9][A-Za-z0-9.\-/#]*"
_SPEC_BEFORE = re.compile(rf"(?:(?<![A-Za-z0-9.\-])(?=[A-Za-z.\-/#]*\d){_CODE} ?"
                          rf"|(?:\d+(?:\.\d+)?|[一二两三四五六七八九十]+)(?:轴|千瓦|瓦|寸|匹)"
                          rf"|\d+(?:乘|x|X|×|\*)\d+)$")
_CODE_TAIL = re.compile(rf"(?<=[\u4e00-\u9fff]) ?(?=[A-Za-z.\-/#]*\d){_CODE}$")
_SPEC_AFTER = re.compile(rf" ?(?=[A-Za-z.\-/#]*\d){_CODE}(?![A-Za-z0-9])")


def _with_spec(note: Note, q, product: str | None, quantities, early) -> str | None:
    """The product with the code or spec glued to it where it is written nearest the quantity; never
    the counted quantity, a date, an amount or a person (a spec read as a quantity of its own, 六轴, may
    be taken in whole)."""
    if not product:
        return product
    text = note.text
    at = [i for i in _occurrences(text, product) if i[1] <= q.start or i[0] >= q.end]
    if not at:
        return product
    s, e = min(at, key=lambda i: abs(i[0] - q.start))
    said = _CODE_TAIL.search(text, s, e) if text.startswith("的", e) else None
    if said and said.start() - s >= 2:
        return text[s:said.start()]  # 螺纹钢 HRB400的: a code said of it after, whoever took it in
    left = _SPEC_BEFORE.search(text, max(0, s - 12), s)
    if left and left.start() < s and s not in note.breaks and _free(left.start(), s, q, quantities, early):
        s = left.start()
    right = _SPEC_AFTER.match(text, e)
    if right and right.end() > e and e not in note.breaks and _free(e, right.end(), q, quantities, early) \
            and not _unit_next(note, right.end()) and not text.startswith("的", right.end()):
        e = right.end()  # (螺纹钢 HRB400的: what is said of it after, not its name)
    wider = text[s:e].strip()
    if wider == product or not _is_product(wider, place_ok=True) or note.spoken and wider.replace(" ", "") not in note.spoken:
        return product  # (only made by our edits of the text: a filler dropped between name and code)
    return wider


def _free(lo: int, hi: int, q, quantities, early) -> bool:
    """No counted quantity, date, amount or person in text[lo:hi]; a quantity wholly inside is a spec."""
    return not any(a < hi and lo < b for a, b in [*early, (q.start, q.end)]) and \
        not any(o.start < hi and lo < o.end and not (lo <= o.start and o.end <= hi) for o in quantities)


def _unit_next(note: Note, i: int) -> bool:
    """Does a measure word follow (the code is a count: 20台)?"""
    rest = note.text[i:i + 4].lstrip()
    return rest.startswith(_units(note))


def _without_filler_tail(product: str) -> str:
    """刹车片BP-218一年, 光谱仪打算, 连接器再来: words after the name that only go on with the sentence."""
    words = tokens(product)
    cut = len(words)
    while cut > 1 and _only_filler("".join(words[cut - 1:cut])) and not _NUMBER_WORD.fullmatch(words[cut - 1]):
        cut -= 1
    rest = "".join(words[:cut])
    return rest if cut < len(words) and len(rest) >= 2 else product


def _verb_tail(tail: str) -> bool:
    """卖 of 烟灶套装卖得不错, 倒, 已寄: words after a name that are verbs, adjectives or function words in
    jieba's dictionary (never a spec: 40支, 12oz, 37kW, 十六路)."""
    return not _DIGIT_START.match(tail) and not tail[:1].isascii() and _no_noun(tail)


def _after_de(phrase: str) -> str:
    """X5型号的主机 -> 主机: a labelled span with 的 inside names the thing after it."""
    return phrase[phrase.rindex("的") + 1:] if "的" in phrase else phrase


def _inside_latin_word(text: str, i: int) -> bool:
    return 0 < i < len(text) and text[i - 1].isascii() and text[i - 1].isalpha() and text[i].isascii() and text[i].isalpha()


def text_before_each(note: Note, q) -> bool:
    return note.text[max(0, q.start - 1):q.start] == "各"


def _only_filler(tail: str) -> bool:
    words = tokens(tail)
    return bool(words) and all(w in _TRAILING or w in _NP_STOP or w in _TRAIL_WORDS or _TRAIL_RE.fullmatch(w)
                               or _NUMBER_WORD.fullmatch(w) or w in ("一次", "一次性") for w in words)


def _occurrences(text: str, name: str) -> list[tuple[int, int]]:
    out, i = [], text.find(name) if name else -1
    while i >= 0:
        out.append((i, i + len(name)))
        i = text.find(name, i + 1)
    return out


def _final(product: str | None) -> str | None:
    """Whatever found it, a product does not start with an adverb, conjunction, time word or pronoun
    (大概…, 然后…, 如果中试…), and is not one."""
    if not product:
        return product
    product = _without_speaker(product)
    product = _without_prose_edges(product)
    cut = _REVISION_END.search(product)
    if cut and cut.start() >= 2:
        product = product[:cut.start()]  # IPA改成十五桶: the verb of the change is no part of the name
    dated = _RELATIVE_TIME_LEAD.sub("", product)
    product = dated if len(dated) >= 2 else product  # 下季度椎弓根螺钉, 明年钛白粉: when, not what
    inner = None
    for inner in _INNER_LINK.finditer(product):
        pass
    if inner is not None:  # 代理可以谈但是首批得压货: a sentence, not a noun phrase; what follows its last link
        product = product[inner.end():]
        if len(product) < 2:
            return None
    cut = _TRIAL_TAIL.search(product)
    if cut and cut.start() >= 2:
        product = product[:cut.start()]  # 矽碳负极做个小试: what is done with it is no part of it
    if product[0] not in _opening_first() and not _FIRST_ORDINAL.match(product) and len(product) > 2:
        return product  # the common case: no segmentation needed
    words = tokens(product)
    while len(words) > 1 and (words[0] in _CONNECTIVES or words[0] in _LEAD_WORDS) and len("".join(words[1:])) >= 2:
        words.pop(0)
    product = _without_speaker("".join(words))
    if len(product) > 1 and is_function_word(product) or _FIRST_ORDINAL.match(product) or product in _CONNECTIVES:
        return None
    return product


_COUNT_MARK_END = re.compile(r"\s+[xX×]$")
_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9\-.])[A-Za-z]*[a-z][A-Za-z]*(?![A-Za-z0-9\-])")  # a word, not an acronym (HIS, A4, Low-E)
_RELATIVE_TIME_LEAD = re.compile(r"^(?:(?:下|这|本|上|今|明|去|后)个?(?:季度|月|年|周|半年|星期|礼拜)|[Qq][1-4])+(?=[^\d个度])")


def _without_prose_edges(product: str) -> str:
    """AGV小车 demo, and组串式逆变器: English words of the sentence (nlu/latin.py's prose) at either edge of
    a product are no part of it; acronyms and codes are (HIS 系統授權, A4复印纸, Low-E 中空玻璃); nor is the
    x of a count that follows (50t/d x 4 sets)."""
    product = _COUNT_MARK_END.sub("", product) or product
    if not product.isascii() and _LATIN_WORD.search(product):
        words = _LATIN_WORD.findall(product)
        last, first = words[-1], words[0]
        if product.endswith(last) and is_prose(last) and len(product[:-len(last)].strip()) >= 2:
            product = product[:-len(last)].rstrip()
        if product.startswith(first) and is_prose(first) and len(product[len(first):].strip()) >= 2:
            product = product[len(first):].lstrip()
    return product


def _without_speaker(product: str) -> str:
    """庞老板要刹车油 -> 刹车油, 用高镍正极NCM811 -> 高镍正极NCM811."""
    rest = _SPEAKER_LEAD.sub("", product)
    return rest if len(rest) >= 2 else product


# Who speaks or wants and the verb before the thing (庞老板要刹车油, 谷总透露雅化, 聊磷酸铁锂): never the product.
_SPEAKER = (rf"[{CJK}]{{1,2}}(?:总|经理|工|主任|老板|姐|哥|科长|处长|厂长|主管|协理|总监|主席|所长)(?:说要|透露|提到|说|要|讲|聊|谈)"
            r"|(?:透露|提到|聊了?|聊的是|谈了?|谈的是)(?:一下)?(?=[^判话])|(?:要用|想用|需要用|还要用)|用(?![品户电人工法途料量水具])(?=...)")
_SPEAKER_LEAD = re.compile(rf"^(?:{_SPEAKER}|们[送要给的]?)")  # 们送…: what is left of 我们送
_INNER_LINK = re.compile(r"但是|可以|然后|所以|因为|如果|不过|而且|就是")
_TRIAL_TAIL = re.compile(r"做(?:个|一下|一些|点)?(?:小试|中试|试样|测试|评估|验证|对比|试验|试机)$")


# Connectives and hedges that open a clause, never a product name (然后…, 如果中试…, 大概…, 主要聊…).
_CONNECTIVES = frozenset("然后 如果 后续 主要 预计 大概 大约 初步 计划 还是 就是 但是 所以 因为 而且 或者 以及 另外 其中 目前 现在 之前 "
                         "已经 可能 应该 估计 差不多 一共 总共 报名 试单 定点 首单 招生 量大概 用量".split())
@cache
def _opening_first() -> frozenset[str]:
    return frozenset(w[0] for w in (*_CONNECTIVES, *_LEAD_WORDS))


_FIRST_ORDINAL = re.compile(r"^(?:第[一二三四五六七八九十\d]+[期批次]|首[单批次])$")


def _pack_term(note: Note, phrase: str) -> bool:
    return note.pack is not None and phrase in note.pack.products


def _unit_of(text, q):
    """The unit as spoken: N个+counting noun gives the noun; 三个月 is no quantity (False)."""
    _, _, _, counting, not_after_ge, _ = _lists()
    unit, end = q.unit, q.end
    if unit == "个":
        rest = text[end:]
        if rest.startswith(not_after_ge) and not rest.startswith("周转") and not _WEEKDAY.match(rest):
            return False, end
        for noun in counting:
            if rest.startswith(noun):
                return noun, end + len(noun)
        if q.value == 1 and _ONE_CJK.match(rest[:1]):
            return False, end  # 一个小项目: an article, not a count
    return unit, end


def _skip(note, q, end, money_spans, later) -> bool:
    text = note.text
    skip_before, per_pack, spec_words, _, _, _ = _lists()
    clause_start, clause_end = note.clause_at(q.start)
    before = text[clause_start:q.start]
    if skip_before and skip_before.search(before):
        return True  # 第一批一千套, 上批退了两千个
    if per_pack and per_pack.search(text[max(clause_start, q.start - 3):q.start]) \
            and not _EVERY_PERIOD.search(text[max(clause_start, q.start - 4):q.start]) or \
            _EVERY_ONE.search(text[max(clause_start, q.start - 5):q.start]):
        return True  # 每车三十吨, 每袋五十公斤, 每班三十人
    if spec_words and _spec_before().search(before):
        return True  # 负载要到十公斤, 质保五年
    last = note.words(clause_start, q.start)[-1:] if text[q.start - 1:q.start] == "带" else []  # only 带 is asked for
    periodic_use = (before.endswith("要用") or _PERIOD_USE.search(before)) and (q.unit not in _SPEC_UNITS or q.unit in _MASS_UNITS)  # 一年要用960条, 每月大概用三十吨
    spec_with = last == ["带"] and (_COUNTED.search(before) or q.unit in ("人", "位", "名"))  # (带200杯酸奶过去 is an order)
    if _HAVE_OR_USE.search(before) and not periodic_use or spec_with:
        return True  # 小麦有三千亩, 一亩地用两袋, 一台录像机带十六路, 带两个人: what they have, use or come with
    if text[end:end + 1] == "装" or text[end:end + 2] == "以上":
        return True
    if _PROJECT_NEXT.match(text, end):
        return True  # 那个20MW项目: the size of a project, not an order line
    if text[end:end + 1] == "了":
        return True  # 业务员换了三个了: a count of what happened, not an order
    if q.unit in ("个", "位", "名", "对") and _PEOPLE_NEXT.match(text, end):
        return True  # 两个工程师, 派两个促销员, 一对夫妻: people, not goods
    if text[q.start - 1:q.start] == "分":
        return True  # 分三车送完: a split of the order, not an item
    if q.unit == "单" and text[end:end + 1] in "价品子据号位":
        return True  # 三万单 is a count, 一个单价 is not
    if q.value == 1 and q.unit in ("批", "些", "点", "下"):
        return True  # 送一批过去: an article
    if q.unit == "部" and text.startswith("分", end):
        return True  # 先发一部分过去: a part, not a count
    if q.unit in ("条", "條") and (_PRODUCTION_LINE.match(text, end) or _PRODUCTION_LINE.search(text, clause_start, q.start)):
        return True  # 上两条曲轴加工线, 冲压线要上两条: production lines being built, no order line
    if q.value == 1 and (_ONE_LINE.match(text, end) or _ONE_LIMIT.match(text, end) or _DEARER_BY.search(text, clause_start, q.start)):
        return True  # 上一条新的组件线, 一台不能超过三万五, 贵了一块多一公斤: no order of one
    if q.value == 1 and (_PER_UNIT_NEXT.match(text, end)
                         or text[q.start - 1:q.start] in ("块", "元", "钱", "毛", "金", "刀")
                         or any(b == q.start or a == end for a, b in money_spans)):
        return True  # 一吨二千九, 十四万八一吨, 一米比我们便宜三块: a unit price
    for nxt in later:
        if nxt.start >= clause_end:
            break
        between = text[end:nxt.start]
        if nxt.unit == q.unit and _REVISION.match(between):
            return True  # 从四百件降到两百五十件: the final amount counts
    return False


_PEOPLE_NEXT = re.compile(r"[\u4e00-\u9fff]{0,3}?(?:员|师|夫妻|助教|老师|家长)(?=[，,。；;！!？?、\s]|$|来|去|上门|驻场|过来|过去)")
_COUNTED = re.compile(r"[\d一二两三四五六七八九十百千万]+[台套个只部件块把]")
_PRODUCTION_LINE = re.compile(r"[^，,。]{0,6}?(?:产线|生产线|加工线|装配线|冲压线|流水线|產線|生產線)(?![^，,。]{0,3}\d)|(?:产线|生产线|加工线|装配线|冲压线|流水线|產線)[^，,。]{0,4}$")
_PROJECT_NEXT = re.compile(r" ?项目")  # (五十块的项目 still counts fifty boards)
_MASS_UNITS = frozenset("吨 公斤 千克 斤 kg t".split())  # a periodic use by weight is a volume bought
_SPEC_UNITS = frozenset("米 平方 平米 平方米 克 千克 公斤 升 毫升 寸 吨 瓦 千瓦 兆瓦 轴 伏 安 毫米 厘米 公里".split())


def _is_spec(note: Note, q, later) -> bool:
    """六平方三万米, 1.8米床架一百二十套: a measure glued to a product that has its own quantity."""
    _, clause_end = note.clause_at(q.start)
    for nxt in later[:1]:
        if nxt.start >= clause_end:
            return False
        between = note.text[q.end:nxt.start]
        if nxt.start == q.end:
            return not _count_then_spec(q, nxt)
        if not between.strip() and q.unit in _POWER_UNITS and nxt.unit not in _POWER_UNITS:
            return True  # 组串式逆变器 110kW 20台: the rating, then the count
        name = _ORDER_BEFORE_COUNT.sub("", between)  # 225千瓦组串逆变器要三十台: the name, then its order
        return (q.unit in _SPEC_UNITS and q.end not in note.breaks
                and bool(_SHORT_NAME.fullmatch(name)) and not _has_stop(note, q.end, q.end + len(name)))
    return False


_POWER_UNITS = frozenset("W w kW kw KW 瓦 千瓦 匹 寸".split())
_ORDER_BEFORE_COUNT = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z0-9])(?:先要|想要|还要|要|订|采购|需要)$")


def _model_number(note: Note, q) -> bool:
    """6205轴承, 7470粒料: a number of three digits or more whose measure word begins a longer word
    is the model number in a name, not a count."""
    digits = note.text[q.start:q.end - len(q.unit or "")]
    return bool(q.unit) and len(q.unit) == 1 and digits.isdigit() and len(digits) >= 3 and note.splits_word(q.end)


def _is_rating(note: Note, q, quantities) -> bool:
    """螺杆空压机37kW, 逆变器 110kW 要 25台, 50t/d x 4 sets, 两台10吨/批的烘干机: a power or a capacity
    said where the order is counted in its clause or the one before is how big each one is."""
    text = note.text
    rate = text.startswith("/", q.end) and bool(_PER_TIME.match(text, q.end + 1))
    if q.unit not in _RATING_UNITS and not rate:
        return False
    i = note.clause_index(q.start)
    lo, hi = note.clauses[max(0, i - 1)][0], note.clauses[i][1]
    return any(o is not q and lo <= o.start < hi and o.unit not in _RATING_UNITS and o.unit not in _SPEC_UNITS
               and not text.startswith("/", o.end) for o in quantities)


_RATING_UNITS = frozenset("kW kw KW W 瓦 千瓦 匹 kWh KWH kwh".split())
_PER_TIME = re.compile(r"(?:d|h|天|日|批|小时|時|时|班)(?![A-Za-z])")


def _count_then_spec(q, nxt) -> bool:
    """三台25吨汽车吊: a count glued to a measure; the measure describes the product."""
    return nxt.start == q.end and q.unit not in _SPEC_UNITS and nxt.unit in _SPEC_UNITS


def _is_modifier(note: Note, q) -> bool:
    """六轴机器人, 三节滑轨, 六个核桃: a number glued to the noun after it, with no ordering verb
    before it, describes the product rather than counting an order."""
    text = note.text
    clause_start, clause_end = note.clause_at(q.start)
    after = text[q.end:clause_end]
    if q.end in note.breaks or not _WORD_START.match(after[:1]) or _has_stop(note, q.end, q.end + 2) \
            or _DATE_AHEAD.match(text, q.end):
        return False
    if _product_after(note, q.start, q.end) is not None:
        return False  # 先拿两吨生物有机肥, 两台摇臂钻床, 两台液相色谱仪签了: the number counts the order
    if q.unit == "个" and after.startswith(tuple(common()["counting_nouns"])):
        return False
    left = text[clause_start:q.start]
    return not _ORDER_VERB.search(left) and not _ADVERB_END.search(left)


@cache
def _verbs() -> frozenset[str]:
    """jieba's common verbs (tag v, frequency >= 10, up to four characters)."""
    return _dictionary_words("verbs", ("v",))


def _dictionary_words(name: str, tags: tuple[str, ...]) -> frozenset[str]:
    """jieba's common words (frequency >= 10, up to four characters) of these tags, derived once into the
    temp directory like nlu/note.py's function words."""
    import tempfile
    from pathlib import Path

    import jieba

    path = Path(tempfile.gettempdir()) / f"salesbot-jieba-{jieba.__version__}-{name}.txt"
    if not path.exists():
        keep = []
        with Path(jieba.__file__).with_name("dict.txt").open(encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and len(parts[0]) <= 4 and parts[2] in tags and parts[1].isdigit() and int(parts[1]) >= 10:
                    keep.append(parts[0] + "\n")
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(keep), encoding="utf-8")
        os.replace(tmp, path)
    return frozenset(path.read_text(encoding="utf-8").split())


def _is_revised(note: Note, q, later) -> bool:
    """从四百件降到两百五十件: the first amount was replaced by the second."""
    return bool(later) and later[0].unit == q.unit and bool(_REVISION.match(note.text[q.end:later[0].start]))


@cache
def _not_nouns() -> frozenset[str]:
    """jieba's common verbs, adverbial verbs and adjectives (采购, 跑, 卖, 稳, 正式): no noun alone."""
    return _dictionary_words("not-nouns", ("v", "vd", "a", "ad"))


def _no_noun(phrase: str) -> bool:
    """卖, 先订, 跑一下: every word a verb, an adjective, a function word or a number in jieba's dictionary."""
    words = [w for w in tokens(phrase) if w.strip()]
    return bool(words) and all(w in _not_nouns() or is_function_word(w) or _NUMBER_WORD.fullmatch(w) for w in words)


def _has_stop(note: Note, lo: int, hi: int) -> bool:
    return any(w in _NP_STOP or w in _TRAILING for w in note.words(lo, min(hi, len(note.text))))


def _product_before(note: Note, start: int, blocked) -> str | None:
    """The noun phrase right before a quantity, within its clause, cut at a verb, 的 or a pause."""
    clause_start, _ = note.clause_at(start)
    lo = max([clause_start] + [b for a, b in blocked if b <= start and b > clause_start])
    text = note.text
    hi = start
    m = _REVISED_FROM.search(text, lo, hi)
    if m:
        hi = m.start()
    for _ in range(6):
        before = hi
        m = _TRAIL_RE.search(text, lo, hi)
        if m:
            hi = m.start()
        words = note.words(lo, hi)
        while words and (words[-1] in _TRAILING or not words[-1].strip()):
            hi -= len(words.pop())
        if hi == before:
            break
    words = note.words(lo, hi)
    end = hi
    taken: list[str] = []
    pos = end
    for word in reversed(words):
        joiner = word in _JOINERS
        latin_gap = word == " " and taken and taken[0][:1].isascii() and taken[0][:1].isalpha() \
            and pos - 1 > lo and note.text[pos - 2].isascii() and note.text[pos - 2].isalpha()
        if latin_gap:  # pen needles, soil conditioner: an English product of several words
            taken.insert(0, word)
            pos -= 1
            continue
        if word in _NP_STOP and not _brand_head(word, taken) or not (joiner or _WORDLIKE.search(word)):
            break
        if pos in note.breaks and len("".join(taken)) >= 3:
            break  # a spoken pause after a full noun: 疫苗 冷链配送 (but 年货 礼盒 is one product)
        taken.insert(0, word)
        pos -= len(word)
    while taken and taken[0] in "-./+×*~#":
        taken.pop(0)
    return _clean_product("".join(taken))


_SAID = re.compile(r".*(?:说|讲|提到|表示|反映|透露)[，,:： ]?")
_TOPIC_END = frozenset("他们 她们 他 她 我们 从 每 每个 一个 一年 一个月 今年 明年 下半年 上半年 大概 要 也 都 想 还 就 一直 目前 现在".split())


def _clause_topic(note: Note, q, blocked, people) -> str | None:
    """頭孢注射劑他們一個月大概用四千支, LED驱动IC他们每月大概用8万颗: with no product next to the number,
    the noun phrase opening its clause (after who speaks) is what it counts."""
    text = note.text
    clause_start, _ = note.clause_at(q.start)
    lo = max([clause_start] + [b for a, b in blocked if clause_start < b <= q.start])
    said = _SAID.match(text, lo, q.start)
    if said:
        lo = said.end()
    taken: list[str] = []
    for word in note.words(lo, q.start):
        if word in _TOPIC_END or word in _NP_STOP or word in _TRAILING or not _WORDLIKE.search(word) \
                or _NUMBER_WORD.fullmatch(word) or is_function_word(word) or _VOLUME.search(word) or _TRAIL_RE.fullmatch(word):
            break  # (年用量, 预估: how much, not what)
        taken.append(word)
    if not taken or lo + len("".join(taken)) >= q.start:
        return None
    found = _final(_clean_product("".join(taken)))
    return found if found and not any(p in found for p in people) else None


def _brand_head(word: str, taken: list[str]) -> bool:
    """先玉335, 先正达: a single character glued to one more character and a model code names a
    brand (先 is no verb there)."""
    return len(word) == 1 and len(taken) >= 2 and len(taken[0]) == 1 and bool(_ALNUM.match(taken[1]))


def _product_after(note: Note, start: int, end: int) -> str | None:
    """先拿两吨生物有机肥做示范田: the product follows the quantity."""
    clause_start, clause_end = note.clause_at(start)
    if end > clause_end:  # 1,200 pcs: a comma inside the number ends no clause here
        clause_end = note.clause_at(end)[1]
    english = bool(_LATIN_END.search(note.text, start, end) or _ENGLISH_ORDER.search(note.text, clause_start, start))
    if end in note.breaks and not (english or _ORDER_VERB.search(note.text, clause_start, start) or _after_name(note, start)):
        return None  # 端午 要 两百箱 黄酒, 王经理 1.5万件 T恤: the product follows the number
    if english:  # 12 sets of servo drive, 1,200 pcs linen blazer: an English frame, the product after
        of = _ENGLISH_OF.match(note.text, end, max(end, clause_end))
        end = of.end() if of else end
    spec = _GLUED_SPEC.match(note.text, end, clause_end)  # 三台25吨汽车吊: the tonnage is part of the product
    if english and spec is None:
        spec = _CODES_FIRST.match(note.text, end, clause_end)  # 50k pcs of 0603 10K电阻, 15k pcs 100uF/25V caps
    words = note.words(spec.end() if spec else end, clause_end)
    taken: list[str] = [spec.group()] if spec else []
    pos = spec.end() if spec else end
    for word in words:
        model_code = bool(taken) and taken[-1][-1].isascii() and word.isascii()  # SY215
        if english and taken and word.isascii() and word.isalpha() and (is_prose(word) or _ENGLISH_ORDER.fullmatch(word)):
            break  # 800 cases of 苏打水 for 华东门店: an English word of the sentence ends it
        if word == " " and taken and taken[-1][-1:].isascii() and taken[-1][-1:].isalnum() \
                and note.text[pos + 1:pos + 2].isascii() and note.text[pos + 1:pos + 2].isalnum():
            taken.append(word)  # linen blazer: an English name of several words
            pos += 1
            continue
        if word in _NP_STOP or word in _TRAILING or word[0] in "试做送发过带" or not _WORDLIKE.search(word) \
                or _NUMBER_WORD.fullmatch(word) and not model_code:
            break
        latin_then_name = english and taken and taken[-1][-1:].isascii() and taken[-1][-1:].isalnum() \
            and not word.isascii()  # CNC加工中心: a name in two scripts
        if pos in note.breaks and taken and pos != end and not latin_then_name or _DATE_AHEAD.match(note.text, pos):
            break
        taken.append(word)
        pos += len(word)
    if _DIGIT_START.match(note.text[pos:pos + 1]):
        return None  # 三节滑轨 四百副: the number after the noun counts it; this one is its spec
    whole_clause = start == clause_start and (pos == clause_end or bool(_THEN_DELIVERED.match(note.text, pos)))
    periodic = bool(_PERIODIC.search(note.text, clause_start, start))  # 每天五百单快递
    # 还要三百件反光马甲; 要一百三十台挂机，还有二十台柜机: joined to an order, in this clause or the one before
    i = note.clause_index(start)
    order_from = note.clauses[i - 1][0] if i > 0 and _JOINED_OPEN.match(note.text, clause_start, start) else clause_start
    joined = bool(_JOINED.search(note.text, clause_start, start)) and bool(_ORDER_ANY.search(note.text, order_from, start))
    if not (_ORDER_VERB.search(note.text, clause_start, start) or _ORDER_AFTER.match(note.text, pos) or whole_clause
            or periodic or joined or english or _after_name(note, start)):
        return None
    phrase = "".join(taken)
    if _NUMBER_START.match(phrase) and not spec:
        return None
    return _clean_product(phrase, place_ok=True)  # 要两套搅拌站: a product may be named like a place


# English order frames: they want 200 sets of X, PO for 2.5k pcs X, needs 12 sets of X, Need 15k pcs X
_ENGLISH_ORDER = re.compile(r"(?i)(?<![A-Za-z])(?:wants?|wanted|order(?:s|ed)?|needs?|needed|PO|buys?|bought|booked|requires?|required|requests?|requested|takes?|confirmed)(?![A-Za-z])")
_ENGLISH_OF = re.compile(r" ?(?:of(?![A-Za-z]) ?)?")
_LATIN_END = re.compile(r"[A-Za-z]$")
_CODES_FIRST = re.compile(r"(?:\d[A-Za-z0-9./\-#]* ?)+(?=[A-Za-z\u4e00-\u9fff])")
_GLUED_SPEC = re.compile(rf"\d+(?:\.\d+)?(?:吨|米|寸|千瓦|kW|kw|KW|瓦|升|公斤|方|立方|匹|轴|位|门|口|层)(?=[{CJK}A-Za-z])")


def _after_name(note: Note, start: int) -> bool:
    """Is the number the first thing after the contact (王经理 1.5万件 T恤)?"""
    return bool(_TITLE_END.search(note.text[max(0, start - 4):start]))


def _clean_product(phrase: str, place_ok: bool = False) -> str | None:
    phrase = _strip_function_words(phrase.strip())
    phrase = _POINTER_START.sub("", phrase)
    phrase = _COUNT_START.sub("", phrase)  # 的三套水质分析仪
    head = _PLACE_HEAD.match(phrase)
    if head:
        phrase = phrase[head.end():]  # 工地AI智能分析盒: where it goes, not what it is
    phrase = _PRODUCT_TAIL.sub("", phrase)
    return phrase if _is_product(phrase, place_ok) and not _VERB_END.search(phrase) else None


# Words around a product that are no part of it: who wants it, a wish, a pointer (他想换精酿, 要我们的干白,
# 她挺喜欢那款马瑟兰, 配一匹定频挂机), or what is said of it after (早餐奶想统一采购, 消泡剂用量大).
_LEAD_WORDS = frozenset("他 她 我 他们 她们 我们 咱们 我们的 想 要 换 买 订 加 补 配 给 把 跟 挺 喜欢 那款 这款 那个 这个 这批 一批 "
                        "加装 想换 想要 还要 也要 再 都 就 的 款 个 想做 做 补 首单 首批 第一期 然后 但是 剩下 预计".split())
_TRAIL_WORDS = frozenset("想 要 统一 采购 用量 量 大 大概 多 备 点 多备点 备点 今年 明年 这次 全年 月 少 挺 感兴趣 满意 挺满意 一个 季度 走 公开 招标 含 全公司 说 也".split())


_NOT_A_THING = re.compile(r"(?:(?:生产|技术|研发|采购|销售|市场|工程|信息|财务|行政|人事|质量|品质|设备|物流|仓储)部|科|(?:计量|研发|信息|技术|培训|客服|检测)中心|宿舍|大堂|样板房|樣板房|出入口|厂里|车间|仓库|现场|工地|园区|办公室|会议室|部门|季度|年会)$")
_LEAD_FIRST = frozenset(w[0] for w in _LEAD_WORDS)
_TRAIL_LAST = frozenset(w[-1] for w in _TRAIL_WORDS)


def _strip_function_words(phrase: str) -> str:
    if not phrase or phrase[0] not in _LEAD_FIRST and phrase[-1] not in _TRAIL_LAST:
        return phrase  # the common case: no segmentation needed
    return _stripped(phrase)


def _stripped(phrase: str) -> str:  # no memo: a memo keyed by note text makes repeated notes cheaper than new ones
    words = tokens(phrase)
    while len(words) > 1 and words[0] in _LEAD_WORDS and len("".join(words[1:])) >= 2:
        words.pop(0)
    while len(words) > 1 and words[-1] in _TRAIL_WORDS and len("".join(words[:-1])) >= 2:
        words.pop()
    return "".join(words)


def _rejected_phrase_before(note: Note, start: int, blocked) -> bool:
    """Words stand right before the number, but they are no product (砍掉, 测出来)."""
    clause_start, _ = note.clause_at(start)
    lo = max([clause_start] + [b for a, b in blocked if clause_start < b <= start])
    words = note.words(lo, start)
    return bool(words) and bool(_VERB_END.search(words[-1]))


def _is_product(phrase: str, place_ok: bool = False) -> bool:
    if not phrase or len(phrase) < 2 or len(phrase) > (32 if _LATIN_WORD.search(phrase) else 20):
        return False  # (English words are longer: 100uF/25V electrolytic caps)
    if _ONLY_NUMBER.fullmatch(phrase) or _TIME_WORD.search(phrase):
        return False
    if _NOT_A_PRODUCT_START.match(phrase):
        return False  # 每袋四十公斤, 一块组件, 这门课: a measure or a pointer, not a product
    if phrase in _ATTRIBUTES or phrase in _not_orgs():
        return False
    if phrase.isascii() and all(is_prose(w) for w in phrase.split()):
        return False  # monthly, batch, quote: English words of the sentence
    if _NOT_A_THING.search(phrase):
        return False  # 康复科, 员工宿舍: where, not what
    places = _lists()[5]
    return place_ok or not (phrase in places or type_only(phrase))


def _product_earlier(note: Note, start: int, people=frozenset()) -> str | None:
    """The product named last before start: a pack term, X的Y, or a clause that is only a noun."""
    text = note.text[:start]
    candidates: list[tuple[int, str]] = []
    if note.pack is not None:
        terms = note.pack.product_terms(text)
        last = max((e for _, e, _ in terms), default=-1)
        for s, e, term in terms:
            wider = _product_before(note, e, ()) if e == last and e < len(note.text) else None
            if wider and wider.endswith(term) and len(wider) <= len(term) + 4 \
                    and not note.pack.product_terms(wider[:len(wider) - len(term)]):
                candidates.append((e - len(wider), wider))  # 客房灯具: the term with its modifier
            else:
                candidates.append((s, term))
    for m in _AFTER_DE.finditer(text):
        end = min([b for b in note.breaks if m.start(1) < b < m.end(1)] + [m.end(1)])  # 面料 色牢度
        phrase = _clean_product(note.text[m.start(1):end])
        if phrase and not any(p in m.group(1) for p in people) and not phrase.startswith(tuple(_ATTRIBUTES)):
            candidates.append((m.start(1), phrase))
    for m in _OF_ATTRIBUTE.finditer(text):
        phrase = _clean_product(_UP_TO_VERB.sub("", m.group(1)))
        if phrase and phrase not in people:
            candidates.append((m.start(1), phrase))
    for a, b in note.clauses:
        clause = text[a:b]
        cleaned = _clean_product(clause) if b <= start and _NOUN_CLAUSE.fullmatch(clause) and _bare_noun(clause) else None
        if cleaned:
            candidates.append((a + clause.find(cleaned) if cleaned in clause else a, cleaned))
        topic = _TOPIC.search(clause) if b <= start else None
        cleaned = _clean_product(topic.group(1)) if topic and not any(p in topic.group(1) for p in people) else None
        if cleaned:
            candidates.append((a + topic.start(1), cleaned))  # 邬工说负极材料还要再测一轮
        made = _MADE.search(clause) if b <= start else None
        cleaned = _clean_product(made.group(1)) if made and _bare_noun(made.group(1)) else None
        if cleaned:
            candidates.append((a + made.start(1), cleaned))  # 让我们做外箱，五万个
    candidates = [c for c in candidates if _final(c[1])]  # 的量大概: no thing
    if not candidates:
        return None
    # the latest ending, then the longest (销售技能内训 rather than its pack term 内训) ...
    best = max(candidates, key=lambda c: (c[0] + len(c[1]), len(c[1])))[1]
    if note.pack is not None:  # ... but 面料 rather than 面料色牢度 (a pack term and what was said of it)
        terms = [t for _, _, t in note.pack.product_terms(best) if best.startswith(t) and len(t) < len(best)
                 and _SAID_OF.search(best[len(t):])]
        if terms and not _bare_noun_clause(note, best):
            return terms[0]
    return best


# What is said of a product after its name (面料色牢度, 电池稳定性): the product is the name alone.
_SAID_OF = re.compile(r"度|性|率|问题|质量|价|颜色|效果|含量|寿命|噪音|口感|外观|包装|交期|售后|预算|批|有|每|比|的|用|要|是")
_TOPIC = re.compile(rf"说(?![我他她你这那上])((?:(?!的)[{CJK}A-Za-z0-9]){{2,8}}?)(?:还要|还得|要再|已经|目前|现在|上次|这次|有|没|不)")
# A thing named as the object of a visit's topic or of a wish, closing its phrase; its quantity comes later.
_INTRODUCED = re.compile(
    rf"(?:聊|谈|讲|关于|就是|换|上|采购|买|订|进|用|需要|要|想要|想用|看中|感兴趣|想做|要做)(?:了|的是|一下|过)?"
    rf"(?:一批|一套|一些|一台|些|那个|这个|那款|这款|我们的|我们|他们的|我们代理的)*"
    rf"((?:(?![的了说要是在和跟])[{CJK}A-Za-z0-9\-]){{2,12}}?)(?:的事情?|的事儿|的项目|的长单|的单子|总代|的续约|的采购)?$"
)


def _introduced_before(note: Note, start: int, people=frozenset()) -> str | None:
    """The last thing named as a topic or a wish before start (聊那个液相色谱仪的事…有一台,
    要换一批燃气表，一期先上800块)."""
    found = None
    for a, b in note.clauses:
        if a >= start:
            break
        for lo, hi in _pieces(note, a, min(b, start)):
            named = _INTRODUCED.search(note.text, lo, hi) or _PRAISED.search(note.text, lo, hi)
            cleaned = _final(_clean_product(_after_batch(named.group(1)))) if named and not any(p in named.group(1) for p in people) else None
            if cleaned and _bare_noun(cleaned):
                found = cleaned
        named = _INTERESTED.search(note.text, a, min(b, start))  # (across the pauses of typed English words)
        cleaned = _final(_clean_product(named.group(1).strip())) if named and not any(p in named.group(1) for p in people) else None
        if cleaned:
            found = cleaned
    return found


# 我们那款布艺沙发卖得不错，想再加十五套: the thing spoken of, then its order
_PRAISED = re.compile(rf"(?:那款|这款|那个|这个)((?:(?![的了说要是在和跟])[{CJK}A-Za-z0-9\-]){{2,10}}?)(?=卖得|用得|反馈|效果|不错|挺好|很好|走得)")


# 对我们的 RF module 很感兴趣: the thing a customer is interested in, its volume said after
_INTERESTED = re.compile(rf"对(?:我们|你们)?的?\s?((?:(?![的了说要是在和跟])[{CJK}A-Za-z0-9\- ]){{2,16}}?)\s?(?:很|非常|比较|挺|特别)?(?:感兴趣|有兴趣|感興趣|有興趣)")
# 年用量 around 80k pcs, 首单算下来2400箱, 月用量大概5K: a volume of an order, though no ordering verb
_VOLUME = re.compile(r"用量|需求量|采购量|forecast|usage", re.I)


def _introduced_just_before(note: Note, clause_start: int, people=frozenset()) -> str | None:
    """刘总要一批安全帽，大概三百顶: the clause before ends naming what is wanted; this one counts it."""
    i = note.clause_index(clause_start)
    if i <= 0 or not _COUNT_ONLY.fullmatch(note.text[clause_start:note.clauses[i][1]]):
        return None
    lo, hi = note.clauses[i - 1]
    named = _INTRODUCED.search(note.text, lo, hi)
    if named is None or not _ORDER_ANY.search(note.text, lo, named.start(1)) or any(p in named.group(1) for p in people):
        return None
    found = _final(_clean_product(_after_batch(named.group(1))))
    return found if found and _bare_noun(found) else None


_BATCH_WORD = re.compile(r"^.*?(?:一批|一些|一套|一台|一组|一部分|些|批)(?=..)")


def _after_batch(phrase: str) -> str:
    """更新一批温度校验仪 -> 温度校验仪: what follows the batch word is the thing wanted."""
    return _BATCH_WORD.sub("", phrase)


# 大概三百顶, 一共两千件左右: a clause that only counts
_COUNT_ONLY = re.compile(r"(?:年需求|年用量|月用量|年量|用量|需求|总量)?(?:估计|预计|预估)?(?:大概|大约|约|差不多|一共|总共|先)?[\d零一二两三四五六七八九十百千万.]+[^\d，,。]{1,3}(?:左右|上下)?")


def _pieces(note: Note, lo: int, hi: int) -> list[tuple[int, int]]:
    """A clause cut at its spoken pauses (dictation without punctuation)."""
    cuts = [lo] + [b for b in note.breaks if lo < b < hi] + [hi]
    return list(zip(cuts, cuts[1:]))


_MADE = re.compile(rf"(?:让|叫|要|请)我们(?:做|生产|定做|印|出|供)([{CJK}A-Za-z0-9]{{2,8}})$")


def _bare_noun_clause(note: Note, phrase: str) -> bool:
    return any(note.text[a:b] == phrase for a, b in note.clauses)


def _bare_noun(clause: str) -> bool:
    if _NOT_BARE.search(clause):
        return False
    return not _COUNTED_NOUN.search(clause)


def _dedupe(lines: list[Line]) -> list[dict]:
    out, seen = [], set()
    for line in lines:
        key = (line.product, line.quantity, line.unit)
        if key not in seen:
            seen.add(key)
            out.append({"product": line.product, "quantity": line.quantity, "unit": line.unit,
                        "_start": line.start, "_end": line.end})
    return out
