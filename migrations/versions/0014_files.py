"""attachments behind the patient-information guard (issue 15): files and their chunks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "channel_id", sa.Integer(), sa.ForeignKey("channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("uploader_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column(
            "message_id", sa.Integer(), sa.ForeignKey("messages.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("thumb_digest", sa.String(64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_files_message_id", "files", ["message_id"])
    op.create_index("ix_files_digest", "files", ["digest"])
    op.create_index("ix_files_thumb_digest", "files", ["thumb_digest"])
    op.create_index("ix_files_channel_id_created_at", "files", ["channel_id", "created_at"])
    op.create_table(
        "file_chunks",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("file_chunks")
    op.drop_index("ix_files_channel_id_created_at", table_name="files")
    op.drop_index("ix_files_thumb_digest", table_name="files")
    op.drop_index("ix_files_digest", table_name="files")
    op.drop_index("ix_files_message_id", table_name="files")
    op.drop_table("files")
