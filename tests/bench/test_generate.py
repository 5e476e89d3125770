"""`python -m bench.generate`: the command-line wrapper around facts.synthetic (tested in tests/synthetic)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from bench.generate import FILES, generate, main
from bench.oracle import ORACLE_RULES
from facts.models import FILE_STEMS, MODELS
from facts.synthetic import FINDING_RULES, PARAMS_FILE, UNMODELLED_KINDS

AS_OF = dt.date(2026, 11, 26)


def test_file_names_map_to_their_kinds() -> None:
    """A file for every kind the generator models; the others (UNMODELLED_KINDS) get none."""
    assert {FILE_STEMS[name.removesuffix(".jsonl")] for name in FILES.values()} == set(MODELS) - set(
        UNMODELLED_KINDS
    )
    assert all(FILE_STEMS[name.removesuffix(".jsonl")] == kind for kind, name in FILES.items())


def test_the_bench_compares_exactly_the_planned_rules() -> None:
    """bench.run checks the scan against the oracle and the plan for ORACLE_RULES: all planned."""
    assert set(ORACLE_RULES) == set(FINDING_RULES)


@pytest.mark.parametrize(("problems", "seed"), [(1, 3), (2, 4), (20, 6), (500, 8)])
def test_generate_sizes_the_city_for_n_problems(problems: int, seed: int, tmp_path: Path) -> None:
    counts = generate(problems, seed, tmp_path, AS_OF)
    assert set(counts) == set(FILES)
    assert counts["problem"] == problems
    for kind, name in FILES.items():
        assert len((tmp_path / name).read_text(encoding="utf-8").splitlines()) == counts[kind]


def test_generate_refuses_no_problems(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate(0, 1, tmp_path, AS_OF)


def test_cli_writes_a_named_scale_and_says_what_a_scan_must_find(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--scale", "small", "--seed", "2", "--as-of", "2026-01-31", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2000 problem" in out and "records/s" in out and "peak RSS" in out
    assert "PATROL-VILLAGE" in out and "RECT-OVERDUE" in out
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILES.values())
    found = [
        dt.date.fromisoformat(json.loads(line)["found_on"])
        for line in (tmp_path / "problems.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert max(found) <= dt.date(2026, 1, 31)


def test_cli_takes_a_problem_count_instead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--problems", "300", "--output", str(tmp_path)]) == 0
    assert "300 problem" in capsys.readouterr().out


def test_cli_reports_parameters_it_cannot_honour(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    params["recurrence_window_days"]["value"] = "sixty"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    assert main(["--params", str(path), "--output", str(tmp_path / "facts")]) == 2
    assert "recurrence_window_days" in capsys.readouterr().err


def test_cli_refuses_both_sizes(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--scale", "small", "--problems", "10", "--output", str(tmp_path)])


def test_the_cli_offers_every_named_scale() -> None:
    from click.testing import CliRunner

    from cli import main
    from facts.synthetic import SCALES

    shown = CliRunner().invoke(main, ["demo", "generate", "--help"]).output
    assert all(name in shown for name in SCALES)
