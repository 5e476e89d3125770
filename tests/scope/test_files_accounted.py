"""Nothing skipped silently: every file under a scanned path is read, ignored for a stated reason,
or an error (docs/scope.md §1). The false all-clear this guards against: a folder holding a ledger
export, scanned without a mapping, loaded the units and waterbodies, no problems, and exited 0.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.bundled import DEMO_DISTRICT, DEMO_EXPORTS, RULES
from checker.scan import scan
from cli import main

AS_OF = "2026-11-26"


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """An office's folder: the ledger as a workbook export, the other records as fact files, a note
    and the traces a computer leaves (a hidden file, a hidden folder)."""
    folder = tmp_path / "recs"
    folder.mkdir()
    shutil.copy(DEMO_EXPORTS / "ledger-2026-11.xlsx", folder / "problems-export.xlsx")
    for path in DEMO_DISTRICT.glob("*.yaml"):
        if path.name != "problems.yaml":  # the export stands for the ledger; the other files stay
            shutil.copy(path, folder / path.name)
    (folder / "说明.txt").write_text("导出说明\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0\0")
    (folder / ".git").mkdir()
    (folder / ".git" / "problems.yaml").write_text("- {key: X}\n", encoding="utf-8")
    return folder


def test_a_spreadsheet_in_a_scanned_folder_without_a_mapping_is_an_error(records: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(records), "--as-of", AS_OF, "--fail-on", "high"])
    assert result.exit_code == 2, result.output
    assert f"{records / 'problems-export.xlsx'}: fact-export-unmapped:" in result.stderr
    assert "--mapping" in result.stderr
    assert "Traceback" not in result.output


def test_with_the_mapping_the_folder_is_searched_and_the_ledger_found(records: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    mapping = DEMO_EXPORTS / "ledger-mapping.yaml"
    args = ["scan", str(records), "--mapping", str(mapping), "--as-of", AS_OF, "--fail-on", "high"]
    result = CliRunner().invoke(main, [*args, "--output", str(out), "--no-history"])
    assert result.exit_code == 1, result.output  # the ledger's high overdue problems fail the run
    data = json.loads(out.read_text("utf-8"))
    demo = scan([DEMO_DISTRICT], RULES, dt.date.fromisoformat(AS_OF))
    wanted = {f.subject for f in demo.findings if f.rule == "RECT-OVERDUE"}
    assert {f["subject"] for f in data["findings"] if f["rule"] == "RECT-OVERDUE"} == wanted
    files = {Path(f["path"].split("[")[0]).name: f for f in data["scope"]["files"]}
    sheet = files["problems-export.xlsx"]
    assert sheet["path"].endswith("[问题台账]") and sheet["kind"] == "problem"
    assert sheet["records"] == 337  # the demo ledger's 37 problems and 300 compliant ones
    assert files["ledger-mapping.yaml"]["kind"] == "mapping"
    assert files["units.yaml"]["records"] > 0 and len(files["units.yaml"]["digest"]) == 64
    ignored = {Path(i["path"]).name: i["reason"] for i in data["scope"]["ignored"]}
    assert ignored == {"说明.txt": "not-records", ".DS_Store": "hidden", ".git": "hidden"}


def test_every_file_read_is_listed_with_its_kind_records_and_digest() -> None:
    result = scan([DEMO_DISTRICT], RULES, dt.date.fromisoformat(AS_OF))
    listed = {Path(f.path).name: f for f in result.scope.files}
    assert set(listed) == {path.name for path in DEMO_DISTRICT.iterdir() if not path.name.startswith(".")}
    assert sum(f.records for f in result.scope.files) == sum(result.facts.values())
    assert result.scope.demo and result.scope.supplied == sorted(result.facts)


def test_a_scan_with_no_paths_says_it_scans_the_demo() -> None:
    result = CliRunner().invoke(main, ["scan", "--as-of", AS_OF, "--no-history"])
    assert result.exit_code == 1
    assert "演示数据" in result.stderr and "演示数据" in result.stdout
