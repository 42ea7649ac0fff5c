"""note.carded_at: the note's path as steps (issue 18)

Revision ID: 0005_note_steps
Revises: 0004_insights
Create Date: 2026-12-08 09:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '0005_note_steps'
down_revision: Union[str, None] = '0004_insights'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Notes finished before this revision had their card sent (or were answered otherwise): none is
    # sent again at the next start-up.
    op.execute("UPDATE note SET carded_at = COALESCE(parsed_at, received_at) "
               "WHERE state NOT IN ('received', 'transcribed')")


def downgrade() -> None:
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_column('carded_at')
