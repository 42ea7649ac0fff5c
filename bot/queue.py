"""The distributed mode's task queue: procrastinate on PostgreSQL.

`[queue] backend = "inline"` (the default) keeps everything in one process, as `salesbot run` always
did. `"procrastinate"` runs web processes (`salesbot web`: channels in, chat page, intake API,
/healthz; they record and defer) and workers (`salesbot worker --queues …`) on one PostgreSQL
database; procrastinate keeps its jobs in tables of that database (`salesbot db upgrade` creates
them). Queues:

    asr     transcription (only workers serving it load the speech model; one job per core)
    notes   parse and store, cards (one job lock per member keeps a member's notes in order)
    send    one job per outbox row or batch: claim the rows, send, mark them sent
    sweep   the reminder, lead and insight sweeps, deferred once per minute by procrastinate's periodic
            tasks (whichever worker runs the periodic deferrer, each minute is deferred once)

Workers heartbeat; a job of a worker that stopped beating (kill -9, a lost machine) is retried by the
`retry_stalled` task every 15 s. Chat APIs take no idempotency key: a worker killed between the API's
answer and the mark may repeat that one message (at most one per killed worker).

The tasks find the process's runtime (the bot.app.App of a worker, with its channels and desks) in
procrastinate's job context: `additional_context={"runtime": app}`.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from bot.config import ConfigError

log = logging.getLogger(__name__)

BACKENDS = ("inline", "procrastinate")
QUEUES = ("asr", "notes", "send", "sweep")
SWEEP_CRON = "* * * * *"           # every minute
STALLED_CRON = "* * * * * */15"    # every 15 s (croniter's sixth field is seconds)
SEND_PER_SECOND = 25.0             # Telegram allows a bot about 30 messages a second
STALLED_SECONDS = 30.0             # a worker silent this long is dead: its jobs are retried
# Sweeps, the reconciler and the stalled-job check go before waiting sends: a worker serving both
# queues behind a backlog of rate-limited send jobs would otherwise start the minute's sweep late and
# the next minute's would find it still waiting (and be skipped).
SWEEP_PRIORITY = 10
SWEEP_LEASE_SECONDS = 45   # shorter than a minute: a killed sweeper never costs the next minute
# Messages per send job: each is claimed, sent and marked on its own (a killed sender repeats at most
# the one in hand); a job of several spares the queue 20,000 jobs for 20,000 nudges.
MESSAGES_PER_JOB = 20


def backend(config: dict) -> str:
    """"inline" or "procrastinate" ([queue] backend); anything else is a configuration error."""
    name = str((config.get("queue") or {}).get("backend") or "inline").strip().lower()
    if name not in BACKENDS:
        raise ConfigError(f'[queue] backend = "{name}" is not known: use "inline" (one process) or '
                          '"procrastinate" (web and workers on PostgreSQL)')
    return name


def is_queued(config: dict) -> bool:
    return backend(config) == "procrastinate"


def require_postgresql(config: dict) -> str:
    """The database URL, which the procrastinate backend needs to be PostgreSQL; else a clear refusal."""
    from sqlalchemy.engine import make_url

    from storage.db import database_url

    url = database_url(config)
    if make_url(url).get_backend_name() != "postgresql":
        shown = make_url(url).render_as_string(hide_password=True)
        raise ConfigError('[queue] backend = "procrastinate" needs PostgreSQL: set [database] url (or '
                          'SALESBOT_DATABASE_URL) to "postgresql+psycopg://user:password@host:5432/dbname" '
                          f'(now {shown}); or use backend = "inline" for one process on SQLite')
    return url


def conninfo(url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL (postgresql+psycopg://… -> postgresql://…)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def settings(config: dict) -> dict:
    queue = config.get("queue") or {}
    return {"send_per_second": float(queue.get("send_per_second") or SEND_PER_SECOND),
            "stalled_seconds": float(queue.get("stalled_seconds") or STALLED_SECONDS)}


def make_app(config: dict | None = None, *, connector=None):
    """The procrastinate App with SalesBot's tasks; `connector` defaults to psycopg on the
    configured PostgreSQL (tests pass procrastinate's InMemoryConnector)."""
    import procrastinate

    if connector is None:
        connector = procrastinate.PsycopgConnector(conninfo=conninfo(require_postgresql(config or {})))
    app = procrastinate.App(connector=connector)
    stalled_seconds = settings(config or {})["stalled_seconds"]

    @app.periodic(cron=SWEEP_CRON, periodic_id="reminders")
    @app.task(name="sweep_reminders", queue="sweep", priority=SWEEP_PRIORITY, lock="sweep:reminders",
              queueing_lock="sweep:reminders", pass_context=True)
    async def sweep_reminders(context, timestamp: int | None = None) -> int:
        """The reminder sweep: writes what is due to the outbox and defers one send job per message."""
        return await defer_due(app, runtime(context), "reminders", _at(timestamp))

    @app.periodic(cron=SWEEP_CRON, periodic_id="leads")
    @app.task(name="sweep_leads", queue="sweep", priority=SWEEP_PRIORITY, lock="sweep:leads",
              queueing_lock="sweep:leads", pass_context=True)
    async def sweep_leads(context, timestamp: int | None = None) -> int:
        """The lead desk's sweep (also deferred soon after an intake): offers, notices, send jobs."""
        return await defer_due(app, runtime(context), "leads", _at(timestamp))

    @app.periodic(cron=SWEEP_CRON, periodic_id="insights")
    @app.task(name="sweep_insights", queue="sweep", priority=SWEEP_PRIORITY, lock="sweep:insights",
              queueing_lock="sweep:insights", pass_context=True)
    async def sweep_insights(context, timestamp: int | None = None) -> int:
        """The insight desk's sweep: at-risk lists, churn warnings, coaching, briefs; send jobs."""
        return await defer_due(app, runtime(context), "insights", _at(timestamp))

    @app.task(name="send_outbox", queue="send", pass_context=True,
              retry=procrastinate.RetryStrategy(max_attempts=5, wait=5))
    async def send_outbox(context, messages: list[list[int]], desk: str = "reminders") -> int:
        """For each message (its outbox rows): claim the rows, send, mark them sent."""
        sent = 0
        for ids in messages:
            sent += await send_rows(runtime(context), ids, desk)
        return sent

    @app.task(name="note_step", queue="notes", pass_context=True)
    async def note_step(context, note_id: int, member_id: int, step: str, announce: bool = False) -> str | None:
        """One step of a note's path (bot/pipeline.py); defers the next one."""
        return await run_step(app, runtime(context).conversation, note_id, member_id, step, announce)

    @app.periodic(cron=SWEEP_CRON, periodic_id="notes")
    @app.task(name="reconcile_notes", queue="sweep", priority=SWEEP_PRIORITY, queueing_lock="reconcile_notes",
              pass_context=True)
    async def reconcile_notes(context, timestamp: int | None = None) -> int:
        """Every unfinished note without a job gets one (a web process that died between recording a
        note and deferring its job; a step that could not defer the next)."""
        rt = runtime(context)
        orphans = await asyncio.to_thread(_orphans, rt.sessions)
        for note_id, member_id, step in orphans:
            await defer_step(app, note_id, member_id, step)
        if orphans:
            log.warning("queue: %d recorded notes had no job; deferred", len(orphans))
        return len(orphans)

    @app.periodic(cron=STALLED_CRON, periodic_id="stalled")
    @app.task(name="retry_stalled", queue="sweep", priority=SWEEP_PRIORITY, queueing_lock="retry_stalled",
              pass_context=True)
    async def retry_stalled(context, timestamp: int | None = None) -> int:
        """Jobs of workers that stopped beating go back to todo (a kill -9, a lost machine)."""
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds)
        for job in stalled:
            await revive(app, job)
        return len(stalled)

    return app


