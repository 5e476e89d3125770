"""facts.load: every format reads the same records; every bad input is a diagnostic with its place."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.errors import CheckerError, Diagnostic, Location
from facts.load.factset import Fact, FactSet
from facts.load.pipeline import load_facts
from facts.models import MODELS, Problem, Unit

# --- a small, valid office: two of each kind, every reference resolves ---------------------------

RECORDS: dict[str, list[dict[str, Any]]] = {
    "units": [
        {"key": "U-1", "name": "浦东新区河长办", "type": "office", "district": "浦东新区"},
        {"key": "U-2", "name": "区水务局", "type": "member_unit", "parent": "U-1"},
    ],
    "waterbodies": [
        {"key": "W-1", "name": "黄浦江", "level": "市", "basin": "太湖"},
        {"key": "W-2", "name": "川杨河", "level": "区", "district": "浦东新区", "cross_provincial": True},
    ],
    "chiefs": [
        {
            "key": "C-1",
            "name": "张三",
            "level": "区",
            "role": "河长",
            "in_post_from": "2025-01-01",
            "waterbodies": ["W-1", "W-2"],
        },
        {
            "key": "C-2",
            "name": "李四",
            "level": "街镇",
            "role": "湖长",
            "in_post_from": "2024-06-01",
            "in_post_to": "2025-12-31",
        },
    ],
    "problems": [
        {
            "key": "P-1",
            "waterbody": "W-1",
            "source": "patrol",
            "category": "垃圾漂浮",
            "severity": "general",
            "found_on": "2026-01-05",
            "office": "U-1",
            "assignee": "U-2",
            "escalated_to": ["C-1", "C-2"],
            "deadline": "2026-03-01",
            "status": "assigned",
            "verified": True,
        },
        {
            "key": "P-2",
            "waterbody": "W-2",
            "source": "complaint",
            "category": "排污口",
            "severity": "major",
            "found_on": "2026-02-01",
            "office": "U-1",
            "status": "registered",
            "verified": False,
        },
    ],
    "interviews": [
        {
            "key": "I-1",
            "unit": "U-2",
            "held_on": "2026-03-05",
            "reason": "逾期未整改",
            "problems": ["P-1", "P-2"],
        },
    ],
}
KINDS = {"units": "unit", "waterbodies": "waterbody", "chiefs": "chief", "problems": "problem"}
KINDS["interviews"] = "interview"


def expected_records() -> dict[tuple[str, str], Any]:
    return {
        (KINDS[stem], row["key"]): MODELS[KINDS[stem]].model_validate(row)
        for stem, rows in RECORDS.items()
        for row in rows
    }


def as_yaml(rows: list[dict[str, Any]]) -> str:
    return yaml.safe_dump(rows, allow_unicode=True, sort_keys=False)


def as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)


def as_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def as_csv(rows: list[dict[str, Any]], true: str = "true", false: str = "false") -> str:
    header = list(dict.fromkeys(name for row in rows for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells = []
        for name in header:
            value = row.get(name)
            if isinstance(value, bool):
                cells.append(true if value else false)
            elif isinstance(value, list):
                cells.append(";".join(value))
            else:
                cells.append("" if value is None else str(value))
        writer.writerow(cells)
    return out.getvalue()


# format name -> (suffix, serialiser, encoding)
FORMATS: dict[str, tuple[str, Callable[[list[dict[str, Any]]], str], str]] = {
    "yaml": (".yaml", as_yaml, "utf-8"),
    "yml": (".yml", as_yaml, "utf-8"),
    "json": (".json", as_json, "utf-8"),
    "jsonl": (".jsonl", as_jsonl, "utf-8"),
    "csv-utf8": (".csv", as_csv, "utf-8"),
    "csv-utf8-bom": (".csv", as_csv, "utf-8-sig"),
    "csv-gb18030": (".csv", lambda rows: as_csv(rows, true="是", false="否"), "gb18030"),
}


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode(encoding)
    path.write_bytes(content)
    return path


def write_office(directory: Path, format: str = "yaml", skip: tuple[str, ...] = ()) -> Path:
    suffix, serialise, encoding = FORMATS[format]
    for stem, rows in RECORDS.items():
        if stem not in skip:
            write(directory / f"{stem}{suffix}", serialise(rows), encoding)
    return directory


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def load_error(*paths: Path | str) -> CheckerError:
    with pytest.raises(CheckerError) as caught:
        load_facts(list(paths))
    return caught.value


def places(error: CheckerError) -> list[tuple[str, int, str]]:
    """(file name, line, code) of each diagnostic, in the error's order."""
    return [(Path(d.location.path).name, d.location.line, d.code) for d in error.diagnostics]


