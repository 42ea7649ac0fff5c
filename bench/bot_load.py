"""Load benchmark: simulated reps talk to `salesbot run` through the fake Bot API (rate limiting on).

The bot runs as its own process (`python -m bot --config … run`, polling the fake Bot API on
127.0.0.1), so the simulation and the fake server do not share its interpreter. Phase 1: N reps send
text notes (the dev set's sentences) and voice notes (the 3-5 s speech_dev OGG/Opus clips) at random
times over --duration seconds. Phase 2: a burst of voice notes at once. Every note must be stored and
answered exactly once; latency is from the update being queued to the reply that answers the note.

    .venv/bin/python -m bench.bot_load                 # the full run: 5 minutes + burst
    .venv/bin/python -m bench.bot_load --duration 60   # a quicker run
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_botapi import FakeBotAPI, free_port  # noqa: E402

CLIPS = sorted((ROOT / "tests" / "data" / "speech_dev").glob("sales_0*.ogg"))
NOTES = ROOT / "tests" / "data" / "notes_dev.jsonl"
RECEIVED = "收到，正在识别…"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Load:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="salesbot-bench-"))
        self.fake = FakeBotAPI(max_per_second=30).start()
        self.port = free_port()
        self.db_url = f"sqlite:///{self.tmp / 'bench.db'}"
        self.sent_at: dict[int, float] = {}      # note message id -> when its update was queued
        self.kind: dict[int, str] = {}
        self.users = [self.fake.user(50_000 + i, f"销售{i:02d}") for i in range(args.reps)]
        self.bot: subprocess.Popen | None = None

    def write_config(self) -> Path:
        path = self.tmp / "config.toml"
        path.write_text(f"""[database]
url = "{self.db_url}"

[telegram]
token = "{self.fake.token}"
base_url = "{self.fake.base_url}"
base_file_url = "{self.fake.base_file_url}"

[web]
host = "127.0.0.1"
port = {self.port}

[asr]
beam_size = {self.args.beam}

