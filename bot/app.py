"""Builds the running product from config: database, speech, parser, conversation, channels, web
server; wires `send()` so the conversation (and, with the reminders issue, the scheduler) can reach
a person on whichever channel they use. Factories only: nothing is built at import time."""
from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path

from bot import ops_runtime
from bot.conversation import ChatHistory, Conversation
from bot.messages import Outbound
from bot.web import build_web_app, is_loopback, make_server

log = logging.getLogger(__name__)

DEMO_TEAM = "演示团队"
DEMO_MEMBERS = [  # (account, name, role, manager account)
    ("demo-lead", "演示主管", "lead", None),
    ("demo-manager", "演示经理", "manager", "demo-lead"),
    ("demo-rep", "演示销售", "rep", "demo-manager"),
]
DEMO_LABELS = {"demo-rep": "演示销售（销售）", "demo-manager": "演示经理（经理）", "demo-lead": "演示主管（主管）"}


def default_audio_dir(config: dict) -> Path:
    """Where voice notes are kept: [storage] audio_dir, else <user data dir>/salesbot/audio."""
    configured = (config.get("storage") or {}).get("audio_dir")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("salesbot", appauthor=False)) / "audio"


def other_channels_configured(config: dict) -> bool:
    return bool((config.get("telegram") or {}).get("token") or (config.get("wecom") or {}).get("corp_id"))


@dataclass
class App:
    config: dict
    engine: object
    sessions: object
    conversation: Conversation
    transcriber: object = None
    channels: dict = field(default_factory=dict)
    web: object = None
    server: object = None
    # The reminders issue plugs its scheduler in here: a factory taking this App (it uses
    # app.send_to_member and app.sessions) and returning an object with async start() / stop().
    scheduler_factory: object = None
    scheduler: object = None
    leads: object = None  # bot.intake.LeadService: the intake API and the lead desk
    insights: object = None  # insights.desk.InsightDesk: at-risk lists, churn warnings, coaching, briefs
    warming: object = None  # the start-up warm-up task (parser, speech model and its dictionaries)
    # The procrastinate backend (bot/queue.py, bot/processes.py): the procrastinate App this process
    # defers to, the rate limit shared by every process, and the unscheduled reminder desk of a worker.
    queue: object = None
    rate_limit: object = None
    reminders: object = None
    holder: str = ""

    async def send(self, outbound: Outbound) -> str | None:
        """Delivers through the channel named in the Outbound."""
        channel = self.channels.get(outbound.channel)
        if channel is None:
            log.warning("no channel %r to send through", outbound.channel)
            return None
        if self.rate_limit is not None and outbound.channel in RATE_LIMITED:
            await self.rate_limit.wait(outbound.channel)   # one limit per bot, across processes
        message_id = await channel.send(outbound)
        if message_id is not None and outbound.buttons and getattr(channel, "numbered_buttons", False):
            await self.conversation.options_shown(outbound, message_id)   # a bare number in reply presses one
        return message_id

    async def send_to_member(self, member_id: int, text: str, buttons=(), *, subject: str = "",
                             kind: str = "nudge") -> list[str]:
        """Sends a text to every chat account the member has on a running channel; returns the sent
        keys. With a subject ("commitment:7") each message is remembered, so the member's reply to
        it (完成 / 推迟到… / 取消) or a short answer within 10 minutes refers to that subject."""
        from sqlmodel import select

        from storage.models import ChannelAccount

        accounts = await self.conversation.db(lambda s: [(a.channel, a.external_id) for a in s.exec(
            select(ChannelAccount).where(ChannelAccount.member_id == member_id)).all()])
        sent = []
        for channel, chat in accounts:
            if channel in self.channels:
                message_id = await self.send(Outbound(channel, chat, text=text, buttons=buttons))
                if message_id is not None:
                    sent.append(f"{channel}:{chat}:{message_id}")
        if subject:
            from storage.conversation_queries import record_sent

            for key in sent:
                await self.conversation.db(lambda s, key=key: record_sent(
                    session=s, member_id=member_id, subject=subject, sent_key=key, text=text, kind=kind))
        return sent

    async def health(self) -> dict:
        from bot.ops_runtime import status  # database and scheduler

        body = {"ok": True, "busy": self.conversation.busy, "handled": self.conversation.handled,
                "channels": sorted(self.channels), **await status(self)}
        if self.queue is not None:
            body["queues"] = await queue_status(self)
        return body


RATE_LIMITED = ("telegram", "wecom")


