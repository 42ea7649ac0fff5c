"""Acknowledgement latency under a burst: how long the web chat and the WeCom callback take to answer
a note while the bot processes the ones before it.

`salesbot run` runs as its own process (SQLite, or PostgreSQL with --db), with WeCom pointed at a
fake WeCom on 127.0.0.1. N reps send --notes text notes at --concurrency at once through the web
chat (POST /chat/send), then as many through encrypted WeCom callbacks (POST /wecom/callback). The
latency of a note is the HTTP round trip of its POST: what the browser or WeCom waits for (WeCom
retries after 5 s). Afterwards every note must be stored exactly once.

    .venv/bin/python -m bench.ack_latency                     # 400 notes at 100 concurrent, each way
    .venv/bin/python -m bench.ack_latency --concurrency 200
    .venv/bin/python -m bench.ack_latency --db postgresql+psycopg://sb:sb@127.0.0.1:5432/sb
    SALESBOT_TEST_PG_URL=… .venv/bin/python -m bench.ack_latency --queue --concurrency 200
        # the procrastinate backend: `salesbot web` answers, one `salesbot worker` processes
    SALESBOT_TEST_PG_URL=… .venv/bin/python -m bench.ack_latency --queue --webs 2 --concurrency 200
        # two web processes, the posts spread over them as a proxy would (deploy/compose.yaml)
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_botapi import free_port  # noqa: E402
from tests.fake_wecom import FakeWeCom, message_xml  # noqa: E402

NOTES = ROOT / "tests" / "data" / "notes_dev.jsonl"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def figures(latencies: list[float]) -> dict:
    return {"n": len(latencies), "p50_s": round(percentile(latencies, 50), 3),
            "p95_s": round(percentile(latencies, 95), 3), "p99_s": round(percentile(latencies, 99), 3),
            "max_s": round(max(latencies, default=float("nan")), 3)}


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="salesbot-ack-"))
        self.schema = None
        if args.queue:   # a PostgreSQL schema of its own on SALESBOT_TEST_PG_URL
            from bench.dist_common import Schema

            self.schema = Schema()
        self.db_url = self.schema.url if self.schema else args.db or f"sqlite:///{self.tmp / 'bench.db'}"
        self.worker: subprocess.Popen | None = None
        self.port = free_port()
        self.wecom = FakeWeCom().start()
        self.wecom.callback_url = f"http://127.0.0.1:{self.port}/wecom/callback"
        self.cookies = [secrets.token_urlsafe(24) for _ in range(args.reps)]
        self.wecom_users = [f"rep{i:03d}" for i in range(args.reps)]
        self.bot: subprocess.Popen | None = None
        self.webs: list[tuple[subprocess.Popen, int]] = []   # --webs > 1: (process, port) of the others
        self.extra = args.config_extra or ""

    def write_config(self) -> Path:
        w = self.wecom.config()
        path = self.tmp / "config.toml"
        path.write_text(f"""[database]
url = "{self.db_url}"

[wecom]
corp_id = "{w['corp_id']}"
agent_id = "{w['agent_id']}"
secret = "{w['secret']}"
token = "{w['token']}"
encoding_aes_key = "{w['encoding_aes_key']}"
api_base = "{w['api_base']}"

[web]
host = "127.0.0.1"
port = {self.port}

[storage]
audio_dir = "{self.tmp / 'audio'}"

