"""Module completion history and re-watches, so refresher modules count again at renewal

Revision ID: a3c1e7d2b9f4
Revises: 53a9f49afec4
Create Date: 2026-11-23 14:50:00.000000

Every existing completion (module_progress.completed_at) becomes the first entry (viewing 1) of
the new history; module_progress itself is unchanged.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c1e7d2b9f4'
down_revision = '53a9f49afec4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('viewing', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_module_completion_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_module_completion_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_completion')),
    sa.UniqueConstraint('user_id', 'context_id', 'module_id', 'viewing', name=op.f('uq_module_completion_user_id_context_id_module_id_viewing'))
    )
    with op.batch_alter_table('module_completion', schema=None) as batch_op:
        batch_op.create_index('ix_module_completion_learner', ['user_id', 'context_id', 'completed_at'], unique=False)

    op.create_table('module_rewatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('covered_seconds', sa.Float(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('furthest', sa.Float(), nullable=False),
    sa.Column('last_position', sa.Float(), nullable=True),
    sa.Column('answered_checkpoints', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_module_rewatch_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_module_rewatch_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_rewatch')),
    sa.UniqueConstraint('user_id', 'context_id', 'module_id', 'number', name=op.f('uq_module_rewatch_user_id_context_id_module_id_number'))
    )

    # Data: each module already completed is the first completion in the history.
    op.execute(
        "INSERT INTO module_completion (user_id, context_id, module_id, viewing, completed_at) "
        "SELECT user_id, context_id, module_id, 1, completed_at FROM module_progress "
        "WHERE completed_at IS NOT NULL"
    )


def downgrade():
    op.drop_table('module_rewatch')
    with op.batch_alter_table('module_completion', schema=None) as batch_op:
        batch_op.drop_index('ix_module_completion_learner')
    op.drop_table('module_completion')
