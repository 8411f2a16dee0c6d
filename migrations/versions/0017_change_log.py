"""ordered change log for search replicas and events (issue 19): reserved; filled in by the work on that issue

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
