"""`salesbot` commands. Global options come before the command; results go to stdout, logs to stderr.

Exit codes: 0 success (also when some input lines or files were refused and reported as error
objects), 2 usage errors, 1 other failures.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

log = logging.getLogger("salesbot")
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


class UsageError(Exception):
    """Wrong arguments: exit 2."""


def emit(obj) -> None:
    """One JSON object per line on stdout."""
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def parse_ref(value: str | None) -> datetime:
    """An ISO time; without an offset it is read in Asia/Shanghai; absent means now."""
    if not value:
        return datetime.now(DEFAULT_TZ)
    try:
        ref = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"not an ISO time: {value!r}") from exc
    return ref if ref.tzinfo else ref.replace(tzinfo=DEFAULT_TZ)


def read_jsonl(path: str):
    """Yields (line_number, object or None, error text or None) for each non-empty line."""
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: not JSON ({exc.msg})"
                continue
            if not isinstance(obj, dict):
                yield number, None, f"line {number}: not a JSON object"
                continue
            yield number, obj, None


# --- nlu: parse, dates, eval ---------------------------------------------------------------

def cmd_parse(args, config) -> int:
    from nlu.parser import parse

    industry = args.industry or config.get("team", {}).get("industry") or None
    catalogue = _catalogue_arg(args.catalogue)
    if args.jsonl:
        for number, obj, error in read_jsonl(args.jsonl):
            if error:
                emit({"id": None, "error": error})
                continue
            text = obj.get("text")
            if not isinstance(text, str):
                emit({"id": obj.get("id"), "error": "missing text"})
                continue
            try:
                ref = parse_ref(obj.get("ref") or args.ref)
            except UsageError as exc:
                emit({"id": obj.get("id"), "error": str(exc)})
                continue
            extraction = parse(text, ref, obj.get("industry") or industry, **catalogue)
            if "error" in extraction:
                emit({"id": obj.get("id"), "error": extraction["error"]})
            else:
                emit({"id": obj.get("id"), "extraction": extraction})
        return 0
    if args.text is None:
        raise UsageError("parse needs TEXT or --jsonl FILE")
    emit(parse(args.text, parse_ref(args.ref), industry, **catalogue))
    return 0


def cmd_dates(args, config) -> int:
    from nlu.dates import find_times

    if args.jsonl:
        for number, obj, error in read_jsonl(args.jsonl):
            if error:
                emit({"id": None, "error": error})
                continue
            try:
                ref = parse_ref(obj.get("ref") or args.ref)
                times = [t.to_json() for t in find_times(str(obj.get("text") or ""), ref)]
            except UsageError as exc:
                emit({"id": obj.get("id"), "error": str(exc)})
                continue
            emit({"id": obj.get("id"), "times": times})
        return 0
    if args.text is None:
        raise UsageError("dates needs TEXT or --jsonl FILE")
    for t in find_times(args.text, parse_ref(args.ref)):
        emit(t.to_json())
    return 0


def cmd_eval(args, config) -> int:
    """The reference scorer's figures, then where attribution fails (kind confusions, worst notes)."""
    from nlu.evaluate import evaluate_file, format_confusions, format_report

    result = evaluate_file(args.file, _catalogue_arg(args.catalogue) or None, with_confusions=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(format_report(result))
        print()
        print(format_confusions(result))
    return 0


# --- speech: transcribe --------------------------------------------------------------------

def cmd_transcribe(args, config) -> int:
    """Each FILE -> its transcript; a refused file is reported as an error and the others go on."""
    from pathlib import Path

    from nlu.asr import ModelError, Transcriber
    from nlu.audio import AudioError

    if args.beam:
        config.setdefault("asr", {})["beam_size"] = args.beam
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # per-file chatter
    transcriber = Transcriber.from_config(config)
    industry = args.industry or config.get("team", {}).get("industry") or None
    catalogue = read_catalogue(args.catalogue) if args.catalogue else []
    ref = parse_ref(args.ref) if args.parse else None
    for name in args.files:
        try:
            t = transcriber.transcribe(name, Path(name).suffix, catalogue=catalogue, industry=industry)
        except AudioError as exc:
            report_transcript(args, {"file": name, "error": exc.user_message})
            continue
        except ModelError:
            raise  # no file can be transcribed: exit 1
        except Exception as exc:  # one odd file never stops the others
            log.debug("transcribe %s", name, exc_info=True)
            report_transcript(args, {"file": name, "error": f"无法转写这段语音（{type(exc).__name__}）"})
            continue
        result = {"file": name, "text": t.text, "seconds": t.seconds, "duration": t.duration}
        if args.parse:
            from nlu.parser import parse

            result["extraction"] = parse(t.text, ref, industry)
        report_transcript(args, result)
    return 0


def _catalogue_arg(path: str | None) -> dict:
    if not path:
        return {}
    try:
        return catalogue_for_parse(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the catalogue {path}: {exc}") from exc


def catalogue_for_parse(path: str) -> dict:
    """A catalogue file for the parser: {"products": {term: term}, "customers": [names]}. A line may say
    what it is (`customer: 恒通机械`, `product: X3-200`, `competitor: 博世`); a bare term that is shaped like
    an organisation (恒通机械, Harbor Tools) is a customer, any other a product; competitors are not passed
    (the packs know rivals, and a rival named by the team is no product of ours)."""
    from nlu.customer import looks_like_org

    products, customers = {}, []
    for line in read_catalogue(path):
        kind, sep, term = line.partition(":")
        kind = kind.strip().lower() if sep else ""
        term = term.strip() if sep and kind in ("customer", "product", "competitor", "客户", "产品", "竞品") else line
        if kind in ("competitor", "竞品"):
            continue
        if kind in ("customer", "客户") or not kind and looks_like_org(term):
            customers.append(term)
        else:
            products[term] = term
    return {"products": products, "customers": customers}


def read_catalogue(path: str) -> list[str]:
    """One term per line (customers, products, competitors); blank lines and # comments skipped."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def report_transcript(args, result: dict) -> None:
    if args.json:
        emit(result)
    elif "error" in result:
        print(f"{result['file']}: {result['error']}", file=sys.stderr)
    else:
        prefix = f"{result['file']}\t" if len(args.files) > 1 else ""
        print(prefix + result["text"], flush=True)
        if "extraction" in result:
            print(json.dumps(result["extraction"], ensure_ascii=False), flush=True)


# --- the bot: run, note --------------------------------------------------------------------

def cmd_run(args, config) -> int:
    """The main job: every configured channel and the web server until SIGINT/SIGTERM."""
    import asyncio

    from bot.app import build_app, serve

    if args.host:
        config.setdefault("web", {})["host"] = args.host
    if args.port:
        config.setdefault("web", {})["port"] = args.port
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.queue import is_queued

    if is_queued(config):  # all-in-one on the procrastinate backend: the web process and a worker
        from bot.processes import check, run_all

        check(config)
        asyncio.run(run_all(config))
        return 0
    asyncio.run(serve(build_app(config)))
    return 0


def cmd_web(args, config) -> int:
    """The procrastinate backend's web process: records and defers, transcribes nothing."""
    import asyncio

    from bot.processes import check, run_web
    from bot.queue import is_queued

    if not is_queued(config):
        raise UsageError('salesbot web needs [queue] backend = "procrastinate" (with the inline backend, '
                         'salesbot run does everything in one process)')
    check(config)
    if args.host:
        config.setdefault("web", {})["host"] = args.host
    if args.port:
        config.setdefault("web", {})["port"] = args.port
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(run_web(config))
    return 0


def cmd_worker(args, config) -> int:
    """A worker of the procrastinate backend: runs the jobs of --queues until SIGTERM."""
    import asyncio

    from bot.processes import check, run_worker
    from bot.queue import QUEUES, is_queued

    if not is_queued(config):
        raise UsageError('salesbot worker needs [queue] backend = "procrastinate"')
    queues = [q.strip() for q in (args.queues or ",".join(QUEUES)).split(",") if q.strip()]
    unknown = [q for q in queues if q not in QUEUES]
    if unknown or not queues:
        raise UsageError(f"unknown queue {', '.join(unknown) or '(none)'}: choose from {', '.join(QUEUES)}")
    check(config)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(run_worker(config, queues, concurrency=args.concurrency))
    return 0


def cmd_telegram_set_webhook(args, config) -> int:
    """Sets the Telegram webhook once for every web process ([telegram] webhook_url)."""
    import asyncio

    from bot.channels.telegram import TelegramChannel

    telegram = config.get("telegram") or {}
    if not telegram.get("token"):
        raise UsageError("[telegram] token (or SALESBOT_TELEGRAM_TOKEN) is not set")
    if not telegram.get("webhook_url"):
        raise UsageError("[telegram] webhook_url is not set: the public https URL that forwards to /telegram/webhook")

    async def ignore(inbound):
        return None
    url = asyncio.run(TelegramChannel(telegram, ignore).register_webhook())
    print(f"Telegram webhook 已设置：{url}")
    return 0


def cmd_note(args, config) -> int:
    """Stores a note as a member exactly as if it came through chat; prints the bot's replies."""
    import asyncio

    from bot.app import build_app
    from storage import teams

    app = build_app(config, with_channels=False)
    with app.sessions() as session:
        try:
            team = teams.find_team(session=session, name=args.team) if args.team else None
            member = teams.find_member(session=session, name=args.user, team=team)
        except teams.Ambiguous as exc:
            raise UsageError(f"{exc}; add --team") from exc
        except teams.NotFound as exc:
            raise UsageError(str(exc)) from exc
        tz = ZoneInfo(session.get(teams.Team, member.team_id).timezone)
    at = parse_ref(args.at) if args.at else datetime.now(tz)
    if args.at and datetime.fromisoformat(args.at).tzinfo is None:
        at = datetime.fromisoformat(args.at).replace(tzinfo=tz)
    replies = asyncio.run(_note_as(app, member.id, at, args.text))
    if args.json:
        emit(replies)
    else:
        for text in replies["replies"]:
            print(text, flush=True)
    return 0


async def _note_as(app, member_id: int, at: datetime, text: str) -> dict:
    import uuid

    from bot.conversation import _who
    from bot.messages import Inbound
    from storage.models import Member, Note

    replies: list[str] = []

    class Printer:
        async def send(self, outbound):
            replies.append(outbound.text)
            return str(len(replies))

    app.channels["cli"] = Printer()
    conversation = app.conversation
    who = await conversation.db(lambda s: _who(s, s.get(Member, member_id)))
    inbound = Inbound(channel="cli", user_id=f"member-{member_id}", chat_id=f"member-{member_id}",
                      message_id=uuid.uuid4().hex, received_at=at, text=text)
    note_id = await conversation.accept(who, inbound)
    await conversation.idle()
    note = await conversation.db(lambda s: s.get(Note, note_id)) if note_id else None
    await conversation.close()
    return {"note_id": note_id, "state": note.state if note else None,
            "extraction": note.extraction if note else None, "replies": replies}


def cmd_due(args, config) -> int:
    """What the reminders would send at --now and has not been sent: a dry run, nothing is marked."""
    from bot.app import team_week_text
    from reminders.policy import PolicyError, policy_from_config
    from reminders.sweep import Sweeper
    from storage.db import database_url, open_database
    from storage.reminder_queries import teams as all_teams

    try:
        now = datetime.fromisoformat(args.now)
    except ValueError:
        raise UsageError(f"not an ISO time: {args.now!r}") from None
    try:
        policy = policy_from_config(config)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None
    engine, sessions = open_database(database_url(config))
    try:
        with sessions() as session:
            chosen = [find_team_arg(session, args.team)] if args.team else all_teams(session=session)
        found = []
        for team in chosen:  # an ISO time without an offset is read in each team's own timezone
            at = now if now.tzinfo else now.replace(tzinfo=ZoneInfo(team.timezone))
            found += Sweeper(sessions, policy, report_text=team_week_text).dry_run(at, team)
    finally:
        engine.dispose()
    found.sort(key=lambda obj: datetime.fromisoformat(obj["due_at"]))  # stable: each team's order kept
    for obj in found:
        if args.json:
            emit(obj)
        else:
            print(f"{obj['due_at']}  {obj['kind']}  {obj['recipient']}  {obj['text'].splitlines()[0]}", flush=True)
    if not found and not args.json:
        print("没有待发送的提醒。", file=sys.stderr)
    return 0


# --- leads --------------------------------------------------------------------------------

def cmd_leads_import(args, config) -> int:
    """Leads from a CSV or XLSX file whose headers are the lead fields; bad rows are reported, not fatal."""
    from bot.lead_import import ImportFileError, import_file

    with open_store(config) as session:
        try:
            team = find_team_arg(session, args.team)
            stored, refused = import_file(session, team, args.file)
        except (LookupError, ImportFileError) as exc:
            raise UsageError(str(exc)) from None
    print(f"导入 {stored} 条线索" + (f"，{refused} 行有误" if refused else ""), file=sys.stderr)
    return 0


# --- storage: db, team, invite, member ------------------------------------------------------

@contextmanager
def open_store(config):
    """A session on the configured database, migrated first (as at every start-up)."""
    from storage.db import database_url, open_database

    engine, make_session = open_database(database_url(config))
    try:
        with make_session() as session:
            yield session
    finally:
        engine.dispose()


def find_team_arg(session, name: str):
    from storage.teams import NotFound, find_team

    try:
        return find_team(session=session, name=name)
    except NotFound:
        raise LookupError(f"没有名为「{name}」的团队") from None


def resolve_member(session, name: str, team_name: str | None = None):
    """A member by name; --team is required (UsageError, exit 2) when the name is in several teams."""
    from storage.teams import Ambiguous, NotFound, find_member

    team = find_team_arg(session, team_name) if team_name else None
    try:
        return find_member(session=session, name=name, team=team)
    except Ambiguous as exc:
        teams = "、".join(sorted({find_team_name(session, m.team_id) for m in exc.candidates}))
        raise UsageError(f"成员「{name}」在多个团队中都有（{teams}），请用 --team 指定团队") from None
    except NotFound:
        where = f"团队「{team_name}」中" if team_name else ""
        raise LookupError(f"{where}没有名为「{name}」的成员") from None


def find_team_name(session, team_id: int) -> str:
    from storage.models import Team

    return session.get(Team, team_id).name


def cmd_db_upgrade(args, config) -> int:
    from sqlalchemy.engine import make_url

    from storage.db import database_url, upgrade_database

    from bot.queue import is_queued, require_postgresql

    url = require_postgresql(config) if is_queued(config) else database_url(config)
    revision = upgrade_database(url)
    print(f"数据库已是最新版本 {revision}：{make_url(url).render_as_string(hide_password=True)}")
    if is_queued(config):  # the procrastinate backend keeps its jobs in the same database
        from bot.processes import apply_queue_schema

        created = apply_queue_schema(url)
        print("任务队列（procrastinate）的表已创建" if created else "任务队列（procrastinate）的表已存在")
    return 0


def cmd_team_create(args, config) -> int:
    from storage.teams import Conflict, add_team, check_timezone

    defaults = config.get("team", {})
    timezone = args.timezone or defaults.get("timezone") or "Asia/Shanghai"
    try:
        check_timezone(timezone)
    except ValueError:
        raise UsageError(f"未知的时区：{timezone}（例如 Asia/Shanghai）") from None
    industry = args.industry or defaults.get("industry") or ""
    if industry:
        from nlu.lexicon import find_pack, packs

        if find_pack(industry) is None:   # an unknown industry would silently give no pack
            known = "、".join(p.slug for p in packs())
            raise UsageError(f"未知的行业：{industry}。可用的行业：{known}")
    with open_store(config) as session:
        try:
            team = add_team(session=session, name=args.name, timezone=timezone, industry=industry)
        except Conflict:
            raise LookupError(f"团队「{args.name.strip()}」已存在") from None
        print(f"已创建团队「{team.name}」（时区 {team.timezone}，行业 {team.industry or '自动识别'}）")
    return 0


def cmd_member_add(args, config) -> int:
    from storage.teams import Conflict, add_member

    with open_store(config) as session:
        team = find_team_arg(session, args.team)
        manager = resolve_member(session, args.manager, args.team) if args.manager else None
        try:
            member = add_member(session=session, team=team, name=args.name, role=args.role, manager=manager)
        except Conflict:
            raise LookupError(f"团队「{team.name}」已有成员「{args.name.strip()}」") from None
        boss = f"，上级 {manager.name}" if manager else ""
        print(f"已添加成员「{member.name}」（团队 {team.name}，角色 {member.role}{boss}）")
    return 0


def cmd_member_show(args, config) -> int:
    from sqlmodel import select

    from storage.models import ChannelAccount, Member

    with open_store(config) as session:
        if args.name:
            members = [resolve_member(session, args.name, args.team)]
        else:
            query = select(Member).order_by(Member.team_id, Member.id)
            if args.team:
                query = query.where(Member.team_id == find_team_arg(session, args.team).id)
            members = list(session.exec(query).all())
        for member in members:
            manager = session.get(Member, member.manager_id) if member.manager_id else None
            accounts = session.exec(select(ChannelAccount).where(ChannelAccount.member_id == member.id)).all()
            emit({"name": member.name, "team": find_team_name(session, member.team_id), "role": member.role,
                  "manager": manager.name if manager else None, "active": member.active,
                  "accounts": [f"{a.channel}:{a.external_id}" for a in accounts]})
    return 0


def cmd_invite(args, config) -> int:
    from datetime import timedelta

    from storage.teams import create_invite

    if args.action == "revoke":  # salesbot invite revoke CODE (bot/ops_cli.py)
        from bot.ops_cli import cmd_invite_revoke
        return cmd_invite_revoke(args, config)
    if args.action or not args.team or not args.role:
        raise UsageError("用法：salesbot invite --team T --role R …，或 salesbot invite revoke CODE")
    if args.days <= 0 or args.uses <= 0:
        raise UsageError("--days 和 --uses 必须是正数")
    with open_store(config) as session:
        team = find_team_arg(session, args.team)
        manager = resolve_member(session, args.manager, args.team) if args.manager else None
        member = resolve_member(session, args.member, args.team) if args.member else None
        if member is not None:  # the admin describes the person the code is for
            member.role = args.role
            if manager is not None:
                member.manager_id = manager.id
            session.add(member)
            session.commit()
        invite = create_invite(session=session, team=team, role=args.role, manager=manager, member=member,
                               expires_in=timedelta(days=args.days), max_uses=args.uses)
        until = invite.expires_at.astimezone(ZoneInfo(team.timezone)).strftime("%Y-%m-%d %H:%M")
        who = f"绑定成员 {member.name}" if member else f"角色 {invite.role}"
        print(f"团队「{team.name}」邀请码（{who}，可用 {invite.max_uses} 次，有效期至 {until}）。")
        print("在聊天中发送 /start 邀请码（或「加入 邀请码」）即可加入：")
        print(invite.code)
    return 0


# --- argument parsing ---------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="salesbot", description="SalesBot 销售语音助手")
    p.add_argument("--config", help="config file (env SALESBOT_CONFIG)")
    p.add_argument("--db", help="database URL (env SALESBOT_DATABASE_URL)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("parse", help="text note -> Extraction JSON")
    s.add_argument("text", nargs="?")
    s.add_argument("--ref", help="ISO time the note was made (default now)")
    s.add_argument("--industry")
    s.add_argument("--jsonl", metavar="FILE", help="lines with id, text, ref[, industry]")
    s.add_argument("--catalogue", metavar="FILE", help="the team's terms, one per line (customer: / product: optional)")
    s.set_defaults(func=cmd_parse)

    s = sub.add_parser("dates", help="every time expression in TEXT")
    s.add_argument("text", nargs="?")
    s.add_argument("--ref")
    s.add_argument("--jsonl", metavar="FILE", help="lines with id, text, ref")
    s.set_defaults(func=cmd_dates)

    s = sub.add_parser("eval", help="score the parser on an annotated notes file")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.add_argument("--catalogue", metavar="FILE", help="the team's terms, as for parse --catalogue")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("transcribe", help="voice notes -> Simplified-Chinese text")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--json", action="store_true", help='one {"file", "text", "seconds", "duration"} per line')
    s.add_argument("--parse", action="store_true", help="also parse each transcript (adds extraction)")
    s.add_argument("--ref", help="ISO time the notes were made, for --parse (default now)")
    s.add_argument("--industry", help="industry pack: its product names become hotwords")
    s.add_argument("--catalogue", metavar="FILE", help="team terms, one per line: customers, products, competitors")
    s.add_argument("--beam", type=int, help="beam size (default [asr] beam_size)")
    s.set_defaults(func=cmd_transcribe)

    s = sub.add_parser("db", help="database maintenance")
    db_sub = s.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    d = db_sub.add_parser("upgrade", help="apply the database migrations")
    d.set_defaults(func=cmd_db_upgrade)

    s = sub.add_parser("team", help="teams")
    team_sub = s.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    t = team_sub.add_parser("create", help="create a team")
    t.add_argument("name")
    t.add_argument("--industry", help="industry pack (default: [team] industry)")
    t.add_argument("--timezone", help="IANA timezone (default: [team] timezone)")
    t.set_defaults(func=cmd_team_create)

    s = sub.add_parser("member", help="team members")
    member_sub = s.add_subparsers(dest="member_command", metavar="ACTION", required=True)
    m = member_sub.add_parser("add", help="add a member without a chat account")
    m.add_argument("name")
    m.add_argument("--team", required=True)
    m.add_argument("--role", choices=["rep", "manager", "lead", "admin"], default="rep")
    m.add_argument("--manager", help="the member's manager (a member of the same team)")
    m.set_defaults(func=cmd_member_add)
    m = member_sub.add_parser("show", help="members as JSON lines (one NAME, or a team, or all)")
    m.add_argument("name", nargs="?")
    m.add_argument("--team")
    m.set_defaults(func=cmd_member_show)

    s = sub.add_parser("invite", help="create an invite code (printed as the last line); invite revoke CODE")
    s.add_argument("action", nargs="?", help="revoke: the CODE can no longer be used")
    s.add_argument("code", nargs="?")
    s.add_argument("--team", help="required to create a code")
    s.add_argument("--role", choices=["rep", "manager", "lead", "admin"], help="required to create a code")
    s.add_argument("--manager", help="manager of whoever joins with the code")
    s.add_argument("--member", help="bind the code to this existing member")
    s.add_argument("--days", type=int, default=7, help="valid for N days (default 7)")
    s.add_argument("--uses", type=int, default=1, help="how many people may use it (default 1)")
    s.set_defaults(func=cmd_invite)
    from bot import ops_cli  # member deactivate/set, catalog, backup, restore, privacy (issue 10)
    ops_cli.register(sub, member_sub)
    from bot import insights_cli  # health, radar, insights due (issue 21)
    insights_cli.register(sub)
    s = sub.add_parser("run", help="start the bot: channels and the web chat (default http://127.0.0.1:8321)")
    s.add_argument("--host", help="override [web] host")
    s.add_argument("--port", type=int, help="override [web] port")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("web", help='the web process of [queue] backend = "procrastinate" (records and defers)')
    s.add_argument("--host", help="override [web] host")
    s.add_argument("--port", type=int, help="override [web] port")
    s.set_defaults(func=cmd_web)

    s = sub.add_parser("worker", help='a worker of [queue] backend = "procrastinate"')
    s.add_argument("--queues", help="comma-separated: asr,notes,send,sweep (default: all)")
    s.add_argument("--concurrency", type=int, help="jobs at once (default: [asr] workers with asr, else 4)")
    s.set_defaults(func=cmd_worker)

    s = sub.add_parser("telegram", help="Telegram set-up")
    tg_sub = s.add_subparsers(dest="telegram_command", metavar="ACTION", required=True)
    t = tg_sub.add_parser("set-webhook", help="set the webhook to [telegram] webhook_url (once, for every web process)")
    t.set_defaults(func=cmd_telegram_set_webhook)

    s = sub.add_parser("note", help="store a note as a member, as if sent in chat")
    s.add_argument("text")
    s.add_argument("--user", required=True, help="member name")
    s.add_argument("--team", help="team name (required when the member name is ambiguous)")
    s.add_argument("--at", help="ISO time the note was made (default now; no offset = the team's timezone)")
    s.add_argument("--json", action="store_true", help="print note id, state, extraction and replies as JSON")
    s.set_defaults(func=cmd_note)

    s = sub.add_parser("due", help="reminders due at --now and not sent yet (a dry run: nothing is marked)")
    s.add_argument("--now", required=True, help="ISO time (no offset = the team's timezone)")
    s.add_argument("--team", help="only this team")
    s.add_argument("--json", action="store_true",
                   help="one {kind, recipient, due_at, text, dedupe_key} per line, before batching")
    s.set_defaults(func=cmd_due)

    s = sub.add_parser("leads", help="new leads")
    leads_sub = s.add_subparsers(dest="leads_command", metavar="ACTION", required=True)
    d = leads_sub.add_parser("import", help="leads from a CSV or XLSX file whose headers are the lead fields")
    d.add_argument("file", metavar="FILE")
    d.add_argument("--team", required=True, help="the team the leads are for")
    d.set_defaults(func=cmd_leads_import)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    from bot.config import ConfigError, load_config

    try:
        overrides = {"database": {"url": args.db}} if args.db else None
        config = load_config(args.config, overrides=overrides)
        from bot import redact  # no secret of the config reaches a log line
        redact.install(config)
        from bot.ops_runtime import configure_logging  # [log] format = "json"
        configure_logging(config, verbose=args.verbose)
        return args.func(args, config) or 0
    except UsageError as exc:
        print(f"salesbot {args.command}: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"salesbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one line for the user, the traceback in debug logs
        log.debug("failure", exc_info=True)
        from bot.redact import redact
        print(f"salesbot {args.command}: {redact(exc)}", file=sys.stderr)
        return 1
