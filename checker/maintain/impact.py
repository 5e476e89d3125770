"""What a rules change does, before it goes live: scan the same facts with the old and the new rules.

`impact` resolves the base (a folder holding an older copy of the rules, or a git revision of the
repository the rules live in), runs `scan` twice on the same facts and `compare`s the two results:
findings added, findings removed, findings whose wording, severity or responsible unit changed
(same fingerprint, that is same rule and subject), and units whose score moved. `compare` is pure;
`render_impact` and `impact_json` are views of an `Impact`, never recomputing it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import CheckerError, Diagnostic, Location
from checker.reports.safe import for_terminal
from checker.reports.words import SEVERITY
from checker.results.document import Finding, ScanResult
from checker.scan import ScanOptions, scan

BASE_CODE = "impact-base"
CHANGED_FIELDS = ("severity", "responsible", "message", "remedy")
"""The fields that make a finding with the same fingerprint count as changed."""


@dataclass(frozen=True)
class ScoreChange:
    """A unit whose assessment score differs between the old and the new rules."""

    unit: str
    name: str
    old: float
    new: float
    delta: float
    """new - old: negative when the new rules deduct more."""


@dataclass(frozen=True)
class Impact:
    """The difference a rules change makes to one set of facts."""

    added: list[Finding]
    removed: list[Finding]
    changed: list[tuple[Finding, Finding]]
    """(old, new): same fingerprint, but severity, responsible, message or remedy differ."""
    scores: list[ScoreChange]
    old_rules_version: str
    new_rules_version: str

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.scores)


# ---------------------------------------------------------------------------------------------------
# the base: a folder, or a git revision of the repository holding the rules


def resolve_base(base: str, rules_dir: Path, workdir: Path) -> Path:
    """The old rules folder: `base` itself when it is a folder, else that git revision's copy of
    `rules_dir`, extracted under `workdir`. Raises CheckerError (code impact-base) naming `base`."""
    if not base.strip():
        raise _base_error(base, "the base is empty: give an older rules folder or a git revision")
    candidate = Path(base)
    if candidate.is_dir():
        return candidate
    if candidate.exists():
        raise _base_error(base, f"'{base}' is a file, not a rules folder or a git revision")
    if base.startswith("-"):
        raise _base_error(base, f"'{base}' is neither a rules folder nor a git revision")
    rules = Path(rules_dir).resolve()
    if not rules.is_dir():
        raise _base_error(base, f"the rules folder {rules_dir} does not exist, so '{base}' cannot be read")
    try:
        top = Path(_git(base, rules, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    except _GitFailed as failed:
        raise _base_error(
            base,
            f"'{base}' is not a folder, and {rules_dir} is not in a git repository to read it as a revision",
            failed.stderr,
        ) from None
    try:
        relative = rules.relative_to(top).as_posix()
    except ValueError:
        raise _base_error(base, f"the rules folder {rules} is not inside the repository at {top}") from None
    try:
        commit = _git(base, top, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").decode().strip()
    except _GitFailed:
        raise _base_error(
            base, f"'{base}' is neither a folder nor a git revision of the repository at {top}"
        ) from None
    if relative != ".":
        listed = _git(base, top, "ls-tree", "-d", "--name-only", commit, "--", relative).decode()
        if relative not in listed.splitlines():
            raise _base_error(base, f"git revision '{base}' ({commit[:12]}) has no folder {relative}")
    archive = _git(base, top, "archive", "--format=tar", commit, "--", relative)
    target = Path(workdir) / f"base-{commit[:12]}"
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        tar.extractall(target, filter="data")
    extracted = target / relative
    if not extracted.is_dir():
        raise _base_error(base, f"git revision '{base}' ({commit[:12]}) has no folder {relative}")
    return extracted


class _GitFailed(Exception):
    def __init__(self, stderr: str) -> None:
        super().__init__(stderr)
        self.stderr = stderr


def _git(base: str, where: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, check=False)
    except OSError as error:  # git not installed, or not runnable
        raise _base_error(
            base, f"'{base}' is not a folder, and git, needed to read a revision, could not be run: {error}"
        ) from None
    if done.returncode != 0:
        raise _GitFailed(done.stderr.decode(errors="replace").strip())
    return done.stdout


def _base_error(base: str, message: str, detail: str = "") -> CheckerError:
    return CheckerError(
        [
            Diagnostic(
                Location(base or "<empty>"),
                BASE_CODE,
                message,
                detail=tuple(detail.splitlines()),
                help="give a folder holding an older copy of the rules, or a git revision such as HEAD~1",
            )
        ]
    )


# ---------------------------------------------------------------------------------------------------
# comparing two results


def compare(old: ScanResult, new: ScanResult) -> Impact:
    """The findings added, removed and changed, and the scores moved, from `old` to `new`."""
    before = {f.fingerprint: f for f in old.findings}
    after = {f.fingerprint: f for f in new.findings}
    added = [f for key, f in after.items() if key not in before]
    removed = [f for key, f in before.items() if key not in after]
    changed = [
        (before[key], f) for key, f in after.items() if key in before and changed_fields(before[key], f)
    ]
    old_scores = {s.unit: s for s in old.scores}
    scores = [
        ScoreChange(s.unit, s.name, old_scores[s.unit].score, s.score, s.score - old_scores[s.unit].score)
        for s in new.scores
        if s.unit in old_scores and s.score != old_scores[s.unit].score
    ]
    return Impact(
        added=sorted(added, key=_order),
        removed=sorted(removed, key=_order),
        changed=sorted(changed, key=lambda pair: _order(pair[1])),
        scores=sorted(scores, key=lambda s: s.unit),
        old_rules_version=old.stamp.rules_version,
        new_rules_version=new.stamp.rules_version,
    )


def changed_fields(old: Finding, new: Finding) -> list[str]:
    """Which of severity, responsible, message and remedy differ between two findings."""
    return [name for name in CHANGED_FIELDS if getattr(old, name) != getattr(new, name)]


def _order(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule, finding.subject, finding.fingerprint)


def impact(
    fact_paths: Sequence[str | Path],
    new_rules: Path,
    base: str,
    as_of: dt.date,
    options: ScanOptions | None = None,
) -> Impact:
    """Scan the same facts with the base rules and with `new_rules`, and compare."""
    with tempfile.TemporaryDirectory(prefix="rivercheck-impact-") as workdir:
        old_rules = resolve_base(base, Path(new_rules), Path(workdir))
        old = scan(fact_paths, old_rules, as_of, options)
    new = scan(fact_paths, new_rules, as_of, options)
    return compare(old, new)


# ---------------------------------------------------------------------------------------------------
# views

IMPACT_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "counts": "规则变更影响：新增 {added} 条，消除 {removed} 条，变化 {changed} 条，"
        "得分变化 {scores} 个单位",
        "versions": "规则版本 {old} → {new}",
        "added": "新增",
        "removed": "消除",
        "changed": "变化（原 → 新）",
        "scores": "得分变化",
        "none": "无",
        "severity": "严重程度",
        "responsible": "责任单位",
        "message": "内容",
        "remedy": "整改要求",
    },
    "en": {
        "counts": "Impact of the rules change: {added} added, {removed} removed, {changed} changed, "
        "{scores} unit scores changed",
        "versions": "rules {old} → {new}",
        "added": "Added",
        "removed": "Removed",
        "changed": "Changed (old → new)",
        "scores": "Score changes",
        "none": "none",
        "severity": "severity",
        "responsible": "responsible",
        "message": "message",
        "remedy": "remedy",
    },
}


def render_impact(impact: Impact, lang: str = "zh") -> str:
    """A readable report: the counts, then what was added, removed, changed, and the scores moved."""
    if lang not in IMPACT_WORDS:
        raise ValueError(f"unknown language {lang!r}: use zh or en")
    words = IMPACT_WORDS[lang]
    lines = [
        words["counts"].format(
            added=len(impact.added),
            removed=len(impact.removed),
            changed=len(impact.changed),
            scores=len(impact.scores),
        ),
        words["versions"].format(old=impact.old_rules_version, new=impact.new_rules_version),
    ]
    for section, findings in (("added", impact.added), ("removed", impact.removed)):
        lines += ["", f"{words[section]} ({len(findings)})"]
        lines += [_finding_line(f, lang) for f in findings] or [f"  {words['none']}"]
    lines += ["", f"{words['changed']} ({len(impact.changed)})"]
    for old, new in impact.changed:
        lines.append(_finding_line(new, lang))
        for name in changed_fields(old, new):
            lines.append(f"      {words[name]}: {_field(old, name, lang)} → {_field(new, name, lang)}")
    if not impact.changed:
        lines.append(f"  {words['none']}")
    lines += ["", f"{words['scores']} ({len(impact.scores)})"]
    for s in impact.scores:
        lines.append(f"  {s.unit} {s.name}: {s.old:g} → {s.new:g} ({s.delta:+g})")
    if not impact.scores:
        lines.append(f"  {words['none']}")
    # record text may hold escape sequences or bidi overrides: shown as marks, never obeyed
    return "\n".join(for_terminal(line) for line in lines) + "\n"


def _finding_line(finding: Finding, lang: str) -> str:
    severity = SEVERITY[lang][finding.severity]
    message = finding.message.zh if lang == "zh" else finding.message.en
    return f"  [{severity}] {finding.rule} {finding.subject}: {message}  [{finding.fingerprint}]"


def _field(finding: Finding, name: str, lang: str) -> str:
    if name == "severity":
        return str(SEVERITY[lang][finding.severity])
    if name == "responsible":
        return finding.responsible or "-"
    text = finding.message if name == "message" else finding.remedy
    return text.zh if lang == "zh" else text.en


def impact_json(impact: Impact) -> str:
    """The impact as deterministic JSON (sorted keys, UTF-8 text, two-space indent)."""
    data: dict[str, Any] = {
        "rules_version": {"old": impact.old_rules_version, "new": impact.new_rules_version},
        "counts": {
            "added": len(impact.added),
            "removed": len(impact.removed),
            "changed": len(impact.changed),
            "scores": len(impact.scores),
        },
        "added": [f.model_dump(mode="json") for f in impact.added],
        "removed": [f.model_dump(mode="json") for f in impact.removed],
        "changed": [
            {
                "fingerprint": new.fingerprint,
                "fields": changed_fields(old, new),
                "old": old.model_dump(mode="json"),
                "new": new.model_dump(mode="json"),
            }
            for old, new in impact.changed
        ],
        "scores": [
            {"unit": s.unit, "name": s.name, "old": s.old, "new": s.new, "delta": s.delta}
            for s in impact.scores
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
