"""Quiz attempt resets (the audit record) and launch sessions (cmi5 terminated)

Revision ID: b7e2c4d91a05
Revises: a7d3e91c2b40
Create Date: 2026-11-23 14:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c4d91a05'
down_revision = 'a7d3e91c2b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quiz_attempt_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('trainer_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('attempts', sa.JSON(), nullable=False),
    sa.Column('voided_statements', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_quiz_attempt_reset_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['user.id'], name=op.f('fk_quiz_attempt_reset_learner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trainer_id'], ['user.id'], name=op.f('fk_quiz_attempt_reset_trainer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt_reset'))
    )
    with op.batch_alter_table('quiz_attempt_reset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_reset_context_id'), ['context_id'], unique=False)

    op.create_table('launch_session',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('presence_ms', sa.BigInteger(), nullable=True),
    sa.Column('terminated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_launch_session_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['resource_link.id'], name=op.f('fk_launch_session_resource_link_id_resource_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_launch_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_launch_session'))
    )
    with op.batch_alter_table('launch_session', schema=None) as batch_op:
        batch_op.create_index('ix_launch_session_open', ['terminated_at', 'last_active_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_launch_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('launch_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_launch_session_user_id'))
        batch_op.drop_index('ix_launch_session_open')

    op.drop_table('launch_session')
    with op.batch_alter_table('quiz_attempt_reset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_reset_context_id'))

    op.drop_table('quiz_attempt_reset')