async def revive(app, job) -> str:
    """A stalled job goes back to todo; when a job with the same queueing lock waits already (the next
    minute's sweep), that one does the work and the stalled one is aborted, which frees the job lock
    the waiting one needs. Returns what was done ("retried", "aborted" or "gone")."""
    import procrastinate.exceptions
    from procrastinate.jobs import Status

    try:
        await app.job_manager.retry_job(job)
        log.warning("queue: job %s (%s) of a stalled worker is retried", job.id, job.task_name)
        return "retried"
    except procrastinate.exceptions.UniqueViolation:
        pass
    except procrastinate.exceptions.ConnectorException:
        return "gone"   # another retry_stalled (of another worker) took it first
    try:
        await app.job_manager.finish_job(job, status=Status.ABORTED, delete_job=False)
        log.warning("queue: job %s (%s) of a stalled worker is aborted: the same job waits already",
                    job.id, job.task_name)
        return "aborted"
    except procrastinate.exceptions.ConnectorException:
        return "gone"


def runtime(context):
    return context.additional_context["runtime"]


def _at(timestamp: int | None) -> datetime:
    """The sweep's time: now. (A periodic job's own timestamp may be minutes old after an outage;
    what is due is decided by the present.)"""
    return datetime.now(timezone.utc)


async def defer_leads_sweep(app) -> None:
    """After an intake: one lead sweep job soon; while one waits, later intakes add none."""
    import procrastinate.exceptions

    try:
        await app.configure_task("sweep_leads", queueing_lock="sweep:leads").defer_async()
    except procrastinate.exceptions.AlreadyEnqueued:
        pass


