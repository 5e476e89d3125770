"""The session plan (`checker.engine.plan`): matches found in Python, kept, put in units and
sessions of bounded size, and every planned match confirmed by the engine (docs/engine.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

import checker.engine.adapter
from checker.engine.evaluate import MATCHES_KEPT
from checker.engine.flatten import NUMBER
from checker.engine.plan import plan_pass
from checker.engine.run import RunOptions, run
from checker.errors import EngineError
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.language.program import Program
from facts.load.pipeline import load_facts

AS_OF = dt.date(2026, 11, 26)
DAY = (AS_OF - dt.date(1970, 1, 1)).days
CONSTANTS = {"as_of": DAY, "params": {}}


def write_rule(folder: Path, rule_id: str, when: list[dict[str, Any]], then: dict[str, Any]) -> Program:
    folder.mkdir(parents=True, exist_ok=True)
    text = {
        "id": rule_id,
        "article": 25,
        "gist": "g",
        "title": {"zh": "t", "en": "t"},
        "kind": "overdue",
        "severity": "high",
        "when": when,
        "then": then,
    }
    (folder / f"{rule_id}.yaml").write_text(yaml.safe_dump(text, allow_unicode=True), encoding="utf-8")
    (folder / "params.yaml").write_text("{}\n", encoding="utf-8")
    return compile_rules(load_rules(folder), AS_OF)


def numbered(facts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    counter = 0
    for kind in sorted(facts):
        for fact in facts[kind]:
            fact[NUMBER] = counter
            counter += 1
    return facts


RECURRENCE = [
    {"bind": "closed", "fact": "problem", "where": {"status": "signed_off"}},
    {
        "bind": "again",
        "fact": "problem",
        "where": {
            "waterbody": "$closed.waterbody",
            "found_on": {"gt": "$closed.signed_off_on", "lte": "$closed.signed_off_on + 60"},
        },
    },
]
FINDING = {
    "finding": {
        "subject": "$closed.key",
        "message": {"zh": "{again.key}", "en": "{again.key}"},
        "remedy": {"zh": "r", "en": "r"},
    }
}


def dense(count: int) -> dict[str, list[dict[str, Any]]]:
    """`count` problems on one waterbody, one found every day, every one signed off the day after."""
    return {
        "problem": [
            {
                "kind": "problem",
                "key": f"P-{n:05d}",
                "waterbody": "W-1",
                "status": "signed_off",
                "found_on": DAY - 400 + n,
                "signed_off_on": DAY - 399 + n,
            }
            for n in range(count)
        ]
    }


def test_a_dense_waterbody_gives_each_result_its_first_matches_only(tmp_path: Path) -> None:
    program = write_rule(tmp_path / "rules", "X-RECUR", RECURRENCE, FINDING)
    facts = numbered(dense(300))
    plan = plan_pass(program.passes[0], facts, CONSTANTS)
    planned = [match for session in plan.sessions for _, match in session.planned()["X-RECUR"]]
    evidence = [
        match
        for session in plan.sessions
        for unit in session.units
        for match in unit.evidence.get("X-RECUR", [])
    ]
    by_closed: dict[int, list[tuple[int, ...]]] = {}
    for match in planned + evidence:
        by_closed.setdefault(match[0], []).append(match)
    # a problem found two or more days after another's sign-off recurs it: all but the last two recur
    assert len(by_closed) == 298
    assert max(len(matches) for matches in by_closed.values()) == MATCHES_KEPT
    first = by_closed[0]
    assert sorted(match[1] for match in first) == list(range(2, 2 + MATCHES_KEPT))
    # the engine confirms each result's first match (the one it is made from); the rest is evidence
    assert len(planned) == 298
    assert sorted(match for match in planned if match[0] == 0) == [(0, 2)]
    # a session asserts the facts of the matches to confirm: two per result here
    assert all(len(plan.facts(session)) <= 2_000 for session in plan.sessions)
    assert sum(len(plan.facts(session)) for session in plan.sessions) == 2 * 298


def fired_and_planned(program: Program, count: int) -> tuple[int, int]:
    from checker.engine.ruleset import durable_ruleset

    plan = plan_pass(program.passes[0], numbered(dense(count)), CONSTANTS)
    definition = durable_ruleset(program.passes[0])
    fired = 0
    for session in plan.sessions:
        matches, _ = checker.engine.adapter.run_partitions(definition, [plan.facts(session)])
        fired += len(matches["X-RECUR"])
    return fired, sum(len(session.planned()["X-RECUR"]) for session in plan.sessions)


def test_the_engine_combines_the_facts_of_one_unit_only(tmp_path: Path) -> None:
    """All the problems share one waterbody: without units the engine would pair all of them, and
    its work would grow with the square of their number."""
    program = write_rule(tmp_path / "rules", "X-RECUR", RECURRENCE, FINDING)
    fired, planned = fired_and_planned(program, 200)
    fired_twice, planned_twice = fired_and_planned(program, 400)
    # a unit holds one result and the match it is made from, each fact tagged with the positions it
    # is planned at: the engine fires the planned matches only
    assert fired == planned
    assert 1.8 < fired_twice / fired < 2.2  # linear in the records: 200 x 200 pairs would be x4
    assert 1.8 < planned_twice / planned < 2.2


def write_facts(folder: Path, problems: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "problems.yaml").write_text(yaml.safe_dump(problems, allow_unicode=True), encoding="utf-8")
    (folder / "units.yaml").write_text("- {key: U-1, name: u, type: office}\n", encoding="utf-8")
    (folder / "waterbodies.yaml").write_text("- {key: W-1, name: w, level: 区}\n", encoding="utf-8")
    return folder


def problem(n: int, found: str, signed: str) -> dict[str, Any]:
    return {
        "key": f"P-{n}",
        "waterbody": "W-1",
        "source": "patrol",
        "category": "c",
        "severity": "general",
        "found_on": found,
        "office": "U-1",
        "deadline": found,
        "status": "signed_off",
        "signed_off_on": signed,
    }


def one_recurrence(tmp_path: Path) -> tuple[Program, Any]:
    """X-RECUR and two problems, the second found after the first's sign-off: one finding."""
    program = write_rule(tmp_path / "rules", "X-RECUR", RECURRENCE, FINDING)
    problems = [problem(1, "2026-09-01", "2026-09-02"), problem(2, "2026-09-10", "2026-09-11")]
    return program, load_facts([write_facts(tmp_path / "facts", problems)])


