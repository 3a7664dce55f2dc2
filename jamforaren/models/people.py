"""Accounts (användare) and their roles (roller)."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from jamforaren.models.base import Base, str_enum, utcnow
from jamforaren.models.catalogue import Area
from jamforaren.models.providers import Provider


class Role(enum.StrEnum):
    OFFICER = "officer"  # handläggare at a huvudmannaenhet, for given areas
    EDITOR = "editor"    # a provider's editor, for given providers


class User(UserMixin, Base):
    """A person who signs in: an administrator, an officer of some areas or an editor of some providers."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Stored in the session at sign-in; raising it signs out every session that holds an older value.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Membership(Base):
    """A role of a user: officer of one area, or editor of one provider."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "area_id", "provider_id"),
        CheckConstraint(
            "(role = 'officer' AND area_id IS NOT NULL AND provider_id IS NULL) OR "
            "(role = 'editor' AND provider_id IS NOT NULL AND area_id IS NULL)",
            name="role_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    area: Mapped[Area | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
