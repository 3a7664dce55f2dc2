"""Thin views: read the request, ask a service, render."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.sessions import SessionMixin
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from jamforaren.data_version import remembered
from jamforaren.i18n import LANGUAGE_COOKIE, current_language
from jamforaren.indexing import search_index
from jamforaren.labels import AUTHORISATION_STATUS, OWNERSHIP, language_name
from jamforaren.models import MIN_RESPONDENTS, Area, Unit
from jamforaren.page_cache import cached_page
from jamforaren.public import bp
from jamforaren.public.csv_export import csv_response
from jamforaren.public.forms import CommentForm, PageFeedbackForm, area_filter_form, listing_query
from jamforaren.services import area_listing, basket, feedback, listing
from jamforaren.services.catalogue_admin import rulebook_in_force
from jamforaren.services.compare import CompareError, build_comparison
from jamforaren.services.unit_profile import area_sections, area_slugs_of


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("sida", "1")))
    except ValueError:
        return 1


def _area_or_404(slug: str) -> Area:
    area = listing.area_by_slug(slug)
    if area is None:
        abort(404)
    return area


def _unit_or_404(slug: str) -> Unit:
    unit = listing.unit_by_slug(slug)
    if unit is None:
        abort(404)
    return unit


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site: never an absolute URL or a scheme-relative one."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/")
@cached_page(shown=None)
def start() -> str:
    return render_template("public/start.html", processes=listing.processes_with_areas(),
                           counts=listing.listed_unit_counts())


@bp.get("/kundval/<slug>")
@cached_page(shown=lambda reader: basket.units_in(reader, request.view_args["slug"]))  # the area's basket
def area(slug: str) -> str:
    area = _area_or_404(slug)
    facets = area_listing.facets(area)
    form = area_filter_form(area, facets, request.args, current_language())
    query = listing_query(form, facets, _page_number())
    result = area_listing.list_units(area, query, current_app.config["PAGE_SIZE"])
    state = {key: request.args.getlist(key) for key in request.args if key != "sida"}
    return render_template("public/area.html", area=area, form=form, facets=facets, query=query,
                           listing=result, page=result.page, state=state,
                           chosen=basket.units_in(session, area.slug), ownership_labels=OWNERSHIP)


@bp.get("/kundval/<slug>/villkor")
@cached_page(shown=None)
def rules(slug: str) -> str:
    area = _area_or_404(slug)
    rulebooks = list(reversed(area.rulebooks))
    wanted = request.args.get("version", type=int)
    if wanted is None:
        rulebook = rulebook_in_force(area) or (rulebooks[-1] if rulebooks else None)
    else:
        rulebook = next((r for r in rulebooks if r.version == wanted), None)
    if rulebook is None:
        abort(404)
    return render_template("public/rules.html", area=area, rulebook=rulebook, rulebooks=rulebooks,
                           in_force=rulebook_in_force(area))


def _render_unit(unit: Unit, comment_form: CommentForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    sections = area_sections(unit)
    return render_template(
        "public/unit.html", unit=unit, sections=sections, comment_form=comment_form or CommentForm(),
        baskets={s.area.slug: basket.units_in(session, s.area.slug) for s in sections},
        ownership_labels=OWNERSHIP, status_labels=AUTHORISATION_STATUS, language_name=language_name,
        min_respondents=MIN_RESPONDENTS,
    ), status


def _unit_page_baskets(reader: SessionMixin) -> dict[str, list[str]] | None:
    """What a unit page shows of the session: the baskets of the unit's areas (none for most readers)."""
    if not reader.get(basket.KEY):
        return None
    slug = request.view_args["slug"]  # type: ignore[index]
    return basket.of_areas(reader, remembered(("unit areas", slug), lambda: area_slugs_of(slug))) or None


@bp.get("/enheter/<slug>")
@cached_page(shown=_unit_page_baskets)
def unit(slug: str):  # type: ignore[no-untyped-def]
    return _render_unit(_unit_or_404(slug))


