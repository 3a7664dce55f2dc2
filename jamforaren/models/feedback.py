"""What comes in from outside: providers' proposed profile changes and residents' comments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jamforaren.models.base import Base, str_enum, utcnow
from jamforaren.models.catalogue import Area
from jamforaren.models.people import User
from jamforaren.models.providers import Unit


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CommentStatus(enum.StrEnum):
    NEW = "new"
    READ = "read"
    CLOSED = "closed"


class ProfileRevision(Base):
    """A provider's proposed change of a unit's profile, waiting for an officer's review.

    ``changes`` maps each changed field to {"old": …, "new": …}; area-specific attributes are keyed
    ``attribute:<key>`` and carry ``area_id``.
    """

    __tablename__ = "profile_revision"
    __table_args__ = (Index("ix_profile_revision_unit_status", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    status: Mapped[RevisionStatus] = mapped_column(
        str_enum(RevisionStatus, "revision_status"), default=RevisionStatus.PENDING
    )
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    area: Mapped[Area | None] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class Comment(Base):
    """A resident's comment (synpunkt) on a unit, routed to the officers of the area."""

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_area_status", "area_id", "status"),
        Index("ix_comment_client_created", "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_email: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[CommentStatus] = mapped_column(str_enum(CommentStatus, "comment_status"), default=CommentStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A keyed hash of the sender's address, for the rate limit; never the address itself.
    client_hash: Mapped[str | None] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship()
    area: Mapped[Area | None] = relationship()


class PageFeedback(Base):
    """An answer to "Hjälpte sidan dig?" on a page."""

    __tablename__ = "page_feedback"
    __table_args__ = (Index("ix_page_feedback_path", "path", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(300))
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
