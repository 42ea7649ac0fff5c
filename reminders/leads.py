"""Leads, touchpoints and renewals: pure rules of (state, now, settings). No clock, no I/O.

- score(lead, now, settings): 0.3 x basic + 0.5 x behaviour + 0.2 x max(0, 100 - 2 x hours since
  created) by default; basic (region, budget, product fit) and behaviour (dwell, video, visits) are
  0-100 sub-scores read from point tables in config.toml [leads].
- dispatch(): each waiting lead, hottest first, to the reachable rep with the fewest open leads,
  only on a working day within working hours (09:00-18:00 by default).
- lead_notices(): the offer again every 15 minutes while a hot lead (>= 72) is unclaimed; a lead not
  contacted 24 h after it came in -> the manager.
- touchpoint_notices(), renewal_notices(): the same shape for touchpoints and contract ends.

Every notice has a dedupe key saying what it is about and which occurrence it is, and a send time
computed from the data alone, so two sweeps agree:
- lead:offer:<lead>:<rep>:<n>          the n-th showing of the offer (n = 0 when offered)
- lead:late:<lead>:<member>            not contacted within contact_within_hours
- touch:push:<id>:<owner>              the touchpoint pushed to its owner
- touch:late:<id>:<member>             not handled within touchpoint_within_hours
- renewal:<customer>:<end>:owner|<member>   renewal_owner_days / renewal_manager_days before the end
- risk:<note>:<n>:<member>             a verbal promise beyond standard terms, to the manager
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable, Mapping

from reminders.calendar import WorkCalendar, at_local, working_time

# --- settings -------------------------------------------------------------------------------


class LeadSettingsError(ValueError):
    """A [leads] value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class LeadSettings:
    basic_weight: float = 0.3
    behaviour_weight: float = 0.5
    fresh_weight: float = 0.2
    fresh_per_hour: float = 2.0
    hot_score: float = 72.0
    resend_minutes: int = 15
    contact_within_hours: float = 24.0
    touchpoint_within_hours: float = 24.0
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    renewal_owner_days: int = 90
    renewal_manager_days: int = 60
    renewal_time: time = time(9, 0)
    region_points: Mapping[str, float] = field(default_factory=dict)  # "*" = any other region
    budget_points: tuple[tuple[float, float], ...] = ()  # (at least yuan, points), ascending
    product_fit_points: float = 20.0  # the product is one we sell
    product_other_points: float = 10.0  # some product was named
    products: tuple[str, ...] = ()  # what we sell; empty: the team's industry pack
    dwell_points: tuple[tuple[float, float], ...] = ()  # (at least seconds, points)
    video_points: float = 30.0
    visit_points: tuple[tuple[float, float], ...] = ()  # (at least visits, points)


def _bands(section: dict, key: str) -> tuple[tuple[float, float], ...]:
    try:
        bands = tuple(sorted((float(a), float(b)) for a, b in section.get(key) or []))
    except (TypeError, ValueError):
        raise LeadSettingsError(f"[leads] {key}: expected pairs like [[0, 0], [30, 10]]") from None
    return bands


def _clock(section: dict, key: str, default: time) -> time:
    value = section.get(key)
    if value is None:
        return default
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise LeadSettingsError(f"[leads] {key} = {value!r}: expected HH:MM") from None


def settings_from_config(config: dict) -> LeadSettings:
    """[leads] of a loaded config; missing keys keep the defaults above."""
    s = config.get("leads") or {}
    base = LeadSettings()

    def number(key: str, default):
        value = s.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise LeadSettingsError(f"[leads] {key} = {value!r}: expected a number >= 0")
        return value

    try:
        regions = {str(k): float(v) for k, v in (s.get("region_points") or {}).items()}
    except (TypeError, ValueError, AttributeError):
        raise LeadSettingsError("[leads] region_points: expected a table of region = points") from None
    return LeadSettings(
        basic_weight=float(number("basic_weight", base.basic_weight)),
        behaviour_weight=float(number("behaviour_weight", base.behaviour_weight)),
        fresh_weight=float(number("fresh_weight", base.fresh_weight)),
        fresh_per_hour=float(number("fresh_per_hour", base.fresh_per_hour)),
        hot_score=float(number("hot_score", base.hot_score)),
        resend_minutes=max(1, int(number("resend_minutes", base.resend_minutes))),
        contact_within_hours=float(number("contact_within_hours", base.contact_within_hours)),
        touchpoint_within_hours=float(number("touchpoint_within_hours", base.touchpoint_within_hours)),
        work_start=_clock(s, "work_start", base.work_start),
        work_end=_clock(s, "work_end", base.work_end),
        renewal_owner_days=int(number("renewal_owner_days", base.renewal_owner_days)),
        renewal_manager_days=int(number("renewal_manager_days", base.renewal_manager_days)),
        renewal_time=_clock(s, "renewal_time", base.renewal_time),
        region_points=regions,
        budget_points=_bands(s, "budget_points"),
        product_fit_points=float(number("product_fit_points", base.product_fit_points)),
        product_other_points=float(number("product_other_points", base.product_other_points)),
        products=tuple(str(p) for p in s.get("products") or ()),
        dwell_points=_bands(s, "dwell_points"),
        video_points=float(number("video_points", base.video_points)),
        visit_points=_bands(s, "visit_points"),
    )


