"""`salesbot` commands. Global options come before the command; results go to stdout, logs to stderr.

Exit codes: 0 success (also when some input lines or files were refused and reported as error
objects), 2 usage errors, 1 other failures.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

log = logging.getLogger("salesbot")
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


class UsageError(Exception):
    """Wrong arguments: exit 2."""


def emit(obj) -> None:
    """One JSON object per line on stdout."""
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def parse_ref(value: str | None) -> datetime:
    """An ISO time; without an offset it is read in Asia/Shanghai; absent means now."""
    if not value:
        return datetime.now(DEFAULT_TZ)
    try:
        ref = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"not an ISO time: {value!r}") from exc
    return ref if ref.tzinfo else ref.replace(tzinfo=DEFAULT_TZ)


def read_jsonl(path: str):
    """Yields (line_number, object or None, error text or None) for each non-empty line."""
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: not JSON ({exc.msg})"
                continue
            if not isinstance(obj, dict):
                yield number, None, f"line {number}: not a JSON object"
                continue
            yield number, obj, None


# --- nlu: parse, dates, eval ---------------------------------------------------------------

def cmd_parse(args, config) -> int:
    from nlu.parser import parse

    industry = args.industry or config.get("team", {}).get("industry") or None
    if args.jsonl:
        for number, obj, error in read_jsonl(args.jsonl):
            if error:
                emit({"id": None, "error": error})
                continue
            text = obj.get("text")
            if not isinstance(text, str):
                emit({"id": obj.get("id"), "error": "missing text"})
                continue
            try:
                ref = parse_ref(obj.get("ref") or args.ref)
            except UsageError as exc:
                emit({"id": obj.get("id"), "error": str(exc)})
                continue
            extraction = parse(text, ref, obj.get("industry") or industry)
            if "error" in extraction:
                emit({"id": obj.get("id"), "error": extraction["error"]})
            else:
                emit({"id": obj.get("id"), "extraction": extraction})
        return 0
    if args.text is None:
        raise UsageError("parse needs TEXT or --jsonl FILE")
    emit(parse(args.text, parse_ref(args.ref), industry))
    return 0


def cmd_dates(args, config) -> int:
    from nlu.dates import find_times

    if args.jsonl:
        for number, obj, error in read_jsonl(args.jsonl):
            if error:
                emit({"id": None, "error": error})
                continue
            try:
                ref = parse_ref(obj.get("ref") or args.ref)
                times = [t.to_json() for t in find_times(str(obj.get("text") or ""), ref)]
            except UsageError as exc:
                emit({"id": obj.get("id"), "error": str(exc)})
                continue
            emit({"id": obj.get("id"), "times": times})
        return 0
    if args.text is None:
        raise UsageError("dates needs TEXT or --jsonl FILE")
    for t in find_times(args.text, parse_ref(args.ref)):
        emit(t.to_json())
    return 0


def cmd_eval(args, config) -> int:
    from nlu.evaluate import evaluate_file, format_report

    result = evaluate_file(args.file)
    print(json.dumps(result, ensure_ascii=False) if args.json else format_report(result))
    return 0


# --- argument parsing ---------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="salesbot", description="SalesBot 销售语音助手")
    p.add_argument("--config", help="config file (env SALESBOT_CONFIG)")
    p.add_argument("--db", help="database URL (env SALESBOT_DATABASE_URL)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("parse", help="text note -> Extraction JSON")
    s.add_argument("text", nargs="?")
    s.add_argument("--ref", help="ISO time the note was made (default now)")
    s.add_argument("--industry")
    s.add_argument("--jsonl", metavar="FILE", help="lines with id, text, ref[, industry]")
    s.set_defaults(func=cmd_parse)

    s = sub.add_parser("dates", help="every time expression in TEXT")
    s.add_argument("text", nargs="?")
    s.add_argument("--ref")
    s.add_argument("--jsonl", metavar="FILE", help="lines with id, text, ref")
    s.set_defaults(func=cmd_dates)

    s = sub.add_parser("eval", help="score the parser on an annotated notes file")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    from bot.config import ConfigError, load_config

    try:
        overrides = {"database": {"url": args.db}} if args.db else None
        config = load_config(args.config, overrides=overrides)
        return args.func(args, config) or 0
    except UsageError as exc:
        print(f"salesbot {args.command}: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"salesbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # one line for the user, the traceback in debug logs
        log.debug("failure", exc_info=True)
        print(f"salesbot {args.command}: {exc}", file=sys.stderr)
        return 1
