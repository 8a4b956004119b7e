"""Keep each user's number of attempts on the user (My progress pages the history by it), filled
from the attempts already stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_count', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        "UPDATE users SET attempt_count = (SELECT count(*) FROM attempts WHERE attempts.user_id = users.id)"
    )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('attempt_count')
