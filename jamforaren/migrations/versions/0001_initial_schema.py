"""Initial schema: every entity of the domain model.

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('page_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_feedback'))
    )
    with op.batch_alter_table('page_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_page_feedback_path', ['path', 'created_at'], unique=False)

    op.create_table('process',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_sv', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('committee_sv', sa.String(length=200), nullable=False),
    sa.Column('committee_en', sa.String(length=200), nullable=True),
    sa.Column('description_sv', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process')),
    sa.UniqueConstraint('slug', name=op.f('uq_process_slug'))
    )
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=11), nullable=False),
    sa.Column('ownership', sa.Enum('kommunal', 'enskild', 'ideell', 'kooperativ', name='ownership', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider')),
    sa.UniqueConstraint('org_number', name=op.f('uq_provider_org_number')),
    sa.UniqueConstraint('slug', name=op.f('uq_provider_slug'))
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_ownership'), ['ownership'], unique=False)

    op.create_table('setting',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_sv', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('committee_sv', sa.String(length=200), nullable=True),
    sa.Column('committee_en', sa.String(length=200), nullable=True),
    sa.Column('target_group_sv', sa.Text(), nullable=False),
    sa.Column('target_group_en', sa.Text(), nullable=True),
    sa.Column('description_sv', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('legal_basis_sv', sa.Text(), nullable=True),
    sa.Column('legal_basis_en', sa.Text(), nullable=True),
    sa.Column('attribute_definitions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_area_process_id_process'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area')),
    sa.UniqueConstraint('slug', name=op.f('uq_area_slug'))
    )
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_process_id'), ['process_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_event_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_event_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_user_id'), ['user_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description_sv', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('street_address', sa.String(length=200), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('district', sa.String(length=100), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('free_places', sa.Integer(), nullable=True),
    sa.Column('opening_hours_sv', sa.String(length=300), nullable=True),
    sa.Column('opening_hours_en', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('kolada_ou', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_unit_capacity_not_negative')),
    sa.CheckConstraint('free_places IS NULL OR free_places >= 0', name=op.f('ck_unit_free_places_not_negative')),
    sa.CheckConstraint('latitude IS NULL OR (latitude BETWEEN -90 AND 90)', name=op.f('ck_unit_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR (longitude BETWEEN -180 AND 180)', name=op.f('ck_unit_longitude_range')),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_unit_provider_id_provider'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('kolada_ou', name=op.f('uq_unit_kolada_ou')),
    sa.UniqueConstraint('slug', name=op.f('uq_unit_slug'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_provider_id'), ['provider_id'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sender_name', sa.String(length=200), nullable=True),
    sa.Column('sender_email', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('new', 'read', 'closed', name='comment_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_comment_area_id_area'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_comment_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_area_status', ['area_id', 'status'], unique=False)
        batch_op.create_index('ix_comment_client_created', ['client_hash', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_unit_id'), ['unit_id'], unique=False)

    op.create_table('key_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_sv', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('description_sv', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('unit', sa.Enum('percent', 'kronor', 'number', 'points', 'days', 'hours', name='figure_unit', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('higher_is_better', sa.Boolean(), nullable=True),
    sa.Column('scope', sa.Enum('unit', 'municipality', name='figure_scope', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('is_economy', sa.Boolean(), nullable=False),
    sa.Column('source', sa.Enum('kolada', 'municipality', 'national', name='figure_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('kolada_kpi', sa.String(length=20), nullable=True),
    sa.Column('source_name_sv', sa.String(length=200), nullable=False),
    sa.Column('source_name_en', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_key_figure_area_id_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_figure')),
    sa.UniqueConstraint('area_id', 'code', name=op.f('uq_key_figure_area_id_code'))
    )
    with op.batch_alter_table('key_figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_figure_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_figure_kolada_kpi'), ['kolada_kpi'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('officer', 'editor', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(role = 'officer' AND area_id IS NOT NULL AND provider_id IS NULL) OR (role = 'editor' AND provider_id IS NOT NULL AND area_id IS NULL)", name=op.f('ck_membership_role_target')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_membership_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_membership_provider_id_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_membership_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership')),
    sa.UniqueConstraint('user_id', 'role', 'area_id', 'provider_id', name=op.f('uq_membership_user_id_role_area_id_provider_id'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_user_id'), ['user_id'], unique=False)

    op.create_table('profile_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='revision_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_profile_revision_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_profile_revision_proposed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_profile_revision_reviewed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_profile_revision_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_revision'))
    )
    with op.batch_alter_table('profile_revision', schema=None) as batch_op:
        batch_op.create_index('ix_profile_revision_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('rulebook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('decision_reference', sa.String(length=80), nullable=True),
    sa.Column('title_sv', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_rulebook_area_id_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rulebook')),
    sa.UniqueConstraint('area_id', 'version', name=op.f('uq_rulebook_area_id_version'))
    )
    with op.batch_alter_table('rulebook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rulebook_area_id'), ['area_id'], unique=False)

    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=80), nullable=False),
    sa.Column('title_sv', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('respondents_sv', sa.Text(), nullable=False),
    sa.Column('respondents_en', sa.Text(), nullable=True),
    sa.Column('source_sv', sa.String(length=300), nullable=False),
    sa.Column('source_en', sa.String(length=300), nullable=True),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_survey_year_range')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_survey_area_id_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
    sa.UniqueConstraint('area_id', 'year', 'respondent_group', name=op.f('uq_survey_area_id_year_respondent_group'))
    )
    op.create_table('unit_attribute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_unit_attribute_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_attribute_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_attribute')),
    sa.UniqueConstraint('unit_id', 'area_id', 'key', 'value', name=op.f('uq_unit_attribute_unit_id_area_id_key_value'))
    )
    with op.batch_alter_table('unit_attribute', schema=None) as batch_op:
        batch_op.create_index('ix_unit_attribute_lookup', ['area_id', 'key', 'value'], unique=False)

    op.create_table('unit_language',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_language_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_language')),
    sa.UniqueConstraint('unit_id', 'language', name=op.f('uq_unit_language_unit_id_language'))
    )
    with op.batch_alter_table('unit_language', schema=None) as batch_op:
        batch_op.create_index('ix_unit_language_language', ['language'], unique=False)

    op.create_table('authorisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('rulebook_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('ansokt', 'auktoriserad', 'vilande', 'aterkallad', 'avslutad', name='authorisation_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=False),
    sa.Column('authorised_since', sa.Date(), nullable=True),
    sa.Column('decision_reference', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_authorisation_area_id_area'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rulebook_id'], ['rulebook.id'], name=op.f('fk_authorisation_rulebook_id_rulebook'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_authorisation_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation')),
    sa.UniqueConstraint('unit_id', 'area_id', name=op.f('uq_authorisation_unit_id_area_id'))
    )
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.create_index('ix_authorisation_area_status', ['area_id', 'status'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('rulebook_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('conducted_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('utkast', 'publicerad', name='follow_up_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('findings_sv', sa.Text(), nullable=False),
    sa.Column('summary_sv', sa.Text(), nullable=False),
    sa.Column('summary_en', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_follow_up_version_positive')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_follow_up_year_range')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_follow_up_area_id_area'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rulebook_id'], ['rulebook.id'], name=op.f('fk_follow_up_rulebook_id_rulebook'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_follow_up_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up')),
    sa.UniqueConstraint('unit_id', 'area_id', 'year', 'version', name=op.f('uq_follow_up_unit_id_area_id_year_version'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_area_year', ['area_id', 'year'], unique=False)
        batch_op.create_index('uq_follow_up_current', ['unit_id', 'area_id', 'year'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('key_figure_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_figure_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_key_figure_value_year_range')),
    sa.ForeignKeyConstraint(['key_figure_id'], ['key_figure.id'], name=op.f('fk_key_figure_value_key_figure_id_key_figure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_key_figure_value_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_figure_value')),
    sa.UniqueConstraint('key_figure_id', 'unit_id', 'year', name=op.f('uq_key_figure_value_key_figure_id_unit_id_year'))
    )
    with op.batch_alter_table('key_figure_value', schema=None) as batch_op:
        batch_op.create_index('ix_key_figure_value_unit', ['unit_id', 'key_figure_id'], unique=False)
        batch_op.create_index('uq_key_figure_value_municipal', ['key_figure_id', 'year'], unique=True, sqlite_where=sa.text('unit_id IS NULL'), postgresql_where=sa.text('unit_id IS NULL'))

    op.create_table('rulebook_chapter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rulebook_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title_sv', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['rulebook_id'], ['rulebook.id'], name=op.f('fk_rulebook_chapter_rulebook_id_rulebook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rulebook_chapter')),
    sa.UniqueConstraint('rulebook_id', 'number', name=op.f('uq_rulebook_chapter_rulebook_id_number'))
    )
    with op.batch_alter_table('rulebook_chapter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rulebook_chapter_rulebook_id'), ['rulebook_id'], unique=False)

    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_overall', sa.Boolean(), nullable=False),
    sa.Column('text_sv', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('municipal_share_positive', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('municipal_respondents', sa.Integer(), nullable=True),
    sa.CheckConstraint('municipal_respondents IS NULL OR municipal_respondents >= 0', name=op.f('ck_survey_question_municipal_respondents_not_negative')),
    sa.CheckConstraint('municipal_share_positive IS NULL OR (municipal_share_positive BETWEEN 0 AND 100)', name=op.f('ck_survey_question_municipal_share_range')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_question_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question')),
    sa.UniqueConstraint('survey_id', 'code', name=op.f('uq_survey_question_survey_id_code'))
    )
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_question_survey_id'), ['survey_id'], unique=False)

    op.create_table('authorisation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authorisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('ansokt', 'auktoriserad', 'vilande', 'aterkallad', 'avslutad', name='authorisation_event_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decision_reference', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authorisation_id'], ['authorisation.id'], name=op.f('fk_authorisation_event_authorisation_id_authorisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_authorisation_event_decided_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation_event'))
    )
    with op.batch_alter_table('authorisation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisation_event_authorisation_id'), ['authorisation_id'], unique=False)

    op.create_table('norm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rulebook_id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_sv', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('requirement_sv', sa.Text(), nullable=False),
    sa.Column('requirement_en', sa.Text(), nullable=True),
    sa.Column('guidance_sv', sa.Text(), nullable=False),
    sa.Column('guidance_en', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['chapter_id'], ['rulebook_chapter.id'], name=op.f('fk_norm_chapter_id_rulebook_chapter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rulebook_id'], ['rulebook.id'], name=op.f('fk_norm_rulebook_id_rulebook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_norm')),
    sa.UniqueConstraint('rulebook_id', 'key', name=op.f('uq_norm_rulebook_id_key'))
    )
    with op.batch_alter_table('norm', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_norm_chapter_id'), ['chapter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_norm_rulebook_id'), ['rulebook_id'], unique=False)

    op.create_table('survey_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('share_positive', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.CheckConstraint('respondents >= 0', name=op.f('ck_survey_result_respondents_not_negative')),
    sa.CheckConstraint('share_positive BETWEEN 0 AND 100', name=op.f('ck_survey_result_share_positive_range')),
    sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'], name=op.f('fk_survey_result_question_id_survey_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_survey_result_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_result')),
    sa.UniqueConstraint('question_id', 'unit_id', name=op.f('uq_survey_result_question_id_unit_id'))
    )
    with op.batch_alter_table('survey_result', schema=None) as batch_op:
        batch_op.create_index('ix_survey_result_unit', ['unit_id'], unique=False)

    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('norm_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('oppen', 'besvarad', 'godkand', 'aterforvisad', name='action_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('responded_on', sa.Date(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_up.id'], name=op.f('fk_action_follow_up_id_follow_up'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['norm_id'], ['norm.id'], name=op.f('fk_action_norm_id_norm'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action'))
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_follow_up_id'), ['follow_up_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('norm_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Enum('uppfyllt', 'delvis_uppfyllt', 'ej_uppfyllt', 'ej_bedomt', name='rating', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['follow_up_id'], ['follow_up.id'], name=op.f('fk_assessment_follow_up_id_follow_up'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['norm_id'], ['norm.id'], name=op.f('fk_assessment_norm_id_norm'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('follow_up_id', 'norm_id', name=op.f('uq_assessment_follow_up_id_norm_id'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_norm_id'), ['norm_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_norm_id'))

    op.drop_table('assessment')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_follow_up_id'))

    op.drop_table('action')
    with op.batch_alter_table('survey_result', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_result_unit')

    op.drop_table('survey_result')
    with op.batch_alter_table('norm', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_norm_rulebook_id'))
        batch_op.drop_index(batch_op.f('ix_norm_chapter_id'))

    op.drop_table('norm')
    with op.batch_alter_table('authorisation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisation_event_authorisation_id'))

    op.drop_table('authorisation_event')
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_question_survey_id'))

    op.drop_table('survey_question')
    with op.batch_alter_table('rulebook_chapter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rulebook_chapter_rulebook_id'))

    op.drop_table('rulebook_chapter')
    with op.batch_alter_table('key_figure_value', schema=None) as batch_op:
        batch_op.drop_index('uq_key_figure_value_municipal', sqlite_where=sa.text('unit_id IS NULL'), postgresql_where=sa.text('unit_id IS NULL'))
        batch_op.drop_index('ix_key_figure_value_unit')

    op.drop_table('key_figure_value')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index('uq_follow_up_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_follow_up_area_year')

    op.drop_table('follow_up')
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.drop_index('ix_authorisation_area_status')

    op.drop_table('authorisation')
    with op.batch_alter_table('unit_language', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_language_language')

    op.drop_table('unit_language')
    with op.batch_alter_table('unit_attribute', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_attribute_lookup')

    op.drop_table('unit_attribute')
    op.drop_table('survey')
    with op.batch_alter_table('rulebook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rulebook_area_id'))

    op.drop_table('rulebook')
    with op.batch_alter_table('profile_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_profile_revision_unit_status')

    op.drop_table('profile_revision')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_user_id'))
        batch_op.drop_index(batch_op.f('ix_membership_provider_id'))
        batch_op.drop_index(batch_op.f('ix_membership_area_id'))

    op.drop_table('membership')
    with op.batch_alter_table('key_figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_figure_kolada_kpi'))
        batch_op.drop_index(batch_op.f('ix_key_figure_area_id'))

    op.drop_table('key_figure')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_unit_id'))
        batch_op.drop_index('ix_comment_client_created')
        batch_op.drop_index('ix_comment_area_status')

    op.drop_table('comment')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_provider_id'))
        batch_op.drop_index(batch_op.f('ix_unit_name'))
        batch_op.drop_index(batch_op.f('ix_unit_district'))

    op.drop_table('unit')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_user_id'))
        batch_op.drop_index('ix_audit_event_occurred_at')
        batch_op.drop_index('ix_audit_event_entity')

    op.drop_table('audit_event')
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_process_id'))

    op.drop_table('area')
    op.drop_table('user')
    op.drop_table('setting')
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_ownership'))

    op.drop_table('provider')
    op.drop_table('process')
    with op.batch_alter_table('page_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_page_feedback_path')

    op.drop_table('page_feedback')
