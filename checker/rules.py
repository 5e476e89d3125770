"""Rule files and the parameters file: schema and loading.

A rule is YAML data, one rule per file named after its id (`rules/overdue/RECT-OVERDUE.yaml`);
`rules/params.yaml` holds every tunable number. This module checks each file's shape against the
schema below and reports every problem with file and line; what the rules *mean* together (known
fact kinds and fields, joins, strata) is checked by `checker.compiler`. The language is described in
docs/rule-language.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    model_validator,
)

from checker.errors import CheckerError, Diagnostic, Location, did_you_mean
from facts.yamlsrc import Located, load_yaml

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", max_length=48)]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
FindingKind = Literal[
    "overdue",
    "due-soon",
    "escalation",
    "interview",
    "reminder",
    "accountability",
    "false-rectification",
    "missing-record",
    "procedure",
    "deduction",
]
ARTICLES = range(1, 35)
CASES_SUFFIX = ".cases.yaml"
PARAMS_FILE = "params.yaml"


class Strict(BaseModel):
    """Base of rule-file models: unknown fields are errors; frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(Strict):
    """Words in both languages the reports offer."""

    zh: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class Pattern(Strict):
    """One fact the rule matches (`bind` names it for later patterns and the results)."""

    bind: Name
    fact: Name
    where: dict[str, Any] = {}
    test: list[str] = []


class Absent(Strict):
    """A fact that must not exist (`not:`): no binding, same conditions as a pattern."""

    fact: Name
    where: dict[str, Any] = {}
    test: list[str] = []


class Negation(Strict):
    """`- not: {fact: ..., where: ...}` in a rule's `when` list."""

    absent: Absent = Field(alias="not")


def _when_item_kind(value: Any) -> str:
    return (
        "negation"
        if isinstance(value, dict | Negation) and (isinstance(value, Negation) or "not" in value)
        else "pattern"
    )


WhenItem = Annotated[
    Annotated[Pattern, Tag("pattern")] | Annotated[Negation, Tag("negation")], Discriminator(_when_item_kind)
]


class Group(Strict):
    """Counting: group the matches, compute per group, keep the groups that pass `having`."""

    by: dict[Name, str]
    compute: dict[Name, dict[Literal["count", "max", "min", "sum"], str]] = {}
    having: dict[Name, dict[str, Any]] = {}


class Derive(Strict):
    """A derived fact other rules can match (forward chaining)."""

    fact: Name
    key: str | None = None
    set: dict[Name, Any] = {}


class FindingSpec(Strict):
    """What a person is told: about what, who must act, what is wrong and what would put it right."""

    subject: str | Annotated[list[str], Field(min_length=1)]
    """What the finding is about; several values are joined with '/' (`[$chief.key, $chief.waterbodies]`)."""
    responsible: str | None = None
    message: Text
    remedy: Text
    """What would make it compliant ("sign off P-1", "hold the interview with 某某区水务局")."""


class Then(Strict):
    """A rule's results: a derived fact, a finding, or both."""

    derive: Derive | None = None
    finding: FindingSpec | None = None

    @model_validator(mode="after")
    def _something(self) -> Then:
        if self.derive is None and self.finding is None:
            raise ValueError("a rule must produce a finding, a derived fact, or both")
        return self


class Rule(Strict):
    """One rule of the regulation, as data."""

    id: RuleId
    article: Annotated[int, Field(ge=1, le=34)]
    also_cites: list[Annotated[int, Field(ge=1, le=34)]] = []
    gist: Annotated[str, StringConstraints(min_length=1)]
    title: Text
    kind: FindingKind
    severity: Severity
    when: Annotated[list[WhenItem], Field(min_length=1)]
    group: Group | None = None
    then: Then


class Param(Strict):
    """A tunable number (or table of numbers) with its meaning and where its default comes from."""

    value: int | float | bool | str | dict[str, Any]
    unit: Annotated[str, StringConstraints(min_length=1)]
    meaning: Text
    source: Annotated[str, StringConstraints(min_length=1)]


@dataclass(frozen=True)
class LoadedRule:
    """A rule with the file it came from (for errors that name a place)."""

    rule: Rule
    source: Located

    @property
    def path(self) -> str:
        return self.source.path


@dataclass(frozen=True)
class RuleSet:
    """Every rule of a rules folder, sorted by id, with its parameters."""

    rules: tuple[LoadedRule, ...]
    params: dict[str, Param]
    params_source: Located | None
    folder: str


def load_rules(folder: str | Path) -> RuleSet:
    """Read and shape-check every rule file and the params file of a folder; errors name file:line."""
    ruleset, problems = read_rules(folder)
    if problems:
        raise CheckerError(problems)
    return ruleset