# --- scoring ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadView:
    """An open lead as the rules see it (times aware)."""
    id: int
    created_at: datetime
    received_at: datetime
    state: str = "new"  # new offered claimed
    region: str = ""
    budget: float | None = None
    product: str = ""
    dwell_seconds: int = 0
    video_completed: bool = False
    visits: int = 0
    offered_to_id: int | None = None
    offered_at: datetime | None = None
    owner_id: int | None = None
    label: str = ""  # company / name, for the texts
    passed_by: frozenset[int] = frozenset()


def band_points(value: float | None, bands: tuple[tuple[float, float], ...]) -> float:
    """The points of the highest band the value reaches (0 below the first, or without a value)."""
    points = 0.0
    if value is None:
        return points
    for at_least, band in bands:
        if value >= at_least:
            points = band
    return points


def region_points(region: str, table: Mapping[str, float]) -> float:
    """A region matches a table entry it starts with (上海市浦东 -> 上海); "*" for any other."""
    region = (region or "").strip()
    if not region:
        return 0.0
    best = max((k for k in table if k != "*" and region.startswith(k)), key=len, default=None)
    return table[best] if best is not None else table.get("*", 0.0)


def product_points(product: str, known: Iterable[str], settings: LeadSettings) -> float:
    product = (product or "").strip()
    if not product:
        return 0.0
    if any(k and (k in product or product in k) for k in known):
        return settings.product_fit_points
    return settings.product_other_points


class ProductFit:
    """product_points with the answers remembered: leads repeat a few product names, and a pack has
    hundreds of product forms to compare against."""

    def __init__(self, known: Iterable[str], settings: LeadSettings):
        self.known = tuple(settings.products or known)
        self.settings = settings
        self.cache: dict[str, float] = {}

    def __call__(self, product: str) -> float:
        found = self.cache.get(product)
        if found is None:
            found = self.cache[product] = product_points(product, self.known, self.settings)
        return found


def basic_score(lead: LeadView, settings: LeadSettings, known_products: Iterable[str] | ProductFit = ()) -> float:
    fit = known_products if isinstance(known_products, ProductFit) else ProductFit(known_products, settings)
    total = (region_points(lead.region, settings.region_points) + band_points(lead.budget, settings.budget_points)
             + fit(lead.product))
    return min(100.0, total)


def behaviour_score(lead: LeadView, settings: LeadSettings) -> float:
    total = (band_points(lead.dwell_seconds, settings.dwell_points)
             + (settings.video_points if lead.video_completed else 0.0)
             + band_points(lead.visits, settings.visit_points))
    return min(100.0, total)


def freshness(lead: LeadView, now: datetime, settings: LeadSettings) -> float:
    hours = max(0.0, (now - lead.created_at).total_seconds() / 3600)
    return max(0.0, 100.0 - settings.fresh_per_hour * hours)


def score(lead: LeadView, now: datetime, settings: LeadSettings,
          known_products: Iterable[str] | ProductFit = ()) -> float:
    """The lead's score at `now`, 0-100, rounded to one decimal."""
    value = (settings.basic_weight * basic_score(lead, settings, known_products)
             + settings.behaviour_weight * behaviour_score(lead, settings)
             + settings.fresh_weight * freshness(lead, now, settings))
    return round(value, 1)


# --- dispatch --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rep:
    id: int
    name: str
    open_leads: int = 0
    manager_id: int | None = None


def within_working_hours(local: datetime, calendar: WorkCalendar, settings: LeadSettings) -> bool:
    """`local` (in the team's zone) is on a working day between work_start and work_end."""
    return calendar.is_workday(local.date()) and settings.work_start <= local.time() < settings.work_end


def working_start(moment: datetime, tz, calendar: WorkCalendar, settings: LeadSettings) -> datetime:
    """`moment` when it is within working hours, else the next start of working hours: a lead or a
    touchpoint that arrives at night waits for the morning, and its 24 hours count from then."""
    local = moment.astimezone(tz)
    if within_working_hours(local, calendar, settings):
        return moment
    day = local.date()
    if not (calendar.is_workday(day) and local.time() < settings.work_start):
        day = calendar.first_workday_from(day + timedelta(days=1))
    return at_local(day, settings.work_start, tz)


