"""Quiz settings: option shuffling, feedback, when answers are shown, opening and closing dates;
quizzes edited in the browser are marked like facts and questions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shuffle_options', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('feedback', sa.String(length=16), server_default='immediate', nullable=False))
        batch_op.add_column(
            sa.Column('show_answers', sa.String(length=16), server_default='after_submit', nullable=False)
        )
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('web_edited_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('web_edited_at')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('show_answers')
        batch_op.drop_column('feedback')
        batch_op.drop_column('shuffle_options')
