"""One customer per organisation name and team: the migration merges the duplicates that exist
(keeping every note, deal, commitment and contact), and two workers creating the same organisation
at once end with one."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import MetaData, insert
from sqlmodel import select

from storage import notes as note_ops
from storage.db import session_factory, upgrade_database
from storage.models import Commitment, Contact, Customer, Deal, Member, Note, Team
from tests.storage_db import empty_engine


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def old_database(request, tmp_path):
    """A database at the revision before the unique key."""
    engine, cleanup = empty_engine(request.param, tmp_path)
    upgrade_database(engine, "0005_note_steps")
    yield engine
    cleanup()


def put(conn, tables, *rows):
    """Insert ORM rows with the columns the old schema has (the models have grown since)."""
    for row in rows:
        table = tables[row.__tablename__]
        values = {c.name: getattr(row, c.name) for c in table.columns if c.name != "id" and hasattr(row, c.name)}
        row.id = conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
    return rows


def test_the_migration_merges_duplicate_customers_and_keeps_everything(old_database):
    tables = MetaData()
    tables.reflect(old_database)
    tables = tables.tables
    sessions = session_factory(old_database)
    with old_database.begin() as c:
        [team] = put(c, tables, Team(name="华东一组"))
        reps = put(c, tables, *[Member(team_id=team.id, name=n, role="rep") for n in ("李雷", "韩梅")])
        dups = put(c, tables, *[Customer(team_id=team.id, name="金鹰建材", key="金鹰建材", owner_id=r.id)
                                for r in (*reps, reps[0])])
        put(c, tables, *[Customer(team_id=team.id, name="张总", key="张总", is_person=True, owner_id=r.id) for r in reps])
        contacts = put(c, tables, Contact(customer_id=dups[0].id, name="张总", key="张总"),
                       Contact(customer_id=dups[1].id, name="张总", key="张总"),      # the same person twice
                       Contact(customer_id=dups[2].id, name="刘工", key="刘工"))
        for i, (customer, contact) in enumerate(zip(dups, contacts)):
            [deal] = put(c, tables, Deal(team_id=team.id, customer_id=customer.id, owner_id=customer.owner_id,
                                         stage="线索"))
            [note] = put(c, tables, Note(author_id=customer.owner_id, channel="cli", channel_message_id=f"m{i}",
                                         raw_text=f"笔记{i}", customer_id=customer.id, contact_id=contact.id,
                                         deal_id=deal.id, state="parsed"))
            put(c, tables, Commitment(owner_id=customer.owner_id, deal_id=deal.id, customer_id=customer.id,
                                      note_id=note.id, kind="delivery", due_date=date(2027, 3, 1 + i)))
        keep = dups[0].id
    upgrade_database(old_database)
    with sessions() as s:
        orgs = s.exec(select(Customer).where(Customer.is_person == False)).all()  # noqa: E712
        assert [c.id for c in orgs] == [keep]
        assert len(s.exec(select(Customer).where(Customer.is_person == True)).all()) == 2   # noqa: E712
        notes = s.exec(select(Note)).all()
        assert len(notes) == 3 and {n.customer_id for n in notes} == {keep}
        assert len(s.exec(select(Deal).where(Deal.customer_id == keep)).all()) == 3
        assert len(s.exec(select(Commitment).where(Commitment.customer_id == keep)).all()) == 3
        kept_contacts = s.exec(select(Contact).where(Contact.customer_id == keep)).all()
        assert sorted(c.key for c in kept_contacts) == ["刘工", "张总"]
        assert {n.contact_id for n in notes} <= {c.id for c in kept_contacts}


def test_two_workers_creating_the_same_organisation_make_one(db_sessions):
    with db_sessions() as s:
        team = Team(name="华南组")
        s.add(team)
        s.flush()
        author = Member(team_id=team.id, name="王五", role="rep")
        s.add(author)
        s.commit()
        team_id, author_id = team.id, author.id
    first, second = db_sessions(), db_sessions()
    try:
        team_a, author_a = first.get(Team, team_id), first.get(Member, author_id)
        team_b, author_b = second.get(Team, team_id), second.get(Member, author_id)
        made = note_ops._new_customer(first, team_a, author_a, "远大机械", "赵总")
        first.commit()
        found = note_ops._new_customer(second, team_b, author_b, "远大机械", "赵总")   # the other worker, a moment later
        second.commit()
        assert found.id == made.id
    finally:
        first.close()
        second.close()
    with db_sessions() as s:
        assert len(s.exec(select(Customer).where(Customer.team_id == team_id)).all()) == 1
