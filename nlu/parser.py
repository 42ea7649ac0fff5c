"""parse(text, ref, industry) -> Extraction: a dictated sales note becomes the facts of
data/NOTES_SCHEMA.md (customer, items, dates, money, objections, competitors).

Rules are general (sentence structure, cue words, the industry packs), never lists of customers.
Text longer than MAX_CHARS gives an Extraction with an "error" key and empty facts, and parse never
raises: any failure is logged and gives an empty Extraction, so one bad note never stops a batch.
Extra keys: "industry" (the pack in use, given or detected), "status" on each date, and when found:
"expected_close" (nlu/close.py), "objection_evidence" (each objection with the clause it came from) and
"parts" (one Extraction per customer when the note is about several, nlu/parts.py).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from nlu.close import expected_close
from nlu.company_crf import SURE, company_spans
from nlu.competitors import find_competitors, with_model_rivals
from nlu.contract_end import contract_end
from nlu.customer import find_contacts, find_customer, is_org, org_ends, taken_back, with_corrected_company, with_latin_names
from nlu.date_facts import date_facts, day_mentions
from nlu.items import find_items
from nlu.lexicon import Pack, common, detect_industry, find_pack, with_products
from nlu.money_facts import find_amounts, money_facts
from nlu.normalize import normalize, positions
from nlu.numbers import forget_texts
from nlu.note import Note
from nlu.objections import objection_clauses
from nlu.objection_model import with_model as with_objection_model
from nlu.rival_objection import with_model as with_rival_objection
from nlu.parts import same_customer, split as split_parts
from nlu.risks import find_risks

log = logging.getLogger(__name__)
MAX_CHARS = 2000  # a dictated note is a few sentences; longer text is refused, not truncated
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

Extraction = dict  # the six NOTES_SCHEMA keys, plus optional extras (industry, error)


# Patterns used inside the functions below, compiled once.
_SPACES = re.compile(r"\s+")


def empty_extraction() -> Extraction:
    return {"customer": None, "items": [], "dates": [], "money": [], "objections": [], "competitors": []}


def parse(text: str, ref: datetime | None = None, industry: str | None = None, *,
          products: dict[str, str] | None = None, customers: list[str] | None = None) -> Extraction:
    """The facts of one note. Never raises. `products`: the team's own catalogue (every surface form ->
    canonical name), matched like the industry pack's products; `customers`: the team's known company
    names, the customer when the note names one and the rules found no company."""
    try:
        if not isinstance(text, str):
            return {**empty_extraction(), "error": "笔记内容必须是文本"}
        if len(text) > MAX_CHARS:
            return {**empty_extraction(), "error": f"笔记太长（{len(text)} 字），上限 {MAX_CHARS} 字，请分条发送"}
        ref = _ref(ref)
        forget_texts()  # the numeral caches serve one note's readers, not a note seen before
        return _parse(text, ref, industry, products, customers)
    except Exception:  # one bad note must never stop the bot or a batch
        log.exception("parse failed; returning an empty extraction")
        return empty_extraction()


def known_others(note: Note, contacts=None, customer=None) -> list[tuple[int, int]]:
    """Spans of the note known to be no rival: the contacts and the customer's company (found here
    when not given, as the rival labeller's training does)."""
    if contacts is None:
        contacts = find_contacts(note.text)
        customer, _ = _customer_of(note, contacts)
    return [(c.start, c.end) for c in contacts] + _spans(note.text, [(customer or {}).get("company")])


def _customer_of(note: Note, contacts) -> tuple[dict | None, bool]:
    """The customer by the rules, the company's edges and a company the rules missed by the company
    labeller (nlu/company_crf.py)."""
    customer, strong = find_customer(note, contacts)
    customer = with_latin_names(note.text, customer, contacts, note)
    customer = with_model_company(note, customer, contacts)
    customer = with_corrected_company(note, customer)
    if customer and customer.get("company"):
        bare = _NOT_NAME_EDGES.sub("", customer["company"])  # 【微信】X, X(: marks around a name are no part of it
        customer["company"] = bare if len(bare) >= 2 else customer["company"]
        customer["company"] = _without_department(customer["company"])
        customer["company"] = _without_edges(customer["company"], contacts)
    return customer, strong


