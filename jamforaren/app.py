"""The application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g

from jamforaren import audit, compression, data_version, db_faults, formatting, indexing, page_cache, signing
from jamforaren.config import load_config
from jamforaren.extensions import babel, csrf, db
from jamforaren.i18n import compile_catalogues, current_language, local, local_label, select_locale
from jamforaren.paths import TEMPLATES_DIR, TRANSLATIONS_DIR


def create_app(config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None,
               instance_path: str | Path | None = None) -> Flask:
    instance_path = instance_path or (environ or os.environ).get("JAMFORAREN_INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), environ, config))

    compiled = compile_catalogues(TRANSLATIONS_DIR, Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)

    signing.init_app(app)
    db.init_app(app)
    compression.init_app(app)  # the first after-request hook, so it runs after every other one
    page_cache.init_app(app)  # stores a page before it is compressed; serves hits before any other hook
    db_faults.init_app(app)  # reads retried after a dropped connection; 503 while the database is away
    audit.install(db.session)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    indexing.init_app(app)
    data_version.init_app(app)

    _register_template_helpers(app)
    _register_blueprints(app)

    @app.after_request
    def vary_by_language(response):  # type: ignore[no-untyped-def]
        # Pages are rendered in the reader's language, chosen by cookie or Accept-Language.
        response.vary.update(("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", current_language())
        return response

    return app


def _register_template_helpers(app: Flask) -> None:
    from jamforaren.services.site import demo_data_loaded

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    from jamforaren.charts import legend_swatch, trend_svg
    from jamforaren.labels import ACTION_STATUS, method_label
    from jamforaren.models import Rating
    from jamforaren.public.compare_text import cell_text, row_label
    from jamforaren.public.trend_tables import figure_trend_table, survey_trend_table

    app.jinja_env.globals.update(
        local=local, local_label=local_label, current_language=current_language,
        trend_svg=trend_svg, legend_swatch=legend_swatch, rating=Rating, action_status_labels=ACTION_STATUS,
        compare_row_label=row_label, compare_cell_text=cell_text,
        survey_trend_table=survey_trend_table, figure_trend_table=figure_trend_table,
    )
    app.jinja_env.filters["method_label"] = method_label
    formatting.register(app)

    @app.context_processor
    def site_context() -> dict[str, Any]:
        if "demo_data" not in g:
            g.demo_data = demo_data_loaded()
        return {"config": app.config, "demo_data": g.demo_data}


def _register_blueprints(app: Flask) -> None:
    from jamforaren import auth
    from jamforaren.admin import bp as admin_bp
    from jamforaren.admin.menu import admin_menu
    from jamforaren.errors import register_error_handlers
    from jamforaren.public import bp as public_bp

    from jamforaren import guards, security
    guards.init_app(app)
    security.init_app(app)
    app.register_blueprint(public_bp)
    auth.init_app(app)
    app.register_blueprint(admin_bp)
    from providers import bp as providers_bp  # the providers' portal (issue 7)
    app.register_blueprint(providers_bp)
    from jamforaren import api; api.init_app(app)  # the open data API and its documentation page (issue 8)
    app.jinja_env.globals["admin_menu"] = admin_menu
    register_error_handlers(app)
