"""PHI guard: channel policy, quarantined messages, message reports

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Plain nullable columns: SQLite adds them in place, no batch copy needed.
    op.add_column('channels', sa.Column('phi_policy', sa.String(length=16), nullable=True))
    op.add_column(
        'messages', sa.Column('quarantined_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table('message_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_reports_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_message_reports_reporter_id_users')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_message_reports_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reports'))
    )
    with op.batch_alter_table('message_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_reports_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_reports_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('message_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_reports_status'))
        batch_op.drop_index(batch_op.f('ix_message_reports_message_id'))
    op.drop_table('message_reports')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('quarantined_at')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('phi_policy')