def record(facts: FactSet, kind: str, key: str) -> Any:
    """The record of `kind` with `key` (Any: tests read the fields of the concrete model)."""
    fact = facts.find(kind, key)
    assert fact is not None, f"no {kind} {key}"
    return fact.record


def only(error: CheckerError, code: str) -> Diagnostic:
    found = [d for d in error.diagnostics if d.code == code]
    assert len(found) == 1, error.render()
    return found[0]


# --- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("format", list(FORMATS))
def test_every_format_reads_the_same_records(tmp_path: Path, format: str) -> None:
    facts = load_facts([write_office(tmp_path, format)])

    assert {(f.record.kind, f.record.key): f.record for f in facts.facts} == expected_records()
    problem = facts.find("problem", "P-1")
    assert problem is not None
    assert isinstance(problem.record, Problem)
    assert problem.record.deadline == dt.date(2026, 3, 1)
    assert problem.record.escalated_to == ["C-1", "C-2"]
    assert problem.record.verified is True
    assert record(facts, "unit", "U-1").name == "浦东新区河长办"
    assert record(facts, "waterbody", "W-2").cross_provincial is True
    assert all(f.location.line >= 1 and Path(f.location.path).parent == tmp_path for f in facts.facts)


def test_gb18030_file_is_not_utf8_so_the_fallback_is_what_reads_it(tmp_path: Path) -> None:
    path = write_office(tmp_path, "csv-gb18030") / "units.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert load_facts([tmp_path]).find("unit", "U-2") is not None


@pytest.mark.parametrize(
    ("format", "key", "line"),
    [
        ("yaml", "P-2", 15),  # 12 fields of P-1 and 2 escalated_to items on lines 1-14
        ("json", "P-2", 19),  # '[', then P-1 on lines 2-18: its '{', 11 fields, 4 lines of list, '},'
        ("jsonl", "P-2", 2),
        ("csv-utf8", "P-2", 3),  # header, P-1, P-2
    ],
)
def test_each_fact_knows_the_line_of_its_record(tmp_path: Path, format: str, key: str, line: int) -> None:
    facts = load_facts([write_office(tmp_path, format)])
    fact = facts.find("problem", key)
    assert fact is not None
    assert fact.location.line == line
    assert fact.location.path == str(tmp_path / f"problems{FORMATS[format][0]}")


def test_factset_api(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("units",))
    write(tmp_path / "units.jsonl", as_jsonl(RECORDS["units"][::-1]))  # U-2 first: facts come sorted
    facts = load_facts([tmp_path])

    assert len(facts) == sum(len(rows) for rows in RECORDS.values()) == len(facts.facts)
    kinds_and_keys = [(f.record.kind, f.record.key) for f in facts.facts]
    assert kinds_and_keys == sorted(kinds_and_keys)
    assert [f.record.key for f in facts.of_kind("chief")] == ["C-1", "C-2"]
    assert facts.of_kind("nonsense") == ()
    assert [f.record.key for f in facts.of_kind("unit")] == ["U-1", "U-2"]
    assert facts.find("unit", "U-2") is facts.of_kind("unit")[1]
    assert facts.find("unit", "P-1") is None
    assert facts.find("problem", "P-404") is None
    assert facts.sources == tuple(sorted(str(p) for p in tmp_path.iterdir()))
    assert isinstance(facts.facts[0], Fact) and isinstance(facts, FactSet)


def test_a_factset_built_by_hand_indexes_its_facts() -> None:
    unit = Unit(key="U-1", name="河长办", type="office")
    fact = Fact(unit, Location("x.yaml", 3))
    facts = FactSet((fact,), digest="0" * 64, sources=("x.yaml",))
    assert facts.find("unit", "U-1") is fact
    assert facts.of_kind("unit") == (fact,)
    assert len(facts) == 1


def test_directories_are_walked_recursively_skipping_hidden_and_other_files(tmp_path: Path) -> None:
    root = tmp_path / "office"
    write_office(root / "2026" / "ledger", "jsonl", skip=("units", "waterbodies"))
    write(root / "units.yaml", as_yaml(RECORDS["units"]))
    write(root / "base" / "waterbodies.csv", as_csv(RECORDS["waterbodies"]))
    write(root / "README.md", "# not a fact file")
    write(root / "notes.txt", "anything")
    write(root / ".hidden.yaml", "not: [valid")
    write(root / ".git" / "problems.yaml", "- broken: [")
    write(root / "2026" / ".drafts" / "problems.csv", "junk\n1,2,3\n")

    facts = load_facts([str(root)])

    assert {(f.record.kind, f.record.key): f.record for f in facts.facts} == expected_records()
    assert facts.sources == (
        os.path.join(str(root), "2026", "ledger", "chiefs.jsonl"),
        os.path.join(str(root), "2026", "ledger", "interviews.jsonl"),
        os.path.join(str(root), "2026", "ledger", "problems.jsonl"),
        os.path.join(str(root), "base", "waterbodies.csv"),
        os.path.join(str(root), "units.yaml"),
    )
    waterbody = facts.find("waterbody", "W-1")
    assert waterbody is not None and waterbody.location.path == os.path.join(
        str(root), "base", "waterbodies.csv"
    )


