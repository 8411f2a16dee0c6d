"""pinned messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:45:00.000000

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        # The batch copy reflects users, whose lower(display_name) index SQLite can't reflect;
        # the index is not part of this change.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('messages', schema=None) as batch_op:
            batch_op.add_column(sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('pinned_by_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f('fk_messages_pinned_by_id_users'), 'users', ['pinned_by_id'], ['id']
            )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_pinned_by_id_users'), type_='foreignkey')
        batch_op.drop_column('pinned_by_id')
        batch_op.drop_column('pinned_at')