[storage]
audio_dir = "{self.tmp / 'audio'}"
""", encoding="utf-8")
        return path

    def start_bot(self) -> None:
        from bot.app import build_app
        from bot.config import load_config
        from storage import teams

        config_path = self.write_config()
        app = build_app(load_config(str(config_path)), with_channels=False)
        with app.sessions() as session:
            team = teams.add_team(session=session, name="压测团队")
            self.codes = [teams.create_invite(session=session, team=team, role="rep").code for _ in self.users]
        app.engine.dispose()
        log = (self.tmp / "bot.log").open("ab")
        self.bot = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config_path), "run"],
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)

    def join_all(self) -> None:
        for user, code in zip(self.users, self.codes):
            self.fake.send_text(user, f"/start {code}")
        self.fake.wait_for(lambda sent: sum("欢迎加入" in s.text for s in sent) >= len(self.users), 120)

    def warm_up(self) -> None:
        """One voice note first, so model loading is not counted as load (it happens at start-up)."""
        user = self.users[0]
        message = self.fake.send_voice(user, CLIPS[0].read_bytes())
        self.fake.wait_for(lambda sent: any(s.reply_to == message["message_id"] and s.text != RECEIVED
                                            for s in sent), 120)

    def send(self, kind: str, user: dict, payload) -> None:
        if kind == "voice":
            message = self.fake.send_voice(user, payload)
        else:
            message = self.fake.send_text(user, payload)
        self.sent_at[message["message_id"]] = time.monotonic()
        self.kind[message["message_id"]] = kind

    def schedule(self) -> list[tuple[float, str, dict, object]]:
        rng = random.Random(self.args.seed)
        texts = [json.loads(line)["text"] for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
        plan = [(rng.uniform(0, self.args.duration), "text", rng.choice(self.users), rng.choice(texts))
                for _ in range(self.args.texts)]
        plan += [(rng.uniform(0, self.args.duration), "voice", rng.choice(self.users), rng.choice(CLIPS).read_bytes())
                 for _ in range(self.args.voices)]
        return sorted(plan, key=lambda p: p[0])

    def run_plan(self, plan) -> None:
        started = time.monotonic()
        for at, kind, user, payload in plan:
            delay = started + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.send(kind, user, payload)

    def answers(self, ids) -> dict[int, list]:
        """Each note's answers: bot messages replying to it, except the "recognising" notice."""
        ids = set(ids)
        found: dict[int, list] = {i: [] for i in ids}
        for s in list(self.fake.sent):
            if s.method == "sendMessage" and s.reply_to in ids and s.text != RECEIVED:
                found[s.reply_to].append(s)
        return found

    def wait_answered(self, ids, timeout: float) -> None:
        ids = set(ids)
        try:
            self.fake.wait_for(lambda sent: all(v for v in self.answers(ids).values()), timeout)
        except TimeoutError:
            pass
        time.sleep(3.0)   # room for a wrong second answer

    def latencies(self, ids, kind: str) -> list[float]:
        out = []
        for message_id, replies in self.answers([i for i in ids if self.kind[i] == kind]).items():
            if replies:
                out.append(replies[0].at - self.sent_at[message_id])
        return out

    def check_once(self, ids) -> dict:
        answered = self.answers(ids)
        return {"notes": len(answered), "answered_once": sum(len(v) == 1 for v in answered.values()),
                "unanswered": sum(not v for v in answered.values()),
                "answered_more_than_once": sum(len(v) > 1 for v in answered.values())}

    def stored(self) -> dict:
        from storage.db import make_engine, session_factory
        from storage.models import Note

        engine = make_engine(self.db_url)
        with session_factory(engine)() as session:
            notes = session.exec(select(Note)).all()
        engine.dispose()
        states: dict[str, int] = {}
        for note in notes:
            states[note.state] = states.get(note.state, 0) + 1
        keys = [n.channel_message_id for n in notes]
        return {"notes_stored": len(notes), "distinct_messages": len(set(keys)), "states": states}

    def stop(self) -> None:
        if self.bot and self.bot.poll() is None:
            self.bot.send_signal(signal.SIGTERM)
            try:
                self.bot.wait(30)
            except subprocess.TimeoutExpired:
                self.bot.kill()
        self.fake.stop()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--texts", type=int, default=400)
    p.add_argument("--voices", type=int, default=40)
    p.add_argument("--duration", type=float, default=300, help="seconds over which the notes arrive")
    p.add_argument("--burst", type=int, default=40, help="voice notes sent at once afterwards (0: none)")
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)

    load = Load(args)
    report: dict = {"reps": args.reps, "texts": args.texts, "voices": args.voices, "duration_s": args.duration,
                    "beam": args.beam, "cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}
    try:
        load.start_bot()
        load.join_all()
        load.warm_up()
        cpu0, wall0 = cpu_seconds(load.bot.pid), time.monotonic()
        plan = load.schedule()
        load.run_plan(plan)
        ids = list(load.sent_at)
        load.wait_answered(ids, 180)
        report["loadavg_during"] = os.getloadavg()
        report["bot_cpu_share"] = round((cpu_seconds(load.bot.pid) - cpu0) / (time.monotonic() - wall0), 2)
        text_lat, voice_lat = load.latencies(ids, "text"), load.latencies(ids, "voice")
        report["phase1"] = load.check_once(ids) | {
            "text_p50_s": round(percentile(text_lat, 50), 3), "text_p95_s": round(percentile(text_lat, 95), 3),
            "text_max_s": round(max(text_lat, default=float("nan")), 3),
            "voice_p50_s": round(percentile(voice_lat, 50), 3), "voice_p95_s": round(percentile(voice_lat, 95), 3),
            "voice_max_s": round(max(voice_lat, default=float("nan")), 3),
            "voice_worst5_s": [round(v, 2) for v in sorted(voice_lat)[-5:]]}
        if args.burst:
            rng = random.Random(args.seed + 1)
            before = set(load.sent_at)
            started = time.monotonic()
            for i in range(args.burst):
                load.send("voice", load.users[i % len(load.users)], rng.choice(CLIPS).read_bytes())
            burst_ids = [i for i in load.sent_at if i not in before]
            load.wait_answered(burst_ids, 600)
            last = max((r[0].at for r in load.answers(burst_ids).values() if r), default=float("nan"))
            burst_lat = load.latencies(burst_ids, "voice")
            report["burst"] = load.check_once(burst_ids) | {
                "drain_s": round(last - started, 1), "first_answer_s": round(min(burst_lat, default=float("nan")), 2),
                "p95_s": round(percentile(burst_lat, 95), 2)}
        report["stored"] = load.stored()
        report["flood_refusals_429"] = load.fake.flood_refusals
    finally:
        load.stop()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    phase = report.get("phase1", {})
    ok = (phase.get("answered_once") == phase.get("notes") and phase.get("text_p95_s", 99) < 1.0
          and phase.get("voice_p95_s", 99) < 8.0
          and (not args.burst or report["burst"]["answered_once"] == args.burst))
    print(f"text p95 {phase.get('text_p95_s')} s (< 1 s), voice p95 {phase.get('voice_p95_s')} s (< 8 s), "
          f"answered once {phase.get('answered_once')}/{phase.get('notes')}"
          + (f", burst of {args.burst}: drained in {report['burst']['drain_s']} s" if args.burst else "")
          + f" -> {'PASS' if ok else 'FAIL'}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
