"""tips: tags, edit history, endorsements and review reminders

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 23:43:04.303466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('tips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('review_at', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_tips_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tips_owner_id_users')),
    sa.ForeignKeyConstraint(['source_message_id'], ['messages.id'], name=op.f('fk_tips_source_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['messages.id'], name=op.f('fk_tips_thread_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_tips_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tips'))
    )
    op.create_index('ix_tips_channel_id_created_at', 'tips', ['channel_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_tips_owner_id'), 'tips', ['owner_id'], unique=False)
    op.create_index('ix_tips_review_at', 'tips', ['review_at'], unique=False)

    op.create_table('tip_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('previous_title', sa.String(length=200), nullable=False),
    sa.Column('previous_body', sa.Text(), nullable=False),
    sa.Column('previous_tags', sa.Text(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_tip_edits_editor_id_users')),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_edits_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_edits'))
    )
    op.create_index(op.f('ix_tip_edits_tip_id'), 'tip_edits', ['tip_id'], unique=False)

    op.create_table('tip_endorsements',
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_endorsements_tip_id_tips'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tip_endorsements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', 'user_id', name=op.f('pk_tip_endorsements'))
    )
    op.create_index(op.f('ix_tip_endorsements_user_id'), 'tip_endorsements', ['user_id'], unique=False)

    op.create_table('tip_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_reminders_tip_id_tips'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tip_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_reminders')),
    sa.UniqueConstraint('tip_id', 'user_id', 'due_on', name=op.f('uq_tip_reminders_tip_id_user_id_due_on'))
    )
    op.create_index(op.f('ix_tip_reminders_user_id'), 'tip_reminders', ['user_id'], unique=False)

    op.create_table('tip_tags',
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tip_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_tags_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', 'tag_id', name=op.f('pk_tip_tags'))
    )
    op.create_index(op.f('ix_tip_tags_tag_id'), 'tip_tags', ['tag_id'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_tip_tags_tag_id'), table_name='tip_tags')

    op.drop_table('tip_tags')
    op.drop_index(op.f('ix_tip_reminders_user_id'), table_name='tip_reminders')

    op.drop_table('tip_reminders')
    op.drop_index(op.f('ix_tip_endorsements_user_id'), table_name='tip_endorsements')

    op.drop_table('tip_endorsements')
    op.drop_index(op.f('ix_tip_edits_tip_id'), table_name='tip_edits')

    op.drop_table('tip_edits')
    op.drop_index('ix_tips_review_at', table_name='tips')
    op.drop_index(op.f('ix_tips_owner_id'), table_name='tips')
    op.drop_index('ix_tips_channel_id_created_at', table_name='tips')

    op.drop_table('tips')
    op.drop_table('tags')
