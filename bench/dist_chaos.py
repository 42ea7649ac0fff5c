"""Chaos benchmark of the distributed mode: 2 web processes, 3 workers, a worker killed mid-job.

On one machine, loopback only, against the real PostgreSQL (SALESBOT_TEST_PG_URL, in a schema of its
own): `salesbot web` x2 and `salesbot worker` x3 (one on the asr queue with the real speech model, two
on notes,send,sweep), Telegram in webhook mode against the suite's fake Bot API. 300 text notes and
30 voice notes are posted to the two webhooks as Telegram would, plus 30 re-deliveries of the same
messages (to the other web process); one notes worker is `kill -9`ed while it runs a job and started
again. Within --deadline seconds every note must be stored once and parsed, every card sent (at most one
repeat per killed worker), no job left todo/doing/failed, and the web processes never loaded the model.
The last line printed is one JSON object with the figures; the exit code is 0 when all of that held.

    SALESBOT_TEST_PG_URL=postgresql+psycopg://sb:sb@127.0.0.1:5432/sb .venv/bin/python -m bench.dist_chaos
    # throughput of voice notes with N asr workers (no kill, voice only):
    … -m bench.dist_chaos --texts 0 --voices 60 --redeliver 0 --kill-after-cards 0 --asr-workers 2
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.dist_common import ROOT, Proc, Schema, jobs_left, open_jobs, salesbot, wait_health, write_config
from tests.fake_botapi import FakeBotAPI, free_port

NOTES = ROOT / "tests" / "data" / "notes_dev.jsonl"
CLIPS = sorted((ROOT / "tests" / "data" / "speech_dev").glob("sales_0*.ogg"))
RECEIVED = "收到，正在识别…"


def updates(fake: FakeBotAPI, users: list[dict], texts: int, voices: int, seed: int) -> list[dict]:
    """Telegram updates as the webhook receives them (voice files registered with the fake)."""
    rng = random.Random(seed)
    lines = [json.loads(line)["text"] for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(texts + voices):
        user = users[i % len(users)]
        if i < texts:
            message = fake._message(user, text=lines[i % len(lines)])
        else:
            voice = dict(fake.add_file(rng.choice(CLIPS).read_bytes(), "oga"), duration=4, mime_type="audio/ogg")
            message = fake._message(user, voice=voice)
        out.append({"update_id": 500_000 + i, "message": message})
    rng.shuffle(out)
    return out


async def post_all(ports: list[int], secret: str, batches: list[tuple[int, dict]], concurrency: int) -> dict:
    import httpx

    gate = asyncio.Semaphore(concurrency)
    status: dict[str, int] = {}

    async def one(client, port, update):
        async with gate:
            try:
                answer = await client.post(f"http://127.0.0.1:{port}/telegram/webhook", json=update,
                                           headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                key = str(answer.status_code)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            status[key] = status.get(key, 0) + 1

    async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
        await asyncio.gather(*(one(client, ports[i % len(ports)], u) for i, u in batches))
    return status


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--texts", type=int, default=300)
    p.add_argument("--voices", type=int, default=30)
    p.add_argument("--redeliver", type=int, default=30)
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--deadline", type=float, default=240)
    p.add_argument("--kill-after-cards", type=int, default=60,
                   help="kill a notes worker once this many cards went out (0: no kill)")
    p.add_argument("--asr-workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--keep", action="store_true", help="keep the schema and the logs")
    args = p.parse_args(argv)

    from sqlmodel import select

    from bot.channels.telegram import webhook_secret
    from storage import teams
    from storage.db import open_database
    from storage.models import Note

    tmp = Path(tempfile.mkdtemp(prefix="salesbot-chaos-"))
    schema = Schema()
    fake = FakeBotAPI(max_per_second=30).start()
    telegram = {"token": fake.token, "base_url": fake.base_url, "base_file_url": fake.base_file_url,
                "mode": "webhook", "webhook_url": "https://bot.example.com/telegram/webhook"}
    config = write_config(tmp / "config.toml", schema.url, "\n[telegram]\n" + "".join(
        f'{k} = "{v}"\n' for k, v in telegram.items()))
    procs: list[Proc] = []
    report: dict = {}
    ok = False
    try:
        salesbot(config, "db", "upgrade")
        engine, sessions = open_database(schema.url, migrate=False)
        users = [fake.user(70_000 + i, f"销售{i:02d}") for i in range(args.reps)]
        with sessions() as session:
            team = teams.add_team(session=session, name="压测团队")
            for i, user in enumerate(users):
                member = teams.add_member(session=session, team=team, name=f"销售{i:02d}", role="rep")
                teams.bind_account(session=session, member=member, channel="telegram", external_id=str(user["id"]))
        ports = [free_port(), free_port()]
        webs = [Proc(f"web{n + 1}", config, ["web", "--port", str(port)], tmp).start() for n, port in enumerate(ports)]
        asrs = [Proc(f"asr{n + 1}", config, ["worker", "--queues", "asr"], tmp).start() for n in range(args.asr_workers)]
        notes = [Proc(f"worker{n + 1}", config, ["worker", "--queues", "notes,send,sweep"], tmp).start()
                 for n in range(2)]
        procs = [*webs, *asrs, *notes]
        for web, port in zip(webs, ports):
            wait_health(port, web)
        deadline = time.monotonic() + 120   # the asr workers load the model at start
        while time.monotonic() < deadline and not all("speech model loaded" in a.log_text() for a in asrs):
            time.sleep(0.5)
        time.sleep(1)

        plan = updates(fake, users, args.texts, args.voices, args.seed)
        again = random.Random(args.seed + 1).sample(range(len(plan)), args.redeliver)
        batches = [(i, u) for i, u in enumerate(plan)] + [(i + 1, plan[i]) for i in again]   # the other web
        note_ids = {u["message"]["message_id"] for u in plan}
        started = time.monotonic()
        report["webhook_answers"] = asyncio.run(post_all(ports, webhook_secret(telegram), batches, 20))
        report["posted_s"] = round(time.monotonic() - started, 1)

        def cards() -> dict[int, int]:
            counted: dict[int, int] = {}
            for s in list(fake.sent):
                if s.method == "sendMessage" and s.reply_to in note_ids and s.text != RECEIVED:
                    counted[s.reply_to] = counted.get(s.reply_to, 0) + 1
            return counted

        killed = None
        while time.monotonic() - started < args.deadline and killed is None and args.kill_after_cards:
            if sum(cards().values()) >= args.kill_after_cards:
                busy = [w for w in notes if open_jobs(w)]
                if busy:
                    killed = busy[0]
                    report["killed"] = {"worker": killed.name, "open_jobs": sorted(open_jobs(killed))[:3],
                                        "at_s": round(time.monotonic() - started, 1)}
                    killed.kill9()
                    time.sleep(1)
                    killed.start()
                    break
            time.sleep(0.05)

        def state():
            with sessions() as session:
                rows = session.exec(select(Note.channel_message_id, Note.state, Note.carded_at)).all()
            return rows

        while time.monotonic() - started < args.deadline:
            rows = state()
            if (len(rows) >= len(plan) and all(r[1] == "parsed" and r[2] is not None for r in rows)
                    and jobs_left(sessions, ("note_step", "send_outbox")) == 0 and len(cards()) >= len(plan)):
                break
            time.sleep(1)
        seconds = round(time.monotonic() - started, 1)
        time.sleep(2)   # a late second card would show now
        rows = state()
        counted = cards()
        stored = len(rows)
        report.update({
            "notes_sent": len(plan), "notes_stored": stored,
            "duplicates": stored - len({r[0] for r in rows}),
            "parsed": sum(r[1] == "parsed" for r in rows),
            "cards_sent": sum(counted.values()), "notes_with_card": len(counted),
            "repeats": sum(c - 1 for c in counted.values()),
            "jobs_left": jobs_left(sessions), "seconds": seconds,
            "model_in_web": any(w.maps_contain("ctranslate2") or "speech model loaded" in w.log_text() for w in webs),
            "model_in_asr_worker": all(a.maps_contain("ctranslate2") for a in asrs),
            "asr_workers": args.asr_workers,
            "voice_notes_per_hour": round(args.voices / max(seconds, 0.001) * 3600) if not args.texts else None,
            "killed_workers": sum(w.kills for w in notes),
        })
        engine.dispose()
        ok = (report["notes_stored"] == len(plan) and report["duplicates"] == 0 and report["parsed"] == len(plan)
              and report["notes_with_card"] == len(plan) and report["repeats"] <= report["killed_workers"]
              and report["jobs_left"] == 0 and not report["model_in_web"] and seconds <= args.deadline)
    finally:
        for proc in procs:
            proc.stop()
        fake.stop()
        if not args.keep:
            schema.drop()
        print(f"logs in {tmp}", file=sys.stderr)
    print(json.dumps({k: report.get(k) for k in ("notes_sent", "notes_stored", "duplicates", "parsed", "cards_sent",
                                                 "repeats", "jobs_left", "seconds")}
                     | {"ok": ok, "details": {k: v for k, v in report.items() if k not in (
                         "notes_sent", "notes_stored", "duplicates", "parsed", "cards_sent", "repeats",
                         "jobs_left", "seconds")}}, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