async def queue_status(app: App) -> dict | str:
    """Per queue: jobs todo / doing / failed and the oldest waiting job's age (procrastinate's tables)."""
    from bot.queue import queue_figures

    def read():
        with app.sessions() as session:
            return queue_figures(session)
    try:
        return await asyncio.wait_for(asyncio.to_thread(read), 5)
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def ensure_demo_team(session, timezone: str, industry: str) -> None:
    """The demo team with a lead, a manager and a rep bound to local demo accounts (idempotent)."""
    from storage import teams

    try:
        team = teams.find_team(session=session, name=DEMO_TEAM)
    except teams.NotFound:
        team = teams.add_team(session=session, name=DEMO_TEAM, timezone=timezone, industry=industry)
    by_account = {}
    for account, name, role, manager in DEMO_MEMBERS:
        try:
            member = teams.find_member(session=session, name=name, team=team)
        except teams.NotFound:
            member = teams.add_member(session=session, team=team, name=name, role=role,
                                      manager=by_account.get(manager))
        by_account[account] = member
        if teams.member_for_account(session=session, channel="local", external_id=account) is None:
            teams.bind_account(session=session, member=member, channel="local", external_id=account,
                               display_name=name)


def build_app(config: dict, *, transcriber=None, parse=None, audio_dir=None,
              with_channels: bool = True, queued: bool = False) -> App:
    """Everything `salesbot run` needs, built from the config dict. `queued`: a process of the
    procrastinate backend (bot/processes.py): Telegram never sets its webhook at start-up."""
    from bot import redact
    from storage.db import database_url, open_database
    from storage.stages import stages_from_config

    redact.install(config)  # every log record of the process, whatever library writes it
    engine, sessions = open_database(database_url(config))
    if parse is None:
        from nlu.parser import parse
    if transcriber is None and with_channels:
        from nlu.asr import Transcriber

        transcriber = Transcriber.from_config(config)
    app_ref: dict = {}

    async def send(outbound: Outbound):
        return await app_ref["app"].send(outbound)

    team_defaults = config.get("team") or {}
    from insights.policy import policy_from_config as insight_policy

    conversation = Conversation(sessions=sessions, stages=stages_from_config(config), parse=parse, send=send,
                                transcriber=transcriber,
                                audio_dir=audio_dir or default_audio_dir(config),
                                default_industry=team_defaults.get("industry", ""),
                                insights=insight_policy(config))
    app = App(config=config, engine=engine, sessions=sessions, conversation=conversation, transcriber=transcriber)
    app_ref["app"] = app
    if with_channels:
        _add_channels(app, queued=queued)
        from bot.messages import button_rows
        from reminders.scheduler import ReminderScheduler  # nudges, escalations, alerts, the weekly report
        app.scheduler_factory = lambda built: ReminderScheduler.for_app(built, make_buttons=button_rows,
                                                                        report_text=team_week_text,
                                                                        also=GroupRobotCopies(built))
    return app


class GroupRobotCopies:
    """With [wecom] robot_key, a manager's escalations and alerts and the weekly report also go to the
    team's WeCom group robot (群机器人) — the report once per team and week, however many leads get it."""

    KINDS = ("escalation", "alert", "report")

    def __init__(self, app: App):
        self.app = app
        self.posted: set[str] = set()  # report:<team>:<day> already in the group

    async def __call__(self, message) -> None:
        if message.kind not in self.KINDS or "wecom" not in self.app.channels \
                or not (self.app.config.get("wecom") or {}).get("robot_key"):
            return
        if message.kind == "report":
            reports = {key.rsplit(":", 1)[0] for key in message.keys}
            if reports <= self.posted:
                return
            self.posted |= reports
            text = message.text
        else:
            from storage.models import Member

            name = await self.app.conversation.db(lambda s: getattr(s.get(Member, message.recipient_id), "name", ""))
            text = f"致{name}：\n{message.text}" if name else message.text
        await self.app.send(Outbound("wecom", "#robot", text=text))


def insight_desk(app: App):
    """The insight desk of a running App: its notices go to every chat account of the member."""
    from insights.desk import InsightDesk

    async def send(member_id: int, text: str):
        return await app.send_to_member(member_id, text)

    return InsightDesk(sessions=app.sessions, config=app.config, send=send)


def team_week_text(session, team, now) -> str:
    """The Monday report the reminder scheduler sends to each team's leads."""
    from bot.reports import team_week_report

    return team_week_report(session=session, team=team, now=now).text