# Words around an organisation's name that are the sentence's: a lead-in (跟进X, 叫X, 第一家X, 开发商X, 1) X),
# and after it a contact, a role or a Latin word of the sentence (亿丰纸箱厂老板, 聖心診所賴醫師, X today).
_EDGE_LEAD = re.compile(r"^(?:跟进|叫|刚才|才电话|电话|第[一二三四五六]家|开发商|业主|\d[)）.、]|[①②③④⑤⑥])\s?")
_EDGE_TAIL = re.compile(r"(?:老板娘?|买手|村支书\S*|村主任\S*|负责人|\s(?:today|yesterday|this week))$")


def _without_edges(name: str, contacts) -> str:
    cut = name
    for c in contacts:
        i = cut.find(c.name)
        if i >= 2:
            cut = cut[:i]  # 聖心診所賴醫師: the contact is no part of the organisation
    lead = _EDGE_LEAD.match(cut)
    if lead and len(cut) - lead.end() >= 2:
        cut = cut[lead.end():]
    m = _EDGE_TAIL.search(cut)
    if m and m.start() >= 2:
        cut = cut[:m.start()]
    cut = cut.strip()
    return cut if cut != name and is_org(cut) else name


_DEPARTMENT_TAIL = re.compile(r"(?:采购|採購|分析|计量|計量|热控|熱控|总装|總裝|材料|推广教育|推廣教育|物资|物資|设备|設備|信息|資訊|"
                              r"技术|技術|研发|研發|质检|質檢|检测|檢測|工程|后勤|後勤|生产|生產)(?:中心|所|车间|車間|学院|學院|部|科|处|處|课|課)$")


def _without_department(name: str) -> str:
    """恒安燃气计量所, 鸿福地产采购中心, 新陽電廠熱控車間, 江城理工学院材料学院: the organisation, not
    its department (only where what remains ends as an organisation's name does)."""
    m = _DEPARTMENT_TAIL.search(name)
    if not m or m.start() < 2:
        return name
    head = name[:m.start()]
    suffixes = tuple(common()["company_suffixes"]) + ("廠", "電廠", "學院", "大學", "醫院", "石化", "燃气", "燃氣")
    return head if head.endswith(suffixes) or head.endswith("大") else name


def with_model_company(note: Note, customer: dict | None, contacts) -> dict | None:
    """Where the rules found no company, the first one the labeller finds; where both found one name
    with other edges (中建八局三公司项目部, 才那个希尔顿酒店), the labeller's; where the rules' company
    ends as no organisation does and the labeller marks nothing there (刚从三元塑胶出来 生产厂长芦厂长:
    生产厂长), the first name the labeller finds as surely as where the rules found none."""
    spans = company_spans(note, [(c.start, c.end) for c in contacts])
    names = []
    for s, e, sure in spans:
        lead = _LEAD_IN.match(note.text, s, e)
        s = lead.end() if lead else s  # 从远大建材: the movement is no part of the name
        cut = _CLAUSE_MARK.search(note.text, s, e)
        e = cut.start() if cut else e  # 德信电力，恒远电气: a name ends where its clause does
        name = note.text[s:e].strip()
        if is_org(name) and not any(a < e and s < b for a, b in [(c.start, c.end) for c in contacts]):
            names.append((s, e, name, sure))
    if not names:
        return customer
    company = (customer or {}).get("company")
    if not company:
        sure = [n for n in names if n[3] >= SURE]  # no company at all is better than a guess
        return {**(customer or {"name": None}), "company": sure[0][2]} if sure else customer
    at = _spans(note.text, [company])
    for s, e, name, _ in names:
        if any(a < e and s < b for a, b in at) and name != company and _better_edges(name, company):
            return {**customer, "company": name}
    if _a_desk(note.text, company, contacts):
        shaped = [n for n in names if n[3] >= DESK_SURE and n[2].endswith(tuple(org_ends())) and not any(a < n[1] and n[0] < b for a, b in at)]
        if shaped:  # 后勤的宁主任 / 分管信息化的柯校长: a desk or a title, where the labeller is sure of 青山镇卫生院
            return {**customer, "company": shaped[0][2]}
    if not company.endswith(tuple(org_ends())) and not any(a < e and s < b for s, e, _ in spans for a, b in at):
        sure = [n for n in names if n[3] >= SURE]
        if sure:  # 生产厂长, 一圈, 分管零部件: words of the sentence the rules took, where the labeller finds a name
            return {**customer, "company": sure[0][2]}
    return customer


