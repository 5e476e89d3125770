"""facts.exports (mapping, sheets, importer): exports read through a mapping file.

The cases are data: `mapping_cases/rows.yaml` (rows of an export and the records or errors wanted)
and `mapping_cases/mappings.yaml` (malformed mapping files and their errors). Beside them: the
bundled sample export imports and scans with the demo's findings, and writes canonical files that
read back to the same records.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from checker.engine.run import RunOptions, run
from checker.errors import CheckerError, Diagnostic, Location
from checker.language.compiler import compile_rules
from checker.language.load import load_rules
from checker.results.collect import collect
from checker.results.document import Scope
from facts.exports.importer import import_facts, write_canonical
from facts.exports.sheets import EXCEL_1904, DateError, read_date
from facts.load.factset import FactSet, RawRecord
from facts.load.pipeline import load_facts, load_records
from facts.yamlsrc import load_yaml

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "mapping_cases"
DISTRICT = ROOT / "demo" / "district"
EXPORTS = ROOT / "demo" / "exports"
MAPPING = EXPORTS / "ledger-mapping.yaml"
NAMED = [DISTRICT / "units.yaml", DISTRICT / "waterbodies.yaml", DISTRICT / "chiefs.yaml"]
ALSO = [*NAMED, DISTRICT / "interviews.yaml", DISTRICT / "patrols.yaml"]
# the sample export stands for the demo's problem ledger (problems.yaml): every other demo file beside it
BESIDE_LEDGER = [path for path in sorted(DISTRICT.glob("*.yaml")) if path.name != "problems.yaml"]
AS_OF = dt.date(2026, 11, 26)
ALL_SPELLINGS = "dates: [iso, slash, chinese, excel_serial]"

BASE: dict[str, Any] = {
    "问题编号": "",
    "河湖名称": "白鹭河",
    "问题来源": "巡查",
    "问题类别": "河道垃圾",
    "严重程度": "一般",
    "问题性质": "个体",
    "发现日期": "2026-11-01",
    "责任单位": "清溪区水务局",
    "整改目标": "",
    "整改期限": "2026-12-01",
    "办理状态": "整改中",
    "销号日期": "",
    "提请河长": "",
    "流域移交": "",
    "是否核实": "否",
    "备注": "",
}
"""A complete, valid row of the bundled mapping's export, in its column order."""


def cases(name: str) -> list[Any]:
    path = CASES / name
    data = load_yaml(str(path), path.read_text("utf-8")).data
    return [pytest.param(case, id=case["name"]) for case in data]


def wanted(items: list[Any]) -> list[tuple[str, str | None]]:
    """Errors as written in a case: "place: code: message", with the help when it is given."""
    return [
        (item, None) if isinstance(item, str) else (item["error"], item.get("help", "")) for item in items
    ]


