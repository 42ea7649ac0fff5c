"""the distributed mode: one customer per organisation name and team; a send rate shared by processes

Two workers creating the same customer at once would make two: an organisation's (team, key) is now
unique (a partial index: customers named after a person stay one per rep who met them). Duplicates
that exist are merged into the oldest first — every row that pointed at a duplicate (notes, deals,
commitments, facts, leads, history…) points at the one kept, contacts of the same name are merged
the same way — so nothing is lost. rate_bucket holds one row per bot for the send rate limit.

Revision ID: 0006_queue
Revises: 0005_note_steps
Create Date: 2026-12-08 06:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = '0006_queue'
down_revision: Union[str, None] = '0005_note_steps'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = "uq_customer_team_key_org"


def _referencing(bind, target: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key that points at `target`.id."""
    inspector = sa.inspect(bind)
    found = []
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk.get("referred_table") == target and fk.get("referred_columns") == ["id"]:
                found += [(table, column) for column in fk["constrained_columns"]]
    return found


def _repoint(bind, refs, old: int, new: int) -> None:
    for table, column in refs:
        bind.execute(sa.text(f'UPDATE "{table}" SET "{column}" = :new WHERE "{column}" = :old'),
                     {"new": new, "old": old})


def merge_duplicate_customers(bind) -> int:
    """Merges organisations of the same (team, key) into the oldest; returns how many were merged."""
    customer_refs = [r for r in _referencing(bind, "customer") if r != ("contact", "customer_id")]
    contact_refs = _referencing(bind, "contact")
    groups = bind.execute(sa.text(
        "SELECT team_id, key, min(id) FROM customer WHERE is_person = :no GROUP BY team_id, key "
        "HAVING count(*) > 1"), {"no": False}).all()
    merged = 0
    for team_id, key, keep in groups:
        duplicates = [row[0] for row in bind.execute(sa.text(
            "SELECT id FROM customer WHERE team_id = :team AND key = :key AND is_person = :no AND id <> :keep "
            "ORDER BY id"), {"team": team_id, "key": key, "no": False, "keep": keep})]
        for duplicate in duplicates:
            kept_contacts = dict(bind.execute(sa.text("SELECT key, id FROM contact WHERE customer_id = :c"),
                                              {"c": keep}).all())
            for contact_key, contact_id in bind.execute(sa.text(
                    "SELECT key, id FROM contact WHERE customer_id = :c ORDER BY id"), {"c": duplicate}).all():
                if contact_key in kept_contacts:   # the same person twice: one contact, every row kept
                    _repoint(bind, contact_refs, contact_id, kept_contacts[contact_key])
                    bind.execute(sa.text("DELETE FROM contact WHERE id = :id"), {"id": contact_id})
                else:
                    bind.execute(sa.text("UPDATE contact SET customer_id = :keep WHERE id = :id"),
                                 {"keep": keep, "id": contact_id})
                    kept_contacts[contact_key] = contact_id
            _repoint(bind, customer_refs, duplicate, keep)
            bind.execute(sa.text("DELETE FROM customer WHERE id = :id"), {"id": duplicate})
            merged += 1
    return merged


def upgrade() -> None:
    bind = op.get_bind()
    merge_duplicate_customers(bind)
    op.create_index(INDEX, "customer", ["team_id", "key"], unique=True,
                    sqlite_where=sa.text("is_person = 0"), postgresql_where=sa.text("is_person = false"))
    op.create_table("rate_bucket",
                    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
                    sa.Column("next_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_bucket")))


def downgrade() -> None:
    op.drop_table("rate_bucket")
    op.drop_index(INDEX, table_name="customer")
