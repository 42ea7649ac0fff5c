"""rep capability radars kept by the insight desk for large teams (issue 21)

Revision ID: 0012_rep_radar
Revises: 0011_close_grain_parts
Create Date: 2026-12-07 13:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op


revision: str = '0012_rep_radar'
down_revision: Union[str, None] = '0011_close_grain_parts'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('repradar',
    sa.Column('member_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('radar', sa.JSON(), nullable=True),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_repradar_team_id_team')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_repradar'))
    )
    with op.batch_alter_table('repradar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repradar_team_id'), ['team_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('repradar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repradar_team_id'))
    op.drop_table('repradar')
