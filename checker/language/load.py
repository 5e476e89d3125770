"""Loading a rules folder: find the rule files and the params file, read them, check their shape.

Every problem of every file is collected with its place (file:line), so a maintainer fixes a folder
in one pass; `read_rules` also returns the rules that read well, for `rules validate` to go on and
check what they mean together. The shapes themselves are `checker.language.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from checker.errors import CheckerError, Diagnostic, Location
from checker.language.schema import Param, Rule
from facts.schemaerrors import schema_diagnostics
from facts.yamlfile import read_yaml_file
from facts.yamlsrc import Located

CASES_SUFFIX = ".cases.yaml"
PARAMS_FILE = "params.yaml"
ARTICLES_FILE = "articles.yaml"
"""The article index at the top of a rules folder (data for `rules matrix`, not a rule)."""


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
