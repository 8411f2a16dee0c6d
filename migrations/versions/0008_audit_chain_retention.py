"""audit hash chain (append-only), chain head, per-channel retention

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 00:00:00.000000

"""
import hashlib
import json
import warnings
from datetime import UTC

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

REFUSE = "audit_events is append-only"


def _hash(seq, at, actor, action, target, detail, prev_hash):
    # The encoding of physnet/audit/chain.py event_hash, frozen here as it was at 0008.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    encoded = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor, action, target, detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _chain_existing_events():
    """Give the events written before 0008 their place and hash, oldest first."""
    events = sa.table(
        'audit_events',
        sa.column('id', sa.Integer),
        sa.column('seq', sa.Integer),
        sa.column('at', sa.DateTime(timezone=True)),
        sa.column('actor', sa.String),
        sa.column('action', sa.String),
        sa.column('target', sa.String),
        sa.column('detail', sa.Text),
        sa.column('prev_hash', sa.String),
        sa.column('hash', sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(events.c.id, events.c.at, events.c.actor, events.c.action, events.c.target,
                  events.c.detail).order_by(events.c.id)
    ).all()
    prev, seq = "", 0
    for row in rows:
        seq += 1
        digest = _hash(seq, row.at, row.actor, row.action, row.target, row.detail, prev)
        bind.execute(
            events.update().where(events.c.id == row.id)
            .values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest
    return seq, prev


def upgrade():
    with warnings.catch_warnings():
        # The batch copies reflect users, whose lower(display_name) index SQLite can't
        # reflect; that index is not part of this change.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('audit_events', schema=None) as batch_op:
            batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False,
                                          server_default=''))
            batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=False,
                                          server_default=''))
        seq, head = _chain_existing_events()
        with op.batch_alter_table('audit_events', schema=None) as batch_op:
            batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
            batch_op.alter_column('prev_hash', server_default=None)
            batch_op.alter_column('hash', server_default=None)
            batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
            batch_op.create_index(batch_op.f('ix_audit_events_actor'), ['actor'], unique=False)

        chain_head = op.create_table(
            'audit_chain_head',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('seq', sa.Integer(), nullable=False),
            sa.Column('hash', sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')),
        )
        op.bulk_insert(chain_head, [{'id': 1, 'seq': seq, 'hash': head}])

        with op.batch_alter_table('channels', schema=None) as batch_op:
            batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=True))

    # Append-only: the database itself refuses to change or remove an event. (A person with
    # the rights to drop these triggers can still tamper; `physnet audit verify` sees it.)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION physnet_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{REFUSE}';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION physnet_audit_append_only()
        """)
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
                BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS physnet_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('retention_days')
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_actor'))
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