def test_a_planned_match_the_engine_does_not_find_is_an_engine_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program, facts = one_recurrence(tmp_path)
    real = checker.engine.adapter.run_partitions

    def losing(definition: Any, partitions: Any, **kwargs: Any) -> Any:
        matches, stats = real(definition, partitions, **kwargs)
        return {rule: found[1:] for rule, found in matches.items()}, stats  # the engine "loses" one

    found = run(program, facts, RunOptions(jobs=1))
    assert [o.key for o in found.outputs.values() if o.kind == "finding"]
    monkeypatch.setattr(checker.engine.adapter, "run_partitions", losing)
    with pytest.raises(EngineError, match=r"the engine lost a match of X-RECUR .* in 3 runs \(pitfall 12\)"):
        run(program, facts, RunOptions(jobs=1))


def test_a_run_that_loses_a_match_is_run_again_and_counts_only_when_it_finds_every_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program, facts = one_recurrence(tmp_path)
    real = checker.engine.adapter.run_partitions
    expected = run(program, facts, RunOptions(jobs=1))
    assert expected.stats.rerun == 0
    runs: list[int] = []

    def flaky(definition: Any, partitions: Any, **kwargs: Any) -> Any:  # loses one, then finds all
        matches, stats = real(definition, partitions, **kwargs)
        runs.append(len(runs))
        if len(runs) < 3:
            return {rule: found[1:] for rule, found in matches.items()}, stats
        return matches, stats

    monkeypatch.setattr(checker.engine.adapter, "run_partitions", flaky)
    again = run(program, facts, RunOptions(jobs=1))  # jobs=1 still forks: the count is the worker's
    assert again.outputs == expected.outputs
    assert again.stats.rerun == 1  # one task, run three times


def test_a_group_sliced_over_sessions_counts_all_its_matches(tmp_path: Path) -> None:
    when = [
        {"bind": "p", "fact": "problem", "where": {"status": "signed_off"}},
        {"bind": "w", "fact": "waterbody", "where": {"key": "$p.waterbody"}},
    ]
    then = {
        "derive": {"fact": "counted", "key": "$water", "set": {"n": "$n"}},
    }
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    text = {
        "id": "X-COUNT",
        "article": 25,
        "gist": "g",
        "title": {"zh": "t", "en": "t"},
        "kind": "overdue",
        "severity": "high",
        "when": when,
        "group": {"by": {"water": "$w.key"}, "compute": {"n": {"count": "p"}}},
        "then": then,
    }
    (folder / "X-COUNT.yaml").write_text(yaml.safe_dump(text, allow_unicode=True), encoding="utf-8")
    (folder / "params.yaml").write_text("{}\n", encoding="utf-8")
    program = compile_rules(load_rules(folder), AS_OF)
    problems = [problem(n, "2026-01-01", "2026-01-02") for n in range(2_500)]
    facts = load_facts([write_facts(tmp_path / "facts", problems)])
    derived = run(program, facts, RunOptions(jobs=2, partition_size=500))
    [counted] = [o for o in derived.outputs.values() if o.kind == "counted"]
    assert counted.fields["n"] == 2_500
    assert derived.stats.partitions >= 3  # 2,500 matches in slices of 1,000: three units, one per session
