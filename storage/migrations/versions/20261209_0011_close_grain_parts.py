"""the grain a deal's expected close was said in; notes split per customer (issue 18)

Revision ID: 0011_close_grain_parts
Revises: 0010_close_range
Create Date: 2026-12-07 13:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op


revision: str = '0011_close_grain_parts'
down_revision: Union[str, None] = '0010_close_range'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # A close set before this migration was a day.
    with op.batch_alter_table('deal') as batch:
        batch.add_column(sa.Column('expected_close_grain', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
    op.execute("UPDATE deal SET expected_close_grain = 'day' WHERE expected_close IS NOT NULL")
    # A note about several customers: the first part keeps the delivery (its channel message id);
    # the others point to it with their part number.
    with op.batch_alter_table('note') as batch:
        batch.add_column(sa.Column('part', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_note_source_id_note', 'note', ['source_id'], ['id'])
        batch.create_index('ix_note_source_id', ['source_id'])


def downgrade() -> None:
    with op.batch_alter_table('note') as batch:
        batch.drop_index('ix_note_source_id')
        batch.drop_constraint('fk_note_source_id_note', type_='foreignkey')
        batch.drop_column('source_id')
        batch.drop_column('part')
    with op.batch_alter_table('deal') as batch:
        batch.drop_column('expected_close_grain')
