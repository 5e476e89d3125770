"""The synthetic fact set: deterministic, valid against the models, referentially whole, realistic."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.generate import FILES, generate, main
from bench.world import CITY_OFFICE, build_world
from facts.models import FILE_STEMS, MODELS

N = 2_000
AS_OF = dt.date(2026, 11, 26)
Records = dict[str, list[dict[str, Any]]]


def read(out_dir: Path) -> Records:
    return {
        kind: [json.loads(line) for line in (out_dir / name).read_text(encoding="utf-8").splitlines()]
        for kind, name in FILES.items()
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Records]:
    out_dir = tmp_path_factory.mktemp("facts")
    counts = generate(N, seed=7, out_dir=out_dir, as_of=AS_OF)
    return out_dir, counts, read(out_dir)


@pytest.fixture(scope="module")
def records(generated: tuple[Path, dict[str, int], Records]) -> Records:
    return generated[2]


def by_key(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in rows}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_file_names_map_to_their_kinds() -> None:
    assert {FILE_STEMS[name.removesuffix(".jsonl")] for name in FILES.values()} == set(MODELS)
    assert all(FILE_STEMS[name.removesuffix(".jsonl")] == kind for kind, name in FILES.items())


def test_same_seed_gives_the_same_bytes(
    generated: tuple[Path, dict[str, int], Records], tmp_path: Path
) -> None:
    first, _, _ = generated
    generate(N, seed=7, out_dir=tmp_path, as_of=AS_OF)
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == (first / name).read_bytes(), name


def test_another_seed_gives_other_facts(
    generated: tuple[Path, dict[str, int], Records], tmp_path: Path
) -> None:
    first, _, _ = generated
    generate(N, seed=8, out_dir=tmp_path, as_of=AS_OF)
    for name in ("waterbodies.jsonl", "chiefs.jsonl", "problems.jsonl"):
        assert (tmp_path / name).read_bytes() != (first / name).read_bytes(), name


def test_every_record_validates_against_its_model(records: Records) -> None:
    for kind, rows in records.items():
        for row in rows:
            MODELS[kind].model_validate(row)


def test_keys_are_unique_and_every_reference_resolves(records: Records) -> None:
    assert_whole(records)


def assert_whole(records: Records) -> None:
    """Keys unique per kind, and every key a record holds in a reference field names an existing record."""
    keys = {kind: [row["key"] for row in rows] for kind, rows in records.items()}
    for kind, kind_keys in keys.items():
        assert len(set(kind_keys)) == len(kind_keys), kind
    known = {kind: set(kind_keys) for kind, kind_keys in keys.items()}
    for kind, rows in records.items():
        for field, target in MODELS[kind].references.items():
            for row in rows:
                value = row.get(field)
                held = value if isinstance(value, list) else [] if value is None else [value]
                missing = [key for key in held if key not in known[target]]
                assert not missing, f"{kind} {row['key']}.{field} -> {missing}"


def test_json_is_plain_utf8_without_empty_fields(generated: tuple[Path, dict[str, int], Records]) -> None:
    out_dir, _, records = generated
    text = (out_dir / "waterbodies.jsonl").read_text(encoding="utf-8")
    assert "\\u" not in text and "区" in text
    date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for rows in records.values():
        for row in rows:
            assert all(value not in (None, [], "", False) for value in row.values()), row
            assert all(
                date.match(value) for field, value in row.items() if field.endswith(("_on", "deadline"))
            ), row


def test_counts_are_returned_and_in_proportion(generated: tuple[Path, dict[str, int], Records]) -> None:
    _, counts, records = generated
    assert counts == {kind: len(rows) for kind, rows in records.items()}
    assert counts["problem"] == N
    assert counts["waterbody"] == pytest.approx(N / 6, rel=0.05)
    # Chiefs are grouped by level and district, so small sets have a few more half-full groups.
    assert counts["chief"] == pytest.approx(N / 12, rel=0.2)
    assert counts["interview"] == pytest.approx(N / 1000, abs=1)
    assert 30 <= counts["unit"] <= 60


def test_units_grow_with_the_target() -> None:
    world = build_world(random.Random(1), waterbodies=1_000, units=400, as_of=AS_OF)
    assert len(world.units) == 400
    types = Counter(unit.type for unit in world.units)
    assert types["office"] == 17 and types["district_government"] == 16
    assert types["member_unit"] >= 4 and types["lower_office"] >= 16


def test_levels_basins_and_units(records: Records) -> None:
    waters = records["waterbody"]
    levels = Counter(row["level"] for row in waters)
    assert levels["市"] == round(len(waters) * 0.01)
    assert levels["村居"] > levels["街镇"] > levels["区"] > levels["市"]
    assert len({row["district"] for row in waters if "district" in row}) == 16
    assert all("district" not in row for row in waters if row["level"] == "市")
    basin = [row for row in waters if "basin" in row]
    assert len(basin) == pytest.approx(len(waters) * 0.02, abs=2)
    crossing = [row for row in waters if row.get("cross_provincial")]
    assert 1 <= len(crossing) <= len(basin) and all("basin" in row for row in crossing)
    units = by_key(records["unit"])
    assert units[CITY_OFFICE]["type"] == "office"
    assert {"上海市水务局", "上海市生态环境局", "上海市绿化和市容管理局", "上海市交通委员会"} <= {
        row["name"] for row in units.values()
    }
    offices = [row for row in units.values() if row["type"] == "office" and "district" in row]
    assert len({row["district"] for row in offices}) == len(offices) == 16


def test_chiefs_cover_waterbodies_of_their_level(records: Records) -> None:
    waters = by_key(records["waterbody"])
    chiefs = records["chief"]
    roles = Counter((row["level"], row["role"]) for row in chiefs if row["role"].startswith(("总", "副")))
    assert roles == {("市", "总河长"): 1, ("市", "副总河长"): 2}
    for chief in chiefs:
        if chief["role"] in ("河长", "湖长"):
            assert 1 <= len(chief["waterbodies"]) <= 4
            assert {waters[key]["level"] for key in chief["waterbodies"]} == {chief["level"]}
    city_chiefs = {
        key
        for chief in chiefs
        if chief["level"] == "市" and "in_post_to" not in chief
        for key in chief.get("waterbodies", [])
    }
    assert {key for key, row in waters.items() if row["level"] == "市"} <= city_chiefs
    assert set(waters) == {key for chief in chiefs for key in chief.get("waterbodies", [])}


def test_problem_dates_and_status_mix(records: Records) -> None:
    problems = records["problem"]
    for row in problems:
        found = day(row["found_on"])
        assert AS_OF - dt.timedelta(days=365) <= found < AS_OF, row
        if "deadline" in row:
            assert 15 <= (day(row["deadline"]) - found).days <= 90, row
        if row["status"] == "signed_off":
            latest = min(day(row["deadline"]) + dt.timedelta(days=10), AS_OF)
            assert found <= day(row["signed_off_on"]) <= latest, row
        else:
            assert "signed_off_on" not in row
        assert ("assignee" in row) == (row["status"] != "registered"), row
    status = Counter(row["status"] for row in problems)
    assert status["signed_off"] / N == pytest.approx(0.6, abs=0.03)
    assert 0 < status["registered"] / N < 0.05
    signed = [row for row in problems if row["status"] == "signed_off"]
    assert sum(1 for row in signed if row.get("verified")) / len(signed) > 0.9
    overdue = [(AS_OF - day(row["deadline"])).days for row in problems if is_overdue(row)]
    assert len(overdue) / N == pytest.approx(0.10, abs=0.02)
    assert min(overdue) >= 1 and max(overdue) <= 200
    assert len(status) >= 5 and set(status) <= {
        "registered",
        "assigned",
        "in_progress",
        "rectified",
        "signed_off",
    }


def is_overdue(row: dict[str, Any]) -> bool:
    return row["status"] != "signed_off" and "deadline" in row and day(row["deadline"]) < AS_OF


def test_problems_sit_in_the_right_ledger(records: Records) -> None:
    waters = by_key(records["waterbody"])
    offices = {
        row["district"]: row["key"]
        for row in records["unit"]
        if row["type"] == "office" and "district" in row
    }
    for row in records["problem"]:
        district = waters[row["waterbody"]].get("district")
        assert row["office"] in {CITY_OFFICE, offices.get(district)}, row


def test_major_problems_are_mostly_escalated_to_the_city_level_chief(records: Records) -> None:
    problems = records["problem"]
    city_chief = {
        water: chief["key"]
        for chief in records["chief"]
        if chief["level"] == "市" and "in_post_to" not in chief
        for water in chief.get("waterbodies", [])
    }
    majors = [row for row in problems if row["severity"] == "major" and row["scope"] == "individual"]
    assert sum(1 for row in problems if row["severity"] == "major") / N == pytest.approx(0.05, abs=0.01)
    escalated = [row for row in majors if city_chief.get(row["waterbody"]) in row.get("escalated_to", [])]
    assert 0.85 <= len(escalated) / len(majors) < 1, "most, but not all, majors escalated correctly"
    general = next(chief["key"] for chief in records["chief"] if chief["role"] == "总河长")
    policy = [row for row in problems if row["scope"] == "policy"]
    assert policy and all(row["severity"] == "major" for row in policy)
    assert any(general in row.get("escalated_to", []) for row in policy)
    assert all("escalated_to" not in row for row in problems if row["severity"] == "general")


def test_cross_provincial_problems_go_to_a_basin_mechanism(records: Records) -> None:
    waters = by_key(records["waterbody"])
    crossing = [row for row in records["problem"] if row["scope"] == "cross_provincial"]
    assert crossing and all(waters[row["waterbody"]].get("cross_provincial") for row in crossing)
    assert any("basin_referral" in row for row in crossing)
    assert all(
        "basin_referral" not in row for row in records["problem"] if row["scope"] != "cross_provincial"
    )


def test_some_problems_come_back_after_sign_off(records: Records) -> None:
    problems = records["problem"]
    sign_offs: dict[tuple[str, str], list[dt.date]] = {}
    for row in problems:
        if row["status"] == "signed_off":
            sign_offs.setdefault((row["waterbody"], row["category"]), []).append(day(row["signed_off_on"]))
    recurrences = [
        row
        for row in problems
        if any(
            5 <= (day(row["found_on"]) - signed).days <= 60
            for signed in sign_offs.get((row["waterbody"], row["category"]), [])
        )
    ]
    assert 1 <= len(recurrences) <= 0.03 * N


def test_interviews_are_about_their_units_problems(records: Records) -> None:
    problems = by_key(records["problem"])
    for row in records["interview"]:
        assert 1 <= len(row["problems"]) <= 3
        assert day(row["held_on"]) < AS_OF
        assert all(problems[key]["assignee"] == row["unit"] for key in row["problems"])
        assert all(day(problems[key]["found_on"]) <= day(row["held_on"]) for key in row["problems"])


@pytest.mark.parametrize(("problems", "seed"), [(1, 3), (2, 4), (19, 5), (20, 6), (137, 7), (500, 8)])
def test_small_sets_are_still_valid_and_whole(problems: int, seed: int, tmp_path: Path) -> None:
    counts = generate(problems, seed=seed, out_dir=tmp_path, as_of=AS_OF)
    assert counts["problem"] == problems
    records = read(tmp_path)
    for kind, rows in records.items():
        for row in rows:
            MODELS[kind].model_validate(row)
    assert_whole(records)


def test_cli_writes_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--problems", "300", "--seed", "2", "--as-of", "2026-01-31", "--output", str(tmp_path)]) == 0
    assert "records/s" in capsys.readouterr().out
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILES.values())
    found = [
        day(json.loads(line)["found_on"]) for line in (tmp_path / "problems.jsonl").read_text().splitlines()
    ]
    assert max(found) < dt.date(2026, 1, 31)
