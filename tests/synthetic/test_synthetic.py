"""The synthetic city: a real scan finds exactly what the generator planned, rule by rule; every record
is valid; the same seed gives the same bytes; and the city looks like Shanghai's ledgers."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.language.load import load_rules
from checker.scan import ScanOptions, scan
from facts.load.pipeline import load_facts
from facts.models import FILE_STEMS, MODELS
from facts.synthetic import (
    DERIVED_RULES,
    FILES,
    FINDING_RULES,
    SCALES,
    UNMODELLED_KINDS,
    UNPLANNED_RULES,
    Generated,
    Scale,
    SyntheticError,
    generate,
    load_params,
)
from facts.synthetic.names import DISTRICTS

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
AS_OF = dt.date(2026, 11, 26)
SEEDS = (1, 2)
Records = dict[str, list[dict[str, Any]]]
DATE_FIELDS = {
    "in_post_from",
    "in_post_to",
    "found_on",
    "deadline",
    "signed_off_on",
    "held_on",
    "patrolled_on",
    "drafted_on",
    "consulted_on",
    "reviewed_on",
    "approved_on",
    "issued_on",
}
QUIET_DOCUMENT_RULES = (
    # rules/office: every office keeps its plan, summary, training, ten working systems, mechanisms
    # and assessment submission, in their windows and with their steps in order
    "OFFICE-ASSESS-SUBMIT",
    "OFFICE-ASSESS-UNAPPROVED",
    "OFFICE-DOC-NO-UNIT",
    "OFFICE-PLAN-MISSING",
    "OFFICE-PLAN-UNAPPROVED",
    "OFFICE-PLAN-UNCONSULTED",
    "OFFICE-POLICE-MECH",
    "OFFICE-PROCURATOR-MECH",
    "OFFICE-SUMMARY-MISSING",
    "OFFICE-SYSTEM-REPEALED",
    "OFFICE-SYSTEM-TOPIC",
    "OFFICE-SYSTEMS-FEW",
    "OFFICE-SYSTEMS-NONE",
    "OFFICE-TRAINING-PLAN",
    "OFFICE-TRAINING-SESSION",
    # rules/records: signboards, files, policies, evaluations, contact departments, liaison officers,
    # joint mechanisms and task areas are all kept
    "CONTACT-DEPT-MISSING",
    "DOC-NO-WATERBODY",
    "HEALTH-EVAL-MISSING",
    "HEALTH-EVAL-STALE",
    "JOINT-MECH-MISSING",
    "LIAISON-MISSING",
    "RIVER-FILE-MISSING",
    "RIVER-FILE-STALE",
    "RIVER-POLICY-APPROVAL",
    "RIVER-POLICY-CONSULT",
    "RIVER-POLICY-MISSING",
    "RIVER-POLICY-REVIEW",
    "SIGNBOARD-OUTDATED",
    "TASK-AREAS-INCOMPLETE",
    "TASK-UNASSIGNED",
)
"""Reviewed list: the document rules that report findings, which the synthetic city (a compliant
office: facts.synthetic.documents) keeps at zero. They stay in UNPLANNED_RULES (their derived facts
are not counted), but a finding of any of them on a generated city is a bug in the generator."""


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, Generated]]:
    made = {}
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"small-{seed}")
        made[seed] = (folder, generate("small", seed, folder, AS_OF))
    return made


@pytest.fixture(scope="module")
def records(cities: dict[int, tuple[Path, Generated]]) -> Records:
    return read(cities[1][0])


def read(folder: Path) -> Records:
    return {
        kind: [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]
        for kind, name in FILES.items()
    }


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def bundled_rules(rules: Path = RULES) -> dict[str, dict[str, Any]]:
    """Rule id -> its rule file, for every bundled rule."""
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in rules.rglob("*.yaml")
        if path.name not in ("params.yaml", "articles.yaml") and not path.name.endswith(".cases.yaml")
    }


def needs_an_unmodelled_kind(rule: dict[str, Any]) -> bool:
    """The rule matches (not merely rules out) a record of a kind the city has none of."""
    return any(clause.get("fact") in UNMODELLED_KINDS for clause in rule["when"] if "bind" in clause)


def assert_scan_matches(folder: Path, generated: Generated, rules: Path, as_of: dt.date) -> None:
    """Exact counts for the planned rules; the others report only if listed as unplanned, a rule that
    needs a complaint or matter reports nothing (the city has none), and neither does a document rule
    (the city keeps every document they ask for)."""
    result = scan([folder], rules, as_of, ScanOptions(jobs=2))
    found = Counter(finding.rule for finding in result.findings)
    derived = Counter(fact.rule for fact in result.derived)
    assert list(generated.expected) == list(FINDING_RULES)
    assert list(generated.derived) == list(DERIVED_RULES)
    assert {rule: found[rule] for rule in generated.expected} == generated.expected
    assert {rule: derived[rule] for rule in generated.derived} == generated.derived
    assert set(found) - set(FINDING_RULES) <= set(UNPLANNED_RULES)
    assert set(derived) - set(DERIVED_RULES) <= set(UNPLANNED_RULES)
    silent = {rule_id for rule_id, rule in bundled_rules(rules).items() if needs_an_unmodelled_kind(rule)}
    assert silent and silent <= set(UNPLANNED_RULES)
    assert {rule: found[rule] + derived[rule] for rule in silent} == dict.fromkeys(silent, 0)
    assert {rule: found[rule] for rule in QUIET_DOCUMENT_RULES} == dict.fromkeys(QUIET_DOCUMENT_RULES, 0)


# --- exact by construction ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_scan_finds_exactly_the_planned_findings(
    cities: dict[int, tuple[Path, Generated]], seed: int
) -> None:
    folder, generated = cities[seed]
    assert_scan_matches(folder, generated, RULES, AS_OF)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_rule_that_reports_findings_has_some_at_small_scale(
    cities: dict[int, tuple[Path, Generated]], seed: int
) -> None:
    _, generated = cities[seed]
    assert list(generated.expected) == list(FINDING_RULES)
    assert all(count > 0 for count in generated.expected.values()), generated.expected
    assert all(count > 0 for count in generated.derived.values()), generated.derived


def test_every_bundled_rule_is_planned_or_listed_as_unplanned() -> None:
    """A new rule cannot escape the exact counts silently: it is planned, or listed in UNPLANNED_RULES."""
    rules = bundled_rules()
    assert set(rules) == {loaded.rule.id for loaded in load_rules(RULES).rules}
    reporting = {rule_id for rule_id, rule in rules.items() if "finding" in rule["then"]}
    deriving = {rule_id for rule_id, rule in rules.items() if "derive" in rule["then"]}
    assert reporting | deriving == set(rules)
    unplanned = set(UNPLANNED_RULES)
    assert len(unplanned) == len(UNPLANNED_RULES) and unplanned <= set(rules)
    assert set(FINDING_RULES) <= reporting and set(DERIVED_RULES) <= deriving
    assert reporting - set(FINDING_RULES) == reporting & unplanned
    assert deriving - set(DERIVED_RULES) == deriving & unplanned
    assert not unplanned & (set(FINDING_RULES) | set(DERIVED_RULES))
    assert unplanned <= (reporting - set(FINDING_RULES)) | (deriving - set(DERIVED_RULES))


def test_document_rules_report_nothing_on_a_compliant_office(
    cities: dict[int, tuple[Path, Generated]], records: Records
) -> None:
    """The planned state of the documents: every document rule is quiet, and the recording rules see
    the records they should (six task areas, ten working systems per office, a signboard per chief)."""
    rules = bundled_rules()
    reporting = {rule_id for rule_id, rule in rules.items() if "finding" in rule["then"]}
    assert set(QUIET_DOCUMENT_RULES) <= reporting & set(UNPLANNED_RULES)
    assert len(set(QUIET_DOCUMENT_RULES)) == len(QUIET_DOCUMENT_RULES)
    on_documents = {
        rule_id
        for rule_id, rule in rules.items()
        if rule_id.startswith(("OFFICE-", "RIVER-", "HEALTH-", "SIGNBOARD-", "TASK-", "DOC-"))
        and rule_id in reporting
    }
    assert on_documents <= set(QUIET_DOCUMENT_RULES)
    folder, generated = cities[1]
    result = scan([folder], RULES, AS_OF, ScanOptions(jobs=2))
    found = Counter(finding.rule for finding in result.findings)
    derived = Counter(fact.rule for fact in result.derived)
    assert {rule: found[rule] for rule in QUIET_DOCUMENT_RULES} == dict.fromkeys(QUIET_DOCUMENT_RULES, 0)
    offices = sum(1 for unit in records["unit"] if unit["type"] == "office")
    assert derived["TASK-AREA-ASSIGNED"] == 6
    assert derived["OFFICE-SYSTEM-IN-FORCE"] == 10 * offices
    in_post = [
        chief
        for chief in records["chief"]
        if chief["role"] in ("河长", "湖长")
        and chief.get("waterbodies")
        and day(chief["in_post_from"]) <= AS_OF <= day(chief.get("in_post_to", "9999-12-31"))
    ]
    assert derived["SIGNBOARD-CURRENT"] >= sum(len(chief["waterbodies"]) for chief in in_post)
    boards = Counter(doc["waterbody"] for doc in records["document"] if doc["type"] == "signboard")
    assert set(boards.values()) == {1} and len(boards) == len(records["waterbody"])
    assert generated.counts["document"] == len(records["document"])


def test_changed_parameters_are_honoured(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    params = yaml.safe_load((rules / "params.yaml").read_text(encoding="utf-8"))
    changed = {
        "overdue_grace_days": 3,
        "interview_min_overdue": 2,
        "interview_min_days_overdue": 45,
        "interview_cooldown_days": 60,
        "recurrence_window_days": 90,
        "accountability_grace_days": 14,
        "accountability_min_persisting": 2,
        "patrol_window_days": 200,
        "patrol_period_village_days": 10,
        "patrol_period_town_days": 20,
        "patrol_period_district_days": 60,
        "patrol_period_city_days": 120,
        "signboard_update_days": 3,
        "river_file_max_age_days": 30,
        "health_evaluation_max_age_days": 200,
        "annual_plan_max_age_days": 40,
        "annual_summary_max_age_days": 20,
        "training_plan_max_age_days": 50,
        "training_session_max_gap_days": 10,
        "assessment_submission_max_age_days": 60,
        "work_systems_required": 10,
        "task_areas_required": 6,
    }
    for name, value in changed.items():
        params[name]["value"] = value
    (rules / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    as_of = dt.date(2024, 3, 1)
    folder = tmp_path / "facts"
    generated = generate("small", 3, folder, as_of, params=rules / "params.yaml")
    assert_scan_matches(folder, generated, rules, as_of)


def test_a_tiny_city_is_exact_too(tmp_path: Path) -> None:
    generated = generate(Scale.for_problems(137), 5, tmp_path, AS_OF)
    assert generated.counts["problem"] == 137
    assert_scan_matches(tmp_path, generated, RULES, AS_OF)


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "'interview_min_overdue' is missing"), ("3", "whole number"), (0, "can honour 1 to")],
)
def test_parameters_it_cannot_honour_stop_it_loudly(tmp_path: Path, value: object, message: str) -> None:
    params = yaml.safe_load((RULES / "params.yaml").read_text(encoding="utf-8"))
    if value is None:
        del params["interview_min_overdue"]
    else:
        params["interview_min_overdue"]["value"] = value
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SyntheticError, match=message):
        generate("small", 1, tmp_path / "facts", AS_OF, params=path)
    assert not (tmp_path / "facts").exists()


def test_more_working_systems_than_there_are_is_refused(tmp_path: Path) -> None:
    """An office keeps the ten working systems of 第十五条: requiring eleven could never be met."""
    params = yaml.safe_load((RULES / "params.yaml").read_text(encoding="utf-8"))
    params["work_systems_required"]["value"] = 11
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SyntheticError, match=r"'work_systems_required' is 11; .* 0 to 10 only"):
        generate("small", 1, tmp_path / "facts", AS_OF, params=path)


def test_an_unknown_scale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SyntheticError, match="unknown scale 'town'"):
        generate("town", 1, tmp_path, AS_OF)


# --- valid and deterministic -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_record_loads_and_validates(cities: dict[int, tuple[Path, Generated]], seed: int) -> None:
    folder, generated = cities[seed]
    facts = load_facts([folder])  # fields, dates, keys and references: raises on any problem
    assert {kind: len(facts.of_kind(kind)) for kind in MODELS} == {
        **dict.fromkeys(UNMODELLED_KINDS, 0),
        **generated.counts,
    }
    assert list(generated.counts) == list(FILES)


def test_files_are_named_for_their_kinds() -> None:
    """One file per modelled kind; the kinds it does not model are listed, so none is forgotten."""
    assert {kind: FILE_STEMS[name.removesuffix(".jsonl")] for kind, name in FILES.items()} == {
        kind: kind for kind in FILES
    }
    assert not set(FILES) & set(UNMODELLED_KINDS)
    assert set(FILES) | set(UNMODELLED_KINDS) == set(MODELS)


def test_same_seed_gives_the_same_bytes(cities: dict[int, tuple[Path, Generated]], tmp_path: Path) -> None:
    first, generated = cities[1]
    again = generate("small", 1, tmp_path, AS_OF)
    assert again == generated
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name


def test_another_seed_gives_another_city(cities: dict[int, tuple[Path, Generated]]) -> None:
    (one, _), (two, _) = cities[1], cities[2]
    for name in FILES.values():
        assert (one / name).read_bytes() != (two / name).read_bytes(), name


def test_json_lines_are_plain_utf8_without_empty_fields(
    cities: dict[int, tuple[Path, Generated]], records: Records
) -> None:
    text = (cities[1][0] / FILES["waterbody"]).read_text(encoding="utf-8")
    assert "\\u" not in text and "区" in text
    date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for rows in records.values():
        for row in rows:
            assert all(value not in (None, [], "", False) for value in row.values()), row
            assert all(date.match(value) for field, value in row.items() if field in DATE_FIELDS), row


# --- realistic ---------------------------------------------------------------------------------------


def test_scales_are_the_sizes_asked_for() -> None:
    assert SCALES["small"].problems == 2_000
    assert SCALES["district"].problems == 30_000
    assert (SCALES["city"].problems, SCALES["city"].waterbodies) == (300_000, 50_000)


def test_small_scale_counts(cities: dict[int, tuple[Path, Generated]]) -> None:
    counts = cities[1][1].counts
    assert counts["problem"] == 2_000 and counts["waterbody"] == 160
    assert 2_000 <= counts["patrol"] <= 9_000
    # one chief per 1-4 waterbodies of a level and district (small districts: more part-full groups),
    # a few handovers and co-chiefs, and the 19 general chiefs of the city and the districts
    assert 160 / 4 + 19 <= counts["chief"] <= 160 + 19


def test_districts_levels_and_units(records: Records) -> None:
    waters = records["waterbody"]
    assert {row["district"] for row in waters if "district" in row} == {d.name for d in DISTRICTS}
    levels = Counter(row["level"] for row in waters)
    assert levels["村居"] > levels["街镇"] > levels["区"] > levels["市"] >= 10
    assert all("district" not in row for row in waters if row["level"] == "市")
    crossing = [row for row in waters if row.get("cross_provincial")]
    assert crossing and all(row["basin"] in ("长江", "太湖") for row in crossing)
    units = Counter(row["type"] for row in records["unit"])
    assert units["office"] == 17 and units["district_government"] == 16 and units["lower_office"] >= 16
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", row["name"]) for row in records["chief"])


def test_chiefs_hold_waterbodies_of_their_level(records: Records) -> None:
    waters = {row["key"]: row for row in records["waterbody"]}
    roles = Counter((row["level"], row["role"]) for row in records["chief"] if "waterbodies" not in row)
    assert roles == {("市", "总河长"): 1, ("市", "副总河长"): 2, ("区", "总河长"): 16}
    for chief in records["chief"]:
        assert {waters[key]["level"] for key in chief.get("waterbodies", [])} <= {chief["level"]}
    assert set(waters) == {key for chief in records["chief"] for key in chief.get("waterbodies", [])}


def test_problem_statuses_and_dates(records: Records) -> None:
    problems = records["problem"]
    status = Counter(row["status"] for row in problems)
    assert status["signed_off"] / len(problems) == pytest.approx(0.6, abs=0.05)
    assert set(status) == {"registered", "assigned", "in_progress", "rectified", "signed_off"}
    overdue = [
        row
        for row in problems
        if row["status"] != "signed_off" and day(row.get("deadline", "9999-12-31")) < AS_OF
    ]
    assert 0.04 < len(overdue) / len(problems) < 0.15
    for row in problems:
        assert ("assignee" in row) == (row["status"] != "registered"), row
        if "deadline" in row:
            assert 15 <= (day(row["deadline"]) - day(row["found_on"])).days <= 90, row
        if row["status"] == "signed_off":
            assert (
                day(row["found_on"])
                <= day(row["signed_off_on"])
                <= min(day(row["deadline"]) + dt.timedelta(10), AS_OF)
            )
    keys = [row["key"] for row in problems]
    assert [row["found_on"] for row in problems] == sorted(row["found_on"] for row in problems)
    assert keys == sorted(keys)


def test_patrols_keep_each_levels_rhythm(records: Records) -> None:
    level = {row["key"]: row["level"] for row in records["chief"]}
    posts: dict[tuple[str, str], list[dt.date]] = {}
    for row in records["patrol"]:
        posts.setdefault((row["chief"], row["waterbody"]), []).append(day(row["patrolled_on"]))
    per_year: dict[str, list[int]] = {}
    for (chief, _), days in posts.items():
        assert days == sorted(days) and AS_OF - dt.timedelta(365) <= days[0] and days[-1] <= AS_OF
        per_year.setdefault(level[chief], []).append(len(days))
    mean = {key: sum(counts) / len(counts) for key, counts in per_year.items()}
    assert (
        45 <= mean["村居"] <= 66
        and 10 <= mean["街镇"] <= 16
        and 3 <= mean["区"] <= 6
        and 1 <= mean["市"] <= 3
    )


def test_boundaries_are_in_the_data(records: Records) -> None:
    """The exact-count test is only as good as the edge cases the data holds: each rule's boundary."""
    params = load_params()
    grace, threshold = params.overdue_grace_days, params.interview_min_days_overdue
    problems = records["problem"]
    days_overdue = {
        (AS_OF - day(row["deadline"])).days
        for row in problems
        if row["status"] != "signed_off" and "deadline" in row
    }
    # the last day not yet overdue; one day late; just below and at the interview threshold
    assert {grace, grace + 1, threshold - 1, threshold} <= days_overdue
    held = {(AS_OF - day(row["held_on"])).days for row in records["interview"]}
    cooldown, after = params.interview_cooldown_days, params.accountability_grace_days
    assert {cooldown, cooldown + 1, after, after + 1} <= held
    signed: dict[tuple[str, str], list[dt.date]] = {}
    for row in problems:
        if row["status"] == "signed_off":
            signed.setdefault((row["waterbody"], row["category"]), []).append(day(row["signed_off_on"]))
    gaps = {
        (day(row["found_on"]) - when).days
        for row in problems
        for when in signed.get((row["waterbody"], row["category"]), [])
    }
    assert {1, params.recurrence_window_days} <= gaps
    chiefs = records["chief"]
    assert any(row.get("in_post_to") == AS_OF.isoformat() for row in chiefs)
    assert any(day(row["in_post_from"]) > AS_OF for row in chiefs)
    starts = {(row["level"], (AS_OF - day(row["in_post_from"])).days) for row in chiefs}
    for level in ("村居", "街镇", "区", "市"):
        period = params.patrol_period(level)
        assert {(level, period), (level, period - 1)} <= starts
