"""a deal's expected close as a range: expected_close_end (issue 21, forecast accuracy)

A close said as a week, a month or a quarter (下个月, 明年一季度) keeps its end (exclusive); the
forecast counts such a deal evenly in each month it touches.

Revision ID: 0010_close_range
Revises: 0009_deal_health
Create Date: 2026-12-07 12:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0010_close_range'
down_revision: Union[str, None] = '0009_deal_health'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_close_end', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_column('expected_close_end')