def _add_channels(app: App, *, queued: bool = False) -> None:
    from bot.channels.local import FORM_ROOM, LocalChannel

    config = app.config
    web = config.get("web") or {}
    telegram = None
    if (config.get("telegram") or {}).get("token"):
        from bot.channels.telegram import TelegramChannel

        telegram = TelegramChannel(config["telegram"], app.conversation.receive, set_webhook=not queued)
        app.channels["telegram"] = telegram
    wecom = None
    if (config.get("wecom") or {}).get("corp_id"):
        from bot.channels.wecom import WeComChannel

        wecom = WeComChannel(config["wecom"], app.conversation.receive)
        app.channels["wecom"] = wecom
    demo = not other_channels_configured(config) and is_loopback(str(web.get("host", "127.0.0.1")))
    if demo:
        team = config.get("team") or {}
        with app.sessions() as session:
            ensure_demo_team(session, team.get("timezone") or "Asia/Shanghai", team.get("industry") or "")
    voice_bytes = int((config.get("asr") or {}).get("max_bytes") or 20_000_000)
    local = LocalChannel(app.conversation.receive, app.conversation.member_info,
                         demo_accounts=DEMO_LABELS if demo else None, history=ChatHistory(app.conversation),
                         max_upload=voice_bytes + FORM_ROOM)   # speech's own limit plus the form around it
    app.channels["local"] = local
    from bot.intake import LeadService

    app.leads = LeadService(app, queued=queued)
    app.insights = insight_desk(app)
    app.web = build_web_app(local=local, telegram=telegram, health=app.health,
                            extra_routes=[*(wecom.routes() if wecom else ()), *app.leads.routes()],
                            origins=web.get("origins") or ())


async def serve(app: App, *, started: asyncio.Event | None = None, stop: asyncio.Event | None = None,
                warm_up: bool = True, on_stop=None) -> None:
    """Runs until SIGINT/SIGTERM (or `stop` is set): web server, channels, unfinished work.
    `warm_up` loads the speech model and the parser at start rather than on the first note."""
    web = app.config.get("web") or {}
    host, port = str(web.get("host", "127.0.0.1")), int(web.get("port", 8321))
    app.server = make_server(app.web, host, port)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    server_task = asyncio.create_task(app.server.serve(), name="web")
    while not app.server.started:
        if server_task.done():
            await server_task  # raises why it could not start (e.g. the port is taken)
            raise RuntimeError(f"the web server could not listen on {host}:{port}")
        await asyncio.sleep(0.02)
    started_channels = []
    queued = app.queue is not None  # a web process of the procrastinate backend: workers do the rest
    try:
        if warm_up and app.transcriber is not None and getattr(app.transcriber, "loads_model", True):
            app.warming = asyncio.create_task(_warm_up(app), name="warm-up")
        else:   # a web process parses no note, but telling a note from a correction reads dates
            app.warming = asyncio.create_task(asyncio.to_thread(_warm_dates), name="warm-up")
        if not queued:
            await app.conversation.resume()
        for name, channel in app.channels.items():
            if hasattr(channel, "start"):
                await channel.start()
                started_channels.append(channel)
        if app.scheduler_factory is not None and not queued:
            app.scheduler = app.scheduler_factory(app)
            await app.scheduler.start()
        if app.leads is not None and not queued:
            await app.leads.start()
        if app.insights is not None and not queued:
            await app.insights.start()
        if not queued:
            ops_runtime.start(app)  # voice retention sweep
        log.info("salesbot: web chat on http://%s:%d/ ; channels: %s", host, port, ", ".join(app.channels))
        if started is not None:
            started.set()
        await stop.wait()
    finally:
        log.info("salesbot: stopping")
        if on_stop is not None:   # e.g. the in-process worker of `salesbot run` on the queue backend
            await on_stop()
        if app.scheduler is not None:
            await app.scheduler.stop()
        if app.leads is not None:
            await app.leads.stop()
        if app.insights is not None:
            await app.insights.stop()
        await ops_runtime.stop(app)
        for channel in reversed(started_channels):
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping a channel failed")
        if app.warming is not None and not app.warming.done():
            app.warming.cancel()
        await app.conversation.close()
        app.server.should_exit = True
        await server_task
        if app.transcriber is not None:
            app.transcriber.close()


def _warm_dates() -> None:
    """The date patterns, compiled before the first messages rather than during a burst of them."""
    from nlu import time_atoms

    time_atoms.compile_all()


async def _warm_up(app: App) -> None:
    """Loads the parser's dictionaries and the speech model (with the transcript correction's
    dictionaries) before the first note needs them, never on the event loop. The model loads in the
    transcriber's own pool (`load_async`), so a voice note that arrives meanwhile queues behind it."""
    try:
        from datetime import datetime, timezone

        await asyncio.to_thread(app.conversation.parse, "张总，A型号订50台，明天发货", datetime.now(timezone.utc), None)
        await asyncio.to_thread(_warm_dates)
        load = getattr(app.transcriber, "load_async", None)
        if load is not None:
            await load()
        elif hasattr(app.transcriber, "warm_up"):
            await asyncio.to_thread(app.transcriber.warm_up)
        else:
            await asyncio.to_thread(getattr, app.transcriber, "model")
        log.info("salesbot: parser and speech model ready")
    except asyncio.CancelledError:
        raise
    except Exception:
        log.warning("warm-up failed; the first note will load what it needs", exc_info=True)
