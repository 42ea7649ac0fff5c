"""What the fake chat servers share: waiting, from an async test, for what the bot sent."""
from __future__ import annotations

import asyncio
import time


class AwaitsSent:
    """For fakes that keep what the bot sent in `self.sent`, guarded by `self._lock`."""

    async def await_for(self, predicate, timeout: float = 60.0):
        """Waits without blocking the loop the bot runs in until predicate(list of sent) is truthy;
        returns that value."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                value = predicate(list(self.sent))
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not send what was expected in time")
            await asyncio.sleep(0.02)