def test_files_and_directories_can_be_mixed_and_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    write_office(tmp_path / "a", skip=("problems",))
    problems = write(tmp_path / "b" / "problems.yaml", as_yaml(RECORDS["problems"]))

    facts = load_facts([tmp_path / "a", problems, str(problems), tmp_path / "b"])

    assert len(facts) == sum(len(rows) for rows in RECORDS.values())
    assert facts.sources.count(str(problems)) == 1


def test_a_single_path_string_is_one_path(tmp_path: Path) -> None:
    write_office(tmp_path)
    assert len(load_facts(str(tmp_path))) == len(load_facts([tmp_path])) == 9


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("problems.yaml", "problem"),
        ("problems-2026.csv", "problem"),
        ("chiefs_pudong.jsonl", "chief"),
        ("Waterbodies.JSON", "waterbody"),
        ("units.v2.yml", "unit"),
        ("interviews-2026_q1.yaml", "interview"),
    ],
)
def test_the_file_name_says_the_kind(tmp_path: Path, name: str, kind: str) -> None:
    stem = next(stem for stem, k in KINDS.items() if k == kind)
    rows = RECORDS[stem]
    serialise = {".yaml": as_yaml, ".yml": as_yaml, ".csv": as_csv, ".jsonl": as_jsonl, ".json": as_json}
    write_office(tmp_path / "rest", skip=(stem,))
    path = write(tmp_path / name, serialise[Path(name).suffix.lower()](rows))

    facts = load_facts([tmp_path / "rest", path])

    assert [f.record.key for f in facts.of_kind(kind)] == sorted(row["key"] for row in rows)
    assert {f.location.path for f in facts.of_kind(kind)} == {str(path)}


@pytest.mark.parametrize(
    ("name", "help"),
    [
        ("problem.yaml", "did you mean 'problems'?"),
        ("chief-2026.csv", "did you mean 'chiefs'?"),
        (
            "ledger.csv",
            "start the name with one of: chiefs, complaints, documents, interviews, matters, patrols,"
            " problems, units, waterbodies",
        ),
    ],
)
def test_a_file_name_that_names_no_kind_is_an_error(tmp_path: Path, name: str, help: str) -> None:
    path = write(tmp_path / name, "[]")

    diagnostic = only(load_error(path), "fact-file-kind")

    assert diagnostic.location.path == str(path)
    assert name in diagnostic.message
    assert diagnostic.help.startswith(help)


# --- CSV specifics --------------------------------------------------------------------------------

PROBLEM_HEADER = "key,waterbody,source,category,severity,found_on,office,status"


def write_csv_office(tmp_path: Path, problems_csv: str, encoding: str = "utf-8") -> Path:
    write_office(tmp_path, skip=("problems", "interviews"))
    return write(tmp_path / "problems.csv", problems_csv, encoding)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        *[("true", True), ("TRUE", True), ("1", True), ("Yes", True), ("是", True)],
        *[("false", False), ("False", False), ("0", False), ("NO", False), ("否", False), ("", False)],
    ],
)
def test_csv_booleans(tmp_path: Path, cell: str, value: bool) -> None:
    write_csv_office(
        tmp_path, f"{PROBLEM_HEADER},verified\nP-1,W-1,patrol,垃圾,general,2026-01-05,U-1,registered,{cell}\n"
    )
    assert record(load_facts([tmp_path]), "problem", "P-1").verified is value


def test_csv_lists_split_on_semicolons_and_empty_cells_are_absent(tmp_path: Path) -> None:
    write_csv_office(
        tmp_path,
        f"{PROBLEM_HEADER},escalated_to,assignee,deadline\n"
        "P-1,W-1,patrol,垃圾,general,2026-01-05,U-1,registered, C-1 ; C-2; ,,\n"
        "P-2,W-1,patrol,垃圾,general,2026-01-05,U-1,registered,,U-2,2026-02-01\n",
    )
    facts = load_facts([tmp_path])
    first, second = record(facts, "problem", "P-1"), record(facts, "problem", "P-2")
    assert first.escalated_to == ["C-1", "C-2"]
    assert first.assignee is None and first.deadline is None
    assert second.escalated_to == []
    assert second.assignee == "U-2" and second.deadline == dt.date(2026, 2, 1)


