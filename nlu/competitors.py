"""Competitor mentions: the brands of every pack, plus names found from how reps talk about rivals
(X的报价比我们低, X给的陈列费高, 倾向X, 京东物流只要五千, 申洲也在报价)."""
from __future__ import annotations

import re
from functools import cache

from nlu.customer import Contact, is_org
from nlu.latin import is_prose
from nlu.lexicon import common
from nlu.normalize import positions
from nlu.note import CJK, Note, _jieba, is_function_word, tokens
from nlu.prefilter import hint

NAME = rf"(?:[{CJK}A-Za-z]|\d+[A-Za-z])[{CJK}A-Za-z0-9&·\-]{{0,7}}?(?<=..)"
# Where a clause's subject starts: the clause start or right after a reporting verb.
_SUBJECT = re.compile(r"says\s?|said\s?|然后|对了|说|觉得|反馈|讲|提到|听说|表示|称|但是|但|而且|可是|之前|以前|原来|上次|透露|还有|另外|目前|太贵了|贵了|太高了|偏高")
# A rival's product or offer compared with ours.
_RIVAL_OF = re.compile(rf"({NAME})(?:那边|这边)?的(?!我们)")
_RIVAL_DOES = re.compile(
    rf"({NAME})(?:那边|这边)?\s?(?:[一每][吨台个件箱套米片颗只平盒瓶包袋条张把桶斤支根卷](?=报|才))?(?:(?:现在(?:是|才)?|直供|供价|报得比我们低，?)(?=\s?[\d¥￥零一二两三四五六七八九十])|(?<=那边|这边)(?=\s?\d|[一每][吨台个件箱套米片颗只平盒瓶包袋条张把桶斤支根卷][\d零一二两三四五六七八九十])|(?<![能可会要想])给到(?=\s?[\d¥￥零一二两三四五六七八九十])|(?:的)?(?:价格|报价|单价|工费|运费|加工费|费用|年费)?(?:才|只要|只有|只卖)(?=[\d零一二两三四五六七八九十])|才报|报得|的返点|给的返点|给的|给过|都给|现货|也在盯|也在找|也在送样|也在评估|也在报价|在报|同级的才|同款才|的代工厂|去年的中标价|的中标价|给他们|给了|也在报|也报了|在他们那|在这个|只要|才要|才卖|那边缺货|缺货|更便宜|便宜|都会投|也会投|也投|也在跟|也在谈|也在做|也在投|也找了|次日达|当天到|隔天到|当天发|都有现货|有现货|"
    rf"比我们|报(?:的|了)?(?:是|才|只有?)?(?=[\d零一二两三四五六七八九十])|的报价(?:是|才|只有?)?(?=[\d零一二两三四五六七八九十]))"
)
_PREFER = re.compile(
    rf"(?:(?:main )?supplier(?:是|is ?)|(?:主要|现|现在的|目前的?)?供应商(?:是|还是)|对比的是|之前帮[^，,。]{{1,4}}做的是|定了用|切给|"
    rf"更?倾向于?|更愿意报|更愿意用|更想报|换成|改用|用的是|用的全是|装的是|选了|竞品|签给了|先给|还是认|就认|只认|用惯了|找了|找的是|找的(?!是)|主要用(?!的)|合作的是|"
    rf"现在用的(?!是)|之前用的(?!是)|以前用的(?!是)|之前合作的|原设计用|指定的是|指定要用|主供是|转给|照着|比之前用的|跟(?=[^，,。]{{1,8}}合作过)|"
    rf"一直用|一直在用|一直都用|(?<!现)在用(?!的)|用过|就换(?!货|新|成)|原来用(?!的|过)|以前用(?!的|过)|之前用(?!的|过)|换给了?|换回|还是用|还是选|还是买|转向|转到|改从|改找|换到)"
    rf"(?:用|选用|选|买|找|拿)?({NAME})(?=$|[的，,。了家报也给说在才只便卖比不拿进买订采])"
)
_LISTED_RIVALS = re.compile(rf"({NAME})(?:和|、|与|跟)({NAME})(?=$|[，,。])|({NAME})(?=$|[，,。])")
_RIVAL_WORD = re.compile(r"(?:竞品|竞争对手|对手|友商|在跟的[两三几]家|还有[两三几]家)(?:主要|可能)?(?:是|有)?")
# A name of several capitalised Latin words (Sri Trang, ASC Fine Wines), else NAME.
_NAMES = rf"(?:[A-Z][A-Za-z0-9&.\-]*(?: [A-Z][A-Za-z0-9&.\-]*){{1,3}}(?![A-Za-z])|{NAME})"
# 从长春化工进货, 跟科达利买, 一直在华纺拿货, 找海之宝拿: the supplier the customer buys from
_BUYS_FROM = re.compile(rf"(?:从|跟|找|(?:一直|之前|以前|原来|都)在)({_NAMES})(?:那边|这边|代理|原厂)?(?=(?:拿|进|买|采购|订)(?:货|的|过|了)?)")
# 一直是华北制药供货, 之前是三电在供, 找的是獐子岛代工: the supplier named as such
_SUPPLIES = re.compile(rf"(?:一直是|之前是|原来是|以前是|现在是|目前是|都是|找的是)(?:找|用|从)?({_NAMES})(?:独家)?(?=在?供|代工|做的|在做|配套)")
# 现在的supplier是ASC Fine Wines, 目前供应商是南亚塑胶: a Latin name of several words after the supplier word
_SUPPLIER_LATIN = re.compile(r"(?:supplier|供应商)\s?(?:是|is)\s?([A-Z][A-Za-z0-9&.\-]*(?: [A-Z][A-Za-z0-9&.\-]*){1,3})(?![A-Za-z])")
# 也问了Parker: a Latin name the customer asked too (问了问桥式起重机 asks of a product)
_ASKED = re.compile(r"(?:问过|问了|询过|比过)([A-Z][A-Za-z0-9&.\-]*(?: [A-Z][A-Za-z0-9&.\-]*){0,3})(?![A-Za-z])")
# 拿安佳的价是四十二: where the customer buys now
_SOURCE = re.compile(rf"(?:拿|从|进)(?![出来去到])({NAME})(?:那边|这边)?的(?:价|货|料)")
_NEIGHBOUR_HINT = re.compile(r"隔壁|别家|同行|对面|旁边|人家")
_NEIGHBOUR = re.compile(r"(?:隔壁|隔壁家|别家|同行|对面|旁边|人家)的?")
# 一个叫康普瑞的品牌, 康普瑞牌: a brand named as such
_NAMED_BRAND = re.compile(rf"(?:一家|一个)叫({NAME})的|叫({NAME})的(?=$|[，,。])|叫({NAME})的(?:品牌|牌子|厂家|公司|厂|报|价|产品|货|方案商|供应商|服务商|代理商|经销商|厂商)|({NAME})(?:这个|这个品牌|这个牌子)?牌子?的(?=[{CJK}]{{2}})(?<=牌的)")
# 西门子和瓦里安都会投; not 白度和遮盖力都没问题 (two properties judged)
_BOTH = re.compile(rf"({NAME})(?:和|跟|与|、)({NAME})(?=都|也|在报|在跟|在谈|在投)(?!都(?:没问题|不错|挺好|很好|还行|可以|合格|达标|稳定|不行|一般|差))")
_THAN = re.compile(rf"比({NAME})(?:家的?|的)?(?:便宜|低|贵|高|好|快|慢|差|短|长|小|大|久|少|多)")
# 价格要跟林德的比一下: the rival the customer compares us with
_COMPARED = re.compile(rf"(?:跟|和|与)({NAME})(?:家的?|的)?(?:比|对比|PK|一样|看齐)")
# After 的: what a rival offers (product, price, service...) — a comparison must follow in the clause.
_RIVAL_CUE = re.compile(
    r"比我们|比咱们|便宜|报价低|价格低|价低|低[了一二两三四五六七八九十\d]|更低|太低|一直|在用|用惯|用了|主供|供了|卖得|"
    r"卖了|质保|交期|售后|更好|好用|倾向|在他们那|样板间|团购|政策|次日达|试用过|缺货|做了|才[一二两三四五六七八九十\d]|只要|"
    r"代理|经销商|给了|给的|能贷款|能分期|可以分期|能垫资|促销|力度|活动|太贵|更贵|报价是|报价|中标价|代工厂|产品|交期"
)
# X的采购 / X的张总: X is the customer, not a rival.
_ROLE_AFTER = re.compile(r"(?:[\u4e00-\u9fff]{0,4}?(?:采购|负责人|老板|领导|对接人)|[\u4e00-\u9fff]{1,3}(?:部|科|处)(?:的|[\u4e00-\u9fff]{1,2}(?:经理|主任|长)))")
_NOT_RIVAL = re.compile(
    r"而且|但是|但|可是|还有|另外|所以|因为|如果|虽然|不|比|最近|近期|现在|目前|今年|以前|之前|国庆|春节|元旦|五一|中秋|端午|清明|今年|明年|去年|下周|这周|本周|周[一二三四五六日末]|[\d一二三四五六七八九十]+[月号]|"
    r"日本|德国|美国|韩国|欧洲|国外|国内|外资|合资|网上|线上|线下|外面|市场|附近|周边|"
    r"我|你|他|她|客户|领导|老板|财政|上面|公司|厂里|总部|同类|同款|同行|隔壁|别家|其他|外地|本地|进口|国产|一个|一家"
)
_PRONOUN_START = re.compile(r"^(?:我|他|她|它|咱|你|您|这|那|对方|客户|人家|大家|上次|下次|今天|明天|昨天|之前|以前|现在)")