DESK_SURE = 0.9


def _a_desk(text: str, company: str, contacts) -> bool:
    """The rules' company is a desk or a title said right before a contact (后勤的宁主任, 總幹事黃先生,
    分管信息化的柯校长) or a contact itself, and ends as no organisation does."""
    if company.endswith(tuple(org_ends())):
        return False
    names = {c.name for c in contacts}
    if company in names:
        return True
    return any(text.startswith(n, i + len(company) + k) for i in positions(text, company) for k in (0, 1)
               for n in names if k == 0 or text[i + len(company)] == "的")


_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9&.'\- ]*")


def _better_edges(model: str, rules: str) -> bool:
    """Whether the labeller's edges win where both found one name (they mostly do: 才那个X, X出来那个,
    X老板), but not where it cut a Latin name short (Bolt of Bolt & Nut Trading) or took a department
    after an organisation's name (三江石化分析中心)."""
    if model in rules and _LATIN_NAME.fullmatch(rules):
        return False
    return not (model.startswith(rules) and _DEPARTMENT_TAIL.fullmatch(model[len(rules):])
                and rules.endswith(tuple(common()["company_suffixes"])))


_NOT_NAME_EDGES = re.compile(r"^(?:【[^】]*】|\[[^\]]*\]|[^\w(（]+)+|[\s(（\[【:：,，、。!！?？\-]+$")
_CLAUSE_MARK = re.compile(r"[，,。；;！!？?、\n]")
_LEAD_IN = re.compile(r"(?:从|在|去|到|跟|和|与|的|了|才|那个|这个|那家|这家|刚从|去了|到了)+")


def _ref(ref) -> datetime:
    if not isinstance(ref, datetime):
        return datetime.now(DEFAULT_TZ)
    return ref if ref.tzinfo else ref.replace(tzinfo=DEFAULT_TZ)


def choose_pack(text: str, industry: str | None) -> Pack | None:
    """The team's industry pack when known, else the one the text looks like."""
    return find_pack(industry) or detect_industry(text)