# --- the note's path as jobs ----------------------------------------------------------------------------

RECONCILE_AFTER_SECONDS = 30
RESEND_CARDS_DAYS = 2


class Queued:
    """conversation.runner of a web or worker process: a recorded note's steps become jobs —
    transcribe on the asr queue, parse and card on the notes queue under one job lock per member,
    so a member's notes are stored and answered in order whichever worker runs them."""

    def __init__(self, conv, app):
        self.conv = conv
        self.app = app
        # On procrastinate's PostgreSQL connector a recorded note's first job is inserted in the
        # note's own transaction (in_record); its in-memory connector (tests) has no tables to insert
        # into, so there the job is deferred right after the commit (the reconciler is the guard).
        self.in_sql = _is_postgresql(app.connector)
        self._deferred: set[int] = set()   # notes whose first job went in with them

    def in_record(self, session, note) -> None:
        """Called by storage.notes.record_inbound before it commits a new note: the note's first step
        becomes a job in the same transaction, so a note on record always has its job."""
        if not self.in_sql:
            return
        from bot import pipeline

        step = pipeline.first_step(note)
        defer_in_transaction(session, note.id, note.author_id, step, announce=bool(note.audio_ref))
        self._deferred.add(note.id)

    def submit(self, note_id: int, member_id: int, *, announce: bool = False, start: str | None = None) -> None:
        """Defers the note's next step (in the background: the message is on record already, and the
        reconciler defers it should this process die first); nothing when it went in with the note."""
        if start is None and note_id in self._deferred:
            self._deferred.discard(note_id)
            return
        self.conv._spawn(self.defer(note_id, member_id, start, announce))

    async def defer(self, note_id: int, member_id: int, step: str | None = None, announce: bool = False) -> None:
        from bot import pipeline

        if step is None:
            step = pipeline.first_step(await self.conv.db(lambda s: _path_state(s, note_id)))
        if step is not None:
            await defer_step(self.app, note_id, member_id, step, announce)


def _path_state(session, note_id: int):
    """The three columns pipeline.first_step reads (a web process defers every note it records: no
    need to load the whole row for that)."""
    from types import SimpleNamespace

    from sqlmodel import select

    from storage.models import Note

    row = session.exec(select(Note.state, Note.audio_ref, Note.carded_at).where(Note.id == note_id)).first()
    return None if row is None else SimpleNamespace(state=row[0], audio_ref=row[1], carded_at=row[2])


def _is_postgresql(connector) -> bool:
    try:
        import procrastinate
    except ImportError:
        return False
    return isinstance(connector, procrastinate.PsycopgConnector)


def _job_options(note_id: int, member_id: int, step: str) -> dict:
    """Queue, job lock and queueing lock of a note's step: transcription on the asr queue, anything else
    on the notes queue under the member's lock (one member's notes in order)."""
    transcribe = step == "transcribe"
    return {"queue": "asr" if transcribe else "notes", "lock": None if transcribe else f"member:{member_id}",
            "queueing_lock": f"note:{note_id}:{step}"}


def defer_in_transaction(session, note_id: int, member_id: int, step: str, announce: bool = False) -> None:
    """The step's job, inserted by procrastinate's own defer function on `session`'s connection: it
    commits or rolls back with whatever else the transaction holds."""
    import json

    from sqlalchemy import text

    options = _job_options(note_id, member_id, step)
    args = {"note_id": note_id, "member_id": member_id, "step": step, "announce": announce}
    session.execute(text(
        "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, 'note_step', 0, :lock, :queueing_lock, "
        "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"),
        {**options, "args": json.dumps(args)})


