"""A team's own catalogue: imported products and customers. Products feed the parser (as extra product
terms) and speech recognition (hotwords and pinyin correction); customers with their contacts, titles,
phones and owners become the team's customers, so notes about them match from the first one.

Rows are plain dicts (headers as keys); lists inside a cell are separated by 、 or ; (；).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from storage import history
from storage.history_models import ChangeLog, ContactDetail, Product
from storage.models import Contact, Customer, Member, Team, utcnow
from storage.notes import guess_role, name_key, split_title

PRODUCT_HEADERS = ("name", "model_codes", "synonyms", "unit")
CUSTOMER_HEADERS = ("company", "contact", "title", "phone", "owner")
# Chinese column headers as a team's spreadsheet has them (issue 18): each means the English one.
HEADER_WORDS = {
    "产品名称": "name", "产品": "name", "名称": "name", "品名": "name", "型号": "model_codes",
    "规格型号": "model_codes", "别名": "synonyms", "同义词": "synonyms", "俗称": "synonyms", "单位": "unit",
    "公司": "company", "公司名称": "company", "客户": "company", "客户名称": "company", "单位名称": "company",
    "联系人": "contact", "姓名": "contact", "职务": "title", "职位": "title", "头衔": "title",
    "电话": "phone", "手机": "phone", "手机号": "phone", "联系电话": "phone", "负责人": "owner",
    "销售": "owner", "归属销售": "owner",
}


def _headers(row: dict) -> dict:
    """A row with its headers in the English names (产品名称 -> name, 负责人 -> owner …)."""
    out = {}
    for key, value in row.items():
        header = str(key).strip().lower()
        out[HEADER_WORDS.get(header, header)] = value
    return out
LIST_SPLIT = re.compile(r"[、;；]+")
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")


@dataclass
class Imported:
    stored: list[tuple[int, int]] = field(default_factory=list)          # (row, id)
    refused: list[tuple[int, str, str]] = field(default_factory=list)    # (row, field, error)
    unknown_headers: set[str] = field(default_factory=set)


def split_list(value) -> list[str]:
    if value is None:
        return []
    return [part.strip() for part in LIST_SPLIT.split(str(value)) if part.strip()]


def _cell(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel keeps phone numbers as numbers
        value = int(value)
    return str(value).strip()


def import_products(*, session: Session, team: Team, rows) -> Imported:
    """(row number, dict) pairs -> Product rows; a name seen again updates that product."""
    done = Imported()
    for number, row in rows:
        row = _headers(row)
        done.unknown_headers |= set(row) - set(PRODUCT_HEADERS)
        name = _cell(row, "name")
        if not name:
            done.refused.append((number, "name", "产品名称为空"))
            continue
        if len(name) > 200:
            done.refused.append((number, "name", "产品名称太长（最多200字）"))
            continue
        key = name_key(name)
        product = session.exec(select(Product).where(Product.team_id == team.id, Product.key == key)).first()
        product = product or Product(team_id=team.id, name=name, key=key)
        product.name = name
        product.model_codes = "、".join(split_list(row.get("model_codes")))
        product.synonyms = "、".join(s for s in split_list(row.get("synonyms")) if s != name)
        product.unit = _cell(row, "unit")[:16]
        session.add(product)
        session.flush()
        done.stored.append((number, product.id))
    session.commit()
    return done


def import_customers(*, session: Session, team: Team, rows) -> Imported:
    """(row number, dict) pairs -> customers, contacts (with title and phone) and owners."""
    done = Imported()
    members = {m.name: m for m in session.exec(select(Member).where(Member.team_id == team.id)).all()}
    for number, row in rows:
        row = _headers(row)
        done.unknown_headers |= set(row) - set(CUSTOMER_HEADERS)
        company, contact = _cell(row, "company"), _cell(row, "contact")
        phone, owner_name = _cell(row, "phone"), _cell(row, "owner")
        if not company and not contact:
            done.refused.append((number, "company", "公司和联系人都为空"))
            continue
        if phone and not PHONE.match(phone):
            done.refused.append((number, "phone", f"电话格式不对：{phone}"))
            continue
        owner = members.get(owner_name) if owner_name else None
        if owner_name and (owner is None or not owner.active):
            done.refused.append((number, "owner", f"团队中没有在职成员「{owner_name}」"))
            continue
        customer = _customer(session, team, company or contact, is_person=not company)
        if not company_known(session, customer):  # the catalogue's customers are marked in the history
            history.record(session=session, entity="customer", entity_id=customer.id, field="imported", old=None,
                           new=customer.name, reason="catalog", team_id=team.id, customer_id=customer.id)
        if owner is not None:
            customer.owner_id = owner.id
            session.add(customer)
        if contact:
            _contact(session, customer, contact, _cell(row, "title"), phone)
        session.flush()
        done.stored.append((number, customer.id))
    session.commit()
    return done


def _customer(session: Session, team: Team, name: str, *, is_person: bool) -> Customer:
    key = name_key(name)
    customer = session.exec(select(Customer).where(Customer.team_id == team.id, Customer.key == key,
                                                   Customer.is_person == is_person)).first()
    if customer is None:
        customer = Customer(team_id=team.id, name=name[:200], key=key, is_person=is_person)
        session.add(customer)
        session.flush()
    return customer


def _contact(session: Session, customer: Customer, name: str, title: str, phone: str) -> Contact:
    key = name_key(name)
    contact = session.exec(select(Contact).where(Contact.customer_id == customer.id, Contact.key == key)).first()
    title = title or split_title(name)
    if contact is None:
        contact = Contact(customer_id=customer.id, name=name[:100], key=key)
    if title:
        contact.title = title[:32]
        if contact.role == "unknown":
            contact.role = guess_role(title) if guess_role(title) != "unknown" else guess_role(split_title(title))
    session.add(contact)
    session.flush()
    if phone:
        set_phone(session=session, contact=contact, phone=phone)
    return contact


def set_phone(*, session: Session, contact: Contact, phone: str) -> ContactDetail:
    detail = session.exec(select(ContactDetail).where(ContactDetail.contact_id == contact.id)).first()
    detail = detail or ContactDetail(contact_id=contact.id)
    detail.phone, detail.updated_at = phone[:32], utcnow()
    session.add(detail)
    return detail


def phone_of(*, session: Session, contact_id: int) -> str:
    detail = session.exec(select(ContactDetail).where(ContactDetail.contact_id == contact_id)).first()
    return detail.phone if detail else ""


def mask_phone(phone: str) -> str:
    """138****5678: what roles that do not own the customer see."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# --- what the parser and speech get ------------------------------------------------------------