def _parse(text: str, ref: datetime, industry: str | None, products: dict | None = None,
           customers: list[str] | None = None, whole: bool = True) -> Extraction:
    """The Extraction of text; `whole`: the text is a whole note (not one of its parts), so it may
    get `parts`."""
    note = Note.build(text, ref, None)
    note.pack = choose_pack(note.text, industry)
    base = note.pack
    if products:
        note.pack = with_products(base, products)
    if not note.text:
        return empty_extraction()
    contacts = find_contacts(note.text)
    customer, strong = _customer_of(note, contacts)
    competitors = find_competitors(note, contacts, customer if strong else None)
    competitors = with_model_rivals(note, competitors, known_others(note, contacts, customer), customer)
    if customer and customer.get("name") and " " in customer["name"]:  # Kevin of Kevin Zhou: the contact again
        competitors[:] = [c for c in competitors if c not in customer["name"].split(" ")]
    if customer and customer.get("name") in competitors:  # 柳工的铲车: a brand, not a person
        rest = [c.name for c in contacts if c.name not in competitors]
        customer["name"] = rest[0] if rest else None
    if customer and not strong and customer.get("company") in competitors:
        customer["company"] = None  # TDK那边缺货: a rival, not the customer
        customer = customer if customer["name"] else None
    company_at = _spans(note.text, [(customer or {}).get("company")])
    if company_at:  # 华康 said only as part of 华康口腔, the customer: no rival
        competitors[:] = [c for c in competitors if not all(any(a <= s and s + len(c) <= b for a, b in company_at)
                                                             for s in positions(note.text, c))]
    back = taken_back(note, (customer or {}).get("company"))
    if back:  # 晨光文具 不是 是晨曦文具: the name taken back is no rival
        competitors[:] = [c for c in competitors if not all(any(a <= s and s + len(c) <= b for a, b in back)
                                                             for s in positions(note.text, c))]
    if customers:  # the catalogue wins: an imported company the note names is the company
        customer = _known_company(note.text, customer, customers, competitors)
    amounts = find_amounts(note, competitors)
    money = money_facts(note, amounts, competitors)
    names = [(c.start, c.end) for c in contacts] + _spans(note.text, [(customer or {}).get("company"), *competitors])
    days = day_mentions(note, names)
    day_spans = [(d.start_index, d.end_index) for d in days]
    company_spans = _spans(note.text, [(customer or {}).get("company")])  # 给星巴克送两百箱: not a product
    items = find_items(note, [(a.start, a.end) for a in amounts], contacts, day_spans + company_spans, competitors)
    item_spans = [(i["_start"], i["_end"]) for i in items]
    ordered = [i["product"] for i in items if i["product"]]
    competitors[:] = [c for c in competitors if not any(c in p and c != p for p in ordered)]  # 利乐包: a product
    for item in items:
        del item["_start"], item["_end"]
    dates = date_facts(note, days, item_spans)
    raised = objection_clauses(note, money, competitors, [i["product"] for i in items if i["product"]])
    raised = with_rival_objection(note, raised, competitors)
    raised = with_objection_model(note, raised)
    objections = [category for category, _ in raised]
    for m in money:
        m.pop("counter", None)
        m.pop("_start", None)
    out = _as_spoken(note.spoken, {"customer": customer, "items": items, "dates": dates, "money": money,
                            "objections": objections, "competitors": competitors})
    out = _as_written(text, out, note.spoken)
    if base is not None:
        out["industry"] = base.name
    out.update(_beyond_notes(note.text, ref, base))
    if raised:
        written = _SPACES.sub("", unicodedata.normalize("NFKC", text))  # once for all the evidence
        out["objection_evidence"] = [{"category": c, "text": _written(text, note.text[a:b], written)} for c, (a, b) in raised]
    close = expected_close(note.text, note.clauses, ref, note.breaks, note.dates_memo)
    if close is not None:
        out["expected_close"] = close
    if whole:
        parts = _parts(text, ref, base.name if base is not None else industry, products, customers)
        if parts:
            out["parts"] = parts
            out["customer"] = parts[0]["customer"]
    return out


def _parts(text: str, ref: datetime, industry: str | None, products, customers) -> list[Extraction] | None:
    """One Extraction per customer when the note is about two or more (nlu/parts.py), in text order,
    each with the text of its part; None when the note is about one customer."""
    pieces = split_parts(text)
    if len(pieces) < 2:
        return None
    groups: list[tuple[list[str], Extraction]] = []
    for piece, visit in pieces:
        e = _parse(piece, ref, industry, products, customers, whole=False)
        if groups and (not e["customer"] or same_customer(groups[-1][1]["customer"], e["customer"])
                       or not visit and not (e["customer"] or {}).get("company")):
            groups[-1][0].append(piece)  # no customer of its own: the visit before goes on
            continue
        if groups and not groups[-1][1]["customer"]:
            groups[-1][0].append(piece)  # the preamble (今天跑了两家：) opens the first visit
            groups[-1] = (groups[-1][0], e)
            continue
        groups.append(([piece], e))
    if len(groups) < 2:
        return None
    out = []
    for pieces_of_group, first in groups:
        part_text = _join(text, pieces_of_group)
        e = first if len(pieces_of_group) == 1 else _parse(part_text, ref, industry, products, customers, whole=False)
        if not e.get("customer"):
            e["customer"] = first["customer"]
        e["text"] = part_text
        out.append(e)
    return out


def _join(text: str, pieces: list[str]) -> str:
    """The note's text from the first piece to the end of the last (as written)."""
    start = text.find(pieces[0])
    end = text.find(pieces[-1], start) + len(pieces[-1])
    return text[start:end] if start >= 0 and end >= start else "".join(pieces)


