"""The scan history: new, persisting, regressed and resolved findings across nights; one-transaction
writes; schema versions and migrations; `rivercheck history`.

Three nights on a copy of the demo district:
  2026-11-26  the demo as it is (P-010, deadline 11-26, is due soon)
  2026-11-27  P-001 (overdue) signed off, P-038 (overdue) added; P-010 falls due: due soon no more,
              overdue now
  2026-11-28  the demo as it is again: P-001 is back, P-038 is gone
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.errors import CheckerError
from checker.results.document import ScanResult
from checker.scan import scan
from checker.state import history as history_module
from checker.state.history import (
    HISTORY_DEFAULT,
    MIGRATIONS,
    History,
    annotate,
    open_history,
    record,
)
from checker.state.trend import ScanSummary, render_history, scans, sparkline

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "district"
RULES = ROOT / "rules"
NIGHT_1, NIGHT_2, NIGHT_3, NIGHT_4 = (dt.date(2026, 11, day) for day in (26, 27, 28, 29))

P001_OPEN = "deadline: 2026-09-30, status: in_progress}"
P001_SIGNED_OFF = "deadline: 2026-09-30, status: signed_off, signed_off_on: 2026-11-27, verified: true}"
P038 = (
    "- {key: P-038, waterbody: W-12, source: patrol, category: 违章搭建, severity: general,"
    " found_on: 2026-10-01, office: U-OFFICE, assignee: U-GREEN, deadline: 2026-11-20,"
    " status: in_progress}\n"
)


def scan_night(folder: Path, as_of: dt.date) -> ScanResult:
    return scan([folder], RULES, as_of)


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date, ScanResult]:
    """The scans of four nights (see the module docstring; the fourth is the demo as it is)."""
    folder = tmp_path_factory.mktemp("demo") / "district"
    shutil.copytree(DEMO, folder)
    problems = folder / "problems.yaml"
    original = problems.read_text(encoding="utf-8")
    assert original.count(P001_OPEN) == 1
    first = scan_night(folder, NIGHT_1)
    problems.write_text(original.replace(P001_OPEN, P001_SIGNED_OFF) + P038, encoding="utf-8")
    second = scan_night(folder, NIGHT_2)
    problems.write_text(original, encoding="utf-8")
    return {
        NIGHT_1: first,
        NIGHT_2: second,
        NIGHT_3: scan_night(folder, NIGHT_3),
        NIGHT_4: scan_night(folder, NIGHT_4),
    }


@pytest.fixture
def db(tmp_path: Path) -> Iterator[History]:
    with open_history(tmp_path / "history.sqlite") as opened:
        yield opened


def states(result: ScanResult) -> dict[tuple[str, str], tuple[str, dt.date, int]]:
    found: dict[tuple[str, str], tuple[str, dt.date, int]] = {}
    for finding in result.findings:
        assert finding.history is not None
        found[(finding.rule, finding.subject)] = (
            finding.history.state,
            finding.history.first_seen,
            finding.history.days_open,
        )
    return found


def dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


# --- annotate -----------------------------------------------------------------------------------


def test_first_scan_has_every_finding_new_and_no_previous_scan(
    nights: dict[dt.date, ScanResult], db: History
) -> None:
    result = annotate(nights[NIGHT_1], db)
    assert result.previous_scan is None
    assert result.resolved == []
    assert set(states(result).values()) == {("new", NIGHT_1, 0)}


def test_second_night_shows_new_persisting_and_resolved(
    nights: dict[dt.date, ScanResult], db: History
) -> None:
    record(annotate(nights[NIGHT_1], db), db)
    result = annotate(nights[NIGHT_2], db)

    assert result.previous_scan == NIGHT_1
    found = states(result)
    assert {key for key, state in found.items() if state[0] == "new"} == {
        ("RECT-OVERDUE", "P-010"),  # falls due on 11-26, overdue from 11-27
        ("RECT-OVERDUE", "P-038"),  # added
    }
    assert all(state == ("new", NIGHT_2, 0) for state in found.values() if state[0] == "new")
    persisting = {key: state for key, state in found.items() if state[0] != "new"}
    assert set(persisting.values()) == {("persisting", NIGHT_1, 1)}
    # all of the first night but P-001 (signed off) and P-010's due-soon finding (overdue now)
    assert len(persisting) == len(nights[NIGHT_1].findings) - 2
    assert ("ESC-INDIVIDUAL", "P-028") in persisting

    resolved_by_key = {(r.rule, r.subject): r for r in result.resolved}
    assert set(resolved_by_key) == {("RECT-OVERDUE", "P-001"), ("RECT-DUE-SOON", "P-010")}
    resolved = resolved_by_key["RECT-OVERDUE", "P-001"]
    overdue_p001 = next(f for f in nights[NIGHT_1].findings if f.subject == "P-001")
    assert (resolved.rule, resolved.subject, resolved.fingerprint) == (
        "RECT-OVERDUE",
        "P-001",
        overdue_p001.fingerprint,
    )
    assert (resolved.first_seen, resolved.last_seen) == (NIGHT_1, NIGHT_1)
    assert (resolved.article, resolved.severity, resolved.responsible) == (25, "high", "U-WATER")
    assert resolved.message == overdue_p001.message


def test_rerunning_a_night_gives_the_same_bytes(nights: dict[dt.date, ScanResult], db: History) -> None:
    record(annotate(nights[NIGHT_1], db), db)
    before_recording = annotate(nights[NIGHT_2], db).to_json()
    record(annotate(nights[NIGHT_2], db), db)
    assert annotate(nights[NIGHT_2], db).to_json() == before_recording
    record(annotate(nights[NIGHT_2], db), db)  # the night re-run and recorded again
    assert annotate(nights[NIGHT_2], db).to_json() == before_recording
    record(nights[NIGHT_3], db)  # a later night does not change an earlier one's report
    assert annotate(nights[NIGHT_2], db).to_json() == before_recording


def test_a_resolved_finding_that_comes_back_is_regressed(
    nights: dict[dt.date, ScanResult], db: History
) -> None:
    record(nights[NIGHT_1], db)
    record(nights[NIGHT_2], db)
    result = annotate(nights[NIGHT_3], db)

    found = states(result)
    assert found[("RECT-OVERDUE", "P-001")] == ("regressed", NIGHT_3, 0)
    assert found[("RECT-OVERDUE", "P-010")] == ("persisting", NIGHT_2, 1)
    assert found[("ESC-INDIVIDUAL", "P-028")] == ("persisting", NIGHT_1, 2)
    assert [(r.subject, r.first_seen, r.last_seen) for r in result.resolved] == [("P-038", NIGHT_2, NIGHT_2)]


def test_a_regressed_finding_starts_a_new_streak(nights: dict[dt.date, ScanResult], db: History) -> None:
    for night in (NIGHT_1, NIGHT_2, NIGHT_3):
        record(nights[night], db)
    found = states(annotate(nights[NIGHT_4], db))
    assert found[("RECT-OVERDUE", "P-001")] == ("persisting", NIGHT_3, 1)
    assert found[("ESC-INDIVIDUAL", "P-028")] == ("persisting", NIGHT_1, 3)


def test_a_night_without_a_scan_does_not_break_a_streak(
    nights: dict[dt.date, ScanResult], db: History
) -> None:
    record(nights[NIGHT_1], db)
    found = states(annotate(nights[NIGHT_3], db))  # 11-27 was never scanned
    assert found[("ESC-INDIVIDUAL", "P-028")] == ("persisting", NIGHT_1, 2)
    assert annotate(nights[NIGHT_3], db).previous_scan == NIGHT_1


def test_resolved_findings_are_in_report_order(nights: dict[dt.date, ScanResult], db: History) -> None:
    record(nights[NIGHT_2], db)
    empty = nights[NIGHT_3].model_copy(update={"findings": []})
    result = annotate(empty, db)
    assert [r.fingerprint for r in result.resolved] == [f.fingerprint for f in nights[NIGHT_2].findings]


# --- record -------------------------------------------------------------------------------------


def test_recording_a_night_again_replaces_it(nights: dict[dt.date, ScanResult], db: History) -> None:
    record(nights[NIGHT_2], db)
    record(nights[NIGHT_1].model_copy(update={"stamp": nights[NIGHT_2].stamp}), db)  # re-run, other facts
    [summary] = scans(db)
    assert summary.as_of == NIGHT_2
    assert summary.total == len(nights[NIGHT_1].findings)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("failure", [Interrupted, KeyboardInterrupt])
@pytest.mark.parametrize("night", [NIGHT_2, NIGHT_1], ids=["new-night", "rerun-of-a-stored-night"])
def test_an_interrupted_write_leaves_the_database_as_it_was(
    nights: dict[dt.date, ScanResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: type[BaseException],
    night: dt.date,
) -> None:
    path = tmp_path / "history.sqlite"
    with open_history(path) as db:
        record(nights[NIGHT_1], db)
    before = dump(path)
    written: list[object] = []
    real_row = history_module._finding_row

    def failing_row(*args: object) -> object:
        if len(written) == 3:  # the scan row and three findings are in; then the job dies
            raise failure()
        written.append(args)
        return real_row(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(history_module, "_finding_row", failing_row)
    with open_history(path) as db, pytest.raises(failure):
        record(nights[night], db)
    assert len(written) == 3
    assert dump(path) == before
    monkeypatch.undo()
    with open_history(path) as db:  # and the database still works
        record(nights[night], db)
        assert [s.as_of for s in scans(db)] == sorted({NIGHT_1, night})


def test_record_stores_no_wall_clock_time_in_reports(
    nights: dict[dt.date, ScanResult], tmp_path: Path
) -> None:
    texts = []
    for name in ("a", "b"):
        with open_history(tmp_path / name / "history.sqlite") as db:
            record(nights[NIGHT_1], db)
            db.connection.execute("UPDATE scans SET recorded_at = ?", (name,))
            texts.append(annotate(nights[NIGHT_2], db).to_json() + render_history(scans(db)))
    assert texts[0] == texts[1]


# --- opening, versions and migrations -----------------------------------------------------------


def test_open_creates_folders_and_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "history.sqlite"
    with open_history(path) as db:
        assert db.connection.execute("SELECT version FROM schema_version").fetchall() == [(len(MIGRATIONS),)]
        tables = {r[0] for r in db.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"schema_version", "scans", "findings"} <= tables
    with open_history(path) as db:  # opening again changes nothing
        assert db.connection.execute("SELECT count(*) FROM schema_version").fetchone() == (1,)
    assert Path(".rivercheck/history.sqlite") == HISTORY_DEFAULT


def test_a_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with open_history(path) as db:
        db.connection.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS) + 1,))
    before = path.read_bytes()
    with pytest.raises(CheckerError) as raised:
        open_history(path)
    [diagnostic] = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.location.path) == ("history-db", str(path))
    assert f"schema version {len(MIGRATIONS) + 1}" in diagnostic.message
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.write_text("problems: not a database, just text\n" * 100, encoding="utf-8")
    with pytest.raises(CheckerError) as raised:
        open_history(path)
    [diagnostic] = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.location.path) == ("history-db", str(path))
    assert "not a rivercheck history database" in diagnostic.message


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE accounts (id INTEGER)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(CheckerError) as raised:
        open_history(path)
    assert raised.value.diagnostics[0].code == "history-db"
    assert str(path) in raised.value.render()
    assert path.read_bytes() == before


def test_an_older_schema_is_migrated_keeping_its_scans(
    nights: dict[dt.date, ScanResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite"
    with open_history(path) as db:
        record(nights[NIGHT_1], db)
    migration = "ALTER TABLE scans ADD COLUMN note TEXT;\nUPDATE scans SET note = 'migrated';"
    monkeypatch.setattr(history_module, "MIGRATIONS", [*MIGRATIONS, migration])
    with open_history(path) as db:
        assert db.connection.execute("SELECT version FROM schema_version").fetchone() == (
            len(MIGRATIONS) + 1,
        )
        assert db.connection.execute("SELECT as_of, note FROM scans").fetchall() == [
            (NIGHT_1.isoformat(), "migrated")
        ]
        assert [s.total for s in scans(db)] == [len(nights[NIGHT_1].findings)]


def test_a_failing_migration_leaves_the_file_unchanged(
    nights: dict[dt.date, ScanResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite"
    with open_history(path) as db:
        record(nights[NIGHT_1], db)
    before = dump(path)
    migration = "ALTER TABLE scans ADD COLUMN note TEXT;\nUPDATE no_such_table SET x = 1;"
    monkeypatch.setattr(history_module, "MIGRATIONS", [*MIGRATIONS, migration])
    with pytest.raises(CheckerError) as raised:
        open_history(path)
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "history-db"
    assert f"from schema version {len(MIGRATIONS)} to {len(MIGRATIONS) + 1}" in diagnostic.message
    assert dump(path) == before


def test_a_reader_does_not_create_a_missing_history(tmp_path: Path) -> None:
    path = tmp_path / "none" / "history.sqlite"
    with pytest.raises(CheckerError) as raised:
        open_history(path, create=False)
    assert (raised.value.diagnostics[0].code, raised.value.diagnostics[0].location.path) == (
        "history-db",
        str(path),
    )
    assert not path.parent.exists()


def test_a_path_in_a_file_is_an_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(CheckerError) as raised:
        open_history(blocker / "history.sqlite")
    assert raised.value.diagnostics[0].code == "history-db"
    assert raised.value.diagnostics[0].location.path == str(blocker / "history.sqlite")


# --- rivercheck history -------------------------------------------------------------------------


def test_scans_summarise_each_night(nights: dict[dt.date, ScanResult], db: History) -> None:
    for night in (NIGHT_1, NIGHT_2, NIGHT_3):
        record(nights[night], db)
    summaries = scans(db)
    n1 = len(nights[NIGHT_1].findings)
    rules_version = nights[NIGHT_1].stamp.rules_version
    first = dict(Counter(f.severity for f in nights[NIGHT_1].findings))
    assert first["critical"] == 1 and first["info"] >= 1
    # night 2: P-001 (high) resolved, P-038 (high) added, P-010 due soon (info) -> overdue (high)
    later = {**first, "high": first["high"] + 1, "info": first["info"] - 1}
    assert summaries == [
        ScanSummary(NIGHT_1, rules_version, n1, first, n1, 0, 0),
        ScanSummary(NIGHT_2, rules_version, n1, later, 2, 0, 2),
        ScanSummary(NIGHT_3, rules_version, n1, later, 0, 1, 1),
    ]


def test_render_history_in_chinese_and_english(nights: dict[dt.date, ScanResult], db: History) -> None:
    for night in (NIGHT_1, NIGHT_2, NIGHT_3):
        record(nights[night], db)
    rules = nights[NIGHT_1].stamp.rules_version
    n = len(nights[NIGHT_1].findings)  # the same on the three nights (see test_scans_summarise_each_night)
    c = Counter(f.severity for f in nights[NIGHT_1].findings)
    one = f"严重 {c['critical']} 高 {c['high']} 中 {c['medium']} 低 {c['low']} 提示 {c['info']}"
    two = f"严重 {c['critical']} 高 {c['high'] + 1} 中 {c['medium']} 低 {c['low']} 提示 {c['info'] - 1}"
    zh = render_history(scans(db))
    assert zh.splitlines() == [
        "检查历史（3次）",
        f"  2026-11-26  共{n}项 ({one})  新增 {n} · 已解决 0  规则版本 {rules}",
        f"  2026-11-27  共{n}项 ({two})  新增 2 · 已解决 2  规则版本 {rules}",
        f"  2026-11-28  共{n}项 ({two})  新增 0 · 复发 1 · 已解决 1  规则版本 {rules}",
        "",
        f"趋势（最近3次，每次的问题数）: ███  {n} → {n}",
    ]
    en = render_history(scans(db), "en")
    assert en.splitlines()[0] == "Scan history (3 scans)"
    assert en.splitlines()[3] == (
        f"  2026-11-28  {n} findings (critical {c['critical']} high {c['high'] + 1} medium {c['medium']}"
        f" low {c['low']} info {c['info'] - 1})  new 0 · regressed 1 · resolved 1  rules {rules}"
    )
    assert render_history([]) == "尚无检查记录。\n"
    assert render_history([], "en") == "No scans recorded yet.\n"


def test_sparkline_scales_from_zero_to_the_largest() -> None:
    assert sparkline([0, 7, 14]) == "▁▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""
