"""Spaced review and progress: fsrs cards, review logs, study days; when a question page was shown.

Only new tables, a nullable column and an index, so the upgrade runs on a populated database;
the answers already given are counted into study_days.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('card', sa.JSON(), nullable=False),
    sa.Column('state', sa.SmallInteger(), nullable=False),
    sa.Column('due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stability', sa.Float(), nullable=True),
    sa.Column('difficulty', sa.Float(), nullable=True),
    sa.Column('last_review', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('last_rating', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_review_cards_question_id_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_cards_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cards')),
    sa.UniqueConstraint('user_id', 'question_id', name=op.f('uq_review_cards_user_id'))
    )
    with op.batch_alter_table('review_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cards_question_id'), ['question_id'], unique=False)
        batch_op.create_index('ix_review_cards_user_id_due', ['user_id', 'due'], unique=False)

    op.create_table('review_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('fraction', sa.Float(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('elapsed_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_review_logs_question_id_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_versions.id'], name=op.f('fk_review_logs_question_version_id_question_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['slot_id'], ['attempt_slots.id'], name=op.f('fk_review_logs_slot_id_attempt_slots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_logs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_logs'))
    )
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_logs_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index('ix_review_logs_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('study_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('credit', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_study_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_study_days'))
    )

    # Answers given before this revision count as days studied (graded answers per UTC day).
    day = (
        "floor(extract(epoch from answers.answered_at) / 86400)::integer"
        if op.get_bind().dialect.name == "postgresql"
        else "CAST(julianday(answers.answered_at) - 2440587.5 AS INTEGER)"
    )
    op.execute(
        "INSERT INTO study_days (user_id, day, answers, credit) "
        f"SELECT attempts.user_id, {day}, count(*), sum(coalesce(answers.fraction, 0)) "
        "FROM answers JOIN attempts ON attempts.id = answers.attempt_id "
        f"GROUP BY attempts.user_id, {day}"
    )

    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_user_id_started_at', ['user_id', 'started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_user_id_started_at')

    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.drop_column('shown_at')

    op.drop_table('study_days')
    with op.batch_alter_table('review_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_review_logs_user_id_id')
        batch_op.drop_index(batch_op.f('ix_review_logs_slot_id'))

    op.drop_table('review_logs')
    with op.batch_alter_table('review_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_review_cards_user_id_due')
        batch_op.drop_index(batch_op.f('ix_review_cards_question_id'))

    op.drop_table('review_cards')
