"""What a correction does to a note's extraction: pure functions on the parser's JSON.

The conversation (bot/conversation.py) decides that a message is a correction of a card and which
note it is; these change only the corrected slot and leave everything else as the parser had it.
"""
from __future__ import annotations

from datetime import date

from bot import intents
from bot.intents import Correction


def quantity(extraction: dict, fix: Correction) -> str | None:
    """Sets the quantity of the item meant (said by product, by its old quantity, or the only
    one); returns a question back when it cannot tell."""
    number, _ = intents.number_and_unit(fix.value)
    items = [i for i in extraction.get("items") or [] if isinstance(i, dict)]
    if number is None:
        return "没看懂数量，请这样说：数量改成60"
    if not items:
        return "这条笔记没有产品数量。可以补一句，例如：A型号60台"
    target = _item_named(items, fix.target) or _item_of_quantity(items, fix.old)
    if target is None and len(items) > 1:
        names = "、".join(i.get("product") or "（未说产品）" for i in items)
        return f"这条笔记有几个产品（{names}），要改哪一个？例如：{items[0].get('product') or 'A型号'}改成{fix.value}"
    return set_quantity(target or items[0], fix.value)


def product(extraction: dict, fix: Correction) -> str | None:
    """The item meant (the only one, or the one the old name said is part of) is now the product said;
    its quantity and unit stay. A question back when it cannot tell which."""
    items = [i for i in extraction.get("items") or [] if isinstance(i, dict)]
    if not items:
        extraction.setdefault("items", []).append({"product": fix.value, "quantity": None, "unit": None})
        return None
    target = items[0] if len(items) == 1 else _item_named(items, fix.old)
    if target is None:
        names = "、".join(i.get("product") or "（未说产品）" for i in items)
        return f"这条笔记有几个产品（{names}），要改哪一个？例如：不是{items[0].get('product') or 'A型号'}，是{fix.value}"
    target["product"] = fix.value
    return None


def set_quantity(item: dict, value: str) -> str | None:
    """The item's quantity (and unit, when said) from a value as said (60, 60台); a question back
    when it is no number."""
    number, unit = intents.number_and_unit(value)
    if number is None:
        return "没看懂数量，请这样说：数量改成60"
    item["quantity"] = int(number) if float(number).is_integer() else number
    if unit:
        item["unit"] = unit
    return None


def unnamed_items(extraction: dict, fix: Correction) -> list[dict]:
    """The note's items when a quantity correction names none of several (数量改成30 on a note of
    摄像头 and 录像机): the rep is asked which; [] when it is clear (or no number was said)."""
    items = [i for i in extraction.get("items") or [] if isinstance(i, dict)]
    if len(items) < 2 or intents.number_and_unit(fix.value)[0] is None:
        return []
    return [] if _item_named(items, fix.target) or _item_of_quantity(items, fix.old) else items


def _item_named(items: list[dict], name: str) -> dict | None:
    if not name:
        return None
    return next((i for i in items if name in (i.get("product") or "") or (i.get("product") or "-") in name), None)


def _item_of_quantity(items: list[dict], old: str) -> dict | None:
    number, _ = intents.number_and_unit(old) if old else (None, None)
    if number is None:
        return None
    found = [i for i in items if isinstance(i.get("quantity"), (int, float)) and float(i["quantity"]) == number]
    return found[0] if len(found) == 1 else None


def looks_like_company(value: str, catalogue: set[str] = frozenset()) -> bool:
    """An organisation: a name the team already has as one, or one shaped like one; a person said
    with a title (李总, 王经理) is not."""
    if value in catalogue:
        return True
    if intents.PERSON_TITLE.match(value):
        return False
    from nlu.customer import is_org
    return is_org(value) or is_org(value.removesuffix("有限公司").removesuffix("公司") or value)


def customer(said: dict | None, value: str, catalogue: set[str] = frozenset(), *, company_said: bool = False) -> dict:
    """客户是X: X的Y names both; an organisation (or whatever 公司是 names) replaces the company (the
    contact said stays); a person replaces the contact (the company said stays)."""
    said = dict(said) if isinstance(said, dict) else {}
    company, _, person = value.rpartition("的")
    if company:
        return {"name": person.strip() or None, "company": company.strip() or None}
    if company_said or looks_like_company(value, catalogue):
        return {"name": said.get("name"), "company": value}
    return {"name": value, "company": said.get("company")}


def replace(extraction: dict, fix: Correction, catalogue: set[str] = frozenset()) -> str | None:
    """不是A，是B: whichever the note said as A (a product, the company or the contact) becomes B."""
    for item in extraction.get("items") or []:
        if isinstance(item, dict) and item.get("product") and fix.old in item["product"]:
            item["product"] = item["product"].replace(fix.old, fix.value, 1)
            return None
    said = extraction.get("customer") if isinstance(extraction.get("customer"), dict) else {}
    for field in ("company", "name"):
        if said.get(field) and (fix.old == said[field] or fix.old in said[field]):
            extraction["customer"] = customer(said, fix.value, catalogue) if field == "company" or \
                not looks_like_company(fix.value, catalogue) else {**said, "company": fix.value}
            if field == "name" and not looks_like_company(fix.value, catalogue):
                extraction["customer"] = {**said, "name": fix.value}
            return None
    if looks_like_company(fix.value, catalogue) or intents.PERSON_TITLE.match(fix.value):
        extraction["customer"] = customer(said, fix.value, catalogue)
        return None
    return f"这条笔记里没有“{fix.old}”。可以这样说：客户是{fix.value} 或 数量改成100"


def redate(extraction: dict, *, kind: str, day: date, today: date, old: date | None = None):
    """Moves the date the correction means to `day`: the one of that kind (added when the note had
    none), the one on the old day said, or the only planned one. Returns the (index, entry) choices
    when several planned dates could be meant; None when done."""
    dates = extraction.setdefault("dates", [])
    entries = [(i, d) for i, d in enumerate(dates) if isinstance(d, dict)]
    if old is not None:
        matching = [(i, d) for i, d in entries if d.get("date") == old.isoformat()
                    and (not kind or d.get("kind") == kind)]
        if len(matching) == 1:
            set_date(extraction, matching[0][0], day, today)
            return None
    if kind:
        same = [(i, d) for i, d in entries if d.get("kind") == kind]
        planned = [(i, d) for i, d in same if d.get("status") != "reported"]
        chosen = planned or same
        if not chosen:
            dates.append({"date": day.isoformat(), "kind": kind, "status": _status(None, day, today)})
            return None
        if len(chosen) > 1 and len(planned) > 1:
            return chosen
        set_date(extraction, chosen[0][0], day, today)
        return None
    planned = [(i, d) for i, d in entries if d.get("status") != "reported"]
    if len(planned) == 1:
        set_date(extraction, planned[0][0], day, today)
        return None
    if not planned and len(entries) == 1:
        set_date(extraction, entries[0][0], day, today)
        return None
    if not entries:
        dates.append({"date": day.isoformat(), "kind": "followup", "status": _status(None, day, today)})
        return None
    return planned or entries


def set_date(extraction: dict, index: int, day: date, today: date) -> bool:
    dates = extraction.get("dates") or []
    if not 0 <= index < len(dates) or not isinstance(dates[index], dict):
        return False
    entry = dates[index]
    entry["date"] = day.isoformat()
    entry["status"] = _status(entry.get("status"), day, today)
    return True


def _status(before: str | None, day: date, today: date) -> str:
    """A day before today happened; a later one is a plan; today keeps what it was (past events
    stay past)."""
    if day < today:
        return "reported"
    if day > today:
        return "planned"
    return before or "planned"
