"""What the distributed benchmarks share: a PostgreSQL schema of their own on the server that
scripts/test.sh starts (SALESBOT_TEST_PG_URL), a config of the procrastinate backend, and salesbot
processes (web and workers) started, killed and stopped on this machine, loopback only."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pg_base_url() -> str:
    url = os.environ.get("SALESBOT_TEST_PG_URL")
    if not url:
        raise SystemExit("set SALESBOT_TEST_PG_URL (scripts/test.sh starts PostgreSQL and sets it), e.g. "
                         "postgresql+psycopg://sb:sb@127.0.0.1:5432/sb")
    return url


class Schema:
    """A fresh schema, dropped at the end: the benchmark never sees anyone else's rows."""

    def __init__(self):
        from sqlalchemy import create_engine, text

        self.base = pg_base_url()
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        self._admin = create_engine(self.base)
        with self._admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = f"{self.base}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        from sqlalchemy import text

        with self._admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()


def write_config(path: Path, url: str, extra: str = "", queue: str = "") -> Path:
    path.write_text(f"""[database]
url = "{url}"

[queue]
backend = "procrastinate"
{queue}

[storage]
audio_dir = "{path.parent / 'audio'}"

[privacy]
voice_retention_days = 0

[web]
host = "127.0.0.1"
port = 8321
{extra}
""", encoding="utf-8")
    return path


class Proc:
    """One salesbot process with its log file."""

    def __init__(self, name: str, config: Path, args: list[str], logs: Path):
        self.name, self.config, self.args, self.logs = name, config, args, logs
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> "Proc":
        log = (self.logs / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(self.config), *self.args],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_text(self) -> str:
        return (self.logs / f"{self.name}.log").read_text(encoding="utf-8", errors="replace")

    def maps_contain(self, word: str) -> bool:
        try:
            return word in Path(f"/proc/{self.pid}/maps").read_text()
        except OSError:
            return False


def salesbot(config: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"salesbot {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def wait_health(port: int, proc: Proc, timeout: float = 120) -> dict:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited: {proc.log_text()[-2000:]}")
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3, trust_env=False)
            if answer.status_code in (200, 503):
                return answer.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{proc.name} did not answer /healthz within {timeout} s")


def jobs_left(sessions, tasks: tuple[str, ...] | None = None) -> int:
    """Jobs todo, doing or failed (the periodic jobs of the coming minute excluded)."""
    from sqlalchemy import text

    with sessions() as session:
        query = ("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing', 'failed') "
                 "AND (scheduled_at IS NULL OR scheduled_at <= now())")
        if tasks:
            query += " AND task_name IN (" + ", ".join(f"'{t}'" for t in tasks) + ")"
        return int(session.execute(text(query)).scalar())


def open_jobs(proc: Proc) -> set[str]:
    """Jobs the process started and has not ended, read from its log ("Starting job note_step[12]…")."""
    import re

    text = proc.log_text()
    started = set(re.findall(r"Starting job (\w+\[\d+\])", text))
    ended = set(re.findall(r"Job (\w+\[\d+\])\(.*?\) ended", text))
    return started - ended
