"""Dashboard indexes: look course data up by context_id first

Revision ID: a7d3e91c2b40
Revises: b7d4f0a9c2e1
Create Date: 2026-11-23 14:40:00.000000

The trainer dashboard reads one course's rows and the school roll-up counts per course; the
existing indexes led with user_id, so both scanned whole tables.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7d3e91c2b40'
down_revision = 'b7d4f0a9c2e1'
branch_labels = None
depends_on = None

INDEXES = (
    ('module_progress', 'ix_module_progress_course', ['context_id', 'user_id', 'completed_at']),
    ('video_event', 'ix_video_event_course_module', ['context_id', 'module_id']),
    ('quiz_attempt', 'ix_quiz_attempt_course_quiz', ['context_id', 'quiz_id', 'status']),
    ('quiz_grade', 'ix_quiz_grade_course_quiz', ['context_id', 'quiz_id']),
    ('enrollment', 'ix_enrollment_course_role', ['context_id', 'role']),
    ('certification', 'ix_certification_course', ['context_id', 'user_id']),
)


def upgrade():
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    # ix_quiz_attempt_course_quiz leads with context_id: the single-column index is redundant.
    op.drop_index('ix_quiz_attempt_context_id', table_name='quiz_attempt')


def downgrade():
    op.create_index('ix_quiz_attempt_context_id', 'quiz_attempt', ['context_id'], unique=False)
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