def test_csv_lines_count_physical_lines_and_rows_count_rows(tmp_path: Path) -> None:
    path = write_csv_office(
        tmp_path,
        f"{PROBLEM_HEADER}\n"
        'P-1,W-1,patrol,"垃圾\n漂浮\n严重",general,2026-01-05,U-1,registered\n'
        "\n"
        "P-2,W-1,patrol,垃圾,general,2026-13-45,U-1,registered\n",
    )
    facts_error = load_error(tmp_path)
    diagnostic = only(facts_error, "fact-field")
    assert (diagnostic.location.path, diagnostic.location.line) == (str(path), 6)
    assert diagnostic.message.startswith("row 4: problem 'P-2' field 'found_on'")


def test_csv_header_problems_are_reported_once_not_per_row(tmp_path: Path) -> None:
    rows = "".join(f"P-{i},W-1,patrol,垃圾,general,2026-01-05,U-1,x\n" for i in range(5))
    path = write_csv_office(
        tmp_path, "key,waterbody,source,category,severity,found_on,office,deadlin\n" + rows
    )

    error = load_error(tmp_path)

    assert places(error) == [
        ("problems.csv", 1, "fact-missing-field"),
        ("problems.csv", 1, "fact-unknown-field"),
    ]
    assert error.diagnostics[0].message == "no column for the required field 'status' of a problem"
    assert error.diagnostics[1].message == "unknown field 'deadlin' for a problem"
    assert error.diagnostics[1].help == "did you mean 'deadline'?"
    assert all(d.location.path == str(path) for d in error.diagnostics)


# --- field errors name the file and the line ------------------------------------------------------

GOOD_PROBLEM = {
    "key": "P-1",
    "waterbody": "W-1",
    "source": "patrol",
    "category": "垃圾",
    "severity": "general",
    "found_on": "2026-01-05",
    "office": "U-1",
    "status": "registered",
}
BAD_DATE_FILES = {
    "yaml": (
        "problems.yaml",
        """
        # problem ledger, Q1
        - key: P-1
          waterbody: W-1
          source: patrol
          category: 垃圾
          severity: general
          found_on: 2026-01-05
          office: U-1
          status: registered
        - key: P-7
          waterbody: W-1
          source: patrol
          category: 垃圾
          severity: general
          found_on: 2026-01-05
          office: U-1
          deadline: 2026-13-45
          status: assigned
        """,
        17,  # the line of 'deadline:' itself, not of the record
    ),
    "json": (
        "problems.json",
        """
        [
          {"key": "P-1", "waterbody": "W-1", "source": "patrol", "category": "垃圾",
           "severity": "general", "found_on": "2026-01-05", "office": "U-1", "status": "registered"},

          {
            "key": "P-7", "waterbody": "W-1", "source": "patrol", "category": "垃圾",
            "severity": "general", "found_on": "2026-01-05", "office": "U-1", "status": "assigned",
            "deadline": "2026-13-45"
          }
        ]
        """,
        5,  # the line where the record's '{' is
    ),
    "jsonl": (
        "problems.jsonl",
        as_jsonl([GOOD_PROBLEM]) + "\n" + as_jsonl([dict(GOOD_PROBLEM, key="P-7", deadline="2026-13-45")]),
        3,
    ),
    "csv": (
        "problems.csv",
        f"""
        {PROBLEM_HEADER},deadline
        P-1,W-1,patrol,"垃圾
        漂浮",general,2026-01-05,U-1,registered,
        P-7,W-1,patrol,垃圾,general,2026-01-05,U-1,assigned,2026-13-45
        """,
        4,  # physical line; it is row 3
    ),
}


@pytest.mark.parametrize("format", list(BAD_DATE_FILES))
def test_a_bad_date_names_the_file_and_the_exact_line(tmp_path: Path, format: str) -> None:
    name, text, line = BAD_DATE_FILES[format]
    write_office(tmp_path, skip=("problems", "interviews"))
    path = write(tmp_path / name, dedent(text))

    error = load_error(tmp_path)

    diagnostic = only(error, "fact-field")
    assert len(error.diagnostics) == 1, error.render()
    assert diagnostic.location.path == str(path)
    assert diagnostic.location.line == line
    row = "row 3: " if format == "csv" else ""
    assert (
        diagnostic.message
        == f"{row}problem 'P-7' field 'deadline': expected a date YYYY-MM-DD, found '2026-13-45'"
    )
    assert f"{path}:{line}" in error.render()


