"""Rule files and the parameters file: schema and loading.

A rule is YAML data, one rule per file named after its id (`rules/overdue/RECT-OVERDUE.yaml`);
`rules/params.yaml` holds every tunable number. This module checks each file's shape against the
schema below and reports every problem with file and line; what the rules *mean* together (known
fact kinds and fields, joins, strata) is checked by `checker.language.compiler`. The language is described in
docs/rule-language.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
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
    "undetermined",
    "deduction",
]
ARTICLES = range(1, 35)
CASES_SUFFIX = ".cases.yaml"
PARAMS_FILE = "params.yaml"
ARTICLES_FILE = "articles.yaml"
"""The article index at the top of a rules folder (data for `rules matrix`, not a rule)."""


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


_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _article_number(value: Any) -> Any:
    """An article written as the regulation names it (第二十五条) is refused with its number."""
    words = value.strip().removeprefix("第").removesuffix("条") if isinstance(value, str) else ""
    tens, _, ones = words.partition("十")
    if words and "十" in words and all(c in _DIGITS for c in tens + ones):
        number = (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    elif len(words) == 1 and words in _DIGITS:
        number = _DIGITS[words]
    else:
        return value
    raise ValueError(f"expected the article's number, found its name: write {number}")


Article = Annotated[StrictInt, Field(ge=1, le=34), BeforeValidator(_article_number)]
"""An article of the regulation: a whole number (`true` or `25.0` is a mistake, not article 1 or 25)."""


class Rule(Strict):
    """One rule of the regulation, as data."""

    id: RuleId
    article: Article
    also_cites: list[Article] = []
    gist: Annotated[str, StringConstraints(min_length=1)]
    title: Text
    kind: FindingKind
    severity: Severity
    when: Annotated[list[WhenItem], Field(min_length=1)]
    group: Group | None = None
    then: Then


def _param_value(value: Any) -> Any:
    """One clear error for a value of no allowed type (rather than one per member of the union)."""
    if value is None:
        raise ValueError("expected a value (a number, true or false, text or a table), found nothing")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a number, found {value}")
    if not isinstance(value, int | float | bool | str | dict):
        raise ValueError(f"expected a number, true or false, text or a table, found a {type(value).__name__}")
    return value


CALENDAR_DAYS = "calendar days"
WORKING_DAYS = "working days"
DAY_UNITS = (CALENDAR_DAYS, WORKING_DAYS)
"""The units a limit in days can have: every day counts, or only the working days of the official
Chinese calendar (`checker.language.calendar`). Any other unit is free text."""
_WORKING_LIKE = re.compile(r"(?:work|working|business)[\s_-]*days?|workdays?|个?工作日", re.IGNORECASE)
"""Other ways of writing working days: refused, so a misspelt unit never counts calendar days."""


def _param_unit(value: Any) -> Any:
    """A unit that means working days is written `working days`."""
    if isinstance(value, str) and value.strip() != WORKING_DAYS and _WORKING_LIKE.fullmatch(value.strip()):
        raise ValueError(f"expected '{WORKING_DAYS}' for a limit in working days, found '{value}'")
    return value


class Param(Strict):
    """A tunable number (or table of numbers) with its meaning and where its default comes from."""

    value: Annotated[int | float | bool | str | dict[str, Any], BeforeValidator(_param_value)]
    unit: Annotated[str, StringConstraints(min_length=1), BeforeValidator(_param_unit)]
    meaning: Text
    source: Annotated[str, StringConstraints(min_length=1)]

    @property
    def working_days(self) -> bool:
        """Whether the parameter counts working days (`$as_of - $params.X` is then folded by the
        official calendar, see `checker.language.compiler`)."""
        return self.unit.strip() == WORKING_DAYS


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
        if path.parent == root and path.name == ARTICLES_FILE:
            continue
        loaded = _load_rule(path, problems)
        if loaded is not None:
            rules.append(loaded)
    rules = _unique_ids(rules, problems)
    if not rules and not problems:
        problems.append(Diagnostic(Location(str(folder)), "rules-empty", "no rule files in this folder"))
    ordered = tuple(sorted(rules, key=lambda r: r.rule.id))
    return RuleSet(ordered, params, params_source, str(folder)), problems


def _unique_ids(rules: list[LoadedRule], problems: list[Diagnostic]) -> list[LoadedRule]:
    """The first rule of each id; a shared id is reported at every file that has it, since which
    one is the mistake (a copied rule whose id was not changed, a clash) only a person can tell."""
    by_id: dict[str, list[LoadedRule]] = {}
    for loaded in rules:
        by_id.setdefault(loaded.rule.id, []).append(loaded)
    for rule_id, sharing in by_id.items():
        if len(sharing) < 2:
            continue
        for loaded in sharing:
            others = ", ".join(other.path for other in sharing if other is not loaded)
            problems.append(
                Diagnostic(
                    loaded.source.where(("id",)),
                    "rule-duplicate-id",
                    f"rule id '{rule_id}' is also used by {others}",
                    help="rule ids are unique: rename one rule and its file",
                )
            )
    return [sharing[0] for sharing in by_id.values()]


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read(path: Path, problems: list[Diagnostic]) -> Located | None:
    try:
        return read_yaml_file(path, "file-read", "the file")
    except CheckerError as error:
        problems.extend(error.diagnostics)
        return None


def read_yaml_file(path: Path, code: str, what: str) -> Located:
    """A YAML file of the rules' family (rules, params, cases, waivers, mappings) as plain data with
    places: UTF-8 only (a BOM is fine), and every problem named at its line with a cheap fix."""
    text = read_utf8(path, code, what)
    try:
        return load_yaml(str(path), text)
    except CheckerError as error:
        lines = _LINE_BREAK.split(text)
        raise CheckerError([_with_syntax_hint(d, lines) for d in error.diagnostics]) from None


MAX_FILE_BYTES = 5_000_000
"""The largest rule, params, case, waiver or mapping file read: the largest bundled one is 5 KB, and
a file of fifty megabytes (a pasted log, a very long string) would take minutes to parse."""


def read_utf8(path: Path, code: str, what: str) -> str:
    """The text of a UTF-8 file; any other encoding is reported at the line of its first foreign byte."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CheckerError.at(
                Location(str(path), 1),
                "yaml-too-large",
                f"expected a file of at most {MAX_FILE_BYTES:,} bytes, found one of {size:,}",
                help="is this the right file? a rule is a few kilobytes",
            )
        data = path.read_bytes()
    except OSError as error:
        detail = error.strerror or str(error)
        raise CheckerError.at(Location(str(path)), code, f"cannot read {what}: {detail}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        guess = _encoding_of(data)
        raise CheckerError(
            [
                Diagnostic(
                    Location(str(path), line, column),
                    code,
                    f"{what} is not UTF-8 text: expected UTF-8, found {guess}",
                    detail=(f"byte 0x{data[error.start]:02x} here is the first that UTF-8 cannot read",),
                    help="save it as UTF-8 (with or without a BOM)",
                )
            ]
        ) from None


def _encoding_of(data: bytes) -> str:
    """What a file that is not UTF-8 most likely is, in words."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 (Windows 'Unicode')"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return "bytes of another encoding"
    return "GB18030 (what Chinese Windows saves by default)"


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
"""Where YAML counts a new line (so a hint reads the line the error names)."""
_FLOW_START = re.compile(r":\s+[{\[]")
_COLON_IN_TEXT = re.compile(r":\s.*:\s")


def _with_syntax_hint(diagnostic: Diagnostic, lines: list[str]) -> Diagnostic:
    """A YAML syntax error with the usual cause named, when the line shows it and none is given."""
    if diagnostic.code != "yaml-syntax" or diagnostic.help or not 0 < diagnostic.location.line <= len(lines):
        return diagnostic
    line = lines[diagnostic.location.line - 1]
    hint = ""
    if line[: len(line) - len(line.lstrip())].count("\t") or "'\\t'" in diagnostic.message:
        hint = "indent with spaces: YAML does not allow tabs for indentation"
    elif _FLOW_START.search(line):
        hint = (
            "quote a value that starts with '{' or '[' (\"{problem.key} ...\"): "
            "unquoted, YAML reads a mapping or a list"
        )
    elif "mapping values are not allowed" in diagnostic.message and _COLON_IN_TEXT.search(line):
        hint = "quote a text that holds ': ' (a colon and a space); unquoted, YAML reads a new key"
    elif "mapping values are not allowed" in diagnostic.message and _deeper(lines, diagnostic.location.line):
        hint = "this line is indented further than the one above it: indent it as its neighbours"
    if not hint:
        return diagnostic
    return Diagnostic(diagnostic.location, diagnostic.code, diagnostic.message, diagnostic.detail, hint)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _deeper(lines: list[str], number: int) -> bool:
    """Whether line `number` (1-based) is indented further than the line of text above it."""
    above = [line for line in lines[: number - 1] if line.strip() and not line.lstrip().startswith("#")]
    return (
        bool(above) and _indent(lines[number - 1]) > _indent(above[-1]) and ":" not in above[-1].rstrip()[-1:]
    )


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
