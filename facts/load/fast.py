"""Records built without pydantic when their fields are plainly valid: the loader's fast path.

pydantic costs about 3 µs a record, most of it the Python validators of keys and names; a city has
two million patrols. `FastBuilder` checks a decoded record against conditions under which pydantic
is known to accept it unchanged (an ASCII key, a printable name without edge spaces, a date written
`YYYY-MM-DD`, a value of a closed set written exactly, a bool or a small int as such), then builds
the model instance directly and runs the model's own `after` validators on it. Anything else (a
Chinese key, a name with a tab, a date pydantic would still read, an unknown field) returns None
and the caller takes the exact path, `Collector.add`, for that record: a record the fast path
builds is the one pydantic would have built, and every error comes from the exact path.

Values the records share are kept once: the keys a record names of other records, the dates, and
the set of the fields given (pydantic's `model_fields_set`; records are frozen, so never changed).
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Callable
from typing import Any, Literal

from facts.models import Key, Name, Record

__all__ = ["KEY_PATTERN", "FastBuilder", "fast_builder"]

_BAD: Any = object()
"""What a field check returns for a value it cannot vouch for."""
KEY_PATTERN = r"[!-+\--:<-~]{1,64}"
"""A key pydantic takes unchanged: printable ASCII without spaces, commas or semicolons (the bulk
reader checks keys in SQL by the same pattern)."""
_KEY = re.compile(KEY_PATTERN)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT_LIMIT = 1 << 62

Check = Callable[[Any], Any]


class _Shared:
    """Values kept once per load: the dates and the keys records name."""

    def __init__(self) -> None:
        self.dates: dict[str, dt.date] = {}
        self.keys: dict[str, str] = {}

    def key(self, value: Any) -> Any:
        if type(value) is str and _KEY.fullmatch(value):
            return value
        return _BAD

    def reference(self, value: Any) -> Any:
        if type(value) is str:
            known = self.keys.get(value)
            if known is not None:
                return known
            if _KEY.fullmatch(value):
                self.keys[value] = value
                return value
        return _BAD

    def keys_list(self, value: Any) -> Any:
        if type(value) is not list:
            return _BAD
        reference = self.reference
        kept = [reference(item) for item in value]
        return _BAD if any(item is _BAD for item in kept) else kept

    def date(self, value: Any) -> Any:
        known = self.dates.get(value) if type(value) is str else None
        if known is not None:
            return known
        if type(value) is not str or not _DATE.fullmatch(value):
            return _BAD
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return _BAD
        self.dates[value] = day
        return day


def _name(value: Any) -> Any:
    if (
        type(value) is str
        and 0 < len(value) <= 200
        and value.isprintable()
        and value[0] != " "
        and value[-1] != " "
    ):
        return value
    return _BAD


def _bool(value: Any) -> Any:
    return value if type(value) is bool else _BAD


def _int(value: Any) -> Any:
    return value if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT else _BAD


def _choice(choices: frozenset[str]) -> Check:
    def check(value: Any) -> Any:
        return value if type(value) is str and value in choices else _BAD

    check.choices = choices  # type: ignore[attr-defined]  # for the code `FastBuilder` writes
    return check


def _optional(check: Check) -> Check:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    optional.inner = check  # type: ignore[attr-defined]  # for the code `FastBuilder` writes
    return optional


def _check_of(hint: Any, name: str, shared: _Shared) -> Check | None:
    """The check of a field's type, or None if the fast path does not know the type."""
    optional = typing.get_origin(hint) in (typing.Union, type(int | None)) and type(None) in typing.get_args(
        hint
    )
    if optional:
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) != 1:
            return None
        inner = _check_of(rest[0], name, shared)
        return None if inner is None else _optional(inner)
    if hint == Key:
        return shared.key if name == "key" else shared.reference
    if hint == list[Key]:
        return shared.keys_list
    if hint == Name:
        return _name
    if hint is dt.date:
        return shared.date
    if hint is bool:
        return _bool
    if hint is int:
        return _int
    if typing.get_origin(hint) is Literal and all(type(arg) is str for arg in typing.get_args(hint)):
        return _choice(frozenset(typing.get_args(hint)))
    return None