def got(error: CheckerError, want: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The diagnostics in the same form, with the help where the case gives one to compare."""
    helps = [help for _, help in want] + [None] * len(error.diagnostics)
    return [
        (f"{d.location}: {d.code}: {d.message}", None if helps[index] is None else d.help)
        for index, d in enumerate(error.diagnostics)
    ]


def cell(value: Any) -> Any:
    if isinstance(value, dict):  # {date: 2026-11-26}: a real date cell
        return dt.datetime.fromisoformat(value["date"])
    return value


def write_export(folder: Path, case: dict[str, Any]) -> Path:
    """The case's rows as an export in `folder`: ledger.xlsx, or ledger-test.csv."""
    header = [case.get("rename", {}).get(name, name) for name in BASE if name not in case.get("drop", [])]
    rows = []
    for number, changes in enumerate(case["rows"]):
        row = {**BASE, "问题编号": f"P-{900 + number}", **changes}
        rows.append([cell(row[name]) for name in BASE if name not in case.get("drop", [])])
    if case.get("format") == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerows([header, *rows])
        path = folder / "ledger-test.csv"
        path.write_text(text.getvalue(), encoding="utf-8")
        return path
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "问题台账"
    sheet.append(["清溪区问题台账"])
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    path = folder / "ledger.xlsx"
    workbook.save(path)
    return path


def mapping_for(folder: Path, case: dict[str, Any]) -> Path:
    text = MAPPING.read_text("utf-8")
    if "dates" in case:
        text = text.replace(ALL_SPELLINGS, f"dates: [{', '.join(case['dates'])}]")
    path = folder / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", cases("rows.yaml"))
def test_rows(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    export = write_export(Path("."), case).relative_to(".")
    mapping = mapping_for(Path("."), case)
    if "errors" in case:
        with pytest.raises(CheckerError) as raised:
            import_facts(mapping, [export], NAMED)
        want = wanted(case["errors"])
        assert got(raised.value, want) == want
        return
    facts = import_facts(mapping, [export], NAMED)
    for key, fields in case["records"].items():
        fact = facts.find("problem", key)
        assert fact is not None, key
        record = fact.record.model_dump(mode="json")
        assert {name: record[name] for name in fields} == fields, key
    assert len(facts.of_kind("problem")) == len(case["rows"])


@pytest.mark.parametrize("case", cases("mappings.yaml"))
def test_malformed_mappings(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("mapping.yaml").write_text(case["text"], encoding="utf-8")
    export = write_export(Path("."), {"rows": [{}]})
    with pytest.raises(CheckerError) as raised:
        import_facts(Path("mapping.yaml"), [export.relative_to(".")], NAMED)
    want = wanted(case["errors"])
    assert got(raised.value, want) == want


# --- the bundled sample export ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def program() -> Any:
    return compile_rules(load_rules(ROOT / "rules"), AS_OF)


def findings(program: Any, facts: FactSet) -> list[tuple[str, str, str, str]]:
    result = collect(
        run(program, facts, RunOptions(jobs=1)), program, facts, Scope(), tool="test", engine="test"
    )
    return sorted((f.rule, f.subject, f.message.zh, f.message.en) for f in result.findings)


@pytest.mark.parametrize("sample", ["ledger-2026-11.xlsx", "ledger-2026-11.csv"])
def test_the_sample_export_gives_the_demo_findings(program: Any, sample: str) -> None:
    imported = import_facts(MAPPING, [EXPORTS / sample], BESIDE_LEDGER)
    demo = load_facts([DISTRICT])
    exported = [f for f in imported.of_kind("problem") if f.location.path.startswith(str(EXPORTS / sample))]
    ledger = [f for f in demo.of_kind("problem") if Path(f.location.path).name == "problems.yaml"]
    assert len(ledger) == 37
    assert len(exported) == 337  # the ledger's 37 and 300 compliant ones, P-100 to P-399
    assert {f.record.key for f in ledger} <= {f.record.key for f in exported}
    for fact in demo.of_kind("problem"):
        twin = imported.find("problem", fact.record.key)
        assert twin is not None and twin.record == fact.record
    found = findings(program, imported)
    assert found == findings(program, demo)
    extra = {f"P-{number}" for number in range(100, 400)}
    assert extra <= {f.record.key for f in exported}
    assert not [f for f in found if f[1] in extra]  # the 300 extra problems are compliant


def test_the_sample_rows_point_at_their_sheet_row(program: Any) -> None:
    imported = import_facts(MAPPING, [EXPORTS / "ledger-2026-11.xlsx"], ALSO)
    first = imported.find("problem", "P-001")
    assert first is not None
    assert first.location == Location(f"{EXPORTS / 'ledger-2026-11.xlsx'}[问题台账]", 3)
    assert str(MAPPING) in imported.sources and str(DISTRICT / "units.yaml") in imported.sources


def test_the_sample_spells_dates_every_accepted_way() -> None:
    workbook = load_workbook(EXPORTS / "ledger-2026-11.xlsx", read_only=True, data_only=True)
    rows = list(workbook["问题台账"].iter_rows(min_row=3, values_only=True))
    workbook.close()
    dates = [row[6] for row in rows] + [row[9] for row in rows if row[9] is not None]
    assert {type(value).__name__ for value in dates} == {"str", "datetime", "int"}
    texts = [value for value in dates if isinstance(value, str)]
    assert any("/" in text for text in texts) and any("年" in text for text in texts)
    assert any("-" in text for text in texts)
    text = (EXPORTS / "ledger-2026-11.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        text.decode("utf-8")
    assert text.decode("gb18030").startswith("问题编号,河湖名称,")


def test_write_canonical_round_trips(tmp_path: Path) -> None:
    imported = import_facts(MAPPING, [EXPORTS / "ledger-2026-11.xlsx"], ALSO)
    written = write_canonical(imported, tmp_path / "out")
    assert [path.name for path in written] == [
        "waterbodies.yaml",
        "chiefs.yaml",
        "units.yaml",
        "problems.yaml",
        "interviews.yaml",
        "patrols.yaml",
    ]
    again = load_facts([tmp_path / "out"])
    assert [fact.record for fact in again.facts] == [fact.record for fact in imported.facts]
    first = (tmp_path / "out" / "problems.yaml").read_text("utf-8").splitlines()[1]
    assert first == (
        "- {key: P-001, waterbody: W-03, source: inspection, category: 违法排污, severity: general, "
        "found_on: 2026-08-01, office: U-OFFICE, assignee: U-WATER, target: 截污纳管, deadline: 2026-09-30, "
        "status: in_progress}"
    )
    before = {path.name: path.read_bytes() for path in written}
    write_canonical(imported, tmp_path / "out")
    assert {path.name: path.read_bytes() for path in written} == before


def test_the_sample_generator_is_deterministic_and_the_sample_is_fresh(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sample", EXPORTS / "make_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("ledger-2026-11.xlsx", "ledger-2026-11.csv"):
        assert (tmp_path / name).read_bytes() == (EXPORTS / name).read_bytes(), name


# --- encodings, sheets and sources ----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_read_the_same(tmp_path: Path, encoding: str) -> None:
    text = (EXPORTS / "ledger-2026-11.csv").read_bytes().decode("gb18030")
    path = tmp_path / "ledger-2026-11.csv"
    path.write_bytes(text.encode(encoding))
    facts = import_facts(MAPPING, [path], ALSO)
    sample = import_facts(MAPPING, [EXPORTS / "ledger-2026-11.csv"], ALSO)
    assert [f.record for f in facts.facts] == [f.record for f in sample.facts]


def test_a_workbook_without_the_sheet_is_reported_at_the_mapping(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "问题清单"
    workbook.active.append(list(BASE))
    workbook.save(tmp_path / "ledger.xlsx")
    with pytest.raises(CheckerError) as raised:
        import_facts(MAPPING, [tmp_path / "ledger.xlsx"], NAMED)
    # sorted by place, and the two places are in different files: compare them as a set
    assert sorted((d.location.line, d.code) for d in raised.value.diagnostics) == [
        (0, "map-sheet"),
        (15, "map-sheet"),
    ]
    at_mapping = next(d for d in raised.value.diagnostics if d.location.line == 15)
    assert "no workbook given has a sheet named '问题台账' (sheets: 问题清单)" in at_mapping.message


def test_a_csv_named_like_no_table_and_a_file_of_another_kind_are_errors(tmp_path: Path) -> None:
    (tmp_path / "problems.csv").write_text(",".join(BASE) + "\n", encoding="utf-8")
    (tmp_path / "ledger.xls").write_bytes(b"")
    with pytest.raises(CheckerError) as raised:
        import_facts(
            MAPPING, [tmp_path / "problems.csv", tmp_path / "ledger.xls", tmp_path / "none.xlsx"], NAMED
        )
    assert [(Path(d.location.path).name, d.code) for d in raised.value.diagnostics] == [
        ("ledger.xls", "map-read"),
        ("none.xlsx", "map-read"),
        ("problems.csv", "map-sheet"),
    ]


def test_names_need_their_records(tmp_path: Path) -> None:
    export = write_export(tmp_path, {"rows": [{}, {}]})
    with pytest.raises(CheckerError) as raised:
        import_facts(MAPPING, [export], [DISTRICT / "units.yaml", DISTRICT / "chiefs.yaml"])
    # chiefs refer to waterbodies, and the export names them: reported once, at the mapping's column
    codes = sorted({(d.code, d.location.path) for d in raised.value.diagnostics})
    assert ("map-lookup", str(MAPPING)) in codes
    lookups = [d for d in raised.value.diagnostics if d.code == "map-lookup"]
    assert len(lookups) == 1 and "names waterbody records, but none were given" in lookups[0].message


def test_a_bad_alias_and_a_bad_constant_are_reported_at_the_mapping(tmp_path: Path) -> None:
    text = MAPPING.read_text("utf-8").replace("水务局: U-WATER}", "水务局: U-WATR}")
    text = text.replace("&ledger-constants {office: U-OFFICE}", "&ledger-constants {office: U-OFFICEE}")
    (tmp_path / "mapping.yaml").write_text(text, encoding="utf-8")
    export = write_export(tmp_path, {"rows": [{}, {}]})
    with pytest.raises(CheckerError) as raised:
        import_facts(tmp_path / "mapping.yaml", [export], NAMED)
    assert [(d.location.line, d.code, d.help) for d in raised.value.diagnostics] == [
        (33, "mapping-constant", "did you mean 'U-OFFICE'?"),
        (41, "mapping-lookup", "did you mean 'U-WATER'?"),
    ]


def test_a_name_two_records_share_is_ambiguous(tmp_path: Path) -> None:
    units = tmp_path / "units.yaml"
    text = (DISTRICT / "units.yaml").read_text("utf-8")
    units.write_text(text + "- {key: U-WATER-2, name: 清溪区水务局, type: member_unit}\n", encoding="utf-8")
    export = write_export(tmp_path, {"rows": [{}, {"责任单位": "区水务局"}]})
    with pytest.raises(CheckerError) as raised:
        import_facts(MAPPING, [export], [units, *NAMED[1:]])
    [only] = raised.value.diagnostics  # the alias still names one unit
    assert only.location == Location(f"{export}[问题台账]", 3, 8)
    assert (
        only.message
        == "问题台账 row 3, column '责任单位': '清溪区水务局' names 2 unit records (U-WATER, U-WATER-2)"
    )
    assert only.help == "write the key, or add an alias under lookups.unit.aliases"


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    lines = [
        ",".join(BASE),
        "",
        ",".join(["P-1", *list(BASE.values())[1:]]),
        ",,,,",
        '"P-2",' + ",".join(list(BASE.values())[1:]),
    ]
    (tmp_path / "ledger-x.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    facts = import_facts(MAPPING, [tmp_path / "ledger-x.csv"], NAMED)
    assert [(f.record.key, f.location.line) for f in facts.of_kind("problem")] == [("P-1", 3), ("P-2", 5)]


def test_canonical_files_with_errors_are_reported_alone(tmp_path: Path) -> None:
    units = tmp_path / "units.yaml"
    units.write_text("- {key: U-WATER, name: 清溪区水务局, type: bureau}\n", encoding="utf-8")
    export = write_export(tmp_path, {"rows": [{}]})
    with pytest.raises(CheckerError) as raised:
        import_facts(MAPPING, [export], [units, *NAMED[1:]])
    assert [(d.location.path, d.code) for d in raised.value.diagnostics] == [(str(units), "fact-field")]


# --- dates ----------------------------------------------------------------------------------------

ALL = ("iso", "slash", "chinese", "excel_serial")


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (46352, dt.date(2026, 11, 26)),  # checked against Excel: =DATE(2026,11,26) is 46352
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (2958465, dt.date(9999, 12, 31)),
        ("2026/1/5", dt.date(2026, 1, 5)),
        (dt.datetime(2026, 11, 26, 15, 30), dt.date(2026, 11, 26)),
        (dt.date(2026, 11, 26), dt.date(2026, 11, 26)),
    ],
)
def test_read_date(value: Any, day: dt.date) -> None:
    assert read_date(value, ALL) == day


@pytest.mark.parametrize("value", [0, 60, 2958466, -3, True, "20261126", "2026-11-26 08:00", "26/11/2026"])
def test_read_date_refuses(value: Any) -> None:
    with pytest.raises(DateError):
        read_date(value, ALL)


def test_the_1904_date_system() -> None:
    assert read_date(0, ALL, EXCEL_1904) == dt.date(1904, 1, 1)
    assert read_date(44890, ALL, EXCEL_1904) == dt.date(2026, 11, 26)


# --- load_records ---------------------------------------------------------------------------------


def test_load_records_checks_references_and_points_at_the_field(tmp_path: Path) -> None:
    place = Location("export.xlsx[units]", 4)
    record = RawRecord(
        "unit",
        {"key": "U-NEW", "name": "新单位", "type": "member_unit", "parent": "U-OFFICX"},
        place,
        {"parent": Location("export.xlsx[units]", 4, 5)},
        row=4,
    )
    with pytest.raises(CheckerError) as raised:
        load_records([record], [DISTRICT / "units.yaml"])
    assert raised.value.diagnostics == [
        Diagnostic(
            Location("export.xlsx[units]", 4, 5),
            "fact-reference",
            "row 4: unit 'U-NEW' field 'parent': no unit has key 'U-OFFICX'",
        )
    ]
    assert raised.value.diagnostics[0].help == "did you mean 'U-OFFICE'?"
    good = RawRecord("unit", {**record.raw, "parent": "U-OFFICE"}, place)
    facts = load_records([good], [DISTRICT / "units.yaml"], sources=[DISTRICT / "units.yaml"])
    assert len(facts) == 9 and facts.find("unit", "U-NEW") is not None
    assert facts.sources == (str(DISTRICT / "units.yaml"),)
    assert facts.digest == load_facts([DISTRICT / "units.yaml"]).digest


def test_load_records_skips_references_to_incomplete_kinds() -> None:
    record = RawRecord(
        "interview",
        {"key": "I-9", "unit": "U-ENV", "held_on": "2026-01-01", "problems": ["P-1"]},
        Location("x", 2),
    )
    facts = load_records([record], [DISTRICT / "units.yaml"], incomplete=["problem"])
    assert facts.find("interview", "I-9") is not None
