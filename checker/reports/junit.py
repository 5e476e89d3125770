"""JUnit XML report: for the nightly CI jobs and their dashboards.

One `<testsuite>` per rule (named by its id and title), one `<testcase>` per finding, named
"subject (fingerprint)" with classname "rivercheck.RULE-ID". A failing finding has a `<failure>`
whose type is its severity and whose text gives the message, the remedy and the records it rests on
(file:line); a finding under an active waiver is `<skipped>`. A rule that found nothing gets one
passing "no findings" case, so a dashboard shows it ran; a rule not checked (its records were not
supplied) gets one skipped "not checked" case saying why, and the first suite's properties carry the
scope (demo or not, kinds supplied, each file read). Every timestamp is the scan's as_of, so
the same result gives the same bytes. Record text goes through `checker.reports.safe.for_xml`: only
characters XML 1.0 can hold (U+FFFD for the rest), control and bidi characters as visible marks.

The result names only the rules that found or derived something; `rules` (id to title) lists every
rule that ran, when the caller has them, so that a rule with no output still shows as passing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from checker.language.schema import Text
from checker.reports.csv import finding_status, in_lang
from checker.reports.safe import for_xml
from checker.reports.words import LABEL
from checker.results.document import Finding, ScanResult

NOT_CHECKED = "not checked"
"""The skipped case of a rule the records could not check (docs/scope.md), its reason the message."""
NO_FINDINGS = "no findings"
"""The passing case of a rule that found nothing (the same in both languages: dashboards match it)."""
WORDS = {
    "zh": {"records": "依据的记录", "colon": "："},
    "en": {"records": "Records", "colon": ": "},
}


def render_junit(result: ScanResult, lang: str = "zh", rules: Mapping[str, Text] | None = None) -> str:
    by_rule: dict[str, list[Finding]] = {rule: [] for rule in _rules_that_ran(result, rules)}
    for finding in result.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    timestamp = f"{result.stamp.as_of.isoformat()}T00:00:00"
    root = ET.Element("testsuites", name="rivercheck")
    for rule in sorted(by_rule):
        findings = sorted(by_rule[rule], key=lambda f: (f.subject, f.fingerprint))
        title = _title(rule, findings, rules, lang)
        suite = ET.SubElement(root, "testsuite", name=_xml(f"{rule} {title}" if title else rule))
        for finding in findings:
            _testcase(suite, finding, lang)
        if not findings:
            ET.SubElement(suite, "testcase", name=NO_FINDINGS, classname=_xml(f"rivercheck.{rule}"))
        _count(suite, timestamp)
    for item in result.scope.not_checked:
        suite = ET.SubElement(root, "testsuite", name=_xml(f"{item.rule} {in_lang(item.title, lang)}"))
        case = ET.SubElement(suite, "testcase", name=NOT_CHECKED, classname=_xml(f"rivercheck.{item.rule}"))
        ET.SubElement(case, "skipped", message=_xml(in_lang(item.why, lang)))
        _count(suite, timestamp)
    _properties(root, result)
    suites = root.findall("testsuite")
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    root.set("errors", "0")
    root.set("skipped", str(sum(int(s.get("skipped", "0")) for s in suites)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _properties(root: ET.Element, result: ScanResult) -> None:
    """The scan's scope as properties of the whole run: demo or not, kinds supplied and not, and each
    file read (path, kind, records, digest)."""
    scope = result.scope
    properties = ET.Element("properties")
    values = [
        ("rivercheck.demo", "true" if scope.demo else "false"),
        ("rivercheck.supplied", ",".join(scope.supplied)),
        ("rivercheck.not_supplied", ",".join(scope.not_supplied)),
        ("rivercheck.not_checked", str(len(scope.not_checked))),
    ]
    values += [(f"rivercheck.file.{f.path}", f"{f.kind} {f.records} {f.digest}") for f in scope.files]
    for name, value in values:
        ET.SubElement(properties, "property", name=_xml(name), value=_xml(value))
    first = root.find("testsuite")
    (first if first is not None else ET.SubElement(root, "testsuite", name="rivercheck")).insert(
        0, properties
    )


def _rules_that_ran(result: ScanResult, rules: Mapping[str, Text] | None) -> set[str]:
    ran = {f.rule for f in result.findings} | {d.rule for d in result.derived}
    ran |= {d.rule for score in result.scores for d in score.deductions}
    return ran | set(rules or ())


def _title(rule: str, findings: list[Finding], rules: Mapping[str, Text] | None, lang: str) -> str:
    if rules and rule in rules:
        return in_lang(rules[rule], lang)
    return in_lang(findings[0].title, lang) if findings else ""


def _testcase(suite: ET.Element, finding: Finding, lang: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_xml(f"{finding.subject} ({finding.fingerprint})"),
        classname=_xml(f"rivercheck.{finding.rule}"),
    )
    label = LABEL[lang]
    if not finding.failing:
        assert finding.waiver is not None
        waiver = finding.waiver
        skipped = ET.SubElement(
            case, "skipped", message=_xml(label["waived_until"].format(date=waiver.expires_on))
        )
        skipped.text = _xml(
            f"{waiver.reason} ({waiver.approver}, {waiver.approved_on}; {waiver.file}:{waiver.line})"
        )
        return
    failure = ET.SubElement(
        case, "failure", message=_xml(in_lang(finding.message, lang)), type=_xml(finding.severity)
    )
    failure.text = _xml(_failure_text(finding, lang))


def _failure_text(finding: Finding, lang: str) -> str:
    label, words = LABEL[lang], WORDS[lang]
    colon = words["colon"]
    lines = [
        in_lang(finding.message, lang),
        f"{label['remedy']}{colon}{in_lang(finding.remedy, lang)}",
        f"{label['article']}{colon}{label['article_n'].format(n=finding.article)} {finding.gist}",
    ]
    if finding.responsible:
        unit = finding.responsible_name or finding.responsible
        lines.append(f"{label['responsible']}{colon}{unit} ({finding.responsible})")
    status = finding_status(finding, lang)
    if finding.history is not None:
        status += f" ({finding.history.first_seen}, {label['days_open']} {finding.history.days_open})"
    if finding.waiver is not None:
        status += "; " + label["waiver_expired"].format(date=finding.waiver.expires_on)
    if status:
        lines.append(f"{label['status']}{colon}{status}")
    lines.append(f"{words['records']}{colon}")
    lines += [f"  {fact.file}:{fact.line} {fact.kind} {fact.key}" for fact in finding.facts]
    return "\n".join(lines)


def _count(suite: ET.Element, timestamp: str) -> None:
    """The suite's counts, from the cases it holds (a waived finding is skipped, not failed)."""
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(case.find("failure") is not None for case in cases)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(case.find("skipped") is not None for case in cases)))
    suite.set("timestamp", timestamp)


def _xml(text: str) -> str:
    """Text XML can hold, shown safely (`for_xml`); ElementTree escapes the markup."""
    return for_xml(text)
