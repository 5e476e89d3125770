"""The crowded scales (facts.synthetic.shapes): dense-small and adversarial-small are legal, shaped as
their scales say, and a scan finds exactly the oracle's findings (bench/oracle.py) and the generator's
counts, rule by rule; the same seed gives the same bytes."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from bench.oracle import ORACLE_RULES, findings, load_params
from checker.scan import ScanOptions, scan
from facts.load.pipeline import load_facts
from facts.synthetic import DERIVED_RULES, FILES, FINDING_RULES, SCALES, Generated, generate

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
AS_OF = dt.date(2026, 11, 26)
CROWDED = ("dense-small", "adversarial-small")
WINDOW = int(load_params(RULES)["recurrence_window_days"])


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Generated]]:
    made = {}
    for name in CROWDED:
        folder = tmp_path_factory.mktemp(name)
        made[name] = (folder, generate(name, 1, folder, AS_OF))
    return made


def read(folder: Path, kind: str) -> list[dict[str, Any]]:
    lines = (folder / FILES[kind]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


@pytest.mark.parametrize("name", CROWDED)
def test_scan_finds_exactly_the_oracles_and_the_planned_findings(
    crowded: dict[str, tuple[Path, Generated]], name: str
) -> None:
    folder, generated = crowded[name]
    facts = load_facts([folder])
    oracle = findings(facts, AS_OF, load_params(RULES))
    result = scan([folder], RULES, AS_OF, ScanOptions(jobs=1))
    scanned = {(f.rule, f.subject) for f in result.findings if f.rule in ORACLE_RULES}
    for rule in ORACLE_RULES:
        mine = {s for r, s in scanned if r == rule}
        theirs = {s for r, s in oracle if r == rule}
        assert mine == theirs, (rule, sorted(mine - theirs)[:5], sorted(theirs - mine)[:5])
    found = Counter(f.rule for f in result.findings)
    derived = Counter(fact.rule for fact in result.derived)
    assert list(generated.expected) == list(FINDING_RULES)
    assert {rule: found[rule] for rule in FINDING_RULES} == generated.expected
    assert {rule: derived[rule] for rule in DERIVED_RULES} == generated.derived
    assert all(count > 0 for count in generated.expected.values()), generated.expected


def test_same_seed_gives_the_same_bytes(crowded: dict[str, tuple[Path, Generated]], tmp_path: Path) -> None:
    for name in CROWDED:
        folder, generated = crowded[name]
        again = generate(name, 1, tmp_path / name, AS_OF)
        assert again == generated
        for file in FILES.values():
            assert (tmp_path / name / file).read_bytes() == (folder / file).read_bytes(), (name, file)
    other = generate(CROWDED[0], 2, tmp_path / "seed2", AS_OF)
    assert (tmp_path / "seed2" / FILES["problem"]).read_bytes() != (
        crowded[CROWDED[0]][0] / FILES["problem"]
    ).read_bytes()
    assert other.counts["problem"] == SCALES[CROWDED[0]].problems


def test_dense_is_few_waterbodies_and_categories(crowded: dict[str, tuple[Path, Generated]]) -> None:
    folder, generated = crowded["dense-small"]
    problems = read(folder, "problem")
    assert len(problems) == generated.counts["problem"] == SCALES["dense-small"].problems
    assert len({p["waterbody"] for p in problems}) == 20
    assert len({p["category"] for p in problems}) == 7
    per_unit = Counter(p["assignee"] for p in problems if p.get("assignee"))
    assert max(per_unit.values()) >= 50
    assert generated.expected["RECT-RECURRENCE"] > 0.3 * generated.counts["problem"]


def test_dense_data_holds_the_recurrence_windows_edges(crowded: dict[str, tuple[Path, Generated]]) -> None:
    """Signed-off problems with a problem of their kind found on the sign-off day (not after it), on the
    last day of the window, and the day after it: the ties the rule's `gt`/`lte` decide."""
    folder, _ = crowded["dense-small"]
    problems = read(folder, "problem")
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in problems:
        found[(p["waterbody"], p["category"])].append(day(p["found_on"]))
    gaps: Counter[int] = Counter()
    many = 0
    for p in problems:
        if p["status"] != "signed_off":
            continue
        days = found[(p["waterbody"], p["category"])]
        signed = day(p["signed_off_on"])
        for gap in (0, WINDOW, WINDOW + 1):
            gaps[gap] += signed + gap in days
        many += sum(signed < d <= signed + WINDOW for d in days) > 10
    assert all(gaps[gap] > 10 for gap in (0, WINDOW, WINDOW + 1)), gaps
    assert many > 20  # more candidates than a result keeps (MATCHES_KEPT)


def test_adversarial_is_shaped_to_hurt_a_join(crowded: dict[str, tuple[Path, Generated]]) -> None:
    folder, generated = crowded["adversarial-small"]
    shape = SCALES["adversarial-small"].shape
    assert shape is not None
    problems = read(folder, "problem")
    water, hot = Counter(p["waterbody"] for p in problems).most_common(1)[0]
    assert hot > 0.4 * len(problems)
    on_hot = [p for p in problems if p["waterbody"] == water]
    assert all(p["status"] == "signed_off" for p in on_hot)
    unit, held = Counter(p.get("assignee") for p in problems).most_common(1)[0]
    assert unit == "U-SWJ" and held > hot
    chiefs = read(folder, "chief")
    assert max(len(c.get("waterbodies", [])) for c in chiefs) > shape.chief_waters
    holders = Counter(w for c in chiefs for w in c.get("waterbodies", []))
    assert max(holders.values()) > shape.tenure_chain
    posts = Counter((p["chief"], p["waterbody"]) for p in read(folder, "patrol"))
    assert max(posts.values()) > shape.post_patrols
    assert len(posts) < generated.counts["patrol"]
