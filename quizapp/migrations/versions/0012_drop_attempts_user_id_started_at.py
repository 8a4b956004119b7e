"""Drop the (user_id, started_at) index of attempts: ix_attempts_user_started (0011) begins with the
same columns and serves every query it served, so it only cost each new attempt a write.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 14:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_user_id_started_at')


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_user_id_started_at', ['user_id', 'started_at'], unique=False)