def problem_yaml(**changes: Any) -> str:
    """A one-problem YAML ledger, one field per line from line 1 (key) on; None removes a field."""
    fields: dict[str, Any] = {
        "key": "P-7",
        "waterbody": "W-1",
        "source": "patrol",
        "category": "垃圾",
        "severity": "general",
        "found_on": "2026-01-05",
        "office": "U-1",
        "status": "assigned",
    }
    fields.update(changes)
    lines = [
        f"{name}: {json.dumps(value, ensure_ascii=False)}"
        for name, value in fields.items()
        if value is not None
    ]
    return "- " + "\n  ".join(lines) + "\n"


@pytest.mark.parametrize(
    ("changes", "line", "code", "message", "help"),
    [
        (
            {"deadlin": "2026-03-01"},
            9,
            "fact-unknown-field",
            "unknown field 'deadlin' for a problem",
            "did you mean 'deadline'?",
        ),
        ({"status": None}, 1, "fact-missing-field", "problem 'P-7': missing the required field 'status'", ""),
        (
            {"severity": "majr"},
            5,
            "fact-field",
            "problem 'P-7' field 'severity': expected 'general' or 'major', found 'majr'",
            "did you mean 'major'?",
        ),
        (
            {"found_on": 0},
            6,
            "fact-field",
            "problem 'P-7' field 'found_on': expected a date YYYY-MM-DD, found 0",
            "",
        ),
        (
            {"found_on": "1767225600"},
            6,
            "fact-field",
            "problem 'P-7' field 'found_on': expected a date YYYY-MM-DD, found '1767225600'",
            "",
        ),
        (
            {"verified": "maybe"},
            9,
            "fact-field",
            "problem 'P-7' field 'verified': expected true or false, found 'maybe'",
            "",
        ),
        (
            {"escalated_to": ["C-1", "C 2"]},
            9,
            "fact-field",
            "problem 'P-7' field 'escalated_to' item 2: "
            "expected a key (1-64 characters, no spaces, commas or semicolons), found 'C 2'",
            "",
        ),
        (
            {"waterbody": 42},
            2,
            "fact-field",
            "problem 'P-7' field 'waterbody': "
            "expected a key (1-64 characters, no spaces, commas or semicolons), found 42",
            "write it as text: '42'",
        ),
        (
            {"deadline": "2025-12-31"},
            1,
            "fact-invalid",
            "problem 'P-7': deadline 2025-12-31 is before found_on 2026-01-05",
            "",
        ),
        (
            {"key": None},
            1,
            "fact-missing-field",
            "problem #1: missing the required field 'key'",
            "",
        ),
    ],
)
def test_field_errors(
    tmp_path: Path, changes: dict[str, Any], line: int, code: str, message: str, help: str
) -> None:
    write_office(tmp_path, skip=("problems", "interviews"))
    path = write(tmp_path / "problems.yaml", problem_yaml(**changes))

    diagnostic = only(load_error(tmp_path), code)

    assert (diagnostic.location.path, diagnostic.location.line) == (str(path), line)
    assert diagnostic.message == message
    assert diagnostic.help == help


def test_a_record_with_several_problems_reports_them_all(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("problems", "interviews"))
    write(
        tmp_path / "problems.yaml",
        problem_yaml(severity="huge", found_on="yesterday", deadlin="x", status=None),
    )

    error = load_error(tmp_path)

    assert sorted((line, code) for _, line, code in places(error)) == [
        (1, "fact-missing-field"),
        (5, "fact-field"),
        (6, "fact-field"),
        (8, "fact-unknown-field"),
    ]


def test_crossed_dates_of_a_chief_are_an_invalid_record(tmp_path: Path) -> None:
    chiefs = [dict(RECORDS["chiefs"][1], in_post_to="2023-01-01")]
    write_office(tmp_path, skip=("chiefs", "problems", "interviews"))
    path = write(tmp_path / "chiefs.jsonl", as_jsonl(chiefs))

    diagnostic = only(load_error(tmp_path), "fact-invalid")

    assert (diagnostic.location.path, diagnostic.location.line) == (str(path), 1)
    assert diagnostic.message == "chief 'C-2': in_post_to 2023-01-01 is before in_post_from 2024-06-01"


