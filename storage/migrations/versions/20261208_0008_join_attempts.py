"""wrong invite codes per chat account, for the attempt limit (issue 19)

Revision ID: 0008_join_attempts
Revises: 0007_dialogue
Create Date: 2026-12-08 10:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op


revision: str = '0008_join_attempts'
down_revision: Union[str, None] = '0007_dialogue'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('joinattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joinattempt'))
    )
    with op.batch_alter_table('joinattempt', schema=None) as batch_op:
        batch_op.create_index('ix_joinattempt_account_at', ['channel', 'account', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('joinattempt', schema=None) as batch_op:
        batch_op.drop_index('ix_joinattempt_account_at')
    op.drop_table('joinattempt')
