"""The demo data: deterministic, realistic in shape, and plainly marked as invented."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, func, select, text

from jamforaren import migrate
from jamforaren.models import (
    MIN_RESPONDENTS, Authorisation, AuthorisationStatus, Base, FollowUp, FollowUpStatus, KeyFigureValue,
    Membership, Ownership, ProfileRevision, Provider, RevisionStatus, Role, SurveyResult, Unit, User,
)
from jamforaren.paths import CATALOGUE_DIR, DEMO_VOCABULARY
from jamforaren.services.seeding import seed_demo
from tests.conftest import DEMO_SEED, DEMO_YEAR, dispose, make_app

NOT_COMPARED = {"audit_event": None, "user": {"password_hash"}}  # audit times and password salts vary


def dump(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    result = {}
    with engine.connect() as connection:
        for name, table in sorted(Base.metadata.tables.items()):
            skipped = NOT_COMPARED.get(name, set())
            if skipped is None:
                continue
            columns = [c for c in table.columns if c.name not in skipped]
            rows = connection.execute(select(*columns).order_by(*table.primary_key.columns))
            result[name] = [tuple(row) for row in rows]
    engine.dispose()
    return result


def generate(backend, name: str, seed: int, instance) -> str:  # type: ignore[no-untyped-def]
    url = backend.create(name)
    app = make_app(url, instance)
    with app.app_context():
        from jamforaren.extensions import db
        migrate.upgrade(db.engine)
        seed_demo(CATALOGUE_DIR, DEMO_VOCABULARY, seed=seed, year=DEMO_YEAR,
                  municipality=app.config["MUNICIPALITY_NAME"])
    dispose(app)
    return url


def test_same_seed_gives_the_same_data_and_another_seed_other_data(backend, demo_template, tmp_path):
    reference = dump(backend.url(demo_template))
    again = dump(generate(backend, "demo_again", DEMO_SEED, tmp_path / "a"))
    assert again == reference
    other = dump(generate(backend, "demo_other", DEMO_SEED + 1, tmp_path / "b"))
    assert other["unit"] != reference["unit"]
    assert len(reference["unit"]) > 250


def test_demo_data_have_the_shape_of_a_real_municipality(demo_app):
    with demo_app.app_context():
        from jamforaren.extensions import db
        session = db.session
        units = session.scalar(select(func.count()).select_from(Unit))
        assert 270 <= units <= 340

        per_area = Counter(session.scalars(select(Authorisation.area_id)))
        assert len(per_area) == 25

        ownership = Counter(session.scalars(select(Provider.ownership)))
        assert set(ownership) == set(Ownership)

        areas_per_provider = session.execute(
            select(Unit.provider_id, func.count(func.distinct(Authorisation.area_id)))
            .join(Authorisation).group_by(Unit.provider_id)
        ).all()
        assert sum(1 for _, n in areas_per_provider if n > 1) >= 5

        statuses = Counter(session.scalars(select(Authorisation.status)))
        assert statuses[AuthorisationStatus.SUSPENDED] > 0 and statuses[AuthorisationStatus.REVOKED] > 0
        assert statuses[AuthorisationStatus.AUTHORISED] > 0.8 * sum(statuses.values())

        years = session.scalars(select(func.distinct(KeyFigureValue.year))).all()
        assert sorted(years) == list(range(DEMO_YEAR - 4, DEMO_YEAR + 1))
        few = session.scalar(select(func.count()).select_from(SurveyResult)
                             .where(SurveyResult.respondents < MIN_RESPONDENTS))
        assert few > 0

        published = Counter(session.execute(
            select(FollowUp.year, FollowUp.status)).all())
        assert published[(DEMO_YEAR - 1, FollowUpStatus.PUBLISHED)] > 150
        listed_now = session.scalar(select(func.count()).select_from(Authorisation)
                                    .where(Authorisation.status == AuthorisationStatus.AUTHORISED))
        this_year = sum(n for (year, _), n in published.items() if year == DEMO_YEAR)
        assert 0 < this_year < listed_now  # some of this year's follow-ups are still missing

        assert session.scalar(select(func.count()).select_from(ProfileRevision)
                              .where(ProfileRevision.status == RevisionStatus.PENDING)) >= 2
        roles = {m.role for m in session.scalars(select(Membership))}
        assert roles == {Role.OFFICER, Role.EDITOR}
        assert session.scalar(select(func.count()).select_from(User).where(User.is_admin)) == 1
        assert all(u.email.endswith("@demo.invalid") for u in session.scalars(select(User)))


def test_every_contact_detail_is_unreachable(demo_app):
    with demo_app.app_context():
        from jamforaren.extensions import db
        rows = db.session.execute(text("SELECT email, website, phone FROM unit")).all()
    assert all(email.endswith(".example") and website.startswith("https://") and website.endswith(".example")
               and phone.startswith("08-465 004 ") for email, website, phone in rows)
