"""ended cookie sessions: a signed-out session's copied cookie is refused

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 19:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ended_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ended_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_ended_sessions")),
    )
    op.create_index(op.f("ix_ended_sessions_user_id"), "ended_sessions", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_ended_sessions_started_at"), "ended_sessions", ["started_at"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_ended_sessions_started_at"), table_name="ended_sessions")
    op.drop_index(op.f("ix_ended_sessions_user_id"), table_name="ended_sessions")
    op.drop_table("ended_sessions")