# Patterns used inside the functions below, compiled once.
_CARRIER_VERB = re.compile(r"(?:发|走|寄|叫|用)$")
_THING_END = re.compile(r"(?:材料|产品|设备|系统|方案|包装|配方|型号|规格|版本|工艺|价格|精度|质量|质保书|质保|交期|服务|售后|效果|预算|费用|成本|平台|款)$")
_NOT_A_RIVAL_NAME = re.compile(r"[的了说要是在把被和跟与给他她我你们每就都也还再又才只选]|价|报|质量|一样|差不多|用$|"
                               r"样品|品牌|率$|[不后那个個版]$|经理|总监|主管|[东西南北]区$|加厚|想找|调整|取证|班$")
_LINK_WORD = re.compile(r"^(?:的|那个|这边的?|那边的?)")
_SUFFIX_WORD = re.compile(r"(?:管业|集团|科技|股份|电子|电气|化学|化工|物流|快递|快运|汽车|医疗|智能|机器人|包装|药业|风机|动力|职培|职校|"
                          r"管家|钢铁|新材|材料|电器|股份|制药|食品|纺织|印务|环保|石化|力士乐)")


@cache
def _cue_words() -> frozenset[str]:
    return frozenset(w for ws in common()["dates"].values() for w in ws)


@cache
def _not_orgs():
    return frozenset(common()["not_orgs"])


