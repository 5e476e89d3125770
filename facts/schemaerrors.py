"""pydantic's validation errors as diagnostics at the line of the offending value, with did-you-mean.

Every file people write against a model (rules, params, cases, waivers, fact mappings) reports its
shape errors the same way: one diagnostic per value, however many members of a union pydantic tried,
a misspelt field named as the field it stands for rather than also as a missing one. It lives in
`facts/` because `facts.exports.mapping` needs it and `facts/` imports nothing of the checker's stages.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from checker.errors import Diagnostic, did_you_mean
from facts.yamlsrc import Located


def schema_diagnostics(
    error: ValidationError, located: Located, model: type[BaseModel], prefix: tuple[str | int, ...] = ()
) -> list[Diagnostic]:
    """pydantic's errors as diagnostics at the line of the offending value."""
    found: list[Diagnostic] = []
    wrong: dict[tuple[Any, ...], list[str]] = {}  # one message per value, whatever a union tried
    meant = _misspelt(error, model)  # a misspelt field is one mistake, not also a missing one
    explained = {(*loc[:-1], name) for loc, name in meant.items()}
    for item in error.errors():
        loc = tuple(str(part) if isinstance(part, str) else part for part in item["loc"])
        loc = tuple(part for part in loc if not (isinstance(part, str) and _is_union_tag(part)))
        at = (*prefix, *loc)
        place = located.where(at)
        field = ".".join(str(part) for part in loc) or "(file)"
        kind = item["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            parent = _model_at(model, loc[:-1])
            hint = f"did you mean '{meant[loc]}'?" if loc in meant else ""
            if parent and not hint:
                hint = "fields here: " + ", ".join(parent.model_fields)
            found.append(Diagnostic(place, "unknown-field", f"unknown field '{name}'", help=hint))
        elif kind == "missing":
            if loc not in explained:
                found.append(Diagnostic(place, "missing-field", f"missing required field '{field}'"))
        else:
            messages = wrong.setdefault((place, field, _shown_input(item.get("input"))), [])
            if item["msg"].lower() not in messages:
                messages.append(item["msg"].lower())
    for (place, field, shown), messages in wrong.items():
        found.append(
            Diagnostic(
                place, "bad-value", f"field '{field}': {', or '.join(messages)}", detail=(f"found: {shown}",)
            )
        )
    return found


def _misspelt(error: ValidationError, model: type[BaseModel]) -> dict[tuple[Any, ...], str]:
    """Unknown fields that stand for a required field missing beside them: one spelt like it, or
    the only unknown field where only one is missing (`default:` written for `value:`)."""
    unknown: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    missing: dict[tuple[Any, ...], list[str]] = {}
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and _is_union_tag(part)))
        if item["type"] == "extra_forbidden":
            unknown.setdefault(loc[:-1], []).append(loc)
        elif item["type"] == "missing":
            missing.setdefault(loc[:-1], []).append(str(loc[-1]))
    meant: dict[tuple[Any, ...], str] = {}
    for parent_loc, locs in unknown.items():
        parent = _model_at(model, parent_loc)
        for loc in locs:
            hint = did_you_mean(str(loc[-1]), parent.model_fields) if parent else ""
            if hint:
                meant[loc] = hint.split("'")[1]
        absent = missing.get(parent_loc, [])
        if len(locs) == 1 and len(absent) == 1 and locs[0] not in meant:
            meant[locs[0]] = absent[0]
    return meant


def _shown_input(value: Any) -> str:
    """The value a field was given, as the detail line shows it (a short repr, or its type)."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 120 else text[:119] + "…"
    return repr(type(value).__name__)


_UNION_TAGS = {"pattern", "negation", "int", "float", "bool", "str", "dict[str,any]"}
"""The members of a union pydantic names in an error's place: the tags of a rule's `when` items
(`checker.language.schema.WhenItem`) and the types a parameter's value may have."""
_GENERIC_TAG = re.compile(r"^[a-z_-]+\[.*\]$")


def _is_union_tag(part: str) -> bool:
    """A step pydantic adds to an error's place for the member of a union it tried (`list[str]`)."""
    return part in _UNION_TAGS or bool(_GENERIC_TAG.match(part))


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class a location inside `model` points into, where it can be told."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if (
            not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields
        ):
            return None
        annotation = current.model_fields[part].annotation
        current = _first_model(annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _first_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _first_model(arg)
        if found is not None:
            return found
    return None
