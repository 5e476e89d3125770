"""Spreadsheet exports through the command line: scan --mapping, facts import, errors with places."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
EXPORTS = ROOT / "demo" / "exports"
MAPPING = EXPORTS / "ledger-mapping.yaml"
# the export stands for the problem ledger (problems.yaml); every other demo file is given beside it
ALONGSIDE = [str(path) for path in sorted(DEMO.glob("*.yaml")) if path.name != "problems.yaml"]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def findings(result: Result) -> list[tuple[str, str, str]]:
    assert result.exit_code == 1, result.output
    return [(f["rule"], f["subject"], f["message"]["zh"]) for f in json.loads(result.stdout)["findings"]]


@pytest.mark.parametrize("export", ["ledger-2026-11.xlsx", "ledger-2026-11.csv"])
def test_the_sample_export_scans_like_the_canonical_files(export: str) -> None:
    canonical = run("scan", str(DEMO), "--as-of", "2026-11-26", "--format", "json", "--no-history")
    imported = run(
        "scan", "--mapping", str(MAPPING), str(EXPORTS / export), *ALONGSIDE,
        "--as-of", "2026-11-26", "--format", "json", "--no-history",
    )  # fmt: skip
    assert findings(imported) == findings(canonical)


def test_facts_import_writes_canonical_files_that_scan_the_same(tmp_path: Path) -> None:
    out = tmp_path / "canonical"
    result = run(
        "facts",
        "import",
        "--mapping",
        str(MAPPING),
        str(EXPORTS / "ledger-2026-11.xlsx"),
        *ALONGSIDE,
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert (out / "problems.yaml").exists()
    again = run("scan", str(out), "--as-of", "2026-11-26", "--format", "json", "--no-history")
    canonical = run("scan", str(DEMO), "--as-of", "2026-11-26", "--format", "json", "--no-history")
    assert findings(again) == findings(canonical)


def test_a_bad_cell_is_exit_2_naming_sheet_row_and_column(tmp_path: Path) -> None:
    export = tmp_path / "ledger-2026-11.csv"
    shutil.copy(EXPORTS / "ledger-2026-11.csv", export)
    text = export.read_text("gb18030")
    assert "整改中" in text
    export.write_text(text.replace("整改中", "已完成", 1), "gb18030")
    result = run("scan", "--mapping", str(MAPPING), str(export), *ALONGSIDE, "--as-of", "2026-11-26")
    assert result.exit_code == 2
    assert "unknown status word '已完成'" in result.stderr or "已完成" in result.stderr
    assert "办理状态" in result.stderr and str(export) in result.stderr
