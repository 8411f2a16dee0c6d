"""onboarding checklists and "Can you help?" offers (issue 17)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('help_offers',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['questions.message_id'], name=op.f('fk_help_offers_message_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_help_offers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'user_id', name=op.f('pk_help_offers'))
    )
    op.create_index('ix_help_offers_user_id_message_id', 'help_offers', ['user_id', 'message_id'], unique=False)
    op.create_table('onboarding_seen',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_onboarding_seen_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'ref_id', name=op.f('pk_onboarding_seen'))
    )
    op.create_table('onboarding_states',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_onboarding_states_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_onboarding_states'))
    )


def downgrade():
    op.drop_table('onboarding_states')
    op.drop_table('onboarding_seen')
    op.drop_index('ix_help_offers_user_id_message_id', table_name='help_offers')
    op.drop_table('help_offers')
