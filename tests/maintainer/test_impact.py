"""`checker.maintain.impact`: what a rules change does to the demo district, checked against the demo data.

Expected findings are worked out here from the demo records (problems, interviews) and the params,
never copied from the tool's output, so a wrong comparison or a wrong base shows up as a mismatch.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.errors import CheckerError
from checker.maintain.impact import Impact, compare, impact, impact_json, render_impact, resolve_base
from checker.scan import scan

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
DEMO = ROOT / "demo" / "district"
AS_OF = dt.date(2026, 11, 26)
PARAM_LINE = "interview_min_overdue:\n  value: {n}\n"


# --- helpers: copies of the rules, edited as text --------------------------------------------------


def copy_rules(target: Path) -> Path:
    shutil.copytree(RULES, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found exactly once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_min_overdue(rules: Path, n: int) -> None:
    edit(rules / "params.yaml", PARAM_LINE.format(n=3), PARAM_LINE.format(n=n))


def params(rules: Path) -> dict[str, Any]:
    raw = yaml.safe_load((rules / "params.yaml").read_text(encoding="utf-8"))
    return {name: entry["value"] for name, entry in raw.items()}


def rule(rules: Path, folder: str, rule_id: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((rules / folder / f"{rule_id}.yaml").read_text(encoding="utf-8"))
    return data


# --- helpers: what the demo records say, worked out independently ---------------------------------


def demo(kind: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = yaml.safe_load((DEMO / f"{kind}.yaml").read_text(encoding="utf-8"))
    return records


def overdue_days(p: dict[str, Any]) -> dict[str, int]:
    """Problem key -> days overdue (not signed off, assigned, deadline passed beyond the grace)."""
    found = {}
    for problem in demo("problems"):
        deadline = problem.get("deadline")
        if problem["status"] == "signed_off" or not problem.get("assignee") or deadline is None:
            continue
        if deadline < AS_OF - dt.timedelta(days=p["overdue_grace_days"]):
            found[problem["key"]] = (AS_OF - deadline).days
    return found


def long_overdue_by_unit(p: dict[str, Any]) -> Counter[str]:
    days = overdue_days(p)
    assignee = {problem["key"]: str(problem.get("assignee")) for problem in demo("problems")}
    return Counter(assignee[key] for key, d in days.items() if d >= p["interview_min_days_overdue"])


def interview_due(p: dict[str, Any], threshold: int) -> set[str]:
    """Units with `threshold` or more problems long overdue and no interview within the cooldown."""
    since = AS_OF - dt.timedelta(days=p["interview_cooldown_days"])
    recent = {i["unit"] for i in demo("interviews") if i["held_on"] >= since}
    return {unit for unit, n in long_overdue_by_unit(p).items() if n >= threshold and unit not in recent}


def interview_points(rules: Path) -> float:
    spec = rule(rules, "interview", "INTERVIEW-OVERDUE")
    assert (spec["kind"], spec["severity"]) == ("interview", "high")
    return float(params(rules)["deduction_points"]["interview"]["high"])


# --- a changed threshold: exactly the interview findings it should add or remove --------------------


@pytest.mark.parametrize("threshold", [2, 1, 5])
def test_interview_threshold_change_adds_or_removes_exactly_the_due_interviews(
    tmp_path: Path, threshold: int
) -> None:
    old_rules = copy_rules(tmp_path / "old")
    new_rules = copy_rules(tmp_path / "new")
    set_min_overdue(new_rules, threshold)
    assert params(new_rules)["interview_min_overdue"] == threshold

    p = params(old_rules)
    assert p["interview_min_overdue"] == 3
    before, after = interview_due(p, 3), interview_due(p, threshold)
    expected_added, expected_removed = after - before, before - after
    long_overdue = long_overdue_by_unit(p)
    # what the demo data says, so the three cases cover no change, an addition and a removal
    if threshold == 2:
        # only U-WATER (4) and U-TOWN-A (3, interviewed recently) have two or more: nothing moves
        assert expected_added == expected_removed == set()
    elif threshold == 1:
        assert expected_added == {"U-ENV"} and long_overdue["U-ENV"] == 1
    else:
        assert expected_removed == {"U-WATER"} and long_overdue["U-WATER"] == 4

    result = impact([DEMO], new_rules, str(old_rules), AS_OF)

    assert [(f.rule, f.subject) for f in result.added] == [
        ("INTERVIEW-OVERDUE", unit) for unit in sorted(expected_added)
    ]
    assert [(f.rule, f.subject) for f in result.removed] == [
        ("INTERVIEW-OVERDUE", unit) for unit in sorted(expected_removed)
    ]
    for finding in [*result.added, *result.removed]:
        assert finding.responsible == finding.subject
        assert finding.severity == "high"
        n = long_overdue[finding.subject]
        assert f"has {n} problems more than {p['interview_min_days_overdue']} days overdue" in (
            finding.message.en
        )
    assert result.changed == []

    points = interview_points(old_rules)
    expected_delta = {u: -points for u in expected_added} | {u: points for u in expected_removed}
    assert {s.unit: s.delta for s in result.scores} == expected_delta
    assert all(s.new - s.old == s.delta for s in result.scores)
    # the stamps' rules versions come through, and a params edit changes the rules version
    assert result.old_rules_version != result.new_rules_version

    report = render_impact(result, lang="en")
    assert f"{len(expected_added)} added, {len(expected_removed)} removed, 0 changed" in report
    for s in result.scores:
        assert f"{s.unit} {s.name}: {s.old:g} → {s.new:g} ({s.delta:+g})" in report
    data = json.loads(impact_json(result))
    assert [f["subject"] for f in data["added"]] == sorted(expected_added)
    assert [f["subject"] for f in data["removed"]] == sorted(expected_removed)
    assert impact_json(result) == impact_json(result)


# --- wording and severity changes show as changed, with old and new ---------------------------------


def test_changed_message_shows_old_and_new(tmp_path: Path) -> None:
    old_rules = copy_rules(tmp_path / "old")
    new_rules = copy_rules(tmp_path / "new")
    edit(
        new_rules / "overdue" / "RECT-OVERDUE.yaml", "已逾期{days}天仍未销号", "已逾期{days}天，至今仍未销号"
    )
    expected = sorted(overdue_days(params(old_rules)))
    assert expected, "the demo has overdue problems"

    result = impact([DEMO], new_rules, str(old_rules), AS_OF)

    assert result.added == [] and result.removed == [] and result.scores == []
    assert [(new.rule, new.subject) for _, new in result.changed] == [("RECT-OVERDUE", k) for k in expected]
    days = overdue_days(params(old_rules))
    for old, new in result.changed:
        assert old.fingerprint == new.fingerprint
        assert old.message.zh.endswith(f"已逾期{days[new.subject]}天仍未销号")
        assert new.message.zh.endswith(f"已逾期{days[new.subject]}天，至今仍未销号")
        assert old.message.en == new.message.en
        assert (old.severity, old.responsible, old.remedy) == (new.severity, new.responsible, new.remedy)

    old, new = result.changed[0]
    zh = render_impact(result)
    assert f"变化 {len(expected)} 条" in zh
    assert f"内容: {old.message.zh} → {new.message.zh}" in zh
    assert "Changed (old → new)" in render_impact(result, lang="en")
    changed = json.loads(impact_json(result))["changed"]
    assert changed[0]["fields"] == ["message"]
    assert (changed[0]["old"]["message"]["zh"], changed[0]["new"]["message"]["zh"]) == (
        old.message.zh,
        new.message.zh,
    )


def test_changed_severity_moves_scores_by_the_deduction_difference(tmp_path: Path) -> None:
    old_rules = copy_rules(tmp_path / "old")
    new_rules = copy_rules(tmp_path / "new")
    edit(new_rules / "overdue" / "RECT-OVERDUE.yaml", "severity: high", "severity: medium")
    p = params(old_rules)
    table = p["deduction_points"]["overdue"]
    assignee = {problem["key"]: problem["assignee"] for problem in demo("problems") if "assignee" in problem}
    per_unit = Counter(assignee[key] for key in overdue_days(p))

    result = impact([DEMO], new_rules, str(old_rules), AS_OF)

    assert result.added == [] and result.removed == []
    assert {new.subject for _, new in result.changed} == set(overdue_days(p))
    assert all((o.severity, n.severity) == ("high", "medium") for o, n in result.changed)
    step = float(table["high"] - table["medium"])
    assert {s.unit: s.delta for s in result.scores} == {unit: n * step for unit, n in per_unit.items()}


# --- the same rules: nothing ------------------------------------------------------------------------


def test_compare_of_the_same_rules_is_empty() -> None:
    first = scan([DEMO], RULES, AS_OF)
    second = scan([DEMO], RULES, AS_OF)
    assert first.findings, "the demo has findings, so an empty impact means something"
    for result in (compare(first, first), compare(first, second)):
        assert result == Impact([], [], [], [], first.stamp.rules_version, first.stamp.rules_version)
        assert result.empty
    assert "0 added, 0 removed, 0 changed, 0 unit scores changed" in render_impact(
        compare(first, second), "en"
    )


# --- the base as a git revision ---------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    config = ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    done = subprocess.run(
        ["git", "-C", str(repo), *config, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose rules live in policy/rules: commit 1 without them, 2 as shipped, 3 threshold 5."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README").write_text("policy\n", encoding="utf-8")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "start")
    copy_rules(repo / "policy" / "rules")
    git(repo, "add", "policy")
    git(repo, "commit", "-q", "-m", "rules as shipped")
    set_min_overdue(repo / "policy" / "rules", 5)
    git(repo, "commit", "-q", "-am", "raise the interview threshold")
    return repo


def test_resolve_base_extracts_the_rules_of_a_revision(repo: Path, tmp_path: Path) -> None:
    rules = repo / "policy" / "rules"
    older = resolve_base("HEAD~1", rules, tmp_path / "work1")
    assert params(older)["interview_min_overdue"] == 3
    assert older.is_relative_to(tmp_path / "work1")
    assert sorted(p.relative_to(older) for p in older.rglob("*")) == sorted(
        p.relative_to(rules) for p in rules.rglob("*")
    )
    assert params(resolve_base("HEAD", rules, tmp_path / "work2"))["interview_min_overdue"] == 5
    # a commit id works the same as a relative revision
    commit = git(repo, "rev-parse", "HEAD~1").strip()
    assert params(resolve_base(commit, rules, tmp_path / "work3"))["interview_min_overdue"] == 3
    # a folder is taken as it is
    assert resolve_base(str(RULES), rules, tmp_path / "work4") == RULES


def test_impact_against_a_revision(repo: Path) -> None:
    result = impact([DEMO], repo / "policy" / "rules", "HEAD~1", AS_OF)
    assert [(f.rule, f.subject) for f in result.removed] == [("INTERVIEW-OVERDUE", "U-WATER")]
    assert result.added == [] and result.changed == []


@pytest.mark.parametrize(
    ("base", "says"),
    [
        ("no-such-revision", "neither a folder nor a git revision"),
        ("HEAD~2", "has no folder policy/rules"),
        ("/no/such/rules/folder", "neither a folder nor a git revision"),
    ],
)
def test_resolve_base_errors_name_the_base(repo: Path, tmp_path: Path, base: str, says: str) -> None:
    with pytest.raises(CheckerError) as caught:
        resolve_base(base, repo / "policy" / "rules", tmp_path / "work")
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "impact-base"
    assert base in diagnostic.message and says in diagnostic.message


def test_resolve_base_revision_outside_a_repository(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path / "rules")
    if shutil.which("git") is not None:
        inside = subprocess.run(["git", "-C", str(rules), "rev-parse"], capture_output=True, check=False)
        if inside.returncode == 0:
            pytest.skip("the temporary folder is inside a git repository")
    with pytest.raises(CheckerError) as caught:
        impact([DEMO], rules, "HEAD~1", AS_OF)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "impact-base"
    assert "'HEAD~1'" in diagnostic.message
    assert "not in a git repository" in diagnostic.message or "git, needed" in diagnostic.message
