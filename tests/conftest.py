"""Shared fixtures. Data made for this project is copied under tests/data; data from other projects
(speech_real, duckling_zh) is read from ../shared when it exists, and tests that need it skip saying so."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
SHARED = Path(os.environ.get("SALESBOT_SHARED", TESTS.parent.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or a skip that says plainly what is missing."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"skipped: {path} not found (shared data from other projects is not in the repository)")
    return path


@pytest.fixture
def shared_data():
    return shared_path


# Database fixtures (SQLite and, with SALESBOT_TEST_PG_URL, PostgreSQL): db_engine, db_session, db_sessions.
from tests.storage_db import db_engine, db_session, db_sessions  # noqa: E402,F401


def pytest_addoption(parser):
    parser.addoption("--queue-backend", choices=("inline", "procrastinate"), default=None,
                     help="the conversation tests (tests/chat_bot.py's bot) in one process (inline, the default) "
                          "or as a web process deferring to procrastinate and a worker (PostgreSQL only; "
                          "only the tests on that fixture run); also SALESBOT_TEST_QUEUE")


def pytest_configure(config):
    chosen = config.getoption("--queue-backend", default=None)
    if chosen:
        os.environ["SALESBOT_TEST_QUEUE"] = chosen


def pytest_collection_modifyitems(config, items):
    """In queue mode only the tests on the conversation fixture (`bot`) run: the others do not
    depend on the backend, and the whole suite has run in inline mode already."""
    if os.environ.get("SALESBOT_TEST_QUEUE", "inline").strip().lower() != "procrastinate":
        return
    keep = [item for item in items if "bot" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if "bot" not in getattr(item, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_report_header(config):
    """The speech path this machine takes, so a red speech test can be read at once."""
    from nlu.asr import describe_path

    queue = os.environ.get("SALESBOT_TEST_QUEUE", "inline")
    return f"speech tests: {describe_path()}; conversation tests: queue backend {queue}"
