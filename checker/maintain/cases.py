"""Rule case files: named cases of given facts and `as_of`, with the results wanted.

Each rule `rules/<theme>/ID.yaml` has `ID.cases.yaml` beside it. A case runs the whole rule set (so
chained rules see what they chain on) and compares what the case's rule produced with what it
wants: its findings (`want`, exactly: the same subjects, and every field a wanted item names), its
derived facts (`want_derived`), or unit scores (`want_scores`). See docs/rule-language.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from checker.errors import CheckerError, Diagnostic, Location
from checker.language.load import CASES_SUFFIX, read_rules
from checker.results.document import ScanResult
from checker.scan import ScanOptions, scan
from facts.models import FILE_STEMS
from facts.schemaerrors import schema_diagnostics
from facts.yamlfile import read_yaml_file
from facts.yamlsrc import Located


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WantedFinding(_Strict):
    subject: str
    responsible: str | None = None
    severity: str | None = None
    message_zh: str | None = None
    message_en: str | None = None


class Case(_Strict):
    """One named situation and what the rule must make of it."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    as_of: dt.date
    params: dict[str, Any] = {}
    facts: dict[str, list[dict[str, Any]]]
    want: list[WantedFinding] | None = None
    want_derived: list[dict[str, Any]] | None = None
    want_scores: dict[str, float] | None = None


class CaseFile(_Strict):
    cases: Annotated[list[Case], Field(min_length=1)]


@dataclass(frozen=True)
class LoadedCase:
    rule: str
    case: Case
    location: Location

    @property
    def id(self) -> str:
        return f"{self.rule}::{self.case.name}"


@dataclass(frozen=True)
class CaseOutcome:
    case: LoadedCase
    problems: tuple[str, ...]
    diff: str = ""
    """Wanted against got, as a unified diff of YAML (empty when the case passed)."""

    @property
    def passed(self) -> bool:
        return not self.problems


def load_cases(rules_dir: str | Path) -> list[LoadedCase]:
    """Every case of every case file in a rules folder, in rule and file order."""
    found: list[LoadedCase] = []
    problems: list[Diagnostic] = []
    for path in sorted(Path(rules_dir).rglob(f"*{CASES_SUFFIX}")):
        rule = path.name[: -len(CASES_SUFFIX)]
        try:
            located = read_yaml_file(path, "file-read", "the case file")
            cases = CaseFile.model_validate(located.data)
        except CheckerError as error:
            problems.extend(error.diagnostics)
            continue
        except ValidationError as error:
            problems.extend(schema_diagnostics(error, located, CaseFile))
            continue
        for index, case in enumerate(cases.cases):
            found.append(LoadedCase(rule, case, located.where(("cases", index))))
        _check_unknown_kinds(cases, located, problems)
    if problems:
        raise CheckerError(problems)
    return found


def select_cases(rules_dir: str | Path, pattern: str = "") -> list[LoadedCase]:
    """The cases `rules test` runs: those whose `RULE::case` id contains `pattern`, never none.

    A run of no cases would print "0 passed, 0 failed" and succeed, and a pre-commit hook would pass on
    nothing; so a missing folder, a folder without rules, rules without case files and a pattern
    that matches no case are each a CheckerError naming the folder (exit 2).
    """
    root = Path(rules_dir)
    where = Location(str(rules_dir))
    if not root.is_dir():
        raise CheckerError.at(
            where,
            "rules-folder",
            f"no rules folder at '{rules_dir}'",
            help="give the folder that holds the rule files (leave it out for the bundled rules)",
        )
    ruleset, problems = read_rules(root)
    if not ruleset.rules and any(problem.code == "rules-empty" for problem in problems):
        raise CheckerError.at(
            where,
            "rules-empty",
            "no rule files in this folder, so no cases to run",
            help="check the path, and that rule files end in .yaml",
        )
    cases = load_cases(root)
    if not cases:
        raise CheckerError.at(
            where,
            "cases-none",
            f"no case files (*{CASES_SUFFIX}) in this folder, so no cases to run",
            help=f"add ID{CASES_SUFFIX} beside each rule ID.yaml, with a case that flags and one that passes",
        )
    chosen = [case for case in cases if pattern in case.id]
    if not chosen:
        raise CheckerError.at(
            where,
            "cases-unmatched",
            f"no case id contains '{pattern}'",
            help=f"case ids are RULE::case_name, such as {cases[0].id}",
        )
    return chosen


def _check_unknown_kinds(cases: CaseFile, located: Located, problems: list[Diagnostic]) -> None:
    for index, case in enumerate(cases.cases):
        for kind in case.facts:
            if kind not in FILE_STEMS:
                problems.append(
                    Diagnostic(
                        located.where(("cases", index, "facts", kind)),
                        "case-fact-kind",
                        f"no fact kind '{kind}'",
                        help="facts are given by file name: " + ", ".join(sorted(FILE_STEMS)),
                    )
                )


def run_case(loaded: LoadedCase, rules_dir: str | Path, jobs: int = 1) -> CaseOutcome:
    """Scan the case's facts with the whole rule set and compare what its rule produced."""
    case = loaded.case
    with tempfile.TemporaryDirectory(prefix="rivercheck-case-") as folder:
        for kind, records in case.facts.items():
            text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False, default_flow_style=False)
            (Path(folder) / f"{kind}.yaml").write_text(text, encoding="utf-8")
        try:
            result = scan([folder], rules_dir, case.as_of, ScanOptions(jobs=jobs, params=case.params))
        except CheckerError as error:
            return CaseOutcome(loaded, (f"the case's facts or rules are not valid:\n{error.render()}",))
    problems = tuple(_compare(loaded, result))
    return CaseOutcome(loaded, problems, _diff(loaded, result) if problems else "")


