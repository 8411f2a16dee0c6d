"""the audit log refuses TRUNCATE on PostgreSQL (UPDATE and DELETE are refused since 0008)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 20:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Row triggers do not fire for TRUNCATE; a statement trigger does. SQLite has no
    # TRUNCATE (its "DELETE FROM" without WHERE is refused by the 0008 triggers).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION physnet_audit_append_only()
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
