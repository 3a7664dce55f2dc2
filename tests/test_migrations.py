"""The Alembic migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from jamforaren import migrate
from jamforaren.models import Base


def test_cli_db_upgrade_creates_every_table_on_an_empty_database(run_cli, empty_database):
    result = run_cli("db", "upgrade", database_url=empty_database)
    assert result.returncode == 0, result.stderr
    assert "is at revision" in result.stdout

    engine = create_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()

    again = run_cli("db", "upgrade", database_url=empty_database)
    assert again.returncode == 0, again.stderr


def test_migrations_match_the_models_exactly(empty_database):
    engine = create_engine(empty_database)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_downgrade_removes_the_schema_and_upgrade_restores_it(empty_database):
    engine = create_engine(empty_database)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_constraints_reject_impossible_values(fresh_app):
    import pytest
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from jamforaren.extensions import db
    from jamforaren.models import FollowUp, Provider, SurveyResult

    with fresh_app.app_context():
        result = db.session.scalars(select(SurveyResult).limit(1)).one()
        for field, value in (("share_positive", 100.5), ("share_positive", -1), ("respondents", -3)):
            setattr(result, field, value)
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
            result = db.session.scalars(select(SurveyResult).limit(1)).one()

        first, second = db.session.scalars(select(Provider).limit(2)).all()
        second.org_number = first.org_number
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

        follow_up = db.session.scalars(select(FollowUp).limit(1)).one()
        db.session.add(FollowUp(unit_id=follow_up.unit_id, area_id=follow_up.area_id,
                                rulebook_id=follow_up.rulebook_id, year=follow_up.year))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_foreign_keys_refuse_or_cascade_as_declared(fresh_app):
    import pytest
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from jamforaren.extensions import db
    from jamforaren.models import Authorisation, Provider, SurveyResult, Unit

    with fresh_app.app_context():
        provider = db.session.scalars(select(Provider).where(Provider.units.any()).limit(1)).one()
        with pytest.raises(IntegrityError):  # a provider with units cannot be deleted
            db.session.execute(Provider.__table__.delete().where(Provider.id == provider.id))
        db.session.rollback()

        unit_id = db.session.scalar(select(SurveyResult.unit_id).limit(1))
        db.session.execute(Unit.__table__.delete().where(Unit.id == unit_id))
        db.session.commit()  # deleting a unit takes its results and authorisations with it
        assert db.session.scalar(select(func.count()).select_from(SurveyResult)
                                 .where(SurveyResult.unit_id == unit_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(Authorisation)
                                 .where(Authorisation.unit_id == unit_id)) == 0


def test_downgrading_the_sign_in_protection_keeps_every_user_and_membership(fresh_app):
    engine = create_engine(fresh_app.config["SQLALCHEMY_DATABASE_URI"])  # foreign keys on, as the app has them
    try:
        def counts() -> tuple[int, int]:
            with engine.connect() as connection:
                return tuple(connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
                             for table in ("user", "membership"))
        before = counts()
        assert before[1] > 0
        migrate.downgrade(engine, "0001")
        assert counts() == before and "sign_in_attempt" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert counts() == before and migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
