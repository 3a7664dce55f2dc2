"""Public audit events: whether an event changed what residents and integrators see (page feedback,
comments and accounts did not), with a partial index for the newest public event, the version of the
public data.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

PRIVATE_TABLES = ('page_feedback', 'comment', 'user', 'membership', 'profile_revision')  # as in audit.py then


def upgrade() -> None:
    op.add_column('audit_event', sa.Column('public', sa.Boolean(), server_default=sa.true(), nullable=False))
    audit_event = sa.table('audit_event', sa.column('entity_type', sa.String), sa.column('public', sa.Boolean))
    op.execute(audit_event.update().where(audit_event.c.entity_type.in_(PRIVATE_TABLES)).values(public=False))
    op.create_index('ix_audit_event_public_id', 'audit_event', ['id'], unique=False,
                    sqlite_where=sa.text('public'), postgresql_where=sa.text('public'))


def downgrade() -> None:
    op.drop_index('ix_audit_event_public_id', table_name='audit_event',
                  sqlite_where=sa.text('public'), postgresql_where=sa.text('public'))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE audit_event DROP COLUMN public')  # in place, as in 0002
    else:
        op.drop_column('audit_event', 'public')