# A price said right after a name, with no offer verb (康耐视5200, 维他那边155, Omron那边同款只要118, BD's price 85):
# the name's offer where the note also prices ours (我们4300, our quote 2350) and the name is not in our own list.
# A price: digits (a magnitude letter taken whole), or Chinese numerals ending as a sum does (一块一, 六万五);
# never a count (1.5k 件, 20MW, 20-10-10, 三十台) nor the start of a longer number.
_NUMBER = (r"(?:[¥￥]\s?)?(?:\d+(?:\.\d+)?(?:\s?[wWkK万千](?![A-Za-z]))?(?![\d.A-Za-z\-]|\s?[wWkK万千])"
           r"|[一二两三四五六七八九十][一二两三四五六七八九十百千万点]*(?:块|元|毛|万|千|百)[一二两三四五六七八九]?(?![一二两三四五六七八九十百千万]))")
_BARE_PRICE = re.compile(
    rf"({_NAMES})\s?(?:'s|那边|这边|家|的|原装|原厂|代理|直供|现在)?\s?(?:同款|单价|报价?|报的|给的是|给到|供价|才|只要|要|是|quote[sd]?|offered|price)?(?:是|的|才|只要)?\s?"
    rf"(?={_NUMBER}(?!\s?(?:[件台吨个套箱颗片只支张本瓶盒包袋条米方克斤桶卷天周月年号%次]|t\b|pcs|sets?|kg|MT|tons?|units?|小时|公斤)))")
