"""ids a rep was shown are never given again: AUTOINCREMENT on SQLite for notes, deals and commitments

SQLite without AUTOINCREMENT gives the highest id again once its row is deleted (a withdrawn note's
to-do, a deal only that note had made); PostgreSQL's sequences never do, so nothing changes there.

Revision ID: 0013_stable_ids
Revises: 0012_rep_radar
Create Date: 2026-12-07 23:10:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0013_stable_ids'
down_revision: Union[str, None] = '0012_rep_radar'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('note', 'deal', 'commitment')


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