def read_rules(folder: str | Path) -> tuple[RuleSet, list[Diagnostic]]:
    """The rules that read well, and the problems of those that did not (for `rules validate`,
    which goes on to check what the good rules mean together)."""
    root = Path(folder)
    if not root.is_dir():
        raise CheckerError.at(Location(str(folder)), "rules-folder", f"no rules folder at '{folder}'")
    problems: list[Diagnostic] = []
    params, params_source = _load_params(root / PARAMS_FILE, problems)
    rules: list[LoadedRule] = []
    for path in sorted(root.rglob("*.yaml")):
        if path.name == PARAMS_FILE or path.name.endswith(CASES_SUFFIX) or _hidden(path, root):
            continue
        loaded = _load_rule(path, problems)
        if loaded is not None:
            rules.append(loaded)
    seen: dict[str, LoadedRule] = {}
    for loaded in list(rules):
        first = seen.setdefault(loaded.rule.id, loaded)
        if first is not loaded:
            rules.remove(loaded)
            problems.append(
                Diagnostic(
                    loaded.source.where(("id",)),
                    "rule-duplicate-id",
                    f"rule id '{loaded.rule.id}' is also used by {first.path}",
                    help="rule ids are unique; rename one rule and its file",
                )
            )
    if not rules and not problems:
        problems.append(Diagnostic(Location(str(folder)), "rules-empty", "no rule files in this folder"))
    ordered = tuple(sorted(rules, key=lambda r: r.rule.id))
    return RuleSet(ordered, params, params_source, str(folder)), problems


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read(path: Path, problems: list[Diagnostic]) -> Located | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Diagnostic(Location(str(path)), "file-read", f"cannot read file: {error}"))
        return None
    try:
        return load_yaml(str(path), text)
    except CheckerError as error:
        problems.extend(error.diagnostics)
        return None


def _load_rule(path: Path, problems: list[Diagnostic]) -> LoadedRule | None:
    located = _read(path, problems)
    if located is None:
        return None
    if not isinstance(located.data, dict):
        problems.append(
            Diagnostic(located.where(()), "rule-shape", "a rule file holds one mapping (id, article, ...)")
        )
        return None
    try:
        rule = Rule.model_validate(located.data)
    except ValidationError as error:
        problems.extend(schema_diagnostics(error, located, Rule))
        return None
    if rule.id != path.stem:
        problems.append(
            Diagnostic(
                located.where(("id",)),
                "rule-file-name",
                f"rule id '{rule.id}' does not match its file name '{path.name}'",
                help=f"rename the file to {rule.id}.yaml",
            )
        )
    return LoadedRule(rule, located)


def _load_params(path: Path, problems: list[Diagnostic]) -> tuple[dict[str, Param], Located | None]:
    if not path.exists():
        return {}, None
    located = _read(path, problems)
    if located is None:
        return {}, None
    if not isinstance(located.data, dict):
        problems.append(
            Diagnostic(located.where(()), "params-shape", "params.yaml holds a mapping of name: {value, ...}")
        )
        return {}, located
    params: dict[str, Param] = {}
    for name, raw in located.data.items():
        try:
            params[str(name)] = Param.model_validate(raw)
        except ValidationError as error:
            problems.extend(schema_diagnostics(error, located, Param, prefix=(str(name),)))
    return params, located


def schema_diagnostics(
    error: ValidationError, located: Located, model: type[BaseModel], prefix: tuple[str | int, ...] = ()
) -> list[Diagnostic]:
    """pydantic's errors as diagnostics at the line of the offending value."""
    found: list[Diagnostic] = []
    for item in error.errors():
        loc = tuple(str(part) if isinstance(part, str) else part for part in item["loc"])
        loc = tuple(part for part in loc if not (isinstance(part, str) and part in _UNION_TAGS))
        at = (*prefix, *loc)
        place = located.where(at)
        field = ".".join(str(part) for part in loc) or "(file)"
        kind = item["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            parent = _model_at(model, loc[:-1])
            hint = did_you_mean(name, parent.model_fields) if parent else ""
            found.append(Diagnostic(place, "unknown-field", f"unknown field '{name}'", help=hint))
        elif kind == "missing":
            found.append(Diagnostic(place, "missing-field", f"missing required field '{field}'"))
        else:
            value = item.get("input")
            shown = (
                value
                if isinstance(value, str | int | float | bool) or value is None
                else type(value).__name__
            )
            found.append(
                Diagnostic(
                    place,
                    "bad-value",
                    f"field '{field}': {item['msg'].lower()}",
                    detail=(f"found: {shown!r}",),
                )
            )
    return found


_UNION_TAGS = {"pattern", "negation", "int", "float", "bool", "str", "dict[str,any]"}


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