def _compare(loaded: LoadedCase, result: ScanResult) -> list[str]:
    case, problems = loaded.case, []
    skipped = next((item for item in result.scope.not_checked if item.rule == loaded.rule), None)
    if skipped is not None:  # a case whose rule did not run shows nothing, passing or failing
        stems = {kind: stem for stem, kind in FILE_STEMS.items()}
        give = ", ".join(f"{stems[kind]}: []" for kind in skipped.missing)
        return [
            f"the rule was not checked: {skipped.why.en}; give the records it needs in the case's "
            f"facts" + (f" (an empty list says there are none: {give})" if give else "")
        ]
    if case.want is not None:
        got = {f.subject: f for f in result.findings if f.rule == loaded.rule}
        wanted = {w.subject: w for w in case.want}
        for subject in sorted(wanted.keys() - got.keys()):
            problems.append(f"wanted a finding about {subject}, got none")
        for subject in sorted(got.keys() - wanted.keys()):
            problems.append(f"got an unwanted finding about {subject}: {got[subject].message.en}")
        for subject in sorted(wanted.keys() & got.keys()):
            finding, want = got[subject], wanted[subject]
            actual = {
                "responsible": finding.responsible,
                "severity": finding.severity,
                "message_zh": finding.message.zh,
                "message_en": finding.message.en,
            }
            for name, value in want.model_dump(exclude_none=True, exclude={"subject"}).items():
                if actual[name] != value:
                    problems.append(f"finding about {subject}: {name} wanted {value!r}, got {actual[name]!r}")
    if case.want_derived is not None:
        problems += _compare_derived(loaded, result, case.want_derived)
    if case.want_scores is not None:
        scores = {s.unit: s.score for s in result.scores}
        for unit, score in sorted(case.want_scores.items()):
            if scores.get(unit) != score:
                problems.append(f"score of {unit}: wanted {score}, got {scores.get(unit)}")
    if case.want is None and case.want_derived is None and case.want_scores is None:
        problems.append("the case wants nothing: give want, want_derived or want_scores")
    return problems


def _diff(loaded: LoadedCase, result: ScanResult) -> str:
    """What the case wants beside what the rule produced, each got item cut to the fields wanted."""
    case = loaded.case
    wanted: dict[str, Any] = {}
    got: dict[str, Any] = {}
    if case.want is not None:
        wants = {w.subject: w.model_dump(exclude_none=True) for w in case.want}
        wanted["findings"] = [wants[s] for s in sorted(wants)]
        found = sorted((f for f in result.findings if f.rule == loaded.rule), key=lambda f: f.subject)
        got["findings"] = [_cut(_finding_fields(f), wants.get(f.subject)) for f in found]
    if case.want_derived is not None:
        wants = {str(w.get("key")): w for w in case.want_derived}
        wanted["derived"] = [_ordered(wants[k]) for k in sorted(wants)]
        found_derived = sorted((d for d in result.derived if d.rule == loaded.rule), key=lambda d: d.key)
        got["derived"] = [
            _ordered(_cut({"key": d.key, **_plain(d.values)}, wants.get(d.key))) for d in found_derived
        ]
    if case.want_scores is not None:
        wanted["scores"] = dict(sorted(case.want_scores.items()))
        scores = {s.unit: s.score for s in result.scores}
        got["scores"] = {unit: scores.get(unit) for unit in sorted(case.want_scores)}
    lines = difflib.unified_diff(_yaml(wanted), _yaml(got), "wanted", "got", lineterm="")
    return "\n".join(lines)


def _finding_fields(finding: Any) -> dict[str, Any]:
    return {
        "subject": finding.subject,
        "responsible": finding.responsible,
        "severity": finding.severity,
        "message_zh": finding.message.zh,
        "message_en": finding.message.en,
    }


def _cut(values: dict[str, Any], wanted: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in values.items() if wanted is None or k in wanted}


def _ordered(values: dict[str, Any]) -> dict[str, Any]:
    return {k: values[k] for k in sorted(values, key=lambda k: (k != "key", k))}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _yaml(document: dict[str, Any]) -> list[str]:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=200).splitlines()


def _compare_derived(loaded: LoadedCase, result: ScanResult, wanted: list[dict[str, Any]]) -> list[str]:
    got = {d.key: {"key": d.key, **d.values} for d in result.derived if d.rule == loaded.rule}
    keys = {str(w.get("key")) for w in wanted}
    problems = [f"wanted derived fact {key}, got none" for key in sorted(keys - got.keys())]
    problems += [f"got an unwanted derived fact {key}: {got[key]}" for key in sorted(got.keys() - keys)]
    for want in wanted:
        fact = got.get(str(want.get("key")))
        if fact is None:
            continue
        for name, value in want.items():
            actual = fact.get(name)
            actual = actual.isoformat() if isinstance(actual, dt.date) else actual
            if actual != value:
                problems.append(f"derived {want.get('key')}: {name} wanted {value!r}, got {actual!r}")
    return problems
