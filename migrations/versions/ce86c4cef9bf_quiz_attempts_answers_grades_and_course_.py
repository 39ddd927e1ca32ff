"""Quiz attempts, answers, gradebook scores and course quiz settings

Revision ID: ce86c4cef9bf
Revises: c6b3a1f21e29
Create Date: 2026-11-23 12:05:36.675829

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ce86c4cef9bf'
down_revision = 'c6b3a1f21e29'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_quiz_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.String(length=64), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=True),
    sa.Column('attempts_allowed', sa.Integer(), nullable=True),
    sa.Column('grading_method', sa.String(length=16), nullable=True),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_course_quiz_settings_context_id_context'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_quiz_settings')),
    sa.UniqueConstraint('context_id', 'quiz_id', name=op.f('uq_course_quiz_settings_context_id_quiz_id'))
    )
    op.create_table('course_settings',
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_course_settings_context_id_context'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('context_id', name=op.f('pk_course_settings'))
    )
    op.create_table('quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=True),
    sa.Column('quiz_id', sa.String(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=True),
    sa.Column('scaled', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('critical_all_right', sa.Boolean(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_quiz_attempt_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['resource_link.id'], name=op.f('fk_quiz_attempt_resource_link_id_resource_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_quiz_attempt_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt')),
    sa.UniqueConstraint('user_id', 'context_id', 'quiz_id', 'number', name=op.f('uq_quiz_attempt_user_id_context_id_quiz_id_number'))
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_context_id'), ['context_id'], unique=False)

    op.create_table('quiz_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('step_key', sa.String(length=255), nullable=False),
    sa.Column('activity_id', sa.String(length=64), nullable=False),
    sa.Column('scene_id', sa.String(length=64), nullable=True),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], name=op.f('fk_quiz_answer_attempt_id_quiz_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_answer')),
    sa.UniqueConstraint('attempt_id', 'step_key', name=op.f('uq_quiz_answer_attempt_id_step_key'))
    )
    with op.batch_alter_table('quiz_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_answer_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('quiz_grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.String(length=64), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('score_given', sa.Float(), nullable=False),
    sa.Column('score_maximum', sa.Float(), nullable=False),
    sa.Column('activity_progress', sa.String(length=16), nullable=False),
    sa.Column('grading_progress', sa.String(length=16), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], name=op.f('fk_quiz_grade_attempt_id_quiz_attempt'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_quiz_grade_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['resource_link.id'], name=op.f('fk_quiz_grade_resource_link_id_resource_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_quiz_grade_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_grade')),
    sa.UniqueConstraint('user_id', 'context_id', 'quiz_id', name=op.f('uq_quiz_grade_user_id_context_id_quiz_id'))
    )


def downgrade():
    op.drop_table('quiz_grade')
    with op.batch_alter_table('quiz_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_answer_attempt_id'))

    op.drop_table('quiz_answer')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_context_id'))

    op.drop_table('quiz_attempt')
    op.drop_table('course_settings')
    op.drop_table('course_quiz_settings')