# Words of the sentence, not of a name (预算合计150万, 付款按3个月, 员工宿舍需要); a model code (RV-40E) is a product.
_NOT_IN_NAME = re.compile(r"预算|合计|一共|大概|约|需求|用量|数量|首批|首单|今年|明年|下个?月|每月|每年|按|付|需|问|测|量|想|能|要|有|^先|.\d|^[A-Za-z]{1,4}-?\d")
_OUR_PRICE = re.compile(rf"(?:我们|我們|咱们|our quote|our price|we quoted?)\s?(?:的|报的?|报价|给的?|是|quote[sd]?|price)?(?:是|的)?\s?{_NUMBER}")
_OUR_LIST = re.compile(r"(?:我们?|咱们)(?:报的?|报价|给的?)|our quote|we quoted?")


def _bare_prices(note: Note) -> list[tuple[int, str]]:
    """(start, name) of names a price follows bare, in a note that prices ours too (see _BARE_PRICE)."""
    text = note.text
    ours = [m.start() for m in _OUR_PRICE.finditer(text)]
    if not ours:
        return []
    out = []
    listed = False  # the clause before named a price so: a list goes on (基恩士单价5800，康耐视5200)
    for start, end in note.clauses:
        starts = [m.end() for m in _SUBJECT.finditer(text, start, end)]
        if listed or start and text[start - 1] in "：:、":
            starts.insert(0, start)
        listed = False
        for s in starts:
            m = _BARE_PRICE.match(text, s, end)
            if m and _NOT_IN_NAME.search(m.group(1)):
                continue
            if not m or m.start(1) in ours or _OUR_LIST.search(text, _sentence_start(text, max(0, start - 12), m.start(1)), m.start(1)):
                continue  # 我报的彩盒1.35、外箱3.8: our own list of products
            out.append((m.start(1), _trim_rival(m.group(1))))
            listed = True
    return out


def _sentence_start(text: str, lo: int, hi: int) -> int:
    """Where the sentence holding hi starts, not before lo."""
    return max([lo] + [text.rfind(c, lo, hi) + 1 for c in "。！？!?；;\n"])


def find_competitors(note: Note, contacts: list[Contact], customer: dict | None) -> list[str]:
    """Competitor names as spoken, fullest form first, each once, in text order."""
    text = note.text
    taken = [(c.start, c.end) for c in contacts]
    company = (customer or {}).get("company")
    in_company = _occurrences(text, company) if company else []
    taken += in_company
    found: list[tuple[int, str]] = []
    for start, end, name in note.rival_terms():
        if _linked_to_contact(text, end, contacts) or name == company or any(a <= start < b for a, b in in_company):
            continue
        if _CARRIER_VERB.search(text[max(0, start - 1):start]) and not _RIVAL_CUE.search(text, end):
            continue  # 明天发顺丰: a carrier used for transport
        if len(name) == 2 and (note.splits_word(start) or note.splits_word(end)):
            continue  # 系统一期 is no 统一, 两万三一吨 no 三一
        found.append((start, _fullest(text, start, end)))
    for s, name in _bare_prices(note):
        if not any(a <= s < b for a, b in taken) and name != company and _plausible(name, note) \
                and not _linked_to_contact(text, s + len(name), contacts) and not (note.pack and name in note.pack.products):
            found.append((s, name))
    for start, end in note.clauses:
        clause = text[start:end]
        for raw, offset in _structural(clause):
            name = _trim_rival(raw)
            s = start + offset
            if any(a <= s < b for a, b in taken) or name == company or not _plausible(name, note):
                continue
            if _linked_to_contact(text, s + len(name), contacts):
                continue
            found.append((s, name))
    return _dedupe(found)


_CHOSEN = re.compile("|".join(f"(?:{p.pattern})" for p in (_PREFER, _THAN, _COMPARED, _SOURCE, _BUYS_FROM, _SUPPLIES,
                                                             _SUPPLIER_LATIN, _ASKED)))
# The literals every match of these contains: a clause with none of them is not scanned by them.
_CHOSEN_HINT, _RIVAL_DOES_HINT = hint(_CHOSEN), hint(_RIVAL_DOES)


