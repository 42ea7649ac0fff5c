"""`salesbot run` start-up: the speech model and its dictionaries are loaded at once, off the event
loop, so the first voice note does not wait for them and the bot answers meanwhile."""
from __future__ import annotations

import asyncio
import threading
import time

import httpx

from bot.app import build_app, serve
from tests.test_web import web_config


class SlowModel:
    """A transcriber whose model takes a while to load, in its own pool like the real one."""

    def __init__(self):
        self.loaded = threading.Event()
        self.loaded_in: str | None = None

    def warm_up(self) -> None:
        time.sleep(0.5)
        self.loaded_in = threading.current_thread().name
        self.loaded.set()

    async def load_async(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.warm_up)

    def close(self) -> None:
        pass


async def test_the_speech_model_is_loaded_at_start_up_without_blocking_the_bot(tmp_path):
    config = web_config(tmp_path)
    model = SlowModel()
    app = build_app(config, transcriber=model)
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, started=started, stop=stop))
    try:
        await asyncio.wait_for(started.wait(), 30)
        async with httpx.AsyncClient() as client:   # the bot answers; the model loads in the background
            health = await client.get(f"http://127.0.0.1:{config['web']['port']}/healthz")
        assert health.status_code == 200
        assert await asyncio.to_thread(model.loaded.wait, 20), "the model was never loaded at start-up"
        assert model.loaded_in != threading.main_thread().name
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