def _written(raw: str, s: str, written: str | None = None) -> str:
    """s (found in the normalised note) as the note wrote it, when it can be found there. `written`:
    raw after NFKC with no whitespace, when the caller has it."""
    if written is None:
        written = _SPACES.sub("", unicodedata.normalize("NFKC", raw))
    if not s or s in written:
        return s
    size = len(s)
    for i in range(len(written) - size + 1):
        if normalize(written[i:i + size]) == s:
            return written[i:i + size]
    return s


def _beyond_notes(text: str, ref: datetime, pack: Pack | None) -> dict:
    """Keys added by the leads issue, only when found: risks (verbal promises beyond standard
    terms, nlu/risks.py) and contract_end (nlu/contract_end.py)."""
    extra = {}
    risks = find_risks(text, pack.slug if pack is not None else None)
    if risks:
        extra["risks"] = risks
    end = contract_end(text, ref)
    if end is not None:
        extra["contract_end"] = end.isoformat()
    return extra


def _known_company(text: str, customer: dict | None, known: list[str], competitors) -> dict | None:
    """The first (then longest) known company name the note says, as the customer's company."""
    found = [(text.find(name), -len(name), name) for name in known
             if len(name) >= 2 and name in text and name not in competitors]
    if not found:
        return customer
    company = (customer or {}).get("company")
    if company and any(company in name or name in company for _, _, name in found):
        return customer  # the rules found it too (as spoken: 恒通 for 恒通机械 keeps what was said)
    company = min(found)[2]
    return {"name": (customer or {}).get("name"), "company": company}


def _as_spoken(spoken: str, out: Extraction) -> Extraction:
    """Every string fact is a substring of the note as spoken (NOTES_SCHEMA); one that only exists
    because a filler between its parts was removed (张总嗯号) is dropped."""
    ok = lambda s: s is None or "".join(s.split()) in spoken  # (_SPACES.sub("", s): the same whitespace)
    customer = out["customer"]
    if customer:
        customer = {k: (v if ok(v) else None) for k, v in customer.items()}
        out["customer"] = customer if any(customer.values()) else None
    out["competitors"] = [c for c in out["competitors"] if ok(c)]
    out["items"] = [i if ok(i["product"]) else {**i, "product": None} for i in out["items"]]
    return out


def _as_written(raw: str, out: Extraction, spoken: str = "") -> Extraction:
    """Strings found in the Simplified text are given back as the note wrote them (劉姐, not 刘姐):
    speech output often comes in Traditional characters, and the facts must be substrings of the note."""
    strings = [v for v in (out["customer"] or {}).values() if v] + [i["product"] for i in out["items"] if i["product"]] \
        + [i["unit"] for i in out["items"] if i["unit"]] + list(out["competitors"])
    if all(v in raw for v in strings):
        return out  # every string is already as the note wrote it: the common case costs nothing
    written = _SPACES.sub("", unicodedata.normalize("NFKC", raw))

    def back(s):
        if not s or s in raw:
            return s
        spaced = _spaced(raw, s)  # Peter刘 -> Peter 刘: the spaces the note wrote
        if spaced:
            return spaced
        if s in written:
            return s
        bare = s.replace(" ", "")
        size = len(bare)
        for i in range(len(written) - size + 1):
            if normalize(written[i:i + size]).replace(" ", "") == bare:
                found = written[i:i + size]
                return _spaced(raw, found) or found  # USB Type-C連接器: Traditional, with its spaces
        return s

    if out["customer"]:
        out["customer"] = {k: back(v) for k, v in out["customer"].items()}
    out["items"] = [{**i, "product": back(i["product"]), "unit": back(i["unit"])} for i in out["items"]]
    out["competitors"] = [back(c) for c in out["competitors"]]
    return out


def _spaced(raw: str, s: str) -> str | None:
    """s as raw writes it with spaces inside (Mr.Lim -> Mr. Lim), when raw has it so."""
    if " " not in raw or not s.isascii() and not any(c.isascii() and c.isalpha() for c in s):
        return None
    m = re.search(r"\s*".join(map(re.escape, s.replace(" ", ""))), raw)
    return m.group() if m else None


def _spans(text: str, names) -> list[tuple[int, int]]:
    out = []
    for name in names:
        if name:
            i = text.find(name)
            while i >= 0:
                out.append((i, i + len(name)))
                i = text.find(name, i + 1)
    return out
