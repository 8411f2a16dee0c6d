"""people directory: profile fields, tags, name tokens, uploaded photos

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 23:55:00.000000

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        # The batch reflects users, whose lower(display_name) index SQLite can't reflect;
        # adding columns does not copy the table, and the index is left as it is.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        with op.batch_alter_table('users', schema=None) as batch_op:
            batch_op.add_column(sa.Column('ehr_systems', sa.Text(), server_default='', nullable=False))
            batch_op.add_column(sa.Column('ask_me_about', sa.String(length=200), server_default='', nullable=False))
            batch_op.create_index('ix_users_active_department', ['active', 'department'], unique=False)
            batch_op.add_column(sa.Column('sort_name', sa.String(length=200), server_default='', nullable=False))
            batch_op.create_index('ix_users_active_sort_name', ['active', 'sort_name', 'id'], unique=False)
            batch_op.create_index('ix_users_active_facility_specialty', ['active', 'facility', 'specialty'], unique=False)
            batch_op.create_index('ix_users_active_specialty_facility', ['active', 'specialty', 'facility'], unique=False)

    op.create_table('user_tags',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('tag_key', sa.String(length=50), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_tags_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'tag_key', name=op.f('pk_user_tags'))
    )
    op.create_index('ix_user_tags_kind_key_user', 'user_tags', ['kind', 'tag_key', 'user_id'], unique=False)

    op.create_table('user_name_tokens',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_name_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'token', name=op.f('pk_user_name_tokens'))
    )
    op.create_index('ix_user_name_tokens_pattern', 'user_name_tokens', ['token', 'user_id'], unique=False, postgresql_ops={'token': 'text_pattern_ops'})

    op.create_table('user_photos',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_photos_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_photos'))
    )

    # Index the people who are already there (their expertise was a comma-separated column).
    from physnet.people.index import reindex_users

    reindex_users(op.get_bind())


def downgrade():
    op.drop_table('user_photos')
    op.drop_index('ix_user_name_tokens_pattern', table_name='user_name_tokens')
    op.drop_table('user_name_tokens')
    op.drop_index('ix_user_tags_kind_key_user', table_name='user_tags')
    op.drop_table('user_tags')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_active_specialty_facility')
        batch_op.drop_index('ix_users_active_facility_specialty')
        batch_op.drop_index('ix_users_active_sort_name')
        batch_op.drop_column('sort_name')
        batch_op.drop_index('ix_users_active_department')
        batch_op.drop_column('ask_me_about')
        batch_op.drop_column('ehr_systems')
