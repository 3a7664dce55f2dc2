"""Sign-in protection: the sign-in attempts that the rate limit and the lock-out count, and each user's
session counter (raised on a password change to sign out every other session).

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('success', 'failure', 'locked', name='attempt_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempt'))
    )
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_attempt_address', ['address_hash', 'attempted_at'], unique=False)
        batch_op.create_index('ix_sign_in_attempt_attempted_at', ['attempted_at'], unique=False)
        batch_op.create_index('ix_sign_in_attempt_email', ['email_hash', 'attempted_at'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # In place (SQLite 3.35+): a batch recreation of "user" would drop the old table with foreign keys
        # on, and the cascade would take every membership with it.
        op.execute('ALTER TABLE "user" DROP COLUMN session_version')
    else:
        op.drop_column('user', 'session_version')

    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_attempt_email')
        batch_op.drop_index('ix_sign_in_attempt_attempted_at')
        batch_op.drop_index('ix_sign_in_attempt_address')

    op.drop_table('sign_in_attempt')
