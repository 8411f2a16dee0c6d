"""questions and their answers, search records and the daily activity rollup (issue 17)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questions',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_questions_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_questions_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_questions_asker_id_users')),
    sa.ForeignKeyConstraint(['answer_id'], ['messages.id'], name=op.f('fk_questions_answer_id_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_questions'))
    )
    op.create_index('ix_questions_asker_id', 'questions', ['asker_id'])
    op.create_index('ix_questions_asked_at', 'questions', ['asked_at'])
    op.create_index('ix_questions_status_channel_id', 'questions', ['status', 'channel_id'])
    op.create_table('search_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_records'))
    )
    op.create_index('ix_search_records_day', 'search_records', ['day'])
    op.create_index('ix_search_records_results_day', 'search_records', ['results', 'day'])
    op.create_table('activity_weeks',
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_weeks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('week', 'user_id', name=op.f('pk_activity_weeks'))
    )
    op.create_index('ix_activity_weeks_user_id', 'activity_weeks', ['user_id'])
    op.create_table('first_posts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_first_posts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_first_posts'))
    )
    op.create_table('insight_rollups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('through_message_id', sa.Integer(), nullable=False),
    sa.Column('rolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_rollups'))
    )


def downgrade():
    op.drop_table('insight_rollups')
    op.drop_table('first_posts')
    op.drop_index('ix_activity_weeks_user_id', table_name='activity_weeks')
    op.drop_table('activity_weeks')
    op.drop_index('ix_search_records_results_day', table_name='search_records')
    op.drop_index('ix_search_records_day', table_name='search_records')
    op.drop_table('search_records')
    op.drop_index('ix_questions_status_channel_id', table_name='questions')
    op.drop_index('ix_questions_asked_at', table_name='questions')
    op.drop_index('ix_questions_asker_id', table_name='questions')
    op.drop_table('questions')