def dispatch(leads: list[tuple[LeadView, float]], reps: list[Rep]) -> list[tuple[int, int]]:
    """(lead id, rep id) for each waiting lead, hottest first, to the rep with the fewest open leads
    (then the lowest id) who has not passed on it. Reps are the ones within working hours."""
    if not reps:
        return []
    heap = [(r.open_leads, r.id) for r in reps]
    heapq.heapify(heap)
    out = []
    for lead, _ in sorted(leads, key=lambda pair: (-pair[1], pair[0].id)):
        if lead.state != "new":
            continue
        skipped = []
        while heap and heap[0][1] in lead.passed_by:
            skipped.append(heapq.heappop(heap))
        if heap:
            count, rep_id = heapq.heappop(heap)
            out.append((lead.id, rep_id))
            heapq.heappush(heap, (count + 1, rep_id))
        for item in skipped:
            heapq.heappush(heap, item)
    return out


# --- notices ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadNotice:
    kind: str  # lead lead_late touchpoint touch_late renewal risk
    recipient_id: int
    subject: str  # lead:<id> | touchpoint:<id> | customer:<id> | note:<id>
    text: str
    send_at: datetime
    dedupe_key: str


def bosses(member_id: int | None, people: Mapping[int, "Person"]) -> list["Person"]:
    """Who hears about a member's lapses: the manager, else the team's managers and leads."""
    member = people.get(member_id) if member_id is not None else None
    manager = people.get(member.manager_id) if member and member.manager_id else None
    if manager is not None and manager.active and manager.id != member_id:
        return [manager]
    return [p for p in people.values() if p.role in ("manager", "lead") and p.active and p.id != member_id]


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str = "rep"
    manager_id: int | None = None
    active: bool = True


def _defer(moment: datetime, tz, calendar: WorkCalendar, quiet: tuple[time, time, time]) -> datetime:
    return working_time(moment.astimezone(tz), calendar=calendar, quiet_start=quiet[0], quiet_end=quiet[1],
                        morning=quiet[2])


def lead_notices(leads: list[tuple[LeadView, float]], people: Mapping[int, Person], now: datetime, tz,
                 calendar: WorkCalendar, settings: LeadSettings, quiet: tuple[time, time, time],
                 sent: frozenset[str] | set[str] = frozenset()) -> list[LeadNotice]:
    """Offers shown again (hot, unclaimed, within working hours) and late leads to the manager."""
    from reminders import lead_texts

    out = []
    local_now = now.astimezone(tz)
    working = within_working_hours(local_now, calendar, settings)
    step = timedelta(minutes=settings.resend_minutes)
    within = timedelta(hours=settings.contact_within_hours)
    told: dict[int | None, list[Person]] = {}
    for lead, value in leads:
        if lead.state == "offered" and lead.offered_at is not None and lead.offered_to_id in people:
            n = int((now - lead.offered_at) / step)
            if n >= 1 and value >= settings.hot_score and working:
                key = f"lead:offer:{lead.id}:{lead.offered_to_id}:{n}"
                if key not in sent:
                    out.append(LeadNotice("lead", lead.offered_to_id, f"lead:{lead.id}",
                                          lead_texts.offer(lead, value, again=n), lead.offered_at + n * step, key))
        arrived = max(lead.created_at, lead.received_at)
        if arrived + within > now:  # the deadline is at least this late: nothing to compute yet
            continue
        deadline = working_start(arrived, tz, calendar, settings) + within
        if deadline <= now:
            responsible = lead.owner_id or lead.offered_to_id
            at = _defer(deadline, tz, calendar, quiet)
            if at > now:
                continue
            if responsible not in told:
                told[responsible] = bosses(responsible, people)
            for boss in told[responsible]:
                key = f"lead:late:{lead.id}:{boss.id}"
                if key not in sent:
                    who = people[responsible].name if responsible in people else None
                    out.append(LeadNotice("lead_late", boss.id, f"lead:{lead.id}",
                                          lead_texts.late(lead, value, who, settings.contact_within_hours), at, key))
    return out


def offer_notice(lead: LeadView, value: float, rep_id: int, at: datetime) -> LeadNotice:
    """The first showing of an offer (n = 0)."""
    from reminders import lead_texts

    return LeadNotice("lead", rep_id, f"lead:{lead.id}", lead_texts.offer(lead, value), at,
                      f"lead:offer:{lead.id}:{rep_id}:0")


@dataclass(frozen=True)
class TouchView:
    id: int
    kind: str
    at: datetime
    received_at: datetime
    owner_id: int | None
    customer: str
    text: str
    handled_at: datetime | None = None


