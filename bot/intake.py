"""The intake API on `salesbot run`'s web server: POST /api/leads and POST /api/touchpoints.

`Authorization: Bearer <[api] token>`; the body is one JSON object or a list of them. Every object is
checked before anything is stored: one bad object refuses the whole request with 422 naming the
field ({"errors": [{"index", "field", "error"}]}), so a client can fix and resend without duplicates.
401 for a missing or wrong token, 503 while [api] token is empty (the API is off), 400 for a body
that is not JSON, 413 for more than MAX_ITEMS objects or MAX_BYTES. Stored leads are offered to a
rep within seconds by the lead desk's next sweep (reminders.lead_sweep: one sweep soon after a
burst of intakes, not one per request), touchpoints pushed to their owner.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from storage import leads as lead_ops
from storage import touchpoints as touch_ops
from storage.leads import BadField

log = logging.getLogger(__name__)
MAX_ITEMS = 1000
MAX_BYTES = 2_000_000


def _authorized(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


async def _objects(request: Request) -> list | JSONResponse:
    body = await request.body()
    if len(body) > MAX_BYTES:
        return JSONResponse({"error": f"请求太大（上限 {MAX_BYTES} 字节）"}, status_code=413)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JSONResponse({"error": "请求体不是 JSON"}, status_code=400)
    items = data if isinstance(data, list) else [data]
    if not items:
        return JSONResponse({"error": "没有内容", "errors": []}, status_code=422)
    if len(items) > MAX_ITEMS:
        return JSONResponse({"error": f"一次最多 {MAX_ITEMS} 条"}, status_code=413)
    return items


class Intake:
    """The two routes; `after` is awaited (in the background) once something was stored."""

    def __init__(self, *, sessions, token: str, after=None, clock=None):
        self.sessions = sessions
        self.clock = clock  # what `received_at` is; None: the real time
        self.token = token or ""
        self.after = after
        self._tasks: set[asyncio.Task] = set()

    def routes(self) -> list[Route]:
        return [Route("/api/leads", self.leads, methods=["POST"]),
                Route("/api/touchpoints", self.touchpoints, methods=["POST"])]

    async def _guard(self, request: Request):
        if not self.token:
            return JSONResponse({"error": "接口未开启：请在配置 [api] token 中设置令牌"}, status_code=503)
        if not _authorized(request, self.token):
            return JSONResponse({"error": "令牌无效"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await _objects(request)

    async def leads(self, request: Request) -> JSONResponse:
        """Stores new leads; 201 with their ids."""
        items = await self._guard(request)
        if isinstance(items, JSONResponse):
            return items
        return await self._store(items, self._store_leads)

    async def touchpoints(self, request: Request) -> JSONResponse:
        """Stores touchpoints matched to customers; 201 with ids and who they went to."""
        items = await self._guard(request)
        if isinstance(items, JSONResponse):
            return items
        return await self._store(items, self._store_touchpoints)

    async def _store(self, items: list, store) -> JSONResponse:
        try:
            result = await asyncio.to_thread(store, items)
        except Exception:
            log.exception("intake: storing failed")
            return JSONResponse({"error": "保存失败，请稍后重试"}, status_code=500)
        if "errors" in result:
            return JSONResponse(result, status_code=422)
        if self.after is not None:
            task = asyncio.create_task(self.after())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return JSONResponse(result, status_code=201)

    def _check(self, session, items: list, clean) -> tuple[list, list]:
        values, errors = [], []
        for index, obj in enumerate(items):
            try:
                values.append(clean(session, obj))
            except BadField as exc:
                errors.append({"index": index, "field": exc.field, "error": exc.reason})
        return values, errors

    def _store_leads(self, items: list) -> dict:
        with self.sessions() as session:
            now = self.clock() if self.clock else None
            values, errors = self._check(session, items, lambda s, obj: lead_ops.clean_lead(s, obj, now=now))
            if errors:
                return {"error": f"第 {errors[0]['index'] + 1} 条的字段 {errors[0]['field']} 有误", "errors": errors}
            stored = lead_ops.add_leads(session=session, values=values, now=now)
            return {"ids": [lead.id for lead in stored], "count": len(stored)}

    def _store_touchpoints(self, items: list) -> dict:
        with self.sessions() as session:
            now = self.clock() if self.clock else None
            values, errors = self._check(session, items, lambda s, obj: touch_ops.clean_touchpoint(s, obj, now=now))
            if errors:
                return {"error": f"第 {errors[0]['index'] + 1} 条的字段 {errors[0]['field']} 有误", "errors": errors}
            out = []
            for v in values:
                t = touch_ops.add_touchpoint(session=session, values=v, now=now)
                out.append({"id": t.id, "customer_id": t.customer_id, "owner_id": t.owner_id})
            return {"touchpoints": out, "count": len(out)}


class LeadService:
    """What `salesbot run` adds for this issue: the intake routes and the lead desk's minute sweep."""

    def __init__(self, app, *, queued: bool = False):
        from bot.messages import button_rows
        from reminders.lead_sweep import LeadDesk

        async def send(member_id: int, text: str, rows: tuple):
            return await app.send_to_member(member_id, text, button_rows(*[list(r) for r in rows]))

        self.desk = LeadDesk(sessions=app.sessions, config=app.config, send=send)
        token = str((app.config.get("api") or {}).get("token") or "")
        after = self.desk.soon
        if queued:  # the procrastinate backend: one lead sweep job, whichever worker takes it
            async def after():
                from bot.queue import defer_leads_sweep
                await defer_leads_sweep(app.queue)
        self.intake = Intake(sessions=app.sessions, token=token, after=after, clock=lambda: self.desk.clock())

    def routes(self) -> list[Route]:
        return self.intake.routes()

    async def start(self) -> None:
        await self.desk.start()

    async def stop(self) -> None:
        await self.desk.stop()
