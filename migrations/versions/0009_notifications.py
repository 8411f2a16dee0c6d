"""notification preferences and the mentions view's read marker

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 23:55:00.000000

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        # The batch copy reflects users, whose lower(display_name) index SQLite can't reflect;
        # the index is not part of this change.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('memberships', schema=None) as batch_op:
            batch_op.add_column(sa.Column('notify', sa.String(length=16), nullable=True))
    op.create_index(
        'ix_memberships_channel_id_notify', 'memberships', ['channel_id', 'notify'], unique=False
    )
    op.create_index(
        'ix_messages_author_id_thread_id', 'messages', ['author_id', 'thread_id'], unique=False
    )
    op.create_table('replies_read_markers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_replies_read_markers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_replies_read_markers'))
    )


def downgrade():
    op.drop_table('replies_read_markers')
    op.drop_index('ix_messages_author_id_thread_id', table_name='messages')
    op.drop_index('ix_memberships_channel_id_notify', table_name='memberships')
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('memberships', schema=None) as batch_op:
            batch_op.drop_column('notify')
