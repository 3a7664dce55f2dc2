"""Accounts and their roles."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from jamforaren import audit
from jamforaren.extensions import db
from jamforaren.models import Area, Membership, Provider, Role, User
from jamforaren.services import passwords
from jamforaren.services.orgnumber import normalise

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = passwords.MIN_LENGTH


class AccountError(ValueError):
    """The account cannot be created or changed as asked; the message says why."""


class WeakPassword(AccountError):
    """The password breaks a rule: ``problems`` are translated on a page; ``str()`` is English."""

    def __init__(self, problems: list[object]):
        self.problems = problems
        super().__init__(passwords.in_english(problems))


def check_new_password(password: str, email: str) -> None:
    problems = passwords.problems(password, email)
    if problems:
        raise WeakPassword(problems)


def change_password(user: User, password: str) -> None:
    """Set a new password (after the rules) and sign out every session of the user: the caller keeps its own
    session by storing the new ``user.session_version`` in it. One commit, with a named audit event."""
    check_new_password(password, user.email)
    user.set_password(password)
    user.session_version += 1
    audit.record(db.session, "password_changed", "user", user.id, {})
    db.session.commit()


def sign_out_everywhere(user: User) -> None:
    """End every session of the user, in every browser and on every host."""
    user.session_version += 1
    audit.record(db.session, "sign_out_everywhere", "user", user.id, {})
    db.session.commit()


def create_user(email: str, name: str, password: str, *, admin: bool = False) -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address.")
    if not name.strip():
        raise AccountError("A name is required.")
    check_new_password(password, email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(f"There is already an account for {email}.")
    user = User(email=email, name=name.strip(), is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise AccountError(f"There is no account for {email}.")
    return user


def grant_officer(user: User, area_slug: str) -> Membership:
    area = db.session.scalar(select(Area).where(Area.slug == area_slug))
    if area is None:
        raise AccountError(f"There is no customer choice {area_slug!r}.")
    return _grant(user, Membership(role=Role.OFFICER, area=area))


def grant_editor(user: User, provider: str) -> Membership:
    """``provider`` is an organisation number or a provider's slug."""
    number = normalise(provider)
    found = db.session.scalar(select(Provider).where(
        Provider.org_number == number if number else Provider.slug == provider))
    if found is None:
        raise AccountError(f"There is no provider {provider!r}.")
    return _grant(user, Membership(role=Role.EDITOR, provider=found))


def _grant(user: User, membership: Membership) -> Membership:
    for existing in user.memberships:
        if (existing.role, existing.area_id, existing.provider_id) == (
                membership.role, getattr(membership.area, "id", None), getattr(membership.provider, "id", None)):
            return existing
    user.memberships.append(membership)
    db.session.commit()
    return membership
