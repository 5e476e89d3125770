"""`rivercheck scan` as a user meets it: version, exit statuses, failures, --output, --lang, real runs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

import checker.engine.adapter
import checker.scan
from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
AS_OF = "2026-11-26"


def scan(*args: str) -> Result:
    """`rivercheck scan DEMO --as-of AS_OF ARGS...` in-process (explicit paths: reports name files alike)."""
    return CliRunner().invoke(main, ["scan", str(DEMO), "--as-of", AS_OF, *args])


# --- version -------------------------------------------------------------------------------------


def test_version_prints_tool_name_and_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"rivercheck {version('rivercheck')}\n"


# --- exit statuses 0 and 1: --fail-on against the demo (one critical finding: an accountability referral)


@pytest.mark.parametrize(
    ("fail_on", "status"),
    [
        pytest.param(None, 1, id="default-low"),
        pytest.param("info", 1, id="info"),
        pytest.param("medium", 1, id="medium"),
        pytest.param("high", 1, id="high"),
        pytest.param("critical", 1, id="critical"),
    ],
)
def test_fail_on_threshold_sets_exit_status(fail_on: str | None, status: int) -> None:
    result = scan(*(["--fail-on", fail_on] if fail_on else []))
    assert result.exit_code == status, result.output
    assert result.stderr == ""
    assert "RECT-OVERDUE" in result.stdout  # the report is printed whatever the status


def test_findings_below_the_threshold_exit_zero() -> None:
    """Without interviews.yaml the accountability referral is not checked, so nothing critical: exit 0;
    the scope section says it was not checked, for want of interview records."""
    paths = [str(path) for path in sorted(DEMO.glob("*.yaml")) if path.name != "interviews.yaml"]
    result = CliRunner().invoke(main, ["scan", *paths, "--as-of", AS_OF, "--fail-on", "critical"])
    assert result.exit_code == 0, result.output
    findings, scope = result.stdout.split("\n检查范围\n")
    assert "RECT-OVERDUE" in findings and "ACCOUNTABILITY-REFERRAL" not in findings
    assert "未提供约谈记录: ACCOUNTABILITY-REFERRAL" in scope


def test_no_findings_exits_zero_even_at_lowest_threshold(tmp_path: Path) -> None:
    # the demo's units alone are no longer clean: offices and member units without their documents
    # (plans, mechanisms, liaison officers) are findings; a government and lower offices alone are
    units = tmp_path / "units.yaml"
    units.write_text(
        "- {key: U-GOV, name: 清溪区人民政府, type: district_government, district: 清溪区}\n"
        "- {key: U-TOWN-A, name: 青枫镇河长制办公室, type: lower_office, district: 清溪区}\n"
        "- {key: U-TOWN-B, name: 白鹭街道河长制办公室, type: lower_office, district: 清溪区}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["scan", str(units), "--as-of", AS_OF, "--fail-on", "info", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Findings (0)" in result.stdout


# --- exit status 2: usage -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--bogus"], ["No such option", "--bogus"], id="unknown-option"),
        pytest.param(
            ["--as-of", "2026-13-45"], ["--as-of", "2026-13-45", "YYYY-MM-DD"], id="impossible-date"
        ),
        pytest.param(["--fail-on", "severe"], ["--fail-on", "severe"], id="unknown-severity"),
        pytest.param(["--jobs", "0"], ["--jobs", "0"], id="zero-jobs"),
        pytest.param(["--format", "xml"], ["--format", "xml"], id="unknown-format"),
        pytest.param(["{missing}"], ["{missing}", "no such file or directory"], id="missing-fact-path"),
        pytest.param(["--rules", "{missing}"], ["{missing}", "no rules folder"], id="missing-rules-folder"),
    ],
)
def test_usage_errors_exit_2_and_say_why(tmp_path: Path, args: list[str], expected: list[str]) -> None:
    missing = str(tmp_path / "no-such-place")
    argv = ["scan", "--as-of", AS_OF, *(a.format(missing=missing) for a in args)]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for fragment in expected:
        assert fragment.format(missing=missing) in result.stderr
    assert "Traceback" not in result.output


# --- exit status 3: the engine died, or something unexpected broke ----------------------------------


def _kill_own_process(*args: Any, **kwargs: Any) -> NoReturn:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["one-job", "two-jobs"])
def test_worker_killed_is_engine_failure_naming_pass_and_partitions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: str
) -> None:
    # workers are forked from this process, so they see the patched engine and kill themselves
    monkeypatch.setattr(checker.engine.adapter, "run_partitions", _kill_own_process)
    report = tmp_path / "report.json"
    result = scan("--jobs", jobs, "--output", str(report))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "rivercheck: engine failure:" in result.stderr
    assert re.search(r"pass \S+ \([A-Z0-9, -]+\) sessions \d+-\d+", result.stderr), result.stderr
    assert "killed by signal 9" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # never an empty or partial report


def test_engine_failure_traceback_only_with_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker.engine.adapter, "run_partitions", _kill_own_process)
    result = scan("--jobs", "1", "--debug")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "rivercheck: engine failure:" in result.stderr


def _explode(*args: Any, **kwargs: Any) -> NoReturn:
    raise RuntimeError("collector exploded")


@pytest.mark.parametrize(
    ("debug", "traceback_shown"),
    [pytest.param(False, False, id="plain"), pytest.param(True, True, id="debug")],
)
def test_unexpected_exception_is_internal_error(
    monkeypatch: pytest.MonkeyPatch, debug: bool, traceback_shown: bool
) -> None:
    monkeypatch.setattr(checker.scan, "collect", _explode)
    result = scan(*(["--debug"] if debug else []))
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "rivercheck: internal error: RuntimeError: collector exploded" in result.stderr
    assert "--debug" in result.stderr
    assert ("Traceback (most recent call last)" in result.stderr) is traceback_shown
    if traceback_shown:
        assert "_explode" in result.stderr  # the traceback reaches the failing frame


# --- --output and --lang ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--format", "json"], id="json"),
        pytest.param(["--format", "table", "--lang", "en"], id="table-en"),
        pytest.param(["--format", "table", "--lang", "zh"], id="table-zh"),
    ],
)
def test_output_file_holds_exactly_the_stdout_report(tmp_path: Path, args: list[str]) -> None:
    printed = scan(*args)
    assert printed.exit_code == 1
    target = tmp_path / "reports" / "scan.out"
    target.parent.mkdir()
    written = scan(*args, "--output", str(target))
    assert written.exit_code == 1, written.output
    assert written.stdout == ""
    assert target.read_text(encoding="utf-8") == printed.stdout
    assert list(target.parent.iterdir()) == [target]  # the temporary file was renamed, not left behind


def test_output_replaces_an_existing_report(tmp_path: Path) -> None:
    target = tmp_path / "scan.json"
    target.write_text("stale\n", encoding="utf-8")
    result = scan("--format", "json", "--output", str(target))
    assert result.exit_code == 1
    assert json.loads(target.read_text(encoding="utf-8"))["stamp"]["as_of"] == AS_OF
    assert list(tmp_path.iterdir()) == [target]


def test_output_into_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "scan.txt"
    result = scan("--output", str(target))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"{target}: output-write:" in result.stderr
    assert "internal error" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        pytest.param("en", ["Findings ({})", "Unit scores", "Art. 25", "overdue"], ["发现问题"], id="en"),
        pytest.param("zh", ["发现问题 ({})", "第25条", "已逾期"], ["Findings"], id="zh"),
    ],
)
def test_table_language(lang: str, present: list[str], absent: list[str]) -> None:
    count = len(json.loads(scan("--format", "json").stdout)["findings"])  # the header counts them all
    result = scan("--lang", lang)
    assert result.exit_code == 1
    for word in present:
        assert word.format(count) in result.stdout
    for word in absent:
        assert word not in result.stdout


# --- a real process --------------------------------------------------------------------------------

SCRIPT = Path(sys.executable).with_name("rivercheck")


def _run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=60
    )


def test_installed_script_prints_json_and_exits_1(tmp_path: Path) -> None:
    assert SCRIPT.is_file(), f"the rivercheck script is not installed beside {sys.executable}"
    process = _run_script("scan", str(DEMO), "--as-of", AS_OF, "--format", "json", cwd=tmp_path)
    assert process.returncode == 1, process.stderr
    assert process.stderr == ""
    document = json.loads(process.stdout)
    assert document["stamp"]["tool"] == f"rivercheck {version('rivercheck')}"
    findings = document["findings"]
    assert findings and len(findings) == sum(document["counts"]["by_severity"].values())
    # the same report as the in-process run: nothing depends on the process or its cwd
    assert process.stdout == scan("--format", "json").stdout


def test_installed_script_bad_input_exits_2_on_stderr_only(tmp_path: Path) -> None:
    process = _run_script("scan", str(tmp_path / "absent.yaml"), "--as-of", AS_OF, cwd=tmp_path)
    assert process.returncode == 2
    assert process.stdout == ""
    assert f"{tmp_path / 'absent.yaml'}: fact-path:" in process.stderr
    assert "nothing was written" in process.stderr


def test_output_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    """mkstemp creates owner-only files; the report must not inherit that."""
    target = tmp_path / "report.json"
    old = os.umask(0o022)
    try:
        CliRunner().invoke(
            main, ["scan", "--as-of", "2026-11-26", "--format", "json", "--output", str(target)]
        )
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
