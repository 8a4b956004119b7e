"""The bank file that defines each source and topic: another file may not redefine them while
that file's records are in use.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 02:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('sources', 'topics'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('defined_in', sa.String(length=255), nullable=True))
    # A source whose loaded facts all come from one file was defined there (a bank file holds its
    # source and facts); any other is left unknown, to be set by its next load.
    op.execute(
        "UPDATE sources SET defined_in = (SELECT min(origin_file) FROM facts"
        " WHERE facts.source_id = sources.id AND facts.origin_file <> '(web)'"
        " HAVING count(DISTINCT facts.origin_file) = 1)"
    )


def downgrade():
    for table in ('sources', 'topics'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('defined_in')
