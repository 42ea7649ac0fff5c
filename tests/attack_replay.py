"""Replays the attacks of issue 19 against a real `salesbot run` on loopback and reports each as held or
failed (exit 1 when any failed). Not a test: run it by hand, it takes a minute or two.

    .venv/bin/python -m tests.attack_replay [--keep DIR]

It starts a fake Bot API (Telegram in webhook mode) and a WeCom API that answers every call with 404,
then `salesbot run` as a subprocess with both channels and the intake API, so the chat page asks for
invite codes (no demo team). People join through the web chat with codes printed by `salesbot invite`.
The 200-concurrent-notes attack is bench/ack_latency.py's.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.fake_botapi import FakeBotAPI, free_port
from tests.http_raw import chunked_post, multipart_parts
from tests.test_security import FailingServer

SECRETS = {"[wecom] secret": "corp-secret-Replay-9931", "[wecom] robot_key": "robot-key-replay-5521",
           "[telegram] token": "555123:AAReplaySecretTokenValue_x", "[api] token": "intake-token-replay-77"}
COOKIE = "salesbot_session"
MEMORY_BOUND = 150_000_000       # RSS growth an attack may cause before it counts as unbounded


class Instance:
    """`salesbot run` in a subprocess with its config, database, audio folder and stderr log."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = folder / "salesbot.db"
        self.audio = folder / "audio"
        self.log = folder / "salesbot.log"
        self.failing = FailingServer().start()
        self.botapi = FakeBotAPI(token=SECRETS["[telegram] token"]).start()
        self.config = folder / "config.toml"
        self.config.write_text(f"""
[database]
url = "sqlite:///{self.db}"
[storage]
audio_dir = "{self.audio}"
[asr]
beam_size = 1
[web]
host = "127.0.0.1"
port = {self.port}
[api]
token = "{SECRETS['[api] token']}"
[telegram]
token = "{SECRETS['[telegram] token']}"
mode = "webhook"
webhook_url = "https://bot.example.com/telegram/webhook"
webhook_secret = "webhook-secret-replay"
base_url = "{self.botapi.base_url}"
base_file_url = "{self.botapi.base_file_url}"
[wecom]
corp_id = "ww5f2a1b3c4d5e6f70"
agent_id = "1000002"
secret = "{SECRETS['[wecom] secret']}"
token = "CallbackToken123"
encoding_aes_key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
api_base = "{self.failing.base}"
robot_key = "{SECRETS['[wecom] robot_key']}"
""", encoding="utf-8")
        self.process = None

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", "--config", str(self.config), *args],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"salesbot {' '.join(args)}: {done.stderr[-500:]}")
        return done.stdout

    def start(self) -> None:
        self.cli("db", "upgrade")
        self.process = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(self.config), "run"],
                                        stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        deadline = time.monotonic() + 180
        while "parser and speech model ready" not in self.log_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("salesbot run did not start:\n" + self.log_text()[-3000:])
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(60)
        self.botapi.stop()
        self.failing.stop()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def rss(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024

    def sql(self, query: str, *args):
        with sqlite3.connect(self.db, timeout=10) as db:
            return db.execute(query, args).fetchall()

    def audio_files(self) -> set[str]:
        return {p.name for p in self.audio.iterdir()} if self.audio.exists() else set()


class Browser:
    """One web-chat session (its own cookie)."""

    def __init__(self, site: Instance):
        self.site = site
        self.client = httpx.Client(base_url=site.url, timeout=30, trust_env=False)
        self.client.get("/chat/me")
        self.after = 0

    def say(self, text: str) -> dict:
        return self.client.post("/chat/send", data={"text": text}).json()

    def answer(self, text: str, *needles: str) -> str:
        """A stranger's answer: in the POST's reply (kept nowhere), else (older builds) in the chat."""
        replies = self.say(text).get("replies")
        if replies:
            return replies[0]["text"]
        return self.wait_for(*needles, timeout=20)["text"]

    def join(self, code: str) -> None:
        answer = self.answer(f"加入 {code}", "欢迎加入", "邀请码")
        if "欢迎加入" not in answer:
            raise RuntimeError(f"could not join with {code}: {answer}")

    def wait_for(self, *needles: str, timeout: float = 60) -> dict:
        """The next bot message containing one of `needles` (reminders and reports in between skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.client.get("/chat/updates", params={"after": self.after, "wait": 5}).json()
            for message in body["messages"]:
                self.after = max(self.after, message["seq"])
                if message["from"] == "bot" and any(n in message["text"] for n in needles):
                    return message
        raise TimeoutError(f"no bot message with {needles!r}")

    def ask(self, text: str, *needles: str) -> str:
        """Says `text` and returns the bot's answer (the next message containing one of `needles`)."""
        self.say(text)
        return self.wait_for(*(needles or ("",)))["text"]

    @property
    def cookie(self) -> str:
        return self.client.cookies.get(COOKIE)


def code(site: Instance, team: str, role: str, member: str | None = None) -> str:
    args = ["invite", "--team", team, "--role", role] + (["--member", member] if member else [])
    return site.cli(*args).strip().splitlines()[-1].strip()


def held(results: list, name: str, ok: bool, detail: str) -> None:
    results.append((name, ok, detail))
    print(f"{'held  ' if ok else 'FAILED'}  {name}: {detail}", flush=True)


def attempt(results: list, name: str, run) -> None:
    """Runs one attack; an error on the way counts as not held (the attack got somewhere unexpected)."""
    try:
        run()
    except Exception as exc:
        held(results, name, False, f"{type(exc).__name__}: {exc}"[:300])


def replay(site: Instance) -> list:
    results: list = []
    site.cli("team", "create", "华北")
    site.cli("team", "create", "华南")
    site.cli("member", "add", "管理员", "--team", "华北", "--role", "admin")
    lead, rep1, rep2 = Browser(site), Browser(site), Browser(site)
    lead.join(code(site, "华北", "lead"))
    rep1.join(code(site, "华北", "rep"))
    rep2.join(code(site, "华北", "rep"))
    rep1_name = rep1.client.get("/chat/me").json()["member"]["name"]
    rep1.ask("金鹰建材的刘总说A型号订50台，3月15日发货", "已记录")
    rep2.ask("金鹰物流的王总说B型号订20台，4月1日发货", "已记录")

    # 1. a member's chunked 60 MB upload
    def step_0():
        files, rss = site.audio_files(), site.rss()
        head, tail = multipart_parts("REPLAY", {"client_id": "big"}, "voice", "big.ogg", "audio/ogg")
        sent = asyncio.run(chunked_post("127.0.0.1", site.port, "/chat/send", total=60_000_000, head=head, tail=tail,
                                        headers={"Content-Type": "multipart/form-data; boundary=REPLAY",
                                                 "Cookie": f"{COOKIE}={rep1.cookie}"}))
        grew = site.rss() - rss
        held(results, "chunked 60 MB upload", sent.status == 413 and grew < MEMORY_BOUND and site.audio_files() == files,
             f"answer {sent.status} after {sent.sent / 1e6:.1f} MB sent, RSS +{grew / 1e6:.0f} MB, "
             f"new files {sorted(site.audio_files() - files)}")
    attempt(results, "1. a member's chunked 60 MB upload", step_0)

    # 2. strangers' large posts from new cookies
    def step_1():
        rss, statuses = site.rss(), []
        for n in range(10):
            head, tail = multipart_parts("S", {"text": "你好"}, "file", "big.bin", "application/octet-stream")
            statuses.append(asyncio.run(chunked_post("127.0.0.1", site.port, "/chat/send", total=20_000_000, head=head,
                                                     tail=tail, headers={"Content-Type": "multipart/form-data; boundary=S"})).status)
        for n in range(10):
            httpx.post(f"{site.url}/chat/send", data={"text": "x" * 7000}, timeout=30)
        grew = site.rss() - rss
        held(results, "strangers' large posts", grew < MEMORY_BOUND and set(statuses) == {413},
             f"answers {sorted(set(statuses))}, RSS +{grew / 1e6:.0f} MB")
    attempt(results, "2. strangers' large posts from new cookies", step_1)

    # 3. a rep's write to a customer they cannot see, and the names they learn
    def step_2():
        ends = site.sql("select count(*) from contractend")[0][0]
        answer = rep1.ask("合同到期 金鹰物流 2027年3月31日", "客户", "合同")
        listed = rep1.ask("合同到期 金 明年3月", "客户", "合同")
        stored = site.sql("select count(*) from contractend c join customer k on k.id = c.customer_id "
                          "where k.name = '金鹰物流'")[0][0]
        held(results, "rep writes to an invisible customer", stored == 0 and "金鹰物流" not in listed,
             f"answers {answer!r} / {listed!r}; contract ends on 金鹰物流: {stored} (before: {ends} in all)")
    attempt(results, "3. a rep's write to a customer they cannot see, and the names they learn", step_2)

    # 4. a lead deactivating an admin
    def step_3():
        answer = lead.ask(f"停用 管理员 交接给 {rep1_name}", "停用", "管理员", "团队中没有")
        active = site.sql("select active from member where name = '管理员'")[0][0]
        held(results, "lead deactivates an admin", bool(active), f"answer {answer!r}; admin active: {bool(active)}")
    attempt(results, '4. a lead deactivating an admin', step_3)

    # 5. a lead revoking another team's code
    def step_4():
        other = code(site, "华南", "rep")
        before = site.sql("select expires_at from invite where code = ?", other)[0][0]
        answer = lead.ask(f"作废邀请码 {other}", "邀请码")
        after = site.sql("select expires_at from invite where code = ?", other)[0][0]
        held(results, "lead revokes another team's code", before == after and "其他团队" in answer,
             f"answer {answer!r}; expiry {'unchanged' if before == after else 'changed'}")
    attempt(results, "5. a lead revoking another team's code", step_4)

    # 6. a blob fetched without its session
    def step_5():
        lead.say("导出")
        url = lead.wait_for("销售记录")["file"]["url"]
        mine = lead.client.get(url).status_code
        nobody = httpx.get(f"{site.url}{url}", timeout=10).status_code
        other_session = rep1.client.get(url).status_code
        held(results, "blob without its session", mine == 200 and nobody != 200 and other_session != 200,
             f"owner {mine}, no cookie {nobody}, another member {other_session}")
    attempt(results, '6. a blob fetched without its session', step_5)

    # 7. non-ASCII secret header and signature
    def step_6():
        header = httpx.post(f"{site.url}/telegram/webhook", content=b"{}",
                            headers={"X-Telegram-Bot-Api-Secret-Token": "é".encode()}, timeout=10).status_code
        signature = httpx.post(f"{site.url}/wecom/callback", params={"msg_signature": "éééé", "timestamp": str(int(time.time())),
                                                                      "nonce": "n"},
                               content=b"<xml><Encrypt><![CDATA[QUJD]]></Encrypt></xml>", timeout=10).status_code
        held(results, "non-ASCII secret header and signature", header == 403 and signature == 403,
             f"webhook {header}, callback {signature}")
    attempt(results, '7. non-ASCII secret header and signature', step_6)

    # 8. malformed intake bodies
    def step_7():
        auth = {"Authorization": f"Bearer {SECRETS['[api] token']}"}
        leads_before = site.sql("select count(*) from lead")[0][0]
        bodies = {"100k-deep JSON": b"[" * 100_000 + b"]" * 100_000,
                  "5,000-digit integer": ('{"team": "华北", "name": "张三", "visits": %s}' % ("9" * 5000)).encode(),
                  "lone surrogate": b'{"team": "\\u534e\\u5317", "name": "\\ud800"}',
                  "created_at 0001-01-01": '{"team": "华北", "name": "张三", "created_at": "0001-01-01"}'.encode(),
                  "created_at 9999-12-31T23:59:59-12:00":
                      '{"team": "华北", "name": "张三", "created_at": "9999-12-31T23:59:59-12:00"}'.encode()}
        answers = {name: httpx.post(f"{site.url}/api/leads", content=body, headers=auth, timeout=30).status_code
                   for name, body in bodies.items()}
        stored = site.sql("select count(*) from lead")[0][0] - leads_before
        held(results, "malformed intake bodies", all(400 <= s < 500 for s in answers.values()) and stored == 0,
             f"{answers}, leads stored {stored}")
    attempt(results, '8. malformed intake bodies', step_7)

    # 9. a long poll with wait=nan
    def step_8():
        started = time.monotonic()
        try:
            status = httpx.get(f"{site.url}/chat/updates", params={"after": 0, "wait": "nan"}, timeout=40).status_code
        except httpx.TimeoutException:
            status = None
        took = time.monotonic() - started
        held(results, "long poll with wait=nan", status == 200 and took < 5, f"answer {status} after {took:.1f} s")
    attempt(results, '9. a long poll with wait=nan', step_8)

    # 10. a bidi character in a company name
    def step_9():
        rep1.ask("金鹰\u202e建材的刘总说B型号再订20台，3月20日发货", "已记录")
        names = [n for (n,) in site.sql("select name from customer where name like '%建材%'")]
        held(results, "bidi character in a company name", names == ["金鹰建材"], f"customers {names}")
    attempt(results, '10. a bidi character in a company name', step_9)

    # extra: guessing invite codes, a cross-site post
    def step_10():
        guesser = Browser(site)
        answers = [guesser.answer(f"加入 WRONG{n:03d}", "邀请码", "尝试") for n in range(6)]
        held(results, "invite-code guessing (extra)", answers[-1] == "尝试次数过多，请10分钟后再试", f"6th answer {answers[-1]!r}")
        cross = lead.client.post("/chat/send", data={"text": "漏斗"}, headers={"Origin": "http://attacker.example"}).status_code
        held(results, "cross-site post to the chat page (extra)", cross == 403, f"answer {cross}")
    attempt(results, 'extra: guessing invite codes, a cross-site post', step_10)

    # last: the secrets of every failed outgoing call (WeCom answers 404 from the start)
    def step_11():
        text = site.log_text()
        leaked = [name for name, secret in SECRETS.items() if secret in text]
        held(results, "secret in a failed call's log", not leaked and "could not get an access token" in text,
             f"leaked: {leaked or 'none'}; {text.count('***')} masked values in {len(text.splitlines())} log lines")
    attempt(results, 'last: the secrets of every failed outgoing call (WeCom answers 404 from the start)', step_11)

    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="folder for the database and log (kept afterwards)")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="salesbot-replay-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.pop("SALESBOT_CONFIG", None)
    site = Instance(folder)
    try:
        site.start()
        results = replay(site)
    finally:
        site.stop()
    failed = [name for name, ok, _ in results if not ok]
    print(f"\n{len(results) - len(failed)} held, {len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    print(f"log and database: {folder}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
