"""English names in bilingual notes: people (buyer Kevin, Frank Xu, Peter 刘, Ms. Chen) and organisations
(Harbor Bay Foods, CarFix, Northgate Hardware的buyer), taken as written (NOTES_SCHEMA).

A run of capitalised words is read from its shape and its neighbours: a title (Mr./Ms./Dr.), a role
before it (buyer, 采购, manager) or a reporting verb after it (说, 确认, 嫌) make a person; two words
ending in a pinyin surname (Frank Xu) are a person; a CamelCase word (PartsHub), a run of two or more
words (Grand Orchid Hotel) or a word of the organisation vocabulary (Foods, Clinic, Logistics) make an
organisation. Capitalised English words of a sentence (Call, Follow up, Next Friday) are neither.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from nlu.lexicon import surnames

_RUN = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:Mr|Ms|Mrs|Miss|Dr)\.? ?)?[A-Z][A-Za-z0-9'&\-]*(?:\.(?= ))?(?: (?:[A-Z][A-Za-z0-9'&\-]*|of|and|&))*"
)
# Capitalised words that are English prose or trade words, never a name.
_PROSE = frozenset("""
a an the i we he she they it this that these those my our your his her their and or but if so to for of at
from with by on in into as is are was were be been will can could would should may might must do did done
call called met meet meeting visit visited follow up followup today tomorrow yesterday next this last
monday tuesday wednesday thursday friday saturday sunday week month year quarter morning afternoon evening
jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september
october november december quote quotation price prices pricing budget sample samples order orders po moq fob
cif exw lead time delivery payment terms total final revised target deal contract demo trial poc pilot
online offline video zoom teams wechat email mail phone site survey plan project supply supplier vendor
buyer manager engineer director owner boss ceo cfo cto coo gm vp pm ops hr it qa qc ehs rd r&d admin sqe scm
purchasing procurement sales marketing team office factory plant warehouse shop lab line
good ok okay yes no not very much more less new old big small high low fast slow cheap expensive around
about approx approximately asap urgent tbd fyi note notes update status please thanks hi hello dear
competitor competitors spec specs drawing drawings catalog catalogue brochure certificate cert report
license licenses seats units pcs sets set unit case cases ton tons kg mt model type version series
warranty service support install installation training coffee lunch dinner
monthly weekly daily yearly annual annually capacity volume usage demand forecast first second batch per each
upgrade switch reminder roughly want wants need needs buy buys order ordered asks asked
""".split())
_ORG_WORDS = frozenset("""
inc ltd llc co corp corporation company group holdings foods food tools tool hardware hospital clinic clinics
medical health pharma pharmaceutical pharmaceuticals labs lab logistics academy school university college
institute hotel hotels resort apparel design designs interiors interior coatings chemicals chemical organics
fabrication farm farms agri agro energy power solar green electronics electronic circuits tech technology
technologies precision robotics motors motor auto automotive parts appliances home living cellar cellars
wine wines republic brewery beverages trading industries industrial manufacturing systems solutions
supply supplies store stores mart market markets foods retail bank capital partners studio studios media
realty properties construction builders steel metals plastics packaging printing textiles garments fashion
""".split())
_TITLE = re.compile(r"^(?:Mr|Ms|Mrs|Miss|Dr)\.? ?")
_ROLE_BEFORE = re.compile(
    r"(?:buyer|manager|engineer|director|owner|boss|PM|GM|CEO|CFO|CTO|VP|Ops|HR|IT|QA|EHS|purchasing|procurement|"
    r"sales|contact|admin|COO|SQE|SCM|lead|with|call|called|met|meet|to|采购|经理|总监|主管|工程师|老板|负责人|联系人|对接人|店长|老师|医生|"
    r"的|了|跟|和|与|给|call了|约了|见了)\s*(?:总监|经理|主管)?\s*[:：]?\s*$",
    re.IGNORECASE,
)
_SAYS_AFTER = re.compile(r"\s*(?:说|确认|嫌|觉得|反馈|讲|表示|问|回复|答应|同意|要|想|希望|提|透露|那边说|的意思|很|挺|对|也)")
_OF_ORG_AFTER = re.compile(r"\s*(?:的|那边|这边)\s*(?:[A-Za-z]+\s*)?(?:buyer|manager|engineer|PM|采购|经理|总监|主管|老板|负责人|工程师|"
                           r"[\u4e00-\u9fff]{0,4}(?:部|科|处|中心))", re.IGNORECASE)
_PERSON_AFTER = re.compile(r"\s?(?:@|来电|來電|来信|來信|下单|反馈)")
_AT_BEFORE = re.compile(r"(?:\bat|\bfrom|\bof|去了?|在|到|拜访了?|跟|和|与|call了?|visit了?|Visit了?)\s*$")


@dataclass
class Name:
    start: int
    end: int
    text: str
    kind: str  # "person" or "org"


@cache
def _pinyin_surnames() -> frozenset[str]:
    return frozenset("""
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng liang xie song tang
    han feng deng cao peng zeng xiao tian dong yuan pan cai jiang yu du ye cheng wei su lu ding ren shen yao fang
    jin qian dai xia fu zou tan ho lee chan wong ng lim teo tay goh ong koh chua santos tanaka suzuki sato kim
    park choi lai kwok leung cheung yip mak au lau fong chow kwan yeung tsang chang hsu tsai chiu hung kuo chien
    hsieh chou yeh tseng lo qiao""".split())


def latin_names(text: str) -> list[Name]:
    """Every English person or organisation name in text, in order."""
    if not any("A" <= c <= "Z" for c in text):
        return []
    out = []
    for m in _RUN.finditer(text):
        title = _TITLE.match(m.group())
        start = m.start()
        doctor = False
        if title and title.group().startswith("Dr"):  # Dr. Simon Zhou: the name, not the degree
            start += title.end()
            title, doctor = None, True
        body = text[start:m.end()].rstrip(" .")
        if title:  # Mr. Lim, Ms.Chen: the title stays with the name, as written
            rest = body[title.end():].split(" ")
            words = [body[:title.end()] + rest[0], *rest[1:]]
        else:
            words = body.split(" ")
        while words and words[0].lower().strip(".") in _PROSE and not _TITLE.match(words[0]):
            start += len(words[0]) + 1
            words = words[1:]
        while words and (words[-1].lower() in _PROSE or words[-1] in ("of", "and", "&")):
            words = words[:-1]
        if not words:
            continue
        name = " ".join(words)
        if not text.startswith(name, start):
            continue
        if len(name) < 2 or name.isupper() and not _TITLE.match(name) or any(c.isdigit() for c in name):
            continue  # PO, MOQ, Q1: abbreviations and codes
        end = start + len(name)
        kind = "person" if title or doctor and len(words) <= 3 else _kind(text, start, end, words)
        if kind:
            if kind == "person":
                end = _with_chinese_surname(text, end)
            out.append(Name(start, end, text[start:end], kind))
    return out


def _kind(text: str, start: int, end: int, words: list[str]) -> str | None:
    lower = [w.lower().strip(".'s") for w in words]
    if _TITLE.match(words[0]):
        return "person"
    if any(w in _ORG_WORDS for w in lower) or _OF_ORG_AFTER.match(text, end):
        return "org"
    camel = any(re.search(r"[a-z][A-Z]", w) for w in words)
    if camel:
        return "org"
    if len(words) == 2 and lower[1] in _pinyin_surnames() or len(words) == 2 and lower[0] in _pinyin_surnames() \
            and len(words[1]) <= 4:
        return "person"  # Frank Xu, Wu Wei
    if len(words) <= 2 and _PERSON_AFTER.match(text, end) and not (start == 0 and len(words) == 2 and text.startswith("(", end)):
        return "person"  # Henry @ Zenith Power, Kelly 來電, SQE Mike 反馈
    if len(words) >= 2:
        return "org"
    if _with_chinese_surname(text, end) > end:
        return "person"  # Jack 阎, Amy 郭: a given name and the Chinese surname after it
    before = text[max(0, start - 14):start]
    if _AT_BEFORE.search(before) and not _SAYS_AFTER.match(text, end):
        return "org"
    if _ROLE_BEFORE.search(before) or _SAYS_AFTER.match(text, end):
        return "person"
    return None


def _with_chinese_surname(text: str, end: int) -> int:
    """Peter 刘, Amy 郭: a given name and the Chinese surname written after it."""
    single = surnames()[0]
    i = end + (text[end:end + 1] == " ")
    if i < len(text) and text[i] in single and text[i] not in "从從在跟和与给对说" and (
            i + 1 >= len(text) or not "\u4e00" <= text[i + 1] <= "\u9fff" or text[i + 1] in "说說带要讲的觉确问对从在开開"):
        return i + 1
    return end


def is_prose(word: str) -> bool:
    """An English word of a sentence (Call, Follow, Quote), never a name."""
    return word.lower() in _PROSE
