"""`salesbot health`, `salesbot radar` and `salesbot insights due` (issue 21)."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli import UsageError, emit, find_team_arg, open_store, resolve_member


def _now(value: str | None, team) -> datetime:
    """--now as an aware time (no offset: the team's timezone); absent: now."""
    tz = ZoneInfo(team.timezone or "Asia/Shanghai")
    if not value:
        return datetime.now(tz)
    try:
        now = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"not an ISO time: {value!r}") from None
    return now if now.tzinfo else now.replace(tzinfo=tz)


def _policy(config):
    from insights.policy import InsightsConfigError, policy_from_config
    from storage.stages import stages_from_config

    try:
        return policy_from_config(config), stages_from_config(config)
    except (InsightsConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def cmd_health(args, config) -> int:
    """Every open deal of the team with its health and reasons, lowest first."""
    from insights.read import team_health

    policy, stages = _policy(config)
    with open_store(config) as session:
        try:
            team = find_team_arg(session, args.team)
        except LookupError as exc:
            raise UsageError(str(exc)) from None
        scored = team_health(session, team, _now(args.now, team), policy, stages)
    for h in scored:
        if args.json:
            emit(h.to_json())
        else:
            print(f"{h.score:3d}  #{h.deal.deal_id} {h.deal.customer} · {h.deal.stage} · {h.deal.owner}"
                  + (f"  {'；'.join(h.reasons)}" if h.reasons else ""), flush=True)
    if not scored and not args.json:
        print("没有进行中的商机。", file=sys.stderr)
    return 0


def cmd_radar(args, config) -> int:
    """One rep's six axes (JSON with --json) and the radar chart as a PNG file."""
    from bot.insight_reports import radar_lines, radar_png, team_radars
    from storage.models import Team

    policy, stages = _policy(config)
    with open_store(config) as session:
        try:
            member = resolve_member(session, args.member, args.team)
        except LookupError as exc:
            raise UsageError(str(exc)) from None
        team = session.get(Team, member.team_id)
        found = [r for r in team_radars(session=session, team=team, stages=stages, policy=policy,
                                        now=_now(args.now, team)) if r.member_id == member.id]
        team_name = team.name
    if not found:
        raise UsageError(f"「{member.name}」不是在职的销售，没有能力雷达")
    radar = found[0]
    if args.out:
        Path(args.out).write_bytes(radar_png(radar, team_name, policy))
    if args.json:
        emit(radar.to_json())
    else:
        print("\n".join(radar_lines(radar, policy)), flush=True)
    return 0


def cmd_insights_due(args, config) -> int:
    """What the insight desk would send at --now and has not sent: a dry run, nothing is written."""
    from insights.desk import InsightDesk
    from insights.policy import InsightsConfigError
    from storage.db import database_url, open_database
    from storage.reminder_queries import teams as all_teams

    try:
        now = datetime.fromisoformat(args.now)
    except ValueError:
        raise UsageError(f"not an ISO time: {args.now!r}") from None
    try:
        desk_config = config
        engine, sessions = open_database(database_url(config))
        desk = InsightDesk(sessions=sessions, config=desk_config)
    except (InsightsConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    try:
        with sessions() as session:
            try:
                chosen = [find_team_arg(session, args.team)] if args.team else all_teams(session=session)
            except LookupError as exc:
                raise UsageError(str(exc)) from None
        found = []
        for team in chosen:  # an ISO time without an offset is read in each team's own timezone
            at = now if now.tzinfo else now.replace(tzinfo=ZoneInfo(team.timezone))
            found += desk.dry_run(at, team)
    finally:
        engine.dispose()
    found.sort(key=lambda obj: datetime.fromisoformat(obj["due_at"]))
    for obj in found:
        if args.json:
            emit(obj)
        else:
            print(f"{obj['due_at']}  {obj['kind']}  {obj['recipient']}  {obj['text'].splitlines()[0]}", flush=True)
    if not found and not args.json:
        print("没有待发送的洞察。", file=sys.stderr)
    return 0


def register(sub) -> None:
    s = sub.add_parser("health", help="deal health of a team's open deals, lowest first")
    s.add_argument("--team", required=True)
    s.add_argument("--now", help="ISO time (default now; no offset = the team's timezone)")
    s.add_argument("--json", action="store_true", help='one {"deal", "customer", "score", "reasons"} per line')
    s.set_defaults(func=cmd_health)

    s = sub.add_parser("radar", help="a rep's capability radar: six axes, and the chart as a PNG")
    s.add_argument("--team", help="the member's team (required when the name is in several teams)")
    s.add_argument("--member", required=True, help="the rep's name")
    s.add_argument("--out", metavar="FILE.png", help="write the radar chart here")
    s.add_argument("--now", help="ISO time (default now; no offset = the team's timezone)")
    s.add_argument("--json", action="store_true", help="the six axes as one JSON object")
    s.set_defaults(func=cmd_radar)

    s = sub.add_parser("insights", help="insight notices (at-risk lists, churn warnings, coaching, briefs)")
    insights_sub = s.add_subparsers(dest="insights_command", metavar="ACTION", required=True)
    d = insights_sub.add_parser("due", help="insights due at --now and not sent yet (a dry run: nothing is written)")
    d.add_argument("--now", required=True, help="ISO time (no offset = the team's timezone)")
    d.add_argument("--team", help="only this team")
    d.add_argument("--json", action="store_true", help="one {kind, recipient, due_at, text, dedupe_key} per line")
    d.set_defaults(func=cmd_insights_due)
