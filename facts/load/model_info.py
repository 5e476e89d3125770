"""What the loader knows about each record model: its fields sorted by how they are read.

Worked out once per model from its annotations, so that reading a record never asks pydantic which
fields are lists, booleans, dates, keys or closed sets, or which kinds they refer to.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from facts.models import MODELS, Record

__all__ = ["MODEL_INFO", "ModelInfo", "unwrap_optional"]


def unwrap_optional(annotation: Any) -> Any:
    """A field's type without its `| None`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


@dataclass(frozen=True)
class ModelInfo:
    """A model's fields sorted by how the loader treats them, worked out once per model."""

    model: type[Record]
    validate: Callable[[Any], Record]
    """The model's compiled validator, called directly (what `model_validate` does, minus a layer)."""
    kind: str
    article: str
    fields: frozenset[str]
    required: frozenset[str]
    list_fields: frozenset[str]
    bool_fields: frozenset[str]
    date_fields: tuple[str, ...]
    key_fields: frozenset[str]
    choices: dict[str, tuple[str, ...]]
    references: tuple[tuple[str, str, bool], ...]
    """(field, kind it refers to, holds a list of keys)."""

    @classmethod
    def of(cls, model: type[Record]) -> ModelInfo:
        lists: set[str] = set()
        bools: set[str] = set()
        dates: list[str] = []
        choices: dict[str, tuple[str, ...]] = {}
        for name, info in model.model_fields.items():
            annotation = unwrap_optional(info.annotation)
            if typing.get_origin(annotation) is list:
                lists.add(name)
            elif annotation is bool:
                bools.add(name)
            elif annotation is dt.date:
                dates.append(name)
            elif typing.get_origin(annotation) is Literal:
                choices[name] = tuple(str(arg) for arg in typing.get_args(annotation))
        return cls(
            model=model,
            validate=model.__pydantic_validator__.validate_python,
            kind=model.kind,
            article="an" if model.kind[0] in "aeio" else "a",
            fields=frozenset(model.model_fields),
            required=frozenset(name for name, info in model.model_fields.items() if info.is_required()),
            list_fields=frozenset(lists),
            bool_fields=frozenset(bools),
            date_fields=tuple(dates),
            key_fields=frozenset({"key", *model.references}),
            choices=choices,
            references=tuple((name, kind, name in lists) for name, kind in model.references.items()),
        )


MODEL_INFO: dict[str, ModelInfo] = {kind: ModelInfo.of(model) for kind, model in MODELS.items()}
"""Fact kind -> what the loader knows about its model."""