async def defer_step(app, note_id: int, member_id: int, step: str, announce: bool = False) -> None:
    """A job for one step; while the same step of the note waits, it is not deferred again."""
    import procrastinate.exceptions

    try:
        await app.configure_task("note_step", **_job_options(note_id, member_id, step)).defer_async(
            note_id=note_id, member_id=member_id, step=step, announce=announce)
    except procrastinate.exceptions.AlreadyEnqueued:
        pass


async def run_step(app, conv, note_id: int, member_id: int, step: str, announce: bool = False) -> str | None:
    """Runs one step (a compare-and-set on the note's state: a second run changes nothing) and
    defers the next. A step that raises marks the note failed and tells the rep, as inline."""
    from bot import pipeline, render
    from bot.messages import Outbound
    from storage.models import Note

    try:
        if announce:
            note = await conv.db(lambda s: s.get(Note, note_id))
            if note is not None and note.state == "received":
                chat, message = pipeline.reply_target(note)
                await conv._deliver(Outbound(note.channel, chat, text=render.RECEIVED_VOICE, reply_to=message))
        following = await pipeline.STEPS[step](conv, note_id)
    except Exception as exc:
        await pipeline.fail(conv, note_id, exc)
        return None
    if following is not None:
        await defer_step(app, note_id, member_id, following)
    return following


def _orphans(sessions) -> list[tuple[int, int, str]]:
    """(note id, author id, step) of notes whose path stopped without a job waiting or running."""
    from datetime import timedelta

    from sqlalchemy import text

    from bot import pipeline
    from storage.models import Note

    now = datetime.now(timezone.utc)
    with sessions() as session:
        ids = [row[0] for row in session.execute(text(
            "SELECT n.id FROM note n WHERE n.received_at < :settled AND "
            "(n.state IN ('received', 'transcribed') OR (n.state IN ('parsed', 'ambiguous') "
            " AND n.carded_at IS NULL AND n.received_at > :cards_since)) "
            "AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = 'note_step' "
            " AND j.status IN ('todo', 'doing') AND (j.args->>'note_id')::bigint = n.id) ORDER BY n.id"),
            {"settled": now - timedelta(seconds=RECONCILE_AFTER_SECONDS),
             "cards_since": now - timedelta(days=RESEND_CARDS_DAYS)})]
        out = []
        for note_id in ids:
            note = session.get(Note, note_id)
            step = pipeline.first_step(note)
            if step is not None:
                out.append((note.id, note.author_id, step))
        return out


# --- sweeps: decide, write the outbox, defer the sends ----------------------------------------------

async def defer_due(app, rt, desk: str, now: datetime) -> int:
    """One sweep of `desk` ("reminders", "leads" or "insights") under its lease (a second guard beside the job
    lock); due messages become send jobs of up to MESSAGES_PER_JOB, whose queueing lock is their first
    outbox row, so messages waiting to be sent are not deferred twice. Returns the send jobs deferred."""
    import procrastinate.exceptions

    from storage.outbox import acquire_lease, release_lease

    holder = rt.holder
    lease = f"{desk}-sweep"
    from datetime import timedelta

    def take():
        with rt.sessions() as session:
            return acquire_lease(session=session, name=lease, holder=holder,
                                 ttl=timedelta(seconds=SWEEP_LEASE_SECONDS), now=now)
    if not await asyncio.to_thread(take):
        log.info("queue: %s sweep skipped: another process holds its lease", desk)
        return 0
    try:
        due = await asyncio.to_thread(_collect, rt, desk, now)
        waiting = await asyncio.to_thread(_rows_in_send_jobs, rt.sessions)
        due = [ids for ids in due if not waiting.intersection(ids)]   # a job holds them already
        deferred = 0
        for start in range(0, len(due), MESSAGES_PER_JOB):
            chunk = [list(ids) for ids in due[start:start + MESSAGES_PER_JOB]]
            try:
                await app.configure_task("send_outbox", queueing_lock=f"send:{chunk[0][0]}").defer_async(
                    messages=chunk, desk=desk)
                deferred += 1
            except procrastinate.exceptions.AlreadyEnqueued:
                pass
        if due:
            log.info("queue: %s sweep: %d messages due, %d send jobs deferred", desk, len(due), deferred)
        return deferred
    finally:
        def release():
            with rt.sessions() as session:
                release_lease(session=session, name=lease, holder=holder)
        await asyncio.to_thread(release)