def _structural(clause: str):
    lead = _RIVAL_WORD.search(clause)  # 竞品江南布业报十七块, 竞争对手有X和Y: the name follows the word for a rival
    if lead:
        listed = _LISTED_RIVALS.match(clause, lead.end())  # 竞争对手主要是科兴和华兰
        if listed:
            for i in (1, 2):
                if listed.group(i):
                    yield listed.group(i), listed.start(i)
    starts = [lead.end() if lead else 0] + [m.end() for m in _SUBJECT.finditer(clause)]
    if _NEIGHBOUR_HINT.search(clause):
        starts += [m.end() for s in starts for m in [_NEIGHBOUR.match(clause, s)] if m]  # 隔壁的康源食品才卖
    both = any(w in clause for w in "和跟与、")
    does = _RIVAL_DOES_HINT is None or bool(_RIVAL_DOES_HINT.search(clause))
    for s in starts:
        m = _RIVAL_OF.match(clause, s)
        if m and _RIVAL_CUE.search(clause, m.end()) and not _ROLE_AFTER.match(clause, m.end()):
            yield m.group(1), m.start(1)
        m = _RIVAL_DOES.match(clause, s) if does else None
        if m:
            yield m.group(1), m.start(1)
        m = _BOTH.match(clause, s) if both else None
        if m:
            yield m.group(1), m.start(1)
            yield m.group(2), m.start(2)
    if "叫" in clause:
        for m in _NAMED_BRAND.finditer(clause):
            i = m.lastindex
            if i and i <= 3 and m.group(i):
                yield m.group(i), m.start(i)
    if _CHOSEN_HINT is not None and not _CHOSEN_HINT.search(clause):
        return
    for m in _CHOSEN.finditer(clause):  # one pass for _PREFER, _THAN, _COMPARED, _SOURCE
        i = m.lastindex
        yield m.group(i), m.start(i)


_RIVAL_TAIL = re.compile(r"(?<=..)(?:经常|最近|一直|合作过|合作|写|也|都|原厂渠道|原厂|渠道)$")
_LATIN_THEN_CJK = re.compile(r"^([A-Za-z][A-Za-z0-9&.\- ]*?)[\u4e00-\u9fff]+$")


def _trim_rival(name: str) -> str:
    """首钢经常, 西门子最近, GE写, Trina合作过: the words after a rival's name are no part of it."""
    name = _RIVAL_TAIL.sub("", name)
    m = _LATIN_THEN_CJK.match(name)
    if m and not _SUFFIX_WORD.search(name[len(m.group(1)):]):
        return m.group(1).strip()
    return name


def _plausible(name: str, note: Note) -> bool:
    if name in _not_orgs() or _PRONOUN_START.match(name) or _NOT_RIVAL.match(name):
        return False
    if not is_org(name) and not (len(name) > 14 and name.isascii() and not is_prose(name)):
        return False  # an organisation's name, or a long Latin one (Blue Harbor Seafood) is_org finds too long
    if _THING_END.search(name):
        return False  # 换成环保材料: a thing, not a supplier
    if note.pack is not None and name in note.pack.products or name in _cue_words():
        return False  # a product of ours, or a verb like 打样
    return not _NOT_A_RIVAL_NAME.search(name)


def _linked_to_contact(text: str, end: int, contacts: list[Contact]) -> bool:
    """X的张总 / X张总: X is the customer's organisation, not a rival."""
    rest = _LINK_WORD.sub("", text[end:end + 8])
    return any(text.startswith(c.name, end + (len(text[end:end + 8]) - len(rest))) for c in contacts)


def _fullest(text: str, start: int, end: int) -> str:
    """伟星 said as 伟星管业: keep the longer spoken form when a suffix word follows."""
    m = _SUFFIX_WORD.match(text[end:])
    if m:
        return text[start:end + m.end()]
    word = next((w for w in _org_suffixes() if text.startswith(w, end)), "")
    return text[start:end + len(word)]  # 顺丰航空, 水星家纺: an organisation's suffix from the lexicon


