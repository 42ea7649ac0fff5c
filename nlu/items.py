"""Order lines: a product with an explicit quantity.

The product is the noun phrase the quantity belongs to, found from the sentence structure: the words
right before the number, after the last verb or 的 (邓老板要了十字螺丝刀两百把 -> 十字螺丝刀), with
specs kept when attached (光伏电缆六平方三万米 -> 光伏电缆六平方). When the quantity stands alone
(先给五吨试试), the product named last before it in the note is used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from nlu.lexicon import all_units, common
from nlu.note import CJK, Note, compile_phrases, tokens

from nlu.numbers import find_quantities


@dataclass
class Line:
    start: int
    end: int
    product: str | None
    quantity: float
    unit: str | None


# Words between a product and its quantity: verbs of ordering, adverbs, periods (jieba tokens).
_TRAILING = frozenset("""大概 大约 约 差不多 一共 总共 共计 先 再 还 又 要 了 订 订购 下单 买 购买 采购 拿 进 试用 试 送 发
给 需要 想要 准备 打算 报 加 追加 补 退 换 放 是 有 各 每月 每个月 每年 一年 每周 每天 一个月 一月 一周 一季度 都 就 也
只 左右 首批 来 用 上 计划 预计 至少 暂定 初步 可能 能 可以 先送 先给 先要 先拿 共 总量 数量 一次 一次性""".split())
_TIME_WORD = re.compile(r"今天|明天|后天|昨天|今晚|上午|下午|晚上|早上|刚才|刚刚|这周|下周|本周|上周|这个月|下个月|月底|年底")
_TIME_UNITS = frozenset("年 月 天 日 周 星期 小时 分钟 秒 季度 学期 期".split()) - {"期"}
# Where a product phrase starts: after one of these tokens (the last one wins).
_NP_STOP = frozenset("""的 说 了 要 把 给 和 跟 是 在 让 订 买 拿 送 发 先 再 还 都 就 也 约 那边 这边 那里 这里 他们 我们
她们 咱们 订购 购买 采购 下单 进 需要 想要 准备 打算 报 报了 追加 有 用 试用 要求 还有 以及 及 或者 或 另外 加上""".split())
_AFTER_DE = re.compile(rf"的([{CJK}A-Za-z0-9\-]{{2,10}}?)(?=一直|是|在|比|他们|我们|报价|价格|便宜|卖|供|用|质量|交期|售后|，|。|$)")
_REVISION = re.compile(r"^(?:降到|减到|改成|改为|加到|增加到|调到|调整到|变成|涨到|提到|追加到|到)$")


@cache
def _lists():
    data = common()
    skip_before = [w for w in data["item_skip_before"] if not w.startswith("每")]
    per_pack = [w for w in data["item_skip_before"] if w.startswith("每")]
    return (compile_phrases(re.escape(w) for w in skip_before),
            compile_phrases(re.escape(w) for w in per_pack),
            compile_phrases(re.escape(w) for w in data["spec_words"]),
            tuple(sorted(data["counting_nouns"], key=len, reverse=True)),
            tuple(data["not_unit_after_ge"]))


def find_items(note: Note, money_spans: list[tuple[int, int]], contacts) -> list[dict]:
    text = note.text
    units = list(all_units())
    if note.pack is not None:
        units += [u for u in note.pack.units if u not in units]
    quantities = [q for q in find_quantities(text, units=tuple(units))
                  if not any(a <= q.start < b or a < q.end <= b for a, b in money_spans)]
    lines: list[Line] = []
    contact_spans = [(c.start, c.end) for c in contacts]
    for i, q in enumerate(quantities):
        unit, end = _unit_of(text, q)
        if unit is False or unit in _TIME_UNITS or getattr(q, "kind", "count") != "count":
            continue
        if _skip(note, q, end, money_spans, quantities[i + 1:]):
            continue
        product = _product_before(note, q.start, contact_spans)
        if product is None:
            if re.match(r"的(?!订单|合同|单子|货)", text[end:end + 3]):
                continue  # 五公斤的不考虑: a spec, not an order
            product = _product_earlier(note, q.start)
            if product is None:
                continue
        lines.append(Line(q.start, end, product, q.value, unit))
    return _dedupe(lines)


def _unit_of(text, q):
    """The unit as spoken: N个+counting noun gives the noun; 三个月 is no quantity (False)."""
    _, _, _, counting, not_after_ge = _lists()
    unit, end = q.unit, q.end
    if unit == "个":
        rest = text[end:]
        if rest.startswith(not_after_ge):
            return False, end
        for noun in counting:
            if rest.startswith(noun):
                return noun, end + len(noun)
        if q.value == 1 and re.match(rf"[{CJK}]", rest[:1]):
            return False, end  # 一个小项目: an article, not a count
    if unit in ("趟", "次", "遍", "回") and q.value == 1:
        return False, end  # 跑了一趟
    return unit, end


def _skip(note, q, end, money_spans, later) -> bool:
    text = note.text
    skip_before, per_pack, spec_words, _, _ = _lists()
    clause_start, clause_end = note.clause_at(q.start)
    before = text[clause_start:q.start]
    if skip_before and skip_before.search(before):
        return True  # 第一批一千套, 上批退了两千个
    if per_pack and per_pack.search(text[max(clause_start, q.start - 3):q.start]):
        return True  # 每车三十吨, 每袋五十公斤
    if spec_words and spec_words.search(before[-6:]):
        return True  # 负载要到十公斤, 质保五年
    if text[end:end + 1] == "装" or text[end:end + 1] in "以左" and text[end:end + 2] == "以上":
        return True
    if q.value == 1 and (text[q.start - 1:q.start] in ("块", "元", "钱", "毛") or any(b == q.start or a == end for a, b in money_spans)):
        return True  # 十四万八一吨: a unit price
    for nxt in later:
        if nxt.start >= clause_end:
            break
        if nxt.start == end:
            return True  # 六平方三万米: the first is a spec of the product
        if nxt.unit == q.unit and _REVISION.match(text[end:nxt.start]):
            return True  # 从四百件降到两百五十件: the final amount counts
    return False


def _product_before(note: Note, start: int, contact_spans) -> str | None:
    """The noun phrase right before a quantity, within its clause, cut at a verb, 的 or a pause."""
    clause_start, _ = note.clause_at(start)
    words = tokens(note.text[clause_start:start])
    while words and (words[-1] in _TRAILING or not words[-1].strip()):
        words.pop()
    taken: list[str] = []
    end = clause_start + sum(map(len, words))
    pos = end
    for word in reversed(words):
        if word in _NP_STOP or not re.search(rf"[{CJK}A-Za-z0-9]", word):
            break
        if pos in note.breaks and len("".join(taken)) >= 2:
            break  # a spoken pause: 疫苗 冷链配送
        taken.insert(0, word)
        pos -= len(word)
    phrase = re.sub(r"^(?:从|这款|这个|那款|那个|一款|新款)", "", "".join(taken))
    if any(a < end and pos < b for a, b in contact_spans):
        return None
    return phrase if _is_product(phrase) else None


def _is_product(phrase: str) -> bool:
    if not phrase or len(phrase) < 2 or len(phrase) > 16:
        return False
    if re.fullmatch(r"[\d.]+|[一二两三四五六七八九十百千万]+", phrase) or _TIME_WORD.match(phrase):
        return False
    return phrase not in common()["not_orgs"]


def _product_earlier(note: Note, start: int) -> str | None:
    """The product named last before start: a pack term, X的Y, or a clause that is only a noun."""
    text = note.text[:start]
    candidates: list[tuple[int, str]] = []
    if note.pack is not None:
        candidates += [(s, term) for s, _, term in note.pack.product_terms(text)]
    candidates += [(m.start(1), m.group(1)) for m in _AFTER_DE.finditer(text) if _is_product(m.group(1))]
    for a, b in note.clauses:
        if b <= start and re.fullmatch(rf"[{CJK}A-Za-z0-9.\-]{{2,12}}", text[a:b]) and _bare_noun(text[a:b]):
            candidates.append((a, text[a:b]))
    # the latest ending, then the longest (销售技能内训 rather than its pack term 内训)
    return max(candidates, key=lambda c: (c[0] + len(c[1]), len(c[1])))[1] if candidates else None


def _bare_noun(clause: str) -> bool:
    return not re.search(r"[说要了是在有的总工]|经理|老板|主任", clause)


def _dedupe(lines: list[Line]) -> list[dict]:
    out, seen = [], set()
    for line in lines:
        key = (line.product, line.quantity, line.unit)
        if key not in seen:
            seen.add(key)
            out.append({"product": line.product, "quantity": line.quantity, "unit": line.unit})
    return out