def _collect(rt, desk: str, now: datetime) -> list[tuple[int, ...]]:
    """Writes newly due notices and returns the outbox ids of each message to send."""
    if desk == "leads":
        from reminders.lead_sweep import batch

        rt.leads.desk.collect(now)
        return [tuple(ids) for _, _, _, ids in batch(rt.leads.desk.pending(now))]
    if desk == "insights":
        rt.insights.collect(now)
        rt.insights.snapshot_forecasts(now)
        return [(ident,) for ident, _, _ in rt.insights.pending(now)]
    sweeper = rt.reminders.sweeper
    sweeper.collect(now)
    return [d.ids for d in sweeper.deliveries(now)]


def _rows_in_send_jobs(sessions) -> set[int]:
    """Outbox ids that a send job waiting or running will take (a backlog longer than a minute is
    not deferred again by the next sweep)."""
    from sqlalchemy import text

    with sessions() as session:
        return {int(row[0]) for row in session.execute(text(
            "SELECT jsonb_array_elements(jsonb_array_elements(args->'messages')) FROM procrastinate_jobs "
            "WHERE task_name = 'send_outbox' AND status IN ('todo', 'doing')"))}


# --- sends: claim, send, mark --------------------------------------------------------------------------

async def send_rows(rt, ids: list[int], desk: str) -> int:
    """Sends the unsent rows among `ids` (one message; a manager's batch) and marks them sent, holding
    the rows' locks from the claim to the mark. Returns the messages sent (0: sent or held elsewhere)."""
    from storage.outbox import claim_unsent
    from storage.reminder_queries import mark_sent

    session = rt.sessions()
    try:
        rows = await asyncio.to_thread(claim_unsent, session=session, ids=ids)
        if not rows:
            await asyncio.to_thread(session.rollback)
            return 0
        sent = 0
        if desk == "leads":
            from reminders.lead_sweep import batch

            for recipient, text, buttons, _ in batch(rows):
                await rt.leads.desk.send(recipient, text, buttons)
                sent += 1
        elif desk == "insights":
            for row in rows:
                await rt.insights.send(row.recipient_id, row.text)
                sent += 1
        else:
            from reminders.rules import batch

            for message in batch(rows):
                await rt.reminders.send(message)
                sent += 1
        await asyncio.to_thread(mark_sent, session=session, ids=[r.id for r in rows])
        return sent
    except BaseException:
        await asyncio.to_thread(session.rollback)
        raise
    finally:
        await asyncio.to_thread(session.close)


# --- one rate limit per bot, across processes ---------------------------------------------------------

class RateLimit:
    """Spaces the sends of each bot (channel) over every process by a row in PostgreSQL."""

    def __init__(self, sessions, per_second: float):
        self.sessions = sessions
        self.per_second = per_second

    async def wait(self, bucket: str) -> None:
        from storage.outbox import take_token

        def take() -> float:
            with self.sessions() as session:
                return take_token(session=session, name=bucket, per_second=self.per_second)
        while (wait := await asyncio.to_thread(take)) > 0:
            await asyncio.sleep(min(wait, 1.0))


# --- depth and age, for /healthz -------------------------------------------------------------------------

def queue_figures(session) -> dict:
    """Per queue: jobs waiting (todo), running (doing), failed, and the oldest waiting job's age in
    seconds (from procrastinate's tables; what to watch when scaling workers)."""
    from sqlalchemy import text

    rows = session.execute(text(
        "SELECT j.queue_name, j.status, count(*), "
        "EXTRACT(EPOCH FROM now() - min(COALESCE(j.scheduled_at, e.at))) "
        "FROM procrastinate_jobs j LEFT JOIN LATERAL (SELECT min(at) AS at FROM procrastinate_events "
        "WHERE job_id = j.id AND type = 'deferred') e ON true "
        "WHERE j.status IN ('todo', 'doing', 'failed') GROUP BY j.queue_name, j.status")).all()
    out: dict = {}
    for queue, status, count, age in rows:
        entry = out.setdefault(queue, {"todo": 0, "doing": 0, "failed": 0, "oldest_todo_s": 0.0})
        entry[status] = int(count)
        if status == "todo" and age is not None:
            entry["oldest_todo_s"] = round(max(0.0, float(age)), 1)
    return out
