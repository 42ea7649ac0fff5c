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


def cpu_seconds(process: subprocess.Popen | None) -> float:
    """User + system CPU time a process has used so far (Linux /proc; 0 elsewhere): the server's CPU
    per note is a figure the machine's load does not change much, unlike the latencies."""
    if process is None:
        return 0.0
    try:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def figures(latencies: list[float]) -> dict:
    return {"n": len(latencies), "p50_s": round(percentile(latencies, 50), 3),
            "p95_s": round(percentile(latencies, 95), 3), "p99_s": round(percentile(latencies, 99), 3),
            "max_s": round(max(latencies, default=float("nan")), 3)}


class RawClient:
    """HTTP/1.1 by hand over keep-alive connections, one per request in flight, round robin over the
    web processes as a proxy would: a few hundred microseconds of CPU per request where httpx spends
    several milliseconds, which on a small machine competes with the server being measured."""

    def __init__(self, ports: list[int], concurrency: int):
        self.ports, self.concurrency = ports, concurrency

    async def run(self, built: list) -> tuple[list[float], dict]:
        todo = asyncio.Queue()
        for i, request in enumerate(built):
            todo.put_nowait((i, request))
        latencies: list[float] = []
        failures: dict[str, int] = {}

        async def connection(n: int):
            port = self.ports[n % len(self.ports)]
            reader = writer = None
            while not todo.empty():
                _, (path, query, headers, body) = todo.get_nowait()
                head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                data = (f"POST {path}{'?' + query if query else ''} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        f"{head}Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body
                started = time.monotonic()
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(data)
                    status, close = await self.answer(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    continue
                if status // 100 == 2:
                    latencies.append(time.monotonic() - started)
                else:
                    failures[str(status)] = failures.get(str(status), 0) + 1
                if close:
                    writer.close()
                    reader = writer = None
            if writer is not None:
                writer.close()

        await asyncio.gather(*(connection(n) for n in range(self.concurrency)))
        return latencies, failures

    @staticmethod
    async def answer(reader) -> tuple[int, bool]:
        """Reads one response: (status, whether the server closes the connection)."""
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 120)).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        if "content-length" not in fields:
            raise ValueError("answer without Content-Length")
        await reader.readexactly(int(fields["content-length"]))
        return status, fields.get("connection", "").lower() == "close"


class HttpxClient:
    """The same through httpx (the bench's first client): its own CPU per request is several ms."""

    def __init__(self, ports: list[int], concurrency: int):
        self.ports, self.concurrency = ports, concurrency

    async def run(self, built: list) -> tuple[list[float], dict]:
        import httpx

        gate = asyncio.Semaphore(self.concurrency)
        latencies: list[float] = []
        failures: dict[str, int] = {}
        limits = httpx.Limits(max_connections=self.concurrency + 10)

        async def one(client, i: int, path: str, query: str, headers: dict, body: bytes):
            port = self.ports[i % len(self.ports)]
            request = client.build_request("POST", f"http://127.0.0.1:{port}{path}{'?' + query if query else ''}",
                                           content=body, headers=headers)
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
            await asyncio.gather(*(one(client, i, *request) for i, request in enumerate(built)))
        return latencies, failures


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

    def requests(self, kind: str) -> list[tuple[str, str, dict, bytes]]:
        """Every POST of a burst, built (and for WeCom encrypted) before it starts: (path, query,
        headers, body). Building them is the client's work, not the server's."""
        from urllib.parse import urlencode

        out = []
        for i, text in enumerate(self.texts()):
            rep = i % self.args.reps
            if kind == "web":
                body = urlencode({"text": text, "client_id": f"ack-{kind}-{i}"}).encode()
                out.append(("/chat/send", "", {"Content-Type": "application/x-www-form-urlencoded",
                                               "Cookie": f"salesbot_session={self.cookies[rep]}"}, body))
                continue
            fields = {"ToUserName": self.wecom.corp_id, "FromUserName": self.wecom_users[rep],
                      "CreateTime": int(time.time()), "MsgType": "text", "Content": text,
                      "MsgId": f"9{i:08d}", "AgentID": self.wecom.agent_id}
            sealed = self.wecom.encrypted(message_xml(fields))
            body = (f"<xml><ToUserName><![CDATA[{self.wecom.corp_id}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
                    f"<AgentID><![CDATA[{self.wecom.agent_id}]]></AgentID></xml>")
            query = urlencode({"msg_signature": sealed["msg_signature"], "timestamp": sealed["timestamp"],
                               "nonce": sealed["nonce"]})
            out.append(("/wecom/callback", query, {"Content-Type": "text/xml"}, body.encode()))
        return out

    async def burst(self, kind: str, built: list) -> tuple[list[float], dict]:
        """Sends the notes `concurrency` at a time; returns (latency of each 2xx answer, failures by status or error)."""
        client = RawClient if self.args.client == "raw" else HttpxClient
        return await client(self.ports, self.args.concurrency).run(built)

    def settle(self, timeout: float = 60.0) -> None:
        """Waits until the serving processes and the worker are idle (start-up warm-ups done), so a
        burst measures answering messages, not starting."""
        processes = [self.bot, *(p for p, _ in self.webs), self.worker]
        deadline = time.monotonic() + timeout
        last = sum(cpu_seconds(p) for p in processes)
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = sum(cpu_seconds(p) for p in processes)
            if now - last < 0.05:
                return
            last = now

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
    p.add_argument("--client", choices=("raw", "httpx"), default="raw",
                   help="raw: HTTP/1.1 written by hand (little client CPU); httpx: the first client")
    args = p.parse_args(argv)

    bench = Bench(args)
    report: dict = {"notes": args.notes, "concurrency": args.concurrency, "reps": args.reps, "client": args.client,
                    "database": "postgresql" if args.queue or args.db else "sqlite",
                    "command": f"web x{args.webs} + worker" if args.queue else args.command,
                    "cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        bench.start(bench.prepare())
        for n, kind in enumerate(args.channels.split(",")):
            built = bench.requests(kind)
            if n == 0:
                bench.settle()   # start-up done; later bursts start while the one before is processed
            started = time.monotonic()
            serving = [bench.bot, *(p for p, _ in bench.webs)]
            cpu_before = [cpu_seconds(p) for p in serving], cpu_seconds(bench.worker), time.process_time()
            latencies, failures = asyncio.run(bench.burst(kind, built))
            web_cpu = sum(cpu_seconds(p) for p in serving) - sum(cpu_before[0])
            client_cpu = time.process_time() - cpu_before[2]
            report[kind] = figures(latencies) | {
                "failed": failures, "burst_s": round(time.monotonic() - started, 2),
                # CPU of the serving process(es) per note sent, and of the worker meanwhile
                "server_cpu_ms_per_note": round(1000 * web_cpu / args.notes, 2),
                "client_cpu_ms_per_note": round(1000 * client_cpu / args.notes, 2),   # this bench's own
                "worker_cpu_s": round(cpu_seconds(bench.worker) - cpu_before[1], 2) if bench.worker else None,
                "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
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
