"""`salesbot` commands for operators (issue 10): member deactivate / set, invite revoke, catalog import,
backup, restore, privacy export / erase / sweep. Registered by bot.cli.build_parser; same conventions
(results on stdout, messages on stderr, exit 2 for usage errors, 1 for other failures)."""
from __future__ import annotations

import json
import sys

from bot.cli import UsageError, emit, find_team_arg, open_store, resolve_member


def register(sub, member_sub) -> None:
    m = member_sub.add_parser("deactivate", help="deactivate a member; their open work moves to --handover-to")
    m.add_argument("name")
    m.add_argument("--handover-to", required=True, metavar="NAME", help="the member taking over (same team)")
    m.add_argument("--team", help="team name (required when the name is ambiguous)")
    m.set_defaults(func=cmd_member_deactivate)
    m = member_sub.add_parser("activate", help="bring a deactivated member back (their chat accounts work again)")
    m.add_argument("name")
    m.add_argument("--team", help="team name (required when the name is ambiguous)")
    m.set_defaults(func=cmd_member_activate)
    m = member_sub.add_parser("set", help="change a member's manager and/or role")
    m.add_argument("name")
    m.add_argument("--manager", help="the new manager (same team); 'none' removes it")
    m.add_argument("--role", choices=["rep", "manager", "lead", "admin"])
    m.add_argument("--name", dest="new_name", help="a new display name (unique in the team)")
    m.add_argument("--team")
    m.set_defaults(func=cmd_member_set)

    s = sub.add_parser("catalog", help="the team's own catalogue (products, customers)")
    catalog_sub = s.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    c = catalog_sub.add_parser("import", help="products or customers from a CSV or XLSX file")
    c.add_argument("kind", choices=["products", "customers"])
    c.add_argument("file", metavar="FILE")
    c.add_argument("--team", required=True)
    c.set_defaults(func=cmd_catalog_import)

    s = sub.add_parser("backup", help="copy the SQLite database to FILE while the bot runs")
    s.add_argument("file", metavar="FILE")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", help="replace the SQLite database with a backup FILE (stop the bot first)")
    s.add_argument("file", metavar="FILE")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("privacy", help="one person's personal data: export or erase; voice retention")
    s.add_argument("action", choices=["export", "erase", "sweep"])
    s.add_argument("--contact", help="the person's name as stored (export, erase)")
    s.add_argument("--customer", help="only that customer's contact of that name")
    s.add_argument("--team")
    s.add_argument("--days", type=int, help="sweep: voice retention in days (default [privacy] voice_retention_days)")
    s.set_defaults(func=cmd_privacy)


# --- people ----------------------------------------------------------------------------------------

def cmd_member_deactivate(args, config) -> int:
    from storage import people

    with open_store(config) as session:
        leaver = resolve_member(session, args.name, args.team)
        receiver = resolve_member(session, args.handover_to, args.team or _team_name(session, leaver))
        try:
            done = people.deactivate(session=session, member=leaver, handover_to=receiver)
        except people.PeopleError as exc:
            raise UsageError(str(exc)) from None
        emit({"member": leaver.name, "handover_to": receiver.name, "deals": done.deals,
              "customers": done.customers, "commitments": done.commitments, "leads": done.leads,
              "touchpoints": done.touchpoints, "told": len(done.told)})
        print(f"已停用 {leaver.name}，{done.summary()} 已交接给 {receiver.name}；"
              f"通知已写入发送队列（{len(done.told)} 人，运行中的机器人一分钟内发出）。", file=sys.stderr)
    return 0


def cmd_member_activate(args, config) -> int:
    from storage import people

    with open_store(config) as session:
        member = resolve_member(session, args.name, args.team)
        try:
            people.activate(session=session, member=member)
        except people.PeopleError as exc:
            raise UsageError(str(exc)) from None
        emit({"member": member.name, "active": True})
        print(f"已启用 {member.name}；TA 的聊天账号可以继续使用（交接出去的工作仍由接手的同事负责）。", file=sys.stderr)
    return 0


