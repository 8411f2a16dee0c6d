"""weekly digest: each person's choice and what was last sent (issue 17)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    pass  # reserved: filled in by the change that needs it


def downgrade():
    pass
