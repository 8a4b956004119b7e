"""Attempts with their drawn slots; guests; attempts allowed per quiz.

Existing rows get server defaults so the upgrade runs on a populated database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:42:28.698695

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fraction', sa.Float(), nullable=True),
    sa.Column('feedback', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_slots_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_versions.id'], name=op.f('fk_attempt_slots_question_version_id_question_versions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_slots')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_attempt_slots_attempt_id'))
    )
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_slots_question_version_id'), ['question_version_id'], unique=False)

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiz_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mode', sa.String(length=16), server_default='practice', nullable=False))
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('deadline', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('max_score', sa.Float(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_attempts_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attempts_quiz_id_quizzes'), 'quizzes', ['quiz_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts_allowed', sa.Integer(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_guest', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_guest')

    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('attempts_allowed')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempts_quiz_id_quizzes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attempts_quiz_id'))
        batch_op.drop_column('max_score')
        batch_op.drop_column('score')
        batch_op.drop_column('position')
        batch_op.drop_column('deadline')
        batch_op.drop_column('state')
        batch_op.drop_column('mode')
        batch_op.drop_column('title')
        batch_op.drop_column('quiz_id')

    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_slots_question_version_id'))

    op.drop_table('attempt_slots')
