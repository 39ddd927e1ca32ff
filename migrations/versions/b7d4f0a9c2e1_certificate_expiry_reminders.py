"""Certificate expiry reminders: encrypted addresses (opt-in per school) and reminders sent

Revision ID: b7d4f0a9c2e1
Revises: a3c1e7d2b9f4
Create Date: 2026-11-23 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4f0a9c2e1'
down_revision = 'a3c1e7d2b9f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email_encrypted', sa.String(length=1024), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_address_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_address')),
    sa.UniqueConstraint('user_id', name=op.f('uq_reminder_address_user_id'))
    )
    op.create_table('expiry_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certification_id'], ['certification.id'], name=op.f('fk_expiry_reminder_certification_id_certification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expiry_reminder')),
    sa.UniqueConstraint('certification_id', 'days', name=op.f('uq_expiry_reminder_certification_id_days'))
    )


def downgrade():
    op.drop_table('expiry_reminder')
    op.drop_table('reminder_address')
