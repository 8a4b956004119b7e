"""Facts drafted by an import are marked as drafts for a teacher to review.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_column('draft')