def touchpoint_notices(touches: list[TouchView], people: Mapping[int, Person], now: datetime, tz,
                       calendar: WorkCalendar, settings: LeadSettings, quiet: tuple[time, time, time],
                       sent: frozenset[str] | set[str] = frozenset()) -> list[LeadNotice]:
    """Each touchpoint pushed to its owner at once (or the team's managers when nobody owns the
    customer); not handled within touchpoint_within_hours -> the owner's manager."""
    from reminders import lead_texts

    out = []
    for t in touches:
        if t.handled_at is not None:
            continue
        targets = [people[t.owner_id]] if t.owner_id in people else bosses(None, people)
        pushed = working_start(t.received_at, tz, calendar, settings)  # nobody is woken at night
        if pushed > now:
            continue
        for person in targets:
            key = f"touch:push:{t.id}:{person.id}"
            if key not in sent:
                out.append(LeadNotice("touchpoint", person.id, f"touchpoint:{t.id}",
                                      lead_texts.touch(t, person.id != t.owner_id), pushed, key))
        deadline = pushed + timedelta(hours=settings.touchpoint_within_hours)
        at = _defer(deadline, tz, calendar, quiet) if deadline <= now else None
        if at is None or at > now:
            continue
        who = people[t.owner_id].name if t.owner_id in people else None
        for boss in bosses(t.owner_id, people):
            key = f"touch:late:{t.id}:{boss.id}"
            if key not in sent:
                out.append(LeadNotice("touch_late", boss.id, f"touchpoint:{t.id}",
                                      lead_texts.touch_late(t, who, settings.touchpoint_within_hours), at, key))
    return out


@dataclass(frozen=True)
class RenewalView:
    customer_id: int
    customer: str
    owner_id: int | None
    end_date: date
    record: str = ""  # the customer's year: orders, objections, broken promises


def renewal_times(end: date, settings: LeadSettings, tz) -> tuple[datetime, datetime]:
    """(owner reminder, manager reminder): renewal_time on the days 90 and 60 days before the end."""
    owner = at_local(end - timedelta(days=settings.renewal_owner_days), settings.renewal_time, tz)
    manager = at_local(end - timedelta(days=settings.renewal_manager_days), settings.renewal_time, tz)
    return owner, manager


def renewal_notices(renewals: list[RenewalView], people: Mapping[int, Person], now: datetime, tz,
                    calendar: WorkCalendar, settings: LeadSettings, quiet: tuple[time, time, time],
                    sent: frozenset[str] | set[str] = frozenset()) -> list[LeadNotice]:
    """The owner 90 days before a contract ends, the manager 60 days before, each with the customer's
    record of the year; on a non-working day the next working morning. Nothing once it has ended."""
    from reminders import lead_texts

    out = []
    for r in renewals:
        if now.astimezone(tz).date() > r.end_date:
            continue
        owner_at, manager_at = renewal_times(r.end_date, settings, tz)
        owner_at, manager_at = _defer(owner_at, tz, calendar, quiet), _defer(manager_at, tz, calendar, quiet)
        subject = f"customer:{r.customer_id}"
        if r.owner_id in people and owner_at <= now:
            key = f"renewal:{r.customer_id}:{r.end_date}:owner"
            if key not in sent:
                out.append(LeadNotice("renewal", r.owner_id, subject, lead_texts.renewal(r, None), owner_at, key))
        if manager_at <= now:
            who = people[r.owner_id].name if r.owner_id in people else None
            for boss in bosses(r.owner_id, people):
                key = f"renewal:{r.customer_id}:{r.end_date}:{boss.id}"
                if key not in sent:
                    out.append(LeadNotice("renewal", boss.id, subject, lead_texts.renewal(r, who or "（无负责人）"),
                                          manager_at, key))
    return out


def risk_notices(note_id: int, author_id: int, customer: str | None, risks: list[dict],
                 people: Mapping[int, Person], at: datetime) -> list[LeadNotice]:
    """The manager gets each sentence with a verbal promise beyond standard terms."""
    from reminders import lead_texts

    risks = [r for r in risks if isinstance(r, dict) and r.get("text")]
    if not risks:
        return []
    author = people.get(author_id)
    text = lead_texts.risk(author.name if author else f"#{author_id}", customer, risks)
    return [LeadNotice("risk", boss.id, f"note:{note_id}", text, at, f"risk:{note_id}:{boss.id}")
            for boss in bosses(author_id, people)]


def buttons_for(kind: str, subject: str) -> tuple:
    """Button rows (label, data) under a lead offer or a touchpoint push."""
    name, _, ident = subject.partition(":")
    if kind == "lead" and name == "lead":
        return ((("认领", f"lclaim:{ident}"), ("放弃", f"lpass:{ident}")),)
    if kind == "touchpoint" and name == "touchpoint":
        return ((("已处理", f"tdone:{ident}"),),)
    return ()
