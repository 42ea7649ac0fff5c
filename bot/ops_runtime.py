"""What an operator watches and what runs in the background of `salesbot run` for issue 10:
/healthz figures (database and scheduler), JSON log lines on request, and the voice retention sweep."""
from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

log = logging.getLogger(__name__)
RETENTION_EVERY_SECONDS = 3600
DB_CHECK_TIMEOUT = 5.0


# --- /healthz --------------------------------------------------------------------------------------

async def status(app) -> dict:
    """{"ok", "database", "scheduler"}: ok is False (503) when the database does not answer or the
    scheduler that should run has stopped."""
    database = await _database(app)
    scheduler = _scheduler(app)
    return {"ok": database == "ok" and scheduler != "stopped", "database": database, "scheduler": scheduler}


async def _database(app) -> str:
    from sqlalchemy import text

    def ping():  # its own session and thread: never queued behind the conversation's writes
        with app.sessions() as session:
            session.execute(text("SELECT 1")).one()
        return "ok"
    try:
        return await asyncio.wait_for(asyncio.to_thread(ping), DB_CHECK_TIMEOUT)
    except asyncio.TimeoutError:
        return "timeout"
    except Exception as exc:  # the message says what is wrong (locked, unreachable ...)
        return f"error: {type(exc).__name__}"


def _scheduler(app) -> str:
    if app.scheduler_factory is None:
        return "off"
    if app.scheduler is None:
        return "starting"
    inner = getattr(app.scheduler, "scheduler", None)
    return "running" if inner is not None and getattr(inner, "running", False) else "stopped"


# --- logs ------------------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC ISO), level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                 + f".{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_text or record.exc_info:   # exc_text: the redacted traceback (bot.redact)
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(config: dict, verbose: bool = False) -> None:
    """[log] format = "json" switches stderr to JSON lines; [log] level sets the level (-v: DEBUG)."""
    settings = config.get("log") or {}
    root = logging.getLogger()
    level = "DEBUG" if verbose else str(settings.get("level") or "INFO").upper()
    root.setLevel(getattr(logging, level, logging.INFO))
    if str(settings.get("format", "text")).lower() != "json":
        return
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())


# --- voice retention ---------------------------------------------------------------------------------

def start(app) -> None:
    """Starts the hourly voice retention sweep ([privacy] voice_retention_days; 0 turns it off)."""
    days = int((app.config.get("privacy") or {}).get("voice_retention_days", 30) or 0)
    if days > 0:
        app.retention_task = asyncio.create_task(_retention_loop(app, days), name="voice-retention")


async def stop(app) -> None:
    task = getattr(app, "retention_task", None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _retention_loop(app, days: int) -> None:
    from storage.privacy import sweep_voice

    def sweep() -> int:
        total = 0
        with app.sessions() as session:
            while (swept := sweep_voice(session=session, days=days)):
                total += swept
        return total
    while True:
        try:
            deleted = await asyncio.to_thread(sweep)
            if deleted:
                log.info("privacy: deleted %d voice files older than %d days", deleted, days)
        except Exception:
            log.exception("privacy: voice retention sweep failed")
        await asyncio.sleep(RETENTION_EVERY_SECONDS)