[privacy]
voice_retention_days = 0
{'[queue]' + chr(10) + 'backend = "procrastinate"' if self.schema else ''}
{self.extra}
""", encoding="utf-8")
        return path

    def prepare(self) -> Path:
        """A team whose reps each have a web-chat session and a WeCom account."""
        from storage import teams
        from storage.db import open_database

        config_path = self.write_config()
        if self.schema:
            from bench.dist_common import salesbot

            salesbot(config_path, "db", "upgrade")
        engine, sessions = open_database(self.db_url)
        with sessions() as session:
            name = f"压测团队{secrets.token_hex(3)}"
            team = teams.add_team(session=session, name=name)
            for i, (cookie, user) in enumerate(zip(self.cookies, self.wecom_users)):
                member = teams.add_member(session=session, team=team, name=f"销售{i:03d}", role="rep")
                account = "web-" + hashlib.sha256(cookie.encode()).hexdigest()[:32]
                teams.bind_account(session=session, member=member, channel="local", external_id=account)
                teams.bind_account(session=session, member=member, channel="wecom", external_id=user)
            self.team_id = team.id
        engine.dispose()
        return config_path

    def start(self, config_path: Path) -> None:
        log = (self.tmp / "bot.log").open("ab")
        command = self.args.command.split()
        if self.schema:
            command = ["web"]
            self.worker = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config_path), "worker",
                                            "--queues", "notes,send,sweep"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                           stderr=(self.tmp / "worker.log").open("ab"))
        self.bot = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config_path), *command],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        if self.schema:
            for n in range(1, self.args.webs):
                port = free_port()
                self.webs.append((subprocess.Popen(
                    [sys.executable, "-m", "bot", "--config", str(config_path), "web", "--port", str(port)],
                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(self.tmp / f"web{n + 1}.log").open("ab")), port))
        for process, port in [(self.bot, self.port), *self.webs]:
            self.wait_up(process, port)

    @property
    def ports(self) -> list[int]:
        return [self.port, *(port for _, port in self.webs)]

    def wait_up(self, process: subprocess.Popen, port: int) -> None:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited: see the logs in {self.tmp}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the bot did not start within 120 s")

    def texts(self) -> list[str]:
        lines = [json.loads(line)["text"] for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [lines[i % len(lines)] for i in range(self.args.notes)]

    async def burst(self, kind: str) -> tuple[list[float], dict]:
        """Sends the notes `concurrency` at a time; returns (latency of each 2xx answer, failures by status or error)."""
        import httpx

        texts = self.texts()
        gate = asyncio.Semaphore(self.args.concurrency)
        latencies: list[float] = []
        failures: dict[str, int] = {}
        bases = [f"http://127.0.0.1:{port}" for port in self.ports]
        limits = httpx.Limits(max_connections=self.args.concurrency + 10)

        async def one(client, i: int, text: str):
            rep = i % self.args.reps
            base = bases[i % len(bases)]   # round robin, as a proxy in front of several web processes
            if kind == "web":
                request = client.build_request("POST", f"{base}/chat/send",
                                               data={"text": text, "client_id": f"ack-{kind}-{i}"},
                                               cookies={"salesbot_session": self.cookies[rep]})
            else:
                fields = {"ToUserName": self.wecom.corp_id, "FromUserName": self.wecom_users[rep],
                          "CreateTime": int(time.time()), "MsgType": "text", "Content": text,
                          "MsgId": f"9{i:08d}", "AgentID": self.wecom.agent_id}
                sealed = self.wecom.encrypted(message_xml(fields))
                body = (f"<xml><ToUserName><![CDATA[{self.wecom.corp_id}]]></ToUserName>"
                        f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
                        f"<AgentID><![CDATA[{self.wecom.agent_id}]]></AgentID></xml>")
                request = client.build_request(
                    "POST", f"{base}/wecom/callback", content=body.encode(), headers={"Content-Type": "text/xml"},
                    params={"msg_signature": sealed["msg_signature"], "timestamp": sealed["timestamp"],
                            "nonce": sealed["nonce"]})
            async with gate:
                started = time.monotonic()
                try:
                    answer = await client.send(request)
                    if answer.status_code // 100 == 2:
                        latencies.append(time.monotonic() - started)
                    else:
                        failures[str(answer.status_code)] = failures.get(str(answer.status_code), 0) + 1
                except httpx.HTTPError as exc:
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1

        async with httpx.AsyncClient(trust_env=False, timeout=60, limits=limits) as client:
            await asyncio.gather(*(one(client, i, t) for i, t in enumerate(texts)))
        return latencies, failures

    def stored(self, timeout: float) -> dict:
        """Waits until every note is processed (or the timeout); counts them by state."""
        from sqlalchemy import func
        from sqlmodel import select

        from storage.db import make_engine, session_factory
        from storage.models import Member, Note

        engine = make_engine(self.db_url)
        deadline = time.monotonic() + timeout
        try:
            while True:
                with session_factory(engine)() as session:
                    rows = session.exec(select(Note.state, func.count()).join(Member, Member.id == Note.author_id)
                                        .where(Member.team_id == self.team_id).group_by(Note.state)).all()
                    keys = session.exec(select(func.count(func.distinct(Note.channel_message_id)))
                                        .join(Member, Member.id == Note.author_id)
                                        .where(Member.team_id == self.team_id)).one()
                states = dict(rows)
                if not states.get("received") and not states.get("transcribed") or time.monotonic() > deadline:
                    return {"stored": sum(states.values()), "distinct": keys, "states": states}
                time.sleep(1)
        finally:
            engine.dispose()

    def stop(self) -> None:
        for process in (self.bot, *(p for p, _ in self.webs), self.worker):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.wecom.stop()
        if self.schema:
            self.schema.drop()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--notes", type=int, default=400, help="notes per channel")
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    p.add_argument("--command", default="run", help="the salesbot command that serves (default: run)")
    p.add_argument("--queue", action="store_true",
                   help="the procrastinate backend on SALESBOT_TEST_PG_URL: salesbot web + one worker")
    p.add_argument("--webs", type=int, default=1, help="with --queue: web processes the posts are spread over")
    p.add_argument("--config-extra", help="TOML appended to the generated config")
    p.add_argument("--channels", default="web,wecom")
    p.add_argument("--drain", type=float, default=600, help="seconds to wait for processing to finish")
    args = p.parse_args(argv)

    bench = Bench(args)
    report: dict = {"notes": args.notes, "concurrency": args.concurrency, "reps": args.reps,
                    "database": "postgresql" if args.queue or args.db else "sqlite",
                    "command": f"web x{args.webs} + worker" if args.queue else args.command,
                    "cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        bench.start(bench.prepare())
        for kind in args.channels.split(","):
            started = time.monotonic()
            latencies, failures = asyncio.run(bench.burst(kind))
            report[kind] = figures(latencies) | {"failed": failures,
                                                 "burst_s": round(time.monotonic() - started, 2)}
            print(f"{kind}: {report[kind]}", file=sys.stderr)
        drained = time.monotonic()
        report["processed"] = bench.stored(args.drain)
        report["drain_after_last_ack_s"] = round(time.monotonic() - drained, 1)
    finally:
        bench.stop()
    expected = args.notes * len(args.channels.split(","))
    ok = report["processed"]["stored"] == expected == report["processed"]["distinct"]
    report["stored_once"] = ok
    print(json.dumps(report, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
