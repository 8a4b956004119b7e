"""The bank's state token, replaced by every load that changes the bank.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_state'))
    )


def downgrade():
    op.drop_table('bank_state')
