"""Installation-wide facts kept in the ``setting`` table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from jamforaren.extensions import db
from jamforaren.models import DEMO_DATA, Setting


def get_setting(key: str) -> str | None:
    return db.session.scalar(select(Setting.value).where(Setting.key == key))


def set_setting(key: str, value: str) -> None:
    setting = db.session.get(Setting, key)
    if setting is None:
        db.session.add(Setting(key=key, value=value))
    else:
        setting.value = value


def demo_data_loaded() -> bool:
    """True while the demo data are loaded; every page then says the figures are invented."""
    try:
        return get_setting(DEMO_DATA) == "yes"
    except SQLAlchemyError:
        db.session.rollback()
        return False
