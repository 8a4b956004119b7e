"""Mark sources edited in the browser and number their versions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('loaded_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('web_edited_at', sa.DateTime(timezone=True), nullable=True))
    # No source is marked yet, so each holds what a file (or the browser, before edits were
    # marked) last gave it: the hash a later load compares with.
    op.execute("UPDATE sources SET loaded_hash = content_hash")


def downgrade():
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('web_edited_at')
        batch_op.drop_column('loaded_hash')
        batch_op.drop_column('version')