@bp.post("/enheter/<slug>/synpunkt")
def comment(slug: str):  # type: ignore[no-untyped-def]
    unit = _unit_or_404(slug)
    form = CommentForm()
    if not form.validate():
        return _render_unit(unit, form, status=400)
    areas = listing.public_authorisations(unit)
    client = feedback.client_hash(current_app.config["SECRET_KEY"], request.remote_addr)
    try:
        feedback.submit_comment(unit, areas[0].area if areas else None, form.synpunkt.data,
                                          name=form.namn.data, email=form.epost.data, client=client,
                                          trap=form.webbplats.data)
    except feedback.RateLimited:
        form.synpunkt.errors = [_("You have sent several comments in a short time. Please wait an hour "
                                  "and try again, or contact the municipality directly.")]
        return _render_unit(unit, form, status=429)
    flash(_("Thank you. Your comment has been sent to the municipality."), "success")
    return redirect(url_for("public.unit", slug=unit.slug, _anchor="skicka-synpunkt"), code=303)


@bp.get("/kundval/<slug>/jamfor")
@cached_page()
def compare(slug: str):  # type: ignore[no-untyped-def]
    area = _area_or_404(slug)
    slugs = request.args.getlist("enhet")
    try:
        comparison = build_comparison(area, slugs)
    except CompareError as error:
        return render_template("public/compare.html", area=area, comparison=None, error=str(error),
                               chosen=basket.units_in(session, area.slug)), 400
    basket.replace(session, area.slug, [u.slug for u in comparison.units])
    return render_template("public/compare.html", area=area, comparison=comparison, error=None,
                           min_respondents=MIN_RESPONDENTS, language_name=language_name)


@bp.get("/kundval/<slug>/jamfor.csv")
def compare_csv(slug: str) -> Response:
    area = _area_or_404(slug)
    try:
        comparison = build_comparison(area, request.args.getlist("enhet"))
    except CompareError as error:
        abort(400, description=str(error))
    return csv_response(comparison, f"jamforelse-{area.slug}.csv")


@bp.post("/kundval/<slug>/jamforelse")
def change_basket(slug: str) -> Response:
    area = _area_or_404(slug)
    unit_slug = request.form.get("enhet", "")
    if request.form.get("atgard") == "ta-bort":
        basket.remove(session, area.slug, unit_slug)
        flash(_("The unit was removed from your comparison."), "success")
    elif listing.is_listed(area, unit_slug):
        if basket.add(session, area.slug, unit_slug):
            flash(_("The unit was added to your comparison."), "success")
        else:
            flash(_("You can compare at most four units at a time. Remove one first."), "error")
    else:
        abort(404)
    return redirect(safe_next(request.form.get("next"), url_for("public.area", slug=area.slug)), code=303)


@bp.post("/sidfeedback")
def page_feedback() -> Response:
    form = PageFeedbackForm()
    target = safe_next(form.sida.data)
    if form.validate():
        feedback.record_page_feedback(target, form.svar.data == "ja")
        flash(_("Thank you for your answer."), "success")
    else:
        flash(_("Choose yes or no before you send your answer."), "error")
    return redirect(target, code=303)


@bp.get("/sok")
@cached_page(vary=lambda: search_index().generation(), shown=None)
def search_page():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "")
    area_slug = request.args.get("kundval") or None
    district = request.args.get("kommundel") or None
    areas = {a.slug: a for a in listing.all_areas()}
    if not query.strip():
        return render_template("public/search.html", query="", result=None, areas=areas,
                               area_slug=None, district=None)
    result = search_index().search(query, area=area_slug, district=district, page=_page_number(),
                                   per_page=current_app.config["PAGE_SIZE"], language=current_language())
    response = render_template("public/search.html", query=query, result=result, areas=areas,
                               area_slug=area_slug if area_slug in areas else None, district=district)
    if not result.available:
        return response, 503, {"Retry-After": "30"}
    return response


@bp.get("/om-jamforelserna")
@cached_page(shown=None)
def about() -> str:
    return render_template("public/about.html", min_respondents=MIN_RESPONDENTS)


@bp.get("/tillganglighet")
@cached_page(shown=None)
def accessibility() -> str:
    return render_template("public/accessibility.html", min_respondents=MIN_RESPONDENTS)


@bp.get("/sprak/<language>")
def set_language(language: str) -> Response:
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")), code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response