def products(*, session: Session, team_id: int) -> list[Product]:
    return list(session.exec(select(Product).where(Product.team_id == team_id).order_by(Product.id)).all())


def parser_products(*, session: Session, team_id: int) -> dict[str, str]:
    """Every way the team says a product (name, synonyms, model codes) -> its name."""
    terms: dict[str, str] = {}
    for product in products(session=session, team_id=team_id):
        for surface in [product.name, *split_list(product.synonyms), *split_list(product.model_codes)]:
            terms.setdefault(surface, product.name)
    return terms


def company_known(session: Session, customer: Customer) -> bool:
    return session.exec(select(ChangeLog.id).where(ChangeLog.entity == "customer", ChangeLog.entity_id == customer.id,
                                                   ChangeLog.field == "imported")).first() is not None


def parser_customers(*, session: Session, team_id: int, limit: int = 5000) -> list[str]:
    """Company names from the team's imported customer catalogue (erased ones left out)."""
    names = session.exec(select(Customer.name).join(ChangeLog, (ChangeLog.entity == "customer")
                                                    & (ChangeLog.entity_id == Customer.id))
                         .where(ChangeLog.field == "imported", ChangeLog.team_id == team_id,
                                Customer.team_id == team_id, Customer.is_person == False)  # noqa: E712
                         .distinct().limit(limit)).all()
    return [n for n in names if n and not n.startswith("已删除")]


def speech_terms(*, session: Session, team_id: int, limit: int = 200) -> list[str]:
    """Product names and model codes to prompt and correct speech towards (synonyms too)."""
    return list(parser_products(session=session, team_id=team_id))[:limit]