class FastBuilder:
    """Builds records of one model from decoded fields, or says it cannot vouch for them (None)."""

    def __init__(self, model: type[Record], shared: _Shared) -> None:
        self.model = model
        hints = typing.get_type_hints(model, include_extras=True)
        checks: dict[str, Check] = {}
        for name in model.model_fields:
            check = _check_of(hints[name], name, shared)
            if check is None:
                raise TypeError(f"{model.__name__}.{name}: no fast check")
            checks[name] = check
        self.checks = checks
        self.required = frozenset(name for name, info in model.model_fields.items() if info.is_required())
        self.defaults: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            if not info.is_required():
                default = info.get_default(call_default_factory=True)
                if not isinstance(default, str | bool | int | type(None)) and default != []:
                    raise TypeError(f"{model.__name__}.{name}: no fast default")
                self.defaults[name] = default
        decorators = model.__pydantic_decorators__
        if decorators.field_validators or decorators.field_serializers or decorators.root_validators:
            raise TypeError(f"{model.__name__}: field validators")
        self.after = []
        for decorator in decorators.model_validators.values():
            if decorator.info.mode != "after":
                raise TypeError(f"{model.__name__}: a {decorator.info.mode} model validator")
            self.after.append(decorator.func)
        self.shared = shared
        self.plans: dict[tuple[str, ...], Callable[[dict[str, Any]], Record | None] | None] = {}

    def build(self, item: dict[str, Any]) -> Record | None:
        """The record pydantic would make of `item`, or None when that is not certain."""
        given = tuple(item)
        try:
            build = self.plans[given]
        except KeyError:
            build = self.plans[given] = self._compile(given)
        return None if build is None else build(item)

    def _compile(self, given: tuple[str, ...]) -> Callable[[dict[str, Any]], Record | None] | None:
        """A function that builds records giving these fields (in this order), with every check of
        a field written out in it: two million calls of a loop over fields would cost a second more.
        None if records giving these fields cannot be valid."""
        names = set(given)
        if len(names) != len(given) or not names <= self.checks.keys() or not self.required <= names:
            return None
        shared = self.shared
        namespace: dict[str, Any] = {
            "BAD": _BAD,
            "KEY": _KEY.fullmatch,
            "REFS": shared.keys.get,
            "REF": shared.reference,
            "DATES": shared.dates.get,
            "DATE": shared.date,
            "NEW": _new,
            "SET": _set,
            "MODEL": self.model,
            "NAMES": names,  # shared by every record built here: records are frozen
            "AFTER": tuple(self.after),
        }
        lines = ["def build(item):"]
        values = []
        for number, (name, check) in enumerate(self.checks.items()):
            value = f"f{number}"
            values.append(f"{name!r}: {value}")
            if name not in names:
                default = self.defaults[name]
                lines.append(f"    {value} = {'[]' if type(default) is list else repr(default)}")
                continue
            lines.append(f"    {value} = item[{name!r}]")
            inner = getattr(check, "inner", None)
            if inner is not None:  # None, or the check of the type
                lines.append(f"    if {value} is not None:")
                lines += ["    " + line for line in self._code(value, inner, number, namespace)]
            else:
                lines += self._code(value, check, number, namespace)
        lines += [
            "    record = NEW(MODEL)",
            f"    SET(record, '__dict__', {{{', '.join(values)}}})",
            "    SET(record, '__pydantic_fields_set__', NAMES)",
            "    SET(record, '__pydantic_extra__', None)",
            "    SET(record, '__pydantic_private__', None)",
        ]
        if self.after:
            lines += [
                "    for validator in AFTER:",
                "        try:",
                "            validator(record)",
                "        except (ValueError, AssertionError):",
                "            return None",
            ]
        lines.append("    return record")
        exec("\n".join(lines), namespace)  # names are the model's own fields, values repr'd
        built: Callable[[dict[str, Any]], Record | None] = namespace["build"]
        return built

    def _code(self, value: str, check: Check, number: int, namespace: dict[str, Any]) -> list[str]:
        """The lines that check the field in the variable `value` (and put the value kept in it)."""
        shared = self.shared
        if check == shared.key:
            return [f"    if type({value}) is not str or KEY({value}) is None: return None"]
        if check == shared.reference or check == shared.date:
            get, slow = ("REFS", "REF") if check == shared.reference else ("DATES", "DATE")
            return [
                f"    if type({value}) is not str: return None",
                f"    known = {get}({value})",
                "    if known is None:",
                f"        known = {slow}({value})",
                "        if known is BAD: return None",
                f"    {value} = known",
            ]
        if check is _name:
            return [
                f"    if type({value}) is not str or not 0 < len({value}) <= 200 or not {value}.isprintable()"
                f" or {value}[0] == ' ' or {value}[-1] == ' ': return None"
            ]
        if check is _bool:
            return [f"    if type({value}) is not bool: return None"]
        choices = getattr(check, "choices", None)
        if choices is not None:
            namespace[f"CHOICES{number}"] = choices
            return [f"    if type({value}) is not str or {value} not in CHOICES{number}: return None"]
        namespace[f"C{number}"] = check
        return [f"    {value} = C{number}({value})", f"    if {value} is BAD: return None"]


_new = object.__new__
_set = object.__setattr__


def fast_builder(model: type[Record], shared: _Shared | None = None) -> FastBuilder | None:
    """The fast path for a model, or None when its fields are not all of the types it knows."""
    try:
        return FastBuilder(model, shared or _Shared())
    except TypeError:
        return None


def new_shared() -> _Shared:
    return _Shared()