@cache
def _org_suffixes() -> tuple[str, ...]:
    """The lexicon's organisation suffixes of two characters or more, longest first."""
    return tuple(sorted({w for w in common()["company_suffixes"] if len(w) >= 2}, key=len, reverse=True))


def _occurrences(text: str, name: str) -> list[tuple[int, int]]:
    out, i = [], text.find(name)
    while i >= 0:
        out.append((i, i + len(name)))
        i = text.find(name, i + 1)
    return out


def with_model_rivals(note: Note, names: list[str], others: list[tuple[int, int]], customer: dict | None) -> list[str]:
    """The rules' rivals and the rival labeller's (nlu/competitor_crf.py): a name only the model finds is
    added when it is no one else; where both found one name the model's edges win where they are
    shorter (沙钢那边 -> 沙钢); a name said in full is taken in full (_fuller)."""
    from nlu.competitor_crf import rival_spans

    text = note.text
    company = (customer or {}).get("company")
    found = [(text.find(n), n) for n in names]
    spans = rival_spans(note, others)
    found = [(s, n) for s, n in found if not _debris(note, s, n, spans)]
    for s, e in spans:
        name = _PARTICLE_END.sub("", text[s:e].strip(" -·&"))  # 先给恒力了: 恒力
        if len(name) < 2 or any(a < e and s < b for a, b in others) or name == company or not _model_plausible(name, note):
            continue
        same = [i for i, (_, n) in enumerate(found) if name in n or n in name]
        if not same:
            found.append((s, name))
        for i in same:
            if found[i][1].startswith(name) and _NOT_NAME_TAIL.match(found[i][1], len(name)) \
                    and not found[i][1].startswith(_org_suffixes(), len(name)):
                found[i] = (found[i][0], name)  # 沙钢那边 -> 沙钢: the rules took words after the name
    found = [(s, _fuller(note, s, n, others)) for s, n in found]
    cleaned = [(max(s, 0) + k, part) for s, n in found for k, part in _clean_edges(n)]
    return _dedupe([(s, n) for s, n in cleaned if not _NOT_A_RIVAL.search(n) and not _CARRIER_AFTER.match(text, s + len(n))
                    and not _someone_else(text, n, others)])


def _debris(note: Note, s: int, name: str, spans: list[tuple[int, int]]) -> bool:
    """A name only the rules found (no pack's brand, nothing the labeller marks there) that starts or ends
    with a common word of the sentence — a function word of jieba's dictionary (冷轧板今年, 原来), or a
    count (一批标, 一部分试试) — is no supplier's name."""
    if s < 0 or _overlaps(s, s + len(name), spans) or any(a < s + len(name) and s < b for a, b, _ in note.rival_terms()):
        return False
    words = tokens(name)
    freq = _jieba().FREQ
    edge = [w for w in (words[:1] + words[-1:]) if len(w) >= 2 and freq.get(w, 0) >= COMMON]  # 均豪精密, 正隆纸业: names' words are rarer
    if any(is_function_word(w) for w in edge):
        return True  # (a verb at an edge, also tried, took 一汽解放 too)
    return bool(edge) and edge[0] == words[0] and words[0][0] in _COUNTS


_COUNTS = "一二两三几"
COMMON = 1000  # how often (jieba's dictionary) a word of the sentence is used at least


def _someone_else(text: str, name: str, others: list[tuple[int, int]]) -> bool:
    """Does every mention of the name hold a contact with more words around it (技术吴工 of 周姐和技术吴工都在,
    厂长包总)? Then it is no rival. (A name that is the contact itself may be a brand: 徐工, 康师傅.)"""
    at = positions(text, name)
    return bool(at) and all(any(i <= a and b <= i + len(name) and b - a < len(name) for a, b in others) for i in at)


# More capitalised words after a Latin name (DHL Global Forwarding, Herman Miller); not an all-capitals
# word (Epson SCARA: a product).
_LATIN_MORE = re.compile(r"(?: [A-Z][a-z][A-Za-z&\-]*){1,3}(?![A-Za-z])")


