"""Query parameters: declared once, used to parse requests strictly and to describe them in OpenAPI.

A parameter the endpoint does not declare, a parameter given twice, or a value that does not fit is an
error (400), never ignored. Lists are comma-separated (``area=forskola,grundskola``); values within one
parameter are alternatives, different parameters must all hold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from jamforaren.api.problems import InvalidParam, Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TEXT = 100


@dataclass(frozen=True)
class Param:
    """A query parameter. ``kind`` is integer, string or slug; ``many`` makes it a comma-separated list;
    ``choices`` limits the values (an enum in OpenAPI)."""

    name: str
    description: Any  # a lazy translated text
    kind: str = "string"
    many: bool = False
    choices: Sequence[str] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None
    example: Any = None

    def item_schema(self) -> dict[str, Any]:
        if self.kind == "integer":
            schema: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
            return schema
        if self.choices:
            return {"type": "string", "enum": list(self.choices)}
        if self.kind == "slug":
            return {"type": "string", "pattern": SLUG.pattern, "maxLength": 80}
        return {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}

    def schema(self) -> dict[str, Any]:
        schema = {"type": "array", "items": self.item_schema(), "minItems": 1} if self.many else self.item_schema()
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def parse_one(self, raw: str) -> Any:
        text = raw.strip()
        if self.kind == "integer":
            if not re.fullmatch(r"[0-9]{1,9}", text):
                raise ValueError(_l("Give a whole number."))
            value = int(text)
            too_small = self.minimum is not None and value < self.minimum
            if too_small or (self.maximum is not None and value > self.maximum):
                raise ValueError(_l("Give a number from %(minimum)d to %(maximum)d.",
                                    minimum=self.minimum or 0, maximum=self.maximum or 0))
            return value
        if not text:
            raise ValueError(_l("The value is empty."))
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
            raise ValueError(_l("The value has characters that are not allowed."))
        if self.choices and text not in self.choices:
            raise ValueError(_l("Give one of: %(choices)s.", choices=", ".join(self.choices)))
        if self.kind == "slug" and not SLUG.match(text):
            raise ValueError(_l("Give an identifier of lower-case letters, digits and hyphens."))
        if len(text) > MAX_TEXT:
            raise ValueError(_l("The value is too long."))
        return text

    def parse(self, raws: list[str]) -> Any:
        if not self.many:
            if len(raws) > 1:
                raise ValueError(_l("Give this parameter once."))
            return self.parse_one(raws[0])
        values: list[Any] = []
        for raw in raws:
            for part in raw.split(","):
                value = self.parse_one(part)
                if value not in values:
                    values.append(value)
        return values

    def openapi(self) -> dict[str, Any]:
        from jamforaren.api.texts import english
        described: dict[str, Any] = {
            "name": self.name, "in": "query", "required": False, "description": english(self.description),
            "schema": self.schema(),
        }
        if self.many:
            described.update(style="form", explode=False)
        if self.example is not None:
            example = self.example
            if self.many and not isinstance(example, list):  # an example of the value, not of the text
                example = [self.parse_one(part) for part in str(example).split(",")]
            described["example"] = example
        return described


@dataclass(frozen=True)
class PathParam:
    name: str
    description: Any
    kind: str = "slug"  # slug | integer

    def schema(self) -> dict[str, Any]:
        if self.kind == "integer":
            return {"type": "integer", "minimum": 1, "maximum": 999999999}
        return {"type": "string", "pattern": SLUG.pattern, "maxLength": 140}

    def openapi(self, example: Any = None) -> dict[str, Any]:
        from jamforaren.api.texts import english
        described = {"name": self.name, "in": "path", "required": True, "description": english(self.description),
                     "schema": self.schema()}
        if example is not None:
            described["example"] = example
        return described


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def parse(params: Sequence[Param], args: MultiDict[str, str],
          check: Mapping[str, Callable[[Any], Any]] | None = None) -> Parsed:
    """Read ``args`` by ``params``; every problem at once in one 400 problem with ``invalid_params``.

    ``check`` may add a test per parameter on the parsed value (e.g. that area slugs exist); it raises
    ValueError with a translated message."""
    known = {p.name: p for p in params}
    invalid: list[InvalidParam] = []
    parsed = Parsed({p.name: p.default if not p.many else (p.default or []) for p in params})
    for name in args:
        param = known.get(name)
        if param is None:
            invalid.append(InvalidParam(name, _l("Unknown parameter. Allowed here: %(names)s.",
                                                 names=", ".join(known) or "–")))
            continue
        try:
            value = param.parse(args.getlist(name))
            if check and name in check:
                check[name](value)
        except ValueError as error:
            invalid.append(InvalidParam(name, error.args[0] if error.args else _l("Not a valid value.")))
            continue
        parsed.values[name] = value
    if invalid:
        raise Problem.bad_request(invalid)
    return parsed
