"""An index for a user's attempts newest first (the history on My progress).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 08:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_user_started', ['user_id', 'started_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_user_started')
