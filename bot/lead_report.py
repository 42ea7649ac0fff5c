"""The leads part of /week: first-touch time per rep and for the team, and touchpoint response time.
bot/reports.py adds these lines to the weekly report; nothing is shown to a team that has no leads or
touchpoints."""
from __future__ import annotations

from datetime import datetime
from statistics import median

from sqlmodel import Session, select

from storage import leads as lead_ops
from storage import touchpoints as touch_ops
from storage.models import Member


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 60:.0f}分钟" if value < 1 else f"{value:.1f}小时"


def week_lines(*, session: Session, member_ids, start: datetime, end: datetime) -> list[str]:
    """Lines for the weekly report of these members (None: everyone) over [start, end)."""
    ids = list(member_ids) if member_ids is not None else list(session.exec(select(Member.id)).all())
    lines = []
    touches = lead_ops.first_touch(session=session, member_ids=ids, since=start, until=end)
    if touches:
        hours = lead_ops.first_touch_hours(session=session, member_ids=ids, since=start, until=end)
        everyone = [h for values in hours.values() for h in values]
        lines.append(f"线索首次联系：{len(everyone)}条 · 中位{_hours(median(everyone) if everyone else None)}"
                     + (f"；待联系{sum(t.waiting for t in touches)}条" if any(t.waiting for t in touches) else ""))
        lines += [f"  {t.name}：{t.contacted}条 · 中位{_hours(t.median_hours)}" + (f" · 待联系{t.waiting}" if t.waiting else "")
                  for t in touches]
    handled, still = touch_ops.response_hours(session=session, owner_ids=member_ids, since=start, until=end)
    if handled or still:
        lines.append(f"客户触点响应：处理{len(handled)}条 · 中位{_hours(median(handled) if handled else None)}"
                     + (f"；未处理{still}条" if still else ""))
    return lines
