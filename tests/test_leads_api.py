"""The intake routes on their own (Starlette test client): auth, body shapes, field errors, storage."""
from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.intake import MAX_ITEMS, Intake
from storage import teams
from storage.lead_models import Lead, Touchpoint

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(db_sessions):
    with db_sessions() as s:
        teams.add_team(session=s, name="华东")
    calls = []

    async def after():
        calls.append(1)

    app = Starlette(routes=Intake(sessions=db_sessions, token=TOKEN, after=after).routes())
    with TestClient(app) as c:
        c.calls, c.sessions = calls, db_sessions
        yield c


def stored(client, model):
    with client.sessions() as s:
        return s.exec(select(model)).all()


def test_auth(client):
    lead = {"team": "华东", "name": "王先生"}
    assert client.post("/api/leads", json=lead).status_code == 401
    assert client.post("/api/leads", json=lead, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/api/leads", json=lead, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.post("/api/touchpoints", json=lead, headers={"Authorization": "Bearer"}).status_code == 401
    assert stored(client, Lead) == [] and client.calls == []


def test_one_object_or_a_list(client):
    one = client.post("/api/leads", json={"team": "华东", "phone": "13800000000"}, headers=AUTH)
    assert one.status_code == 201 and one.json() == {"ids": [1], "count": 1}
    many = client.post("/api/leads", json=[{"team": "华东", "name": f"客户{i}"} for i in range(3)], headers=AUTH)
    assert many.json()["count"] == 3 and len(stored(client, Lead)) == 4 and len(client.calls) == 2


@pytest.mark.parametrize("body,status,field", [
    ({"team": "华东", "name": "x", "dwell_seconds": "long"}, 422, "dwell_seconds"),
    ({"team": "华东", "name": "x", "created_at": "2026-13-45"}, 422, "created_at"),
    ({"team": "华东", "name": ["x"]}, 422, "name"),
    ([{"team": "华东", "name": "ok"}, 7], 422, "lead"),
    ({"name": "x"}, 422, "team"),
    ([], 422, None),
])
def test_a_malformed_lead_is_refused_naming_the_field_and_nothing_is_stored(client, body, status, field):
    answer = client.post("/api/leads", json=body, headers=AUTH)
    assert answer.status_code == status
    if field:
        assert answer.json()["errors"][0]["field"] == field and field in answer.json()["error"]
    assert stored(client, Lead) == []


def test_not_json_and_too_many(client):
    assert client.post("/api/leads", content=b"{name:", headers=AUTH).status_code == 400
    too_many = [{"team": "华东", "name": "x"}] * (MAX_ITEMS + 1)
    assert client.post("/api/leads", json=too_many, headers=AUTH).status_code == 413


def test_touchpoints_store_and_name_bad_fields(client):
    bad = client.post("/api/touchpoints", json={"team": "华东", "kind": "letter", "phone": "1"}, headers=AUTH)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    good = client.post("/api/touchpoints", json={"team": "华东", "kind": "call", "phone": "13800000000",
                                                 "text": "来电咨询"}, headers=AUTH)
    assert good.status_code == 201 and good.json()["touchpoints"][0]["owner_id"] is None
    assert [t.text for t in stored(client, Touchpoint)] == ["来电咨询"]


def test_an_empty_token_turns_the_api_off(db_sessions):
    app = Starlette(routes=Intake(sessions=db_sessions, token="").routes())
    with TestClient(app) as c:
        assert c.post("/api/leads", json={}, headers={"Authorization": "Bearer "}).status_code == 503
