"""ordered change log (issue 19): every host's index follows it; broadcast events come from it

Replaces the consume-and-delete search_outbox: its pending rows are carried over, in order.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

LOG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('change_log',
    sa.Column('id', LOG_ID, autoincrement=True, nullable=False),
    sa.Column('doc_type', sa.String(length=16), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=True),
    sa.Column('room', sa.String(length=80), nullable=True),
    sa.Column('rooms', sa.Text(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_change_log_created_at'), 'change_log', ['created_at'], unique=False)
    op.create_index(op.f('ix_change_log_room'), 'change_log', ['room'], unique=False)
    op.create_table('change_log_readers',
    sa.Column('host_id', sa.String(length=200), nullable=False),
    sa.Column('position', LOG_ID, nullable=False),
    sa.Column('generation', sa.String(length=64), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reindex_needed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('host_id', name=op.f('pk_change_log_readers'))
    )
    op.execute(
        "INSERT INTO change_log (doc_type, doc_id, created_at) "
        "SELECT doc_type, doc_id, created_at FROM search_outbox ORDER BY id"
    )
    op.drop_table('search_outbox')


def downgrade():
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=16), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_gen', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox')),
    sqlite_autoincrement=True
    )
    op.execute(
        "INSERT INTO search_outbox (doc_type, doc_id, created_at) "
        "SELECT doc_type, doc_id, created_at FROM change_log ORDER BY id"
    )
    op.drop_index(op.f('ix_change_log_room'), table_name='change_log')
    op.drop_index(op.f('ix_change_log_created_at'), table_name='change_log')
    op.drop_table('change_log_readers')
    op.drop_table('change_log')
