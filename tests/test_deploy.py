"""Deployment: the systemd unit's ExecStart with the config the README shows starts the app; /healthz
reports the database and the scheduler; logs come as JSON lines; SIGTERM stops it cleanly."""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def exec_start(unit: str) -> list[str]:
    [line] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.partition("=")[2])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_shows_the_files_that_are_tested():
    for name in ("salesbot.service", "config.toml", "Caddyfile"):
        body = (DEPLOY / name).read_text(encoding="utf-8").strip()
        assert body in README, f"README does not show deploy/{name} as it is"
    for words in ("## Operations", "pg_dump", "/healthz", "salesbot backup", "salesbot restore",
                  "member deactivate", "catalog import", "privacy erase", 'format = "json"'):
        assert words in README, words


def test_the_unit_and_the_config_start_the_app(tmp_path):
    argv = exec_start((DEPLOY / "salesbot.service").read_text(encoding="utf-8"))
    assert Path(argv[0]).name == "salesbot" and argv[-1] == "run" and "--config" in argv
    config = (DEPLOY / "config.toml").read_text(encoding="utf-8")
    port = free_port()
    config = (config.replace("/var/lib/salesbot", str(tmp_path / "state"))
              .replace('"/var/cache/salesbot/whisper-base"', '""')  # the machine's model cache
              .replace("port = 8321", f"port = {port}"))
    config_path = tmp_path / "config.toml"
    config_path.write_text(config, encoding="utf-8")
    argv[0] = str(Path(sys.executable).with_name("salesbot"))
    argv[argv.index("--config") + 1] = str(config_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESBOT_")}
    process = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        health = wait_for_health(port, process)
        assert health["ok"] is True and health["database"] == "ok" and health["scheduler"] == "running"
        assert (tmp_path / "state" / "salesbot.db").is_file()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    logged = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    assert logged and all({"time", "level", "logger", "message"} <= set(entry) for entry in logged)
    assert any("stopping" in entry["message"] for entry in logged)


def wait_for_health(port: int, process, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"salesbot run exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                body = json.loads(response.read())
                if body.get("scheduler") == "running":
                    return body
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail("no healthy /healthz within the time allowed")


async def test_healthz_is_503_when_the_database_does_not_answer():
    from starlette.testclient import TestClient

    from bot.ops_runtime import status
    from bot.web import build_web_app

    class Down:
        scheduler_factory, scheduler = None, None

        @staticmethod
        def sessions():
            raise OSError("disk I/O error")

    body = await status(Down())
    assert body == {"ok": False, "database": "error: OSError", "scheduler": "off"}

    async def health():
        return await status(Down())
    response = TestClient(build_web_app(health=health)).get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "error: OSError"
