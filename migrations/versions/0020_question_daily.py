"""per-day and per-week figures for the insights (issue 17): searches per day, people
active per week, and the day the searches are rolled up to

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('zero_result', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_search_days'))
    )
    op.create_table('active_weeks',
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week', name=op.f('pk_active_weeks'))
    )
    with op.batch_alter_table('insight_rollups') as batch_op:
        batch_op.add_column(sa.Column('searches_through', sa.Date(), nullable=True))
    # Existing activity_weeks rows are counted at once; search_days fills on the next
    # `physnet insights rollup` (until then every search is counted live, as before).
    op.execute(
        "INSERT INTO active_weeks (week, active) "
        "SELECT week, count(*) FROM activity_weeks GROUP BY week"
    )


def downgrade():
    with op.batch_alter_table('insight_rollups') as batch_op:
        batch_op.drop_column('searches_through')
    op.drop_table('active_weeks')
    op.drop_table('search_days')
