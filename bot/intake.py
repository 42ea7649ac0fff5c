"""The intake API on `salesbot run`'s web server: POST /api/leads and POST /api/touchpoints.

`Authorization: Bearer <[api] token>`; the body is one JSON object or a list of them. Every object is
checked before anything is stored: one bad object refuses the whole request with 422 naming the
field ({"errors": [{"index", "field", "error"}]}), so a client can fix and resend without duplicates.
401 for a missing or wrong token, 503 while [api] token is empty (the API is off), 400 for a body
that is not JSON or nests deeper than MAX_DEPTH, 413 for more than MAX_ITEMS objects or MAX_BYTES
(read with the cap while it streams), 422 for a value no column can hold (a number beyond 10^12, a
lone surrogate, a time outside 2000-2100), naming the field. Stored leads are offered to a
rep within seconds by the lead desk's next sweep (reminders.lead_sweep: one sweep soon after a
burst of intakes, not one per request), touchpoints pushed to their owner.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import re

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.web import TooLarge, read_body, same_secret
from storage import leads as lead_ops
from storage import touchpoints as touch_ops
from storage.leads import BadField

log = logging.getLogger(__name__)
MAX_ITEMS = 1000
MAX_BYTES = 2_000_000
MAX_DEPTH = 32              # JSON nesting; a lead is two levels deep
MAX_NUMBER = 10 ** 12       # no count or amount of a lead or touchpoint is larger


def _authorized(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and same_secret(value.strip(), token)


class OutOfRange(float):
    """A JSON number no field can hold (over 10^12 digits-wise, NaN, Infinity): kept as a marker so
    the check names its field rather than failing the whole body."""


def _number(text: str):
    if len(text.lstrip("-").partition(".")[0].partition("e")[0].partition("E")[0]) > 15:
        return OutOfRange("nan")
    value = float(text)
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else OutOfRange("nan")


def _integer(text: str):
    return int(text) if len(text.lstrip("-")) <= 15 and abs(int(text)) <= MAX_NUMBER else OutOfRange("nan")


STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects nest deeper than `limit` (checked before parsing: a 100,000-deep
    body would exhaust the parser's recursion)."""
    depth = 0
    for bracket in BRACKETS.finditer(STRINGS.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def _bad_value(value) -> str | None:
    """Why a field's value can be stored by no column, or None."""
    if isinstance(value, OutOfRange):
        return f"数字超出范围（不能超过 10^{len(str(MAX_NUMBER)) - 1}）"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "含有无效字符（单独的代理码位）"
        return None
    if isinstance(value, list):
        return next((why for why in map(_bad_value, value) if why), None)
    if isinstance(value, dict):
        return next((why for why in map(_bad_value, [*value.keys(), *value.values()]) if why), None)
    return None


def out_of_range(items: list) -> list[dict]:
    """{"index", "field", "error"} for every field no column can hold (checked before any other rule)."""
    errors = []
    for index, obj in enumerate(items):
        for key, value in (obj.items() if isinstance(obj, dict) else ()):
            why = _bad_value(value)
            if why:
                field = key.encode("utf-8", "replace").decode("utf-8")
                errors.append({"index": index, "field": field, "error": why})
    return errors


async def _objects(request: Request) -> list | JSONResponse:
    try:
        body = await read_body(request, MAX_BYTES)
    except TooLarge:
        return JSONResponse({"error": f"请求太大（上限 {MAX_BYTES} 字节）"}, status_code=413)
    try:
        text = body.decode("utf-8")
        if too_deep(text):
            return JSONResponse({"error": f"JSON 嵌套超过 {MAX_DEPTH} 层"}, status_code=400)
        data = json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=lambda _: OutOfRange("nan"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JSONResponse({"error": "请求体不是 JSON"}, status_code=400)
    items = data if isinstance(data, list) else [data]
    if not items:
        return JSONResponse({"error": "没有内容", "errors": []}, status_code=422)
    if len(items) > MAX_ITEMS:
        return JSONResponse({"error": f"一次最多 {MAX_ITEMS} 条"}, status_code=413)
    errors = out_of_range(items)
    if errors:
        return JSONResponse({"error": f"第 {errors[0]['index'] + 1} 条的字段 {errors[0]['field']} 有误",
                             "errors": errors}, status_code=422)
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