# --- keys and references --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignee", "help"),
    [("U-99", ""), ("U-22", "did you mean 'U-2'?")],
)
def test_a_reference_to_an_unknown_unit_names_file_and_line(tmp_path: Path, assignee: str, help: str) -> None:
    write_office(tmp_path, skip=("problems", "interviews"))
    path = write(tmp_path / "problems.yaml", problem_yaml(assignee=assignee))

    diagnostic = only(load_error(tmp_path), "fact-reference")

    assert (diagnostic.location.path, diagnostic.location.line) == (str(path), 9)
    assert diagnostic.message == f"problem 'P-7' field 'assignee': no unit has key '{assignee}'"
    assert diagnostic.help == help


@pytest.mark.parametrize("format", ["jsonl", "csv-utf8"])
def test_references_in_lists_are_checked_item_by_item(tmp_path: Path, format: str) -> None:
    write_office(tmp_path, format, skip=("interviews",))
    suffix, serialise, _ = FORMATS[format]
    interviews = [dict(RECORDS["interviews"][0], problems=["P-1", "P-404", "P-2", "P-405"])]
    path = write(tmp_path / f"interviews{suffix}", serialise(interviews))

    error = load_error(tmp_path)

    line = 2 if format == "csv-utf8" else 1
    row = "row 2: " if format == "csv-utf8" else ""
    assert [(d.location.path, d.location.line, d.code, d.message) for d in error.diagnostics] == [
        (
            str(path),
            line,
            "fact-reference",
            f"{row}interview 'I-1' field 'problems': no problem has key 'P-404'",
        ),
        (
            str(path),
            line,
            "fact-reference",
            f"{row}interview 'I-1' field 'problems': no problem has key 'P-405'",
        ),
    ]


def test_a_yaml_list_reference_points_at_its_item(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("problems", "interviews"))
    path = write(
        tmp_path / "problems.yaml",
        problem_yaml(escalated_to=["C-1", "C-3"]).replace('["C-1", "C-3"]', "\n    - C-1\n    - C-3"),
    )

    diagnostic = only(load_error(tmp_path), "fact-reference")

    assert (diagnostic.location.path, diagnostic.location.line) == (str(path), 11)
    assert diagnostic.message == "problem 'P-7' field 'escalated_to': no chief has key 'C-3'"


def test_an_invalid_record_still_has_its_references_checked(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("problems", "interviews"))
    write(tmp_path / "problems.yaml", problem_yaml(severity="huge", office="U-404"))

    assert sorted(code for _, _, code in places(load_error(tmp_path))) == ["fact-field", "fact-reference"]


def test_references_to_an_invalid_record_are_not_reported_again(tmp_path: Path) -> None:
    units = [RECORDS["units"][0], dict(RECORDS["units"][1], type="ministry")]
    write_office(tmp_path, skip=("units",))
    write(tmp_path / "units.yaml", as_yaml(units))

    assert places(load_error(tmp_path)) == [("units.yaml", 7, "fact-field")]  # not U-2's three referrers


def test_a_broken_file_does_not_flood_the_report_with_bad_references(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("units",))
    write(tmp_path / "units.json", '[{"key": "U-1", "name": "x", "type": "office"},\n {"key": "U-2",\n')

    assert places(load_error(tmp_path)) == [("units.json", 3, "json-syntax")]


def test_a_duplicate_key_names_both_places(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("problems",))
    first = write(tmp_path / "problems-2025.yaml", as_yaml(RECORDS["problems"]))
    second = write(tmp_path / "problems-2026.csv", as_csv([dict(RECORDS["problems"][1], category="另一个")]))

    error = load_error(tmp_path)

    diagnostic = only(error, "fact-duplicate-key")
    assert len(error.diagnostics) == 1
    assert (diagnostic.location.path, diagnostic.location.line) == (str(second), 2)
    assert diagnostic.message == "row 2: problem 'P-2' appears twice"
    assert diagnostic.help.startswith(f"the first problem 'P-2' is at {first}:15")


def test_a_duplicate_key_in_one_file(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("units",))
    path = write(tmp_path / "units.jsonl", as_jsonl(RECORDS["units"] + [RECORDS["units"][0]]))

    diagnostic = only(load_error(tmp_path), "fact-duplicate-key")

    assert (diagnostic.location.path, diagnostic.location.line) == (str(path), 3)
    assert diagnostic.help == f"the first unit 'U-1' is at {path}:1"


# --- malformed files ------------------------------------------------------------------------------

