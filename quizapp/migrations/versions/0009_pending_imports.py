"""Files uploaded for import, kept between the dry run and the confirmation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 03:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('source', sa.String(length=80), nullable=True),
    sa.Column('strict', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_imports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_imports'))
    )
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_imports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_imports_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_imports_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_imports_created_at'))
    op.drop_table('pending_imports')
