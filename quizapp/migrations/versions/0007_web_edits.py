"""Mark facts and questions edited in the browser.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('web_edited_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('web_edited_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('web_edited_at')
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_column('web_edited_at')
