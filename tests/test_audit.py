"""Every write leaves an audit event in the same transaction, naming who did it."""

from __future__ import annotations

from sqlalchemy import select

from jamforaren import audit
from jamforaren.extensions import db
from jamforaren.models import AuditEvent, Unit, UnitLanguage


def events_for(entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)))


def test_update_insert_and_delete_are_recorded_with_the_actor(fresh_app):
    with fresh_app.app_context():
        unit = db.session.scalars(select(Unit).order_by(Unit.id).limit(1)).one()
        old_name = unit.name
        with audit.acting_as("officer@example.invalid", user_id=None):
            unit.name = "Förskolan Nytt Namn"
            language = UnitLanguage(language="fi")
            unit.languages.append(language)
            db.session.commit()
            update = [e for e in events_for("unit", unit.id) if e.action == "update"][-1]
            assert update.actor == "officer@example.invalid"
            assert update.changes["name"] == {"old": old_name, "new": "Förskolan Nytt Namn"}
            inserted = events_for("unit_language", language.id)
            assert [e.action for e in inserted] == ["insert"]
            assert inserted[0].changes["language"] == "fi"

            language_id = language.id
            db.session.delete(language)
            db.session.commit()
            assert [e.action for e in events_for("unit_language", language_id)] == ["insert", "delete"]


def test_a_rolled_back_change_leaves_no_event(fresh_app):
    with fresh_app.app_context():
        unit = db.session.scalars(select(Unit).order_by(Unit.id).limit(1)).one()
        before = len(events_for("unit", unit.id))
        unit.name = "Tillfälligt namn"
        db.session.flush()
        db.session.rollback()
        assert len(events_for("unit", unit.id)) == before


def test_loading_demo_data_is_one_summary_event(demo_app):
    with demo_app.app_context():
        seeds = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "seed")))
        assert [e.entity_type for e in seeds] == ["demo_data"]
        assert seeds[0].changes["units"] > 250


def test_rows_removed_from_a_collection_are_recorded_as_deleted(fresh_app):
    with fresh_app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.languages.any()).order_by(Unit.id).limit(1)).one()
        removed = unit.languages[0]
        removed_id, code = removed.id, removed.language
        unit.languages.remove(removed)  # a delete-orphan cascade, not session.delete()
        db.session.commit()
        deleted = [e for e in events_for("unit_language", removed_id) if e.action == "delete"]
        assert len(deleted) == 1 and deleted[0].changes["language"] == code
