"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of everything the API returns.

Objects are closed (``additionalProperties: false``), so a field that is not described here fails the
tests. The survey result schema also states the suppression rule: a suppressed result has no share and no
respondent count, and a shown one has at least MIN_RESPONDENTS respondents.
"""

from __future__ import annotations

from typing import Any

from jamforaren.labels import LANGUAGE_CODES
from jamforaren.models import (
    MIN_RESPONDENTS, FigureScope, FigureSource, FigureUnit, FollowUpMethod, Ownership, Rating,
)
from jamforaren.services.open_data import ALWAYS_FIELDS, PUBLIC_STATUSES
from jamforaren.services.unit_profile import OPEN_ACTION_STATUSES

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if set(schema) == {"type"} and isinstance(schema["type"], str):
        return {"type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, Schema], required: list[str] | None = None, description: str | None = None) -> Schema:
    schema: Schema = {"type": "object", "properties": properties,
                      "required": list(properties) if required is None else required,
                      "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def enum(values: Any) -> Schema:
    return {"type": "string", "enum": [getattr(v, "value", v) for v in values]}


ID = {"type": "integer", "minimum": 1}
COUNT = {"type": "integer", "minimum": 0}
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"}
STRING = {"type": "string"}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}
NUMBER = {"type": "number"}
SHARE = {"type": "number", "minimum": 0, "maximum": 100}
TEXT = ref("Text")
LINKS = ref("Links")


def _rulebook_summary() -> dict[str, Schema]:
    return {
        "version": ID, "valid_from": DATE,
        "state": {**enum(["in_force", "replaced", "upcoming"]),
                  "description": "in_force applies today; replaced applied earlier; upcoming applies from a "
                                 "future date and may still change."},
        "title": TEXT, "decision_reference": nullable(STRING), "norm_count": COUNT,
    }


def _norm(with_chapter: bool) -> Schema:
    properties = {"id": ID, "key": {**STRING, "description": "Stable across rulebook versions."},
                  "code": STRING}
    if with_chapter:
        properties["chapter"] = obj({"number": ID, "title": TEXT})
    properties.update(title=TEXT, requirement=TEXT, guidance=TEXT)
    return obj(properties)


def _unit_properties() -> dict[str, Schema]:
    return {
        "id": ID, "slug": SLUG, "name": STRING, "provider": ref("Provider"), "description": TEXT,
        "street_address": nullable(STRING), "postal_code": nullable(STRING), "city": nullable(STRING),
        "district": nullable(STRING),
        "latitude": nullable({"type": "number", "minimum": -90, "maximum": 90}),
        "longitude": nullable({"type": "number", "minimum": -180, "maximum": 180}),
        "capacity": nullable(COUNT), "free_places": nullable(COUNT),
        "languages": {**array(enum(LANGUAGE_CODES)),
                      "description": "Languages besides Swedish, ISO 639 codes (sgn: Swedish Sign Language)."},
        "opening_hours": nullable(TEXT), "email": nullable(STRING), "phone": nullable(STRING),
        "website": nullable(STRING), "kolada_ou": nullable({**STRING, "description": "The unit's id in Kolada."}),
        "authorisations": array(ref("Authorisation")), "updated_at": DATETIME, "links": LINKS,
    }


ATTRIBUTE_VALUE = {"anyOf": [STRING, {"type": "boolean"}, {"type": "integer"}, array(STRING)]}


def components() -> dict[str, Schema]:
    unit_properties = _unit_properties()
    schemas: dict[str, Schema] = {
        "Text": obj({"sv": STRING, "en": nullable(STRING)},
                    description="A text in Swedish and, when translated, English (null when not)."),
        "Links": {"type": "object", "additionalProperties": URL, "description": "Related addresses by name."},
        "Ref": obj({"id": ID, "slug": SLUG, "name": TEXT}),
        "Index": obj({
            "name": STRING, "version": STRING, "municipality": obj({"name": STRING, "code": STRING}),
            "data_changed_at": nullable(DATETIME), "min_respondents": ID, "links": LINKS,
        }),
        "Process": obj({"id": ID, "slug": SLUG, "name": TEXT, "committee": TEXT, "description": TEXT,
                        "areas": array(ref("Ref")), "links": LINKS}, required=[
            "id", "slug", "name", "committee", "description", "areas"]),
        "Area": obj(_area_properties(), required=[k for k in _area_properties() if k != "links"]),
        "AreaDetail": obj({**_area_properties(), "rulebook": nullable(ref("Rulebook")),
                           "rulebooks": array(ref("RulebookSummary")),
                           "attributes": array(ref("AttributeDefinition")),
                           "key_figures": array(ref("KeyFigure"))},
                          required=[k for k in _area_properties() if k != "links"] + [
                              "rulebook", "rulebooks", "attributes", "key_figures"]),
        "AttributeDefinition": obj({
            "key": SLUG, "type": enum(["choice", "multichoice", "boolean", "integer", "text"]), "label": TEXT,
            "options": array(obj({"key": SLUG, "label": TEXT})),
        }),
        "RulebookSummary": obj({**_rulebook_summary(), "links": LINKS}, required=list(_rulebook_summary())),
        "Rulebook": obj({**_rulebook_summary(), "chapters": array(obj({
            "number": ID, "title": TEXT, "norms": array(_norm(with_chapter=False))})), "links": LINKS},
            required=[*_rulebook_summary(), "chapters"]),
        "Norm": _norm(with_chapter=True),
        "KeyFigure": obj(_key_figure_properties(full=True)),
        "Provider": obj({"id": ID, "slug": SLUG, "name": STRING,
                         "org_number": {"type": "string", "pattern": "^[0-9]{6}-[0-9]{4}$"},
                         "ownership": enum(Ownership)}),
        "Authorisation": obj(_authorisation_properties()),
        "Unit": obj(unit_properties, required=[*ALWAYS_FIELDS, "links"],
                    description="A unit; with fields, only the fields asked for (and id, slug and links)."),
        "UnitDetail": obj({**unit_properties, "areas": array(ref("UnitArea"))}),
        "UnitArea": obj({
            **_authorisation_properties(),
            "attributes": {"type": "object", "additionalProperties": ATTRIBUTE_VALUE,
                           "description": "The unit's profile in the area, keyed as the area's attributes."},
            "follow_up": nullable(ref("FollowUp")),
            "survey_results": array(ref("SurveyResult")),
            "key_figures": array(ref("KeyFigureValue")),
        }),
        "SurveyResult": {
            **obj({
                "year": YEAR, "area": ref("Ref"),
                "survey": obj({"id": ID, "year": YEAR, "respondent_group": STRING, "title": TEXT, "source": TEXT}),
                "question": obj({"id": ID, "code": STRING, "theme": STRING, "is_overall": {"type": "boolean"},
                                 "text": TEXT}),
                "respondents": nullable({"type": "integer", "minimum": MIN_RESPONDENTS}),
                "share_positive": nullable(SHARE),
                "suppressed": {"type": "boolean",
                               "description": f"True when fewer than {MIN_RESPONDENTS} answered: the result is "
                                              "then not given."},
                "municipal_share_positive": nullable(SHARE), "municipal_respondents": nullable(COUNT),
            }),
            "if": {"properties": {"suppressed": {"const": True}}},
            "then": {"properties": {"respondents": {"type": "null"}, "share_positive": {"type": "null"}}},
        },
        "KeyFigureValue": obj({"year": YEAR, "area": ref("Ref"), "key_figure": obj(_key_figure_properties(full=False)),
                               "value": nullable(NUMBER), "municipal_value": nullable(NUMBER)}),
        "FollowUp": obj({
            "id": ID, "year": YEAR, "version": {**ID, "description": "Above 1 when the follow-up was corrected."},
            "area": ref("Ref"), "rulebook_version": ID, "methods": array(enum(FollowUpMethod)),
            "conducted_on": nullable(DATE), "published_at": nullable(DATETIME),
            "ratings": obj({r.value: COUNT for r in Rating},
                           description="How many norms were assessed as met, partly met, not met, not assessed."),
            "summary": TEXT,
            "open_actions": array(obj({"description": STRING, "due_on": DATE,
                                       "status": enum(OPEN_ACTION_STATUSES)})),
        }),
        "Problem": obj({
            "type": {"type": "string", "format": "uri"}, "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599}, "detail": STRING,
            "invalid_params": array(obj({"name": STRING, "reason": STRING})),
        }, required=["type", "title", "status", "detail"],
            description="An error (RFC 9457); the title and detail are in the reader's language."),
        "PageLinks": obj({"self": URL, "first": URL, "last": URL, "prev": URL, "next": URL},
                         required=["self", "first", "last"]),
        "OpenAPI": {"type": "object", "description": "This document."},
    }
    return schemas


def _area_properties() -> dict[str, Schema]:
    return {
        "id": ID, "slug": SLUG, "name": TEXT, "process": ref("Ref"), "committee": TEXT, "target_group": TEXT,
        "description": TEXT, "legal_basis": nullable(TEXT), "authorised_unit_count": COUNT,
        "rulebook_in_force": nullable(obj({"version": ID, "valid_from": DATE})), "links": LINKS,
    }


def _key_figure_properties(full: bool) -> dict[str, Schema]:
    properties = {"id": ID, "code": STRING, "name": TEXT}
    if full:
        properties["description"] = TEXT
    properties.update({
        "unit": enum(FigureUnit), "decimals": COUNT, "higher_is_better": nullable({"type": "boolean"}),
        "scope": enum(FigureScope), "is_economy": {"type": "boolean"}, "source": enum(FigureSource),
    })
    if full:
        properties["source_name"] = TEXT
    properties["kolada_kpi"] = nullable(STRING)
    return properties


def _authorisation_properties() -> dict[str, Schema]:
    return {"area": ref("Ref"), "status": enum(PUBLIC_STATUSES), "status_since": DATE,
            "authorised_since": nullable(DATE), "decision_reference": nullable(STRING),
            "rulebook_version": nullable(ID)}


def page_schema(item: str) -> Schema:
    return obj({"items": array(ref(item)), "total": COUNT, "page": ID, "per_page": ID, "pages": ID,
                "links": ref("PageLinks")})
