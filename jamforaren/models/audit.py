"""The audit log (händelselogg): who changed what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text, true
from sqlalchemy.orm import Mapped, mapped_column

from jamforaren.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity_type", "entity_id"),
        Index("ix_audit_event_occurred_at", "occurred_at"),
        # The newest public event is the version of the public data (jamforaren/data_version.py).
        Index("ix_audit_event_public_id", "id", sqlite_where=text("public"), postgresql_where=text("public")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # e-mail of the user, or "cli", "system"
    action: Mapped[str] = mapped_column(String(20))  # insert | update | delete | a named operation
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # False for what no public page or open data shows (page feedback, comments, accounts): such writes
    # leave the page cache alone.
    public: Mapped[bool] = mapped_column(default=True, server_default=true())