def _fuller(note: Note, s: int, name: str, others: list[tuple[int, int]]) -> str:
    """The organisation's full name where the note says more of it than was found: more capitalised
    words after a Latin name, or an organisation the name labeller marks (COMP) that starts with it
    and goes on by a word or more (京东冷链那边: 京东冷链). Never onto someone else (`others`: the
    customer's company, the contacts)."""
    text = note.text
    if s < 0 or not text.startswith(name, s):
        return name
    end = s + len(name)
    if name.isascii() and name[-1:].isalpha():
        more = _LATIN_MORE.match(text, end)
        return name + more.group() if more and not _overlaps(s, more.end(), others) else name
    tagged = note.name_spans  # the note's tagging, made when the customer was sought (None: not tagged)
    for a, b, _ in tagged["COMP"] if tagged else ():
        if a == s and _longer(note, s, len(name), b, others):
            return text[s:b]
    return name


def _longer(note: Note, s: int, size: int, e: int, others: list[tuple[int, int]]) -> bool:
    """Is text[s:e] the name text[s:s + size] said in full: a word or more longer, no word of the
    sentence after it (那边, 的), nobody else's, an organisation's name?"""
    end = s + size
    return e >= end + 2 and not _NOT_NAME_TAIL.match(note.text, end) and not note.splits_word(e) \
        and not _overlaps(s, e, others) and is_org(note.text[s:e])


def _overlaps(s: int, e: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < e and s < b for a, b in spans)


# Spans that are no supplier whoever found them: a fee (年费, 海运费), a supplier left unnamed (有个酒厂),
# the sentence's words (上次, 以后, 主推, 店里).
_NOT_A_RIVAL = re.compile(r"(?<=.)费$|^(?:有个|有家|一家|这家|那家)|上次|以后|主推|店里|店裡")
_CARRIER_AFTER = re.compile(r"单号|單號|快递单|运单")  # 顺丰单号发她微信了: the parcel's carrier


# Words at a rival's edges that are the sentence's, whoever found the name: 一直从太钢, 用NGK, 了Steelcase,
# 途虎那边拿货, 天地伟业之前, 泰尔茂换掉一半, 太钢代理; two Latin names joined (Axis跟Hanwha) are two rivals.
_LEAD_WORDS = re.compile(r"^(?:然后|回(?=[\u4e00-\u9fff]{3})|(?:一直|之前|以前|原来|现在|目前)(?:都)?(?:从|用|找|是)?|从|(?:[用了回找是跟和])(?=[A-Za-z]))")
_TAIL_WORDS = re.compile(r"(?<=..)(?:那边\S*|这边\S*|之前|以前|代理商?|直营|直接|同配置|同档次|同款|同类|上|换掉\S*|拿货|的人|的业务员)$")
_LATIN_PAIR = re.compile(r"^([A-Za-z][A-Za-z0-9&.\- ]*?)\s?(?:跟|和|与|、|/)\s?([A-Za-z][A-Za-z0-9&.\- ]*)$")


def _clean_edges(name: str) -> list[tuple[int, str]]:
    """(offset in name, name) of the rival or rivals a found name really is."""
    pair = _LATIN_PAIR.match(name)
    if pair:
        return [(pair.start(1), pair.group(1).strip()), (pair.start(2), pair.group(2).strip())]
    lead = _LEAD_WORDS.match(name)
    k = lead.end() if lead and len(name) - lead.end() >= 2 else 0
    rest = _TAIL_WORDS.sub("", name[k:])
    return [(k, rest if len(rest) >= 2 else name[k:])]


_PARTICLE_END = re.compile(r"[了的吧呢啊吗呀么]+$")
_NOT_NAME_TAIL = re.compile(r"那边|这边|那里|的|之前|以前|也|都|还|给|报|说|拿|一直|最近|每|经常|才|只|供|家")


def _model_plausible(name: str, note: Note) -> bool:
    if name.isascii() and all(is_prose(w) for w in name.split()):
        return False  # quote, competitor: English words of the sentence
    if name in _not_orgs() or _PRONOUN_START.match(name) or name in _cue_words():
        return False
    if note.pack is not None and name in note.pack.products:
        return False
    return not name.isdigit()


def _dedupe(found: list[tuple[int, str]]) -> list[str]:
    found.sort()
    names: list[str] = []
    for _, name in found:
        if any(name in n for n in names):
            continue
        names = [n for n in names if n not in name] + [name]
    return names
