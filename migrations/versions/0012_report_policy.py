"""channels.queue_newcomer_reports: a report from someone who never posted there waits

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # A plain nullable column (NULL: off, reports hide at once): SQLite adds it in place.
    op.add_column(
        'channels', sa.Column('queue_newcomer_reports', sa.Boolean(), nullable=True)
    )


def downgrade():
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('queue_newcomer_reports')
