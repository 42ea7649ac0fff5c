"""The processes of the distributed mode ([queue] backend = "procrastinate", bot/queue.py):

- `salesbot web`: channel ingress (Telegram webhook, WeCom callback, web chat), the intake API and
  /healthz. It records what comes in and defers the work; it never loads the speech model and runs
  no sweep.
- `salesbot worker [--queues asr,notes,send,sweep]`: runs jobs. Only a worker that serves `asr`
  builds a transcriber (and loads the model on its first job); every worker can send, through the
  channels' APIs, one rate limit per bot shared by all of them.

`salesbot run` (bot.app.serve) stays the all-in-one process of the inline backend.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid

from bot import queue
from bot.config import ConfigError

log = logging.getLogger(__name__)

POLLING_REFUSED = ('[queue] backend = "procrastinate" needs Telegram in webhook mode: set [telegram] mode = '
                   '"webhook" and webhook_url, then run `salesbot telegram set-webhook` once (polling allows '
                   'one consumer per token; several processes cannot share it)')


class NoSpeechHere(RuntimeError, AttributeError):
    """Raised for anything asked of a web process's transcriber."""


class NoSpeech:
    """The web process's transcriber: there is none, and nothing may ask for one."""

    loads_model = False

    def __getattr__(self, name):
        raise NoSpeechHere("the web process transcribes nothing: voice notes go to the asr queue")


def check(config: dict) -> None:
    """What the procrastinate backend refuses before anything starts, with a message saying why."""
    queue.require_postgresql(config)
    telegram = config.get("telegram") or {}
    if telegram.get("token") and (telegram.get("mode") or "polling").strip().lower() != "webhook":
        raise ConfigError(POLLING_REFUSED)


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- the schema ----------------------------------------------------------------------------------

def apply_queue_schema(url: str) -> bool:
    """Creates procrastinate's tables and functions once (True when it did), under the migration lock."""
    from procrastinate.schema import SchemaManager
    from sqlalchemy import text

    from storage.db import MIGRATION_LOCK, make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
                return False
            with connection.connection.dbapi_connection.cursor() as cursor:  # no parameters: '%' is literal
                cursor.execute(SchemaManager.get_schema())
            return True
    finally:
        engine.dispose()


# --- the runtime both processes build ------------------------------------------------------------------

def build_runtime(config: dict, *, serves_asr: bool, web: bool):
    """A bot.app.App for a web or worker process: channels (to send through), the conversation, the
    reminder and lead desks (to decide and send, never scheduled here: procrastinate schedules)."""
    from bot.app import build_app

    transcriber = None
    if serves_asr:
        from nlu.asr import Transcriber

        transcriber = Transcriber.from_config(config)
    app = build_app(config, transcriber=transcriber or NoSpeech(), queued=True)
    app.holder = holder()
    app.rate_limit = queue.RateLimit(app.sessions, queue.settings(config)["send_per_second"])
    app.reminders = app.scheduler_factory(app)   # not started: its sweeper and send are used by jobs
    app.scheduler_factory = None
    return app


async def open_channels_for_sending(app) -> None:
    """Channels of a worker only send: Telegram's client is opened without polling or a webhook."""
    telegram = app.channels.get("telegram")
    if telegram is not None:
        await telegram.application.initialize()


async def close_channels(app) -> None:
    telegram = app.channels.get("telegram")
    if telegram is not None and telegram.application._initialized:
        await telegram.application.shutdown()
    wecom = app.channels.get("wecom")
    if wecom is not None:
        await wecom.stop()


# --- salesbot worker --------------------------------------------------------------------------------

def worker_concurrency(config: dict, queues: list[str]) -> int:
    """Jobs at once: for asr, one per transcription the machine runs at once ([asr] workers, one per
    core); sends and notes wait on the network and the database, so a few more."""
    if "asr" in queues:
        return max(1, int((config.get("asr") or {}).get("workers") or 1))
    return int((config.get("queue") or {}).get("concurrency") or 4)


async def run_worker(config: dict, queues: list[str], *, connector=None, wait: bool = True,
                     concurrency: int | None = None, app=None, install_signals: bool = True) -> None:
    """Runs jobs of `queues` until SIGINT/SIGTERM (or, with wait=False, until they are empty)."""
    if connector is None:
        check(config)
    owned = app is None
    app = app or build_runtime(config, serves_asr="asr" in queues, web=False)
    papp = queue.make_app(config, connector=connector)
    app.queue = papp
    app.conversation.runner = queue.Queued(app.conversation, papp)
    if owned:
        await open_channels_for_sending(app)
        if "asr" in queues and hasattr(app.transcriber, "load_async"):
            app.warming = asyncio.create_task(app.transcriber.load_async(), name="warm-up")
    try:
        async with papp.open_async():
            log.info("salesbot: worker %s on queues %s", app.holder, ",".join(queues))
            await papp.run_worker_async(
                queues=queues, wait=wait, concurrency=concurrency or worker_concurrency(config, queues),
                name=app.holder, additional_context={"runtime": app},
                update_heartbeat_interval=5, stalled_worker_timeout=queue.settings(config)["stalled_seconds"],
                delete_jobs="successful", install_signal_handlers=wait and install_signals)
    finally:
        if owned:
            await close_process(app)


async def close_process(app) -> None:
    await close_channels(app)
    await app.conversation.close()
    if app.transcriber is not None and not isinstance(app.transcriber, NoSpeech):
        app.transcriber.close()
    app.engine.dispose()


# --- salesbot web -----------------------------------------------------------------------------------------

async def run_web(config: dict, *, started: asyncio.Event | None = None, stop: asyncio.Event | None = None,
                  connector=None) -> None:
    """Serves the web routes and defers work to the workers, until SIGINT/SIGTERM (or `stop`)."""
    from bot.app import serve

    if connector is None:
        check(config)
    app = build_runtime(config, serves_asr=False, web=True)
    papp = queue.make_app(config, connector=connector)
    app.queue = papp
    app.conversation.runner = queue.Queued(app.conversation, papp)
    async with papp.open_async():
        await serve(app, started=started, stop=stop, warm_up=False)


# --- salesbot run on the procrastinate backend ------------------------------------------------------------

async def run_all(config: dict, *, started: asyncio.Event | None = None, stop: asyncio.Event | None = None,
                  warm_up: bool = True) -> None:
    """The web routes and a worker on every queue in one process and one runtime (a cluster of one:
    the web chat shows the cards the worker sends), until SIGINT/SIGTERM (or `stop`)."""
    from bot.app import serve

    app = build_runtime(config, serves_asr=True, web=False)
    papp = queue.make_app(config)
    app.queue = papp
    app.conversation.runner = queue.Queued(app.conversation, papp)
    async with papp.open_async():
        work = asyncio.create_task(papp.run_worker_async(
            queues=list(queue.QUEUES), wait=True, concurrency=4, name=app.holder,
            additional_context={"runtime": app}, update_heartbeat_interval=5,
            stalled_worker_timeout=queue.settings(config)["stalled_seconds"], delete_jobs="successful",
            install_signal_handlers=False), name="worker")
        async def stop_worker():   # before the conversation closes: jobs in hand finish or go back
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
        try:
            await serve(app, started=started, stop=stop, warm_up=warm_up, on_stop=stop_worker)
        finally:
            await stop_worker()