MALFORMED = [
    (
        "units.json",
        '[\n  {"key": "U-1", "name": "a", "type": "office"}\n  {"key": "U-2"}\n]\n',
        3,
        "json-syntax",
    ),
    ("units.json", '[\n  {"key": "U-1", "name": "a", "type": "office"},\n]\n', 3, "json-syntax"),
    ("units.json", '[\n  {"key": "U-1", "name": "a", "type": "office"', 2, "json-syntax"),
    ("units.json", '[{"key": "U-1", "name": "a", "type": "office"}]\n]\n', 2, "json-syntax"),
    ("units.json", '{"key": "U-1", "name": "a", "type": "office"}\n', 1, "fact-format"),
    (
        "units.json",
        '[\n  {"key": "U-1", "name": "a", "type": "office", "name": "b"}\n]\n',
        2,
        "json-duplicate-key",
    ),
    ("units.json", "[\n  [1, 2]\n]\n", 2, "fact-format"),
    ("units.jsonl", '{"key": "U-1", "name": "a", "type": "office"}\n{"key": "U-2",\n', 2, "json-syntax"),
    ("units.jsonl", '{"key": "U-1", "name": "a", "type": "office"} {"key": "U-2"}\n', 1, "json-syntax"),
    ("units.jsonl", '\n\n"U-1"\n', 3, "fact-format"),
    ("units.jsonl", '{"key": "U-1", "name": "a", "type": "office", "type": "x"}\n', 1, "json-duplicate-key"),
    ("units.jsonl", "[" * 100_000 + "\n", 1, "json-syntax"),
    ("units.jsonl", '{"key": "U-1", "n": ' + "9" * 5000 + "}\n", 1, "json-syntax"),
    ("units.yaml", "- key: U-1\n  name: a\n type: office\n", 3, "yaml-syntax"),
    ("units.yaml", "- key: U-1\n  name: [a\n", 3, "yaml-syntax"),
    ("units.yaml", "key: U-1\nname: a\n", 1, "fact-format"),
    ("units.yaml", "- U-1\n- U-2\n", 1, "fact-format"),
    ("units.yaml", "- key: U-1\n  key: U-2\n", 2, "yaml-duplicate-key"),
    ("units.yaml", "- {key: U-1, name: a, type: office, yes: 1}\n", 1, "fact-unknown-field"),  # not True
    ("units.yaml", "- key: !!python/object:os.system x\n", 1, "yaml-tag"),
    ("units.csv", 'key,name,type\nU-1,"a,office\nU-2,b,office\n', 2, "csv-syntax"),  # where the row starts
    ("units.csv", 'key,name,type\nU-1,"a"b,office\n', 2, "csv-syntax"),
    ("units.csv", "key,name,type\nU-1,a,office\nU-2,b,office,extra\n", 3, "csv-row"),
    ("units.csv", b"key,name,type\nU-1,\xff\xfe\xff,office\n", 2, "fact-encoding"),
    ("units.jsonl", b'{"key": "U-1"}\n{"key": "\x80\x80"}\n', 2, "fact-encoding"),
]


@pytest.mark.parametrize(("name", "content", "line", "code"), MALFORMED)
def test_malformed_files_are_diagnostics_with_a_line(
    tmp_path: Path, name: str, content: str | bytes, line: int, code: str
) -> None:
    write_office(tmp_path, skip=("units", "problems", "interviews"))
    path = write(tmp_path / name, content)

    error = load_error(tmp_path)

    assert (str(path), line, code) in [(d.location.path, d.location.line, d.code) for d in error.diagnostics]
    assert all(d.location.path == str(path) for d in error.diagnostics), error.render()


def test_a_json_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("units", "problems", "interviews"))
    write(tmp_path / "units.json", '[\n  {"key": "U-1", "name": "a" "type": "office"}\n]\n')

    diagnostic = only(load_error(tmp_path), "json-syntax")

    assert (diagnostic.location.line, diagnostic.location.column) == (2, 30)
    assert diagnostic.message == "not valid JSON: Expecting ',' delimiter"


def test_a_bad_line_of_json_lines_does_not_hide_the_other_lines(tmp_path: Path) -> None:
    write_office(tmp_path, skip=("units", "problems", "interviews"))
    write(
        tmp_path / "units.jsonl", '{"key": "U-1", "name": "a", "type": "officer"}\n{oops}\n{"key": "U-2"}\n'
    )

    assert places(load_error(tmp_path)) == [
        ("units.jsonl", 1, "fact-field"),
        ("units.jsonl", 2, "json-syntax"),
        ("units.jsonl", 3, "fact-missing-field"),
        ("units.jsonl", 3, "fact-missing-field"),
    ]


@pytest.mark.parametrize("name", ["units.yaml", "units.json", "units.jsonl", "units.csv"])
@pytest.mark.parametrize("content", ["", "\n\n", "   \n"])
def test_an_empty_file_holds_no_records(tmp_path: Path, name: str, content: str) -> None:
    write_office(tmp_path, skip=("units", "problems", "interviews"))
    write(tmp_path / name, content)
    write(tmp_path / "units.yml", as_yaml(RECORDS["units"]))

    assert len(load_facts([tmp_path]).of_kind("unit")) == 2


