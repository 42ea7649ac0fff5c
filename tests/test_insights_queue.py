"""The insight desk in the distributed mode: procrastinate's periodic sweep_insights writes what is due
to the outbox and defers a send job per notice; a worker sends each once (in-memory connector, on
PostgreSQL as the procrastinate backend requires)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import queue
from storage.deals import close_deal
from storage.models import Notification
from storage.notes import apply_extraction, record_inbound
from storage.stages import stages_from_config
from tests.test_queue import Recorder, drain, pg_bare, pg_queue, runtime_with_rep  # noqa: F401 (fixtures)


@pytest.mark.pg
async def test_a_churn_warning_goes_out_once_through_the_queue(pg_queue):
    from procrastinate.testing import InMemoryConnector

    config, _ = pg_queue
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    config["reminders"]["extra_workdays"] = [today.isoformat()]  # whatever day the test runs on
    config["insights"]["daily_time"] = "00:00"
    config["insights"]["weekly_radar"] = False        # on a Monday the radar would go out too
    channel, connector = Recorder(), InMemoryConnector()
    app, [rep] = runtime_with_rep(config, channel)
    with app.sessions() as s:
        note, _ = record_inbound(session=s, author_id=rep, channel="local", channel_message_id="x:1",
                                 received_at=datetime.now(ZoneInfo("UTC")) - timedelta(days=20), text="远大机械签了")
        applied = apply_extraction(session=s, note=note, stages=stages_from_config(config), extraction={
            "customer": {"name": "张总", "company": "远大机械"}, "items": [], "money": [], "objections": [],
            "competitors": [], "dates": [{"date": (today - timedelta(days=2)).isoformat(), "kind": "payment",
                                          "status": "planned"}]})
        close_deal(session=s, deal=applied.deal, status="won", by_id=rep)
    papp = queue.make_app(config, connector=connector)
    async with papp.open_async():
        await papp.configure_task("sweep_insights").defer_async()
    await drain(config, ["sweep", "send"], connector, app)
    assert [text.splitlines()[0] for _, text, _ in channel.sent] == ["⚠️ 客户流失预警：远大机械（负责人 李雷0）"]
    async with papp.open_async():
        await papp.configure_task("sweep_insights").defer_async()
    await drain(config, ["sweep", "send"], connector, app)
    assert len(channel.sent) == 1
    with app.sessions() as s:
        rows = s.exec(select(Notification).where(Notification.kind == "churn")).all()
        assert len(rows) == 1 and rows[0].sent_at is not None
    await app.conversation.close()
