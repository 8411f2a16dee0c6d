"""onboarding checklists and "Can you help?" offers (issue 17): reserved; filled in by the work on that issue

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 21:55:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