def cmd_member_set(args, config) -> int:
    from storage import people

    if not args.manager and not args.role and not args.new_name:
        raise UsageError("请给出 --manager、--role 或 --name")
    with open_store(config) as session:
        member = resolve_member(session, args.name, args.team)
        if args.new_name:
            try:
                people.rename_member(session=session, member=member, name=args.new_name)
            except people.PeopleError as exc:
                raise UsageError(str(exc)) from None
            if not args.manager and not args.role:
                print(f"已改名为 {member.name}")
                return 0
        clear = (args.manager or "").lower() in ("none", "无")
        manager = resolve_member(session, args.manager, _team_name(session, member)) \
            if args.manager and not clear else None
        try:
            people.change_member(session=session, member=member, manager=manager, role=args.role, clear_manager=clear)
        except people.PeopleError as exc:
            raise UsageError(str(exc)) from None
        boss = f"，上级 {manager.name}" if manager else ("，无上级" if clear else "")
        print(f"已更新 {member.name}（角色 {member.role}{boss}）")
    return 0


def cmd_invite_revoke(args, config) -> int:
    from storage import people

    if not args.code:
        raise UsageError("请给出邀请码：salesbot invite revoke CODE")
    with open_store(config) as session:
        try:
            invite = people.revoke_invite(session=session, code=args.code)
        except people.PeopleError as exc:
            raise LookupError(str(exc)) from None
        print(f"邀请码 {invite.code} 已作废。")
    return 0


def _team_name(session, member) -> str:
    from storage.models import Team

    return session.get(Team, member.team_id).name


# --- catalogue ---------------------------------------------------------------------------------------

def cmd_catalog_import(args, config) -> int:
    from bot.lead_import import ImportFileError, read_rows
    from storage import catalog

    with open_store(config) as session:
        team = find_team_arg(session, args.team)
        try:
            rows = list(read_rows(args.file))
        except ImportFileError as exc:
            raise UsageError(str(exc)) from None
        importer = catalog.import_products if args.kind == "products" else catalog.import_customers
        done = importer(session=session, team=team, rows=rows)
    for number, field, error in done.refused:
        emit({"row": number, "field": field, "error": error})
    for number, ident in done.stored:
        emit({"row": number, "id": ident})
    if done.unknown_headers:
        print(f"忽略未知的列：{'、'.join(sorted(done.unknown_headers))}", file=sys.stderr)
    kind = "产品" if args.kind == "products" else "客户"
    print(f"导入 {len(done.stored)} 条{kind}" + (f"，{len(done.refused)} 行有误" if done.refused else ""),
          file=sys.stderr)
    return 0


# --- backup ------------------------------------------------------------------------------------------

def cmd_backup(args, config) -> int:
    from storage.backup import BackupError, backup
    from storage.db import database_url

    try:
        path = backup(database_url(config), args.file)
    except BackupError as exc:
        raise RuntimeError(str(exc)) from None
    print(f"已备份到 {path}", file=sys.stderr)
    return 0


def cmd_restore(args, config) -> int:
    from storage.backup import BackupError, restore
    from storage.db import database_url, upgrade_database

    url = database_url(config)
    try:
        path = restore(args.file, url)
    except BackupError as exc:
        raise RuntimeError(str(exc)) from None
    revision = upgrade_database(url)  # an older backup is brought up to this version's schema
    print(f"已从 {args.file} 恢复到 {path}（数据库版本 {revision}）", file=sys.stderr)
    return 0


# --- privacy -----------------------------------------------------------------------------------------

def cmd_privacy(args, config) -> int:
    from storage import privacy

    if args.action == "sweep":
        days = args.days if args.days is not None else retention_days(config)
        with open_store(config) as session:
            total = 0
            while True:
                swept = privacy.sweep_voice(session=session, days=days)
                total += swept
                if swept == 0:
                    break
        print(f"已删除 {total} 个超过 {days} 天的语音文件（转写文字保留）。", file=sys.stderr)
        return 0
    if not args.contact:
        raise UsageError("请给出 --contact 姓名")
    with open_store(config) as session:
        team = find_team_arg(session, args.team) if args.team else None
        try:
            person = privacy.find_person(session=session, contact=args.contact, customer=args.customer, team=team)
        except privacy.PrivacyError as exc:
            raise LookupError(str(exc)) from None
        if args.action == "export":
            print(json.dumps(privacy.export(session=session, person=person), ensure_ascii=False, indent=2))
            return 0
        done = privacy.erase(session=session, person=person)
        emit({"contact": args.contact, "rows": done.rows, "voice_files": done.voice_files})
        print(f"已删除「{args.contact}」的个人信息：{sum(done.rows.values())} 行记录、{done.voice_files} 个语音文件。",
              file=sys.stderr)
    return 0


def retention_days(config: dict) -> int:
    return int((config.get("privacy") or {}).get("voice_retention_days", 30))
