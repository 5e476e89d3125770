"""A rule's examples and cases: the first case that flags and the first that passes, shown with what
the checker really reports for the flagging one (after checking that the case passes)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Diagnostic
from checker.language.load import CASES_SUFFIX, LoadedRule, RuleSet
from checker.maintain.cases import LoadedCase, run_case
from checker.maintain.ruledocs.text import block, flow, plain, shown_path, shown_value
from checker.results.document import ScanResult
from checker.scan import ScanOptions, scan


@dataclass(frozen=True)
class Examples:
    """A rule's cases: the first that flags, the first that passes, and all of them in file order."""

    violating: LoadedCase
    compliant: LoadedCase
    cases: tuple[LoadedCase, ...]


def find_examples(ruleset: RuleSet, cases: Iterable[LoadedCase]) -> dict[str, Examples]:
    """Each rule's examples; every rule lacking a case file, a flagging or a passing case is an error."""
    by_rule: dict[str, list[LoadedCase]] = {}
    for case in cases:
        by_rule.setdefault(case.rule, []).append(case)
    found: dict[str, Examples] = {}
    problems: list[Diagnostic] = []
    for loaded in ruleset.rules:
        own = by_rule.get(loaded.rule.id, [])
        violating = next((c for c in own if c.case.want or c.case.want_derived), None)
        compliant = next((c for c in own if c.case.want == [] or c.case.want_derived == []), None)
        if violating and compliant:
            found[loaded.rule.id] = Examples(violating, compliant, tuple(own))
        else:
            problems.append(_missing_example(loaded, bool(own), violating is None))
    if problems:
        raise CheckerError(problems)
    return found


def _missing_example(loaded: LoadedRule, has_cases: bool, lacks_violating: bool) -> Diagnostic:
    case_file = f"{loaded.rule.id}{CASES_SUFFIX}"
    if not has_cases:
        message = f"rule {loaded.rule.id} has no case file {case_file} beside it"
    elif lacks_violating:
        message = f"rule {loaded.rule.id} has no violating example: no case in {case_file} wants a finding"
    else:
        message = (
            f"rule {loaded.rule.id} has no compliant example: no case in {case_file} has "
            "'want: []' or 'want_derived: []'"
        )
    return Diagnostic(
        loaded.source.where(("id",)),
        "rule-docs-example",
        message,
        help="the docs show the first case that flags (a non-empty want or want_derived) and the first "
        "that passes (want: [] or want_derived: []); want_scores alone shows neither",
    )


def examples_section(examples: Examples, rules_dir: Path) -> list[str]:
    violating, compliant = examples.violating, examples.compliant
    lines = ["## Examples", "", f"### Violating example: `{violating.case.name}`", ""]
    lines += [*_case_facts(violating, rules_dir), *_wanted(violating), *_reported(violating, rules_dir)]
    lines += [f"### Compliant example: `{compliant.case.name}`", ""]
    wants = "no finding (`want: []`)" if compliant.case.want == [] else "no derived fact (`want_derived: []`)"
    return [*lines, *_case_facts(compliant, rules_dir), f"The case wants {wants}.", ""]


def _case_facts(loaded: LoadedCase, rules_dir: Path) -> list[str]:
    case = loaded.case
    place = f"`{shown_path(loaded.location.path, rules_dir)}` line {loaded.location.line}"
    lines = [f"From {place}, scanned as of {case.as_of.isoformat()}."]
    if case.params:
        overrides = ", ".join(f"`{name}: {shown_value(value)}`" for name, value in case.params.items())
        lines[0] += f" Parameters overridden: {overrides}."
    lines += ["", "```yaml"]
    for kind, records in case.facts.items():
        lines += [f"{kind}:", *(f"  - {flow(record)}" for record in records)]
    return [*lines, "```", ""]


def _wanted(loaded: LoadedCase) -> list[str]:
    case = loaded.case
    wanted: dict[str, Any] = {}
    if case.want is not None:
        wanted["want"] = [want.model_dump(exclude_none=True) for want in case.want]
    if case.want_derived is not None:
        wanted["want_derived"] = case.want_derived
    if case.want_scores is not None:
        wanted["want_scores"] = plain(case.want_scores)
    return ["The case wants:", "", "```yaml", *block(wanted), "```", ""]


def _reported(loaded: LoadedCase, rules_dir: Path) -> list[str]:
    """What the checker reports for the case's rule, after checking that the case passes."""
    outcome = run_case(loaded, rules_dir)
    if not outcome.passed:
        raise CheckerError(
            [
                Diagnostic(
                    loaded.location,
                    "rule-docs-example",
                    f"the violating example {loaded.id} does not get what it wants",
                    detail=outcome.problems,
                    help=f"fix the rule or the case (run: pytest tests/rules -k {loaded.rule})",
                )
            ]
        )
    result = _scan_case(loaded, rules_dir)
    findings = sorted((f for f in result.findings if f.rule == loaded.rule), key=lambda f: f.subject)
    derived = sorted((d for d in result.derived if d.rule == loaded.rule), key=lambda d: (d.kind, d.key))
    lines = ["What the checker reports for this rule:", ""]
    for finding in findings:
        responsible = f"responsible `{finding.responsible}`, " if finding.responsible else ""
        lines += [
            f"- finding about `{finding.subject}` ({responsible}severity `{finding.severity}`)",
            f"  - zh: {finding.message.zh}",
            f"  - en: {finding.message.en}",
        ]
    if findings:
        lines.append("")
    if derived:
        lines += ["Derived facts:", "", "```yaml"]
        lines += [f"- {flow({'kind': d.kind, 'key': d.key, **plain(d.values)})}" for d in derived]
        lines += ["```", ""]
    return lines


def _scan_case(loaded: LoadedCase, rules_dir: Path) -> ScanResult:
    """Scan a case's facts as `run_case` does, to show the findings themselves."""
    case = loaded.case
    with tempfile.TemporaryDirectory(prefix="rivercheck-docs-") as folder:
        for kind, records in case.facts.items():
            (Path(folder) / f"{kind}.yaml").write_text("\n".join(block(records)) + "\n", encoding="utf-8")
        return scan([folder], rules_dir, case.as_of, ScanOptions(jobs=1, params=case.params))


def cases_section(examples: Examples, rules_dir: Path) -> list[str]:
    first = examples.cases[0]
    lines = [
        "## Cases",
        "",
        f"In `{shown_path(first.location.path, rules_dir)}` "
        f"(run them with `pytest tests/rules -k {first.rule}`):",
        "",
    ]
    return [*lines, *(f"- `{case.case.name}`" for case in examples.cases), ""]
