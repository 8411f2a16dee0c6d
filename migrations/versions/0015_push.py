"""installable app, web push, availability (issue 16): reserved; filled in by the work on that issue

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