GARBAGE = [
    b"\x00\x01\x02",
    b"[",
    b"{",
    b"- [",
    b"\xef\xbb\xbf",
    b'"',
    b"- - -",
    b"*a",
    b"[1,",
    b"null",
    b"42",
]


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".jsonl", ".csv"])
@pytest.mark.parametrize("content", GARBAGE)
def test_garbage_is_a_checker_error_or_nothing_never_a_crash(
    tmp_path: Path, suffix: str, content: bytes
) -> None:
    write(tmp_path / f"problems{suffix}", content)
    try:
        facts = load_facts([tmp_path])
    except CheckerError as error:
        assert error.diagnostics
    else:
        assert len(facts) == 0


# --- paths ----------------------------------------------------------------------------------------


def test_an_explicitly_named_file_of_another_kind_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "problems.txt", "key: P-1\n")

    error = load_error(path)

    assert places(error) == [("problems.txt", 0, "fact-file-type")]
    assert ".yaml" in error.diagnostics[0].help


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    write_office(tmp_path / "office")
    assert places(load_error(tmp_path / "office", tmp_path / "nowhere")) == [("nowhere", 0, "fact-path")]


@pytest.mark.parametrize("files", [(), ("README.md",), ("notes.txt", ".problems.yaml")])
def test_no_fact_files_at_all_is_an_error(tmp_path: Path, files: tuple[str, ...]) -> None:
    for name in files:
        write(tmp_path / name, "- key: P-1\n")
    diagnostic = only(load_error(tmp_path), "fact-no-files")
    assert diagnostic.location.path == str(tmp_path)


def test_no_paths_at_all_is_an_error() -> None:
    assert [d.code for d in load_error().diagnostics] == ["fact-no-files"]


# --- all errors together --------------------------------------------------------------------------


def test_errors_in_several_files_are_reported_together_and_sorted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_office(tmp_path, skip=("units", "problems", "chiefs"))
    write(tmp_path / "units.csv", "key,name,type\nU-1,河长办,office\nU-2,水务局,bureau\n")
    write(tmp_path / "chiefs.jsonl", as_jsonl([dict(RECORDS["chiefs"][0], waterbodies=["W-1", "W-3"])]))
    write(tmp_path / "problems.yaml", problem_yaml(found_on="2026-13-45", assignee="U-2"))
    write(tmp_path / "notes.txt", "ignored")
    write(tmp_path / "problem-extra.json", "[]")

    error = load_error(tmp_path, tmp_path / "notes.txt")

    # interviews.yaml refers to P-1 and P-2, which are not there: but problem-extra.json probably
    # holds problems, so references to problems are not checked until it is renamed
    assert places(error) == [
        ("chiefs.jsonl", 1, "fact-reference"),
        ("notes.txt", 0, "fact-file-type"),
        ("problem-extra.json", 0, "fact-file-kind"),
        ("problems.yaml", 6, "fact-field"),
        ("units.csv", 3, "fact-field"),
    ]
    assert error.diagnostics == sorted(error.diagnostics)
    assert capsys.readouterr() == ("", "")  # nothing printed
    rendered = error.render()
    assert rendered.index("chiefs.jsonl") < rendered.index("problems.yaml") < rendered.index("units.csv")


# --- digest ---------------------------------------------------------------------------------------


def test_the_digest_is_stable_and_does_not_depend_on_where_the_files_are(tmp_path: Path) -> None:
    original = write_office(tmp_path / "one" / "office")
    write(original / "2026" / "problems-extra.csv", as_csv([dict(RECORDS["problems"][1], key="P-3")]))
    copy = tmp_path / "elsewhere" / "deeper" / "copy"
    shutil.copytree(original, copy)

    first, again, copied = load_facts([original]), load_facts([original]), load_facts([str(copy)])

    assert len(first.digest) == 64 and int(first.digest, 16) >= 0
    assert first.digest == again.digest == copied.digest
    assert first.sources != copied.sources
    assert str(tmp_path) not in first.digest


@pytest.mark.parametrize("change", ["byte", "rename", "add"])
def test_the_digest_changes_with_the_content(tmp_path: Path, change: str) -> None:
    office = write_office(tmp_path)
    before = load_facts([office]).digest
    if change == "byte":
        write(office / "units.yaml", as_yaml(RECORDS["units"]).replace("区水务局", "区水利局"))
    elif change == "rename":
        (office / "units.yaml").rename(office / "units-2026.yaml")
    else:
        write(office / "problems-more.jsonl", "\n")
    assert load_facts([office]).digest != before
